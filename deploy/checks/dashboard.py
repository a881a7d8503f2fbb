#!/usr/bin/env python3
"""What scripts/check-deploy checks in the Grafana dashboard (deploy/grafana) and the ConfigMap that
ships it, and the PromQL reading the dashboard test (PrometheusDashboardTests) relies on.

  dashboard.py check DASHBOARD            the dashboard: structure, variables, every panel's expressions
  dashboard.py configmap RENDERED DASHBOARD   the rendered ConfigMap carries DASHBOARD for the Grafana sidecar
  dashboard.py metrics                    PromQL expressions on standard input, one a line: for each, one
                                          JSON line {"metrics": [names it selects]} or {"error": why}

check and configmap print one line per problem and exit 1 if there is any. Expressions are parsed
with promql-parser (the PromQL grammar of Prometheus, in Rust), after the template variables are
replaced by sample values as Grafana would replace them.
"""

import json
import pathlib
import re
import sys

import promql_parser
import yaml

# The metrics Tusk serves on /metrics (README, "/metrics"): request histograms after the OpenTelemetry
# semantic conventions 1.44, and the agent's own counters and gauges.
HISTOGRAMS = {
    "db_client_operation_duration_seconds",
    "db_client_response_returned_rows",
    "tusk_db_server_operation_duration_seconds",
}
AGENT_METRICS = {
    "tusk_metric_overflow_total", "tusk_records_read_total", "tusk_spans_emitted_total",
    "tusk_spans_exported_total", "tusk_export_retries_total", "tusk_spans_unsampled_total",
    "tusk_invalid_traceparents_total", "tusk_kernel_records_total", "tusk_kernel_records_lost_total",
    "tusk_connections_opened_total", "tusk_connections_midstream_total", "tusk_connections_encrypted_total",
    "tusk_connections_closed_total", "tusk_unmatched_responses_total", "tusk_dropped_total",
    "tusk_queue_spans", "tusk_kernel_connections", "tusk_kernel_requests_in_flight",
}
KNOWN_METRICS = {h + suffix for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")} | AGENT_METRICS
# Metrics with a service_name label: a panel over them must honour the dashboard's service choice.
PER_SERVICE = {name for name in KNOWN_METRICS if name.startswith(tuple(HISTOGRAMS))}

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Grafana's own variables, replaced by sample values of the right kind for parsing.
BUILT_IN = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h", "__range_s": "3600"}
SIDECAR_LABEL = ("grafana_dashboard", "1")
CONFIG_MAP_NAME = "tusk-grafana-dashboard"
# kubectl apply (client side) copies the object into its last-applied annotation, and all annotations
# of an object together may hold 256 KiB.
APPLY_LIMIT = 262144
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


def substitute(expr, values):
    """expr with every $name, ${name}, ${name:format} and [[name]] replaced from values; unknown names
    are left in place (and then fail to parse)."""
    def replace(match):
        name = match.group(1) or match.group(2) or match.group(3)
        return values.get(name, match.group(0))
    return VARIABLE.sub(replace, expr)


def variables_in(expr):
    return {m.group(1) or m.group(2) or m.group(3) for m in VARIABLE.finditer(expr)}


def selectors(expr):
    """Every vector selector in expr as (metric name or None, {label: (operator, value)}); raises
    ValueError when expr is not PromQL."""
    found = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            matchers = {m.name: (str(m.op).rsplit(".", 1)[-1], m.value) for m in node.matchers.matchers}
            found.append((node.name, matchers))
    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def metric_names(expr):
    names = set()
    for name, matchers in selectors(expr):
        if name is None and "__name__" in matchers:
            operator, value = matchers["__name__"]
            if operator == "Equal":
                name = value
            else:
                # a regex over names: the alternatives it spells out
                names |= set(value.split("|"))
                continue
        if name is not None:
            names.add(name)
    return names


def panels_of(dashboard):
    """Every panel, those inside (collapsed) rows included, rows themselves too."""
    for panel in dashboard.get("panels", []):
        yield panel
        for inner in panel.get("panels", []):
            yield inner


def datasource_problems(node, where):
    """A hard-coded datasource uid anywhere makes the dashboard useless on any other Grafana."""
    problems = []
    if isinstance(node, dict):
        source = node.get("datasource")
        if source is not None and source != DATASOURCE and not (isinstance(source, dict) and source.get("type") == "grafana"):
            problems.append(f"{where}: datasource {json.dumps(source)} is not the $datasource variable "
                            f"({json.dumps(DATASOURCE)})")
        for key, value in node.items():
            if key != "datasource":
                problems += datasource_problems(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems += datasource_problems(value, f"{where}[{index}]")
    return problems


def expression_problems(expr, where, sample, per_service=True):
    """expr parses once its variables are replaced by sample values, names only metrics Tusk serves
    and, over request metrics, keeps to the chosen services (per_service)."""
    unknown = variables_in(expr) - set(sample)
    if unknown:
        return [f"{where}: unknown variables {sorted(unknown)} in {expr!r}"]
    try:
        found = selectors(substitute(expr, sample))
    except (ValueError, TypeError) as error:
        return [f"{where}: not PromQL ({error}): {expr!r}"]
    problems = []
    for name, matchers in found:
        names = metric_names(substitute(expr, sample)) if name is None else {name}
        missing = names - KNOWN_METRICS
        if missing:
            problems.append(f"{where}: {sorted(missing)} is not a metric Tusk serves")
        if per_service and names & PER_SERVICE and matchers.get("service_name") != ("Re", sample["service"]):
            problems.append(f"{where}: the selector of {sorted(names)} must filter service_name=~\"$service\"")
    return problems


def check(path):
    problems = []
    try:
        dashboard = json.loads(pathlib.Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        return [f"{path}: not JSON: {error}"]
    for key in ("uid", "title", "schemaVersion", "refresh", "time", "panels", "templating"):
        if not dashboard.get(key):
            problems.append(f"{path}: no {key}")
    if "__inputs" in dashboard:
        problems.append(f"{path}: __inputs (an export for sharing) cannot be provisioned; use the $datasource variable")
    if dashboard.get("id") is not None:
        problems.append(f"{path}: id must be null (Grafana assigns it; the uid identifies the dashboard)")
    problems += datasource_problems(dashboard, path)

    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    source = variables.get("datasource", {})
    if source.get("type") != "datasource" or source.get("query") != "prometheus":
        problems.append(f"{path}: needs a variable 'datasource' of type datasource over prometheus")
    # each variable's sample value names it, so a selector can be traced back to its variable
    sample = dict(BUILT_IN) | {name: f"sample_{name}" for name in variables}
    sample.setdefault("service", "sample_service")
    service = variables.get("service", {})
    for name, variable in variables.items():
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query or "", re.S)
        if not match:
            problems.append(f"{path}: variable {name}: {query!r} is not label_values(selector, label)")
            continue
        problems += expression_problems(match.group(1), f"{path}: variable {name}", sample, per_service=False)
        if variable.get("definition") != query:
            problems.append(f"{path}: variable {name}: definition differs from its query")
    if service.get("type") != "query" or not re.fullmatch(
            r"label_values\(.*,\s*service_name\)", str((service.get("query") or {}).get("query", "")), re.S):
        problems.append(f"{path}: needs a variable 'service' of label_values(…, service_name)")

    ids, cells = set(), {}
    for panel in panels_of(dashboard):
        title = panel.get("title") or "(untitled)"
        where = f"{path}: panel {panel.get('id')} {title!r}"
        if panel.get("id") in ids:
            problems.append(f"{where}: id used twice")
        ids.add(panel.get("id"))
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")) or grid["x"] + grid["w"] > 24:
            problems.append(f"{where}: gridPos {grid} is not within the 24 columns")
        else:
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    if (x, y) in cells:
                        problems.append(f"{where}: overlaps panel {cells[(x, y)]}")
                        break
                    cells[(x, y)] = panel.get("id")
                else:
                    continue
                break
        if panel.get("type") == "row":
            continue
        if not panel.get("description"):
            problems.append(f"{where}: no description (the panel's help)")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"{where}: no query")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            problems.append(f"{where}: refIds {refs} repeat")
        for target in targets:
            expr = (target.get("expr") or "").strip()
            if not expr:
                problems.append(f"{where}: query {target.get('refId')} has no expression")
                continue
            problems += expression_problems(expr, f"{where} query {target.get('refId')}", sample)
            if panel.get("type") == "timeseries" and not target.get("legendFormat"):
                problems.append(f"{where}: query {target.get('refId')} has no legend")
        if panel.get("type") in ("timeseries", "stat") and not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"{where}: no unit")
    return problems


def configmap(rendered, dashboard_path):
    """The rendered output holds the sidecar's ConfigMap with DASHBOARD as it is in the repository."""
    expected = pathlib.Path(dashboard_path).read_text()
    key = pathlib.Path(dashboard_path).name
    documents = [d for d in yaml.safe_load_all(pathlib.Path(rendered).read_text()) if d]
    maps = [d for d in documents if d.get("kind") == "ConfigMap" and key in d.get("data", {})]
    if len(maps) != 1:
        return [f"{rendered}: {len(maps)} ConfigMaps carry {key}, not one"]
    config_map = maps[0]
    where = f"{rendered}: ConfigMap {config_map['metadata']['name']}"
    problems = []
    label, value = SIDECAR_LABEL
    if config_map["metadata"].get("labels", {}).get(label) != value:
        problems.append(f"{where}: needs the label {label}: \"{value}\" the Grafana sidecar looks for")
    if config_map["metadata"]["name"] != CONFIG_MAP_NAME:
        problems.append(f"{where}: must be named {CONFIG_MAP_NAME} (no hash suffix: a renamed copy would leave "
                        "the old one behind, two dashboards with one uid)")
    if config_map["data"][key] != expected:
        problems.append(f"{where}: {key} differs from {dashboard_path}")
    size = len(json.dumps(config_map))
    if size >= APPLY_LIMIT:
        problems.append(f"{where}: {size} bytes, too large for kubectl apply's last-applied annotation")
    return problems


def metrics(lines):
    for line in lines:
        expr = line.strip()
        if not expr:
            continue
        try:
            print(json.dumps({"metrics": sorted(metric_names(expr))}))
        except (ValueError, TypeError) as error:
            print(json.dumps({"error": str(error)}))
    return 0


def main(argv):
    if argv[:1] == ["metrics"]:
        return metrics(sys.stdin)
    if len(argv) == 2 and argv[0] == "check":
        problems = check(argv[1])
    elif len(argv) == 3 and argv[0] == "configmap":
        problems = configmap(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
