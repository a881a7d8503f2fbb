#!/usr/bin/env python3
"""What scripts/check-deploy checks beyond schemas and linters: the privileges and settings
Tusk's manifests promise (docs/deploying.md), and the Dockerfile rules the image relies on.

  policy.py manifests ROOT            list the complete manifests under ROOT (not kustomizations, not patches)
  policy.py rendered FILE [--allow CAP] [--no-tusk]   check rendered manifests (kubectl kustomize output)
  policy.py dockerfile DOCKERFILE CONTEXT     check a Dockerfile and its build context

Prints one line per problem and exits 1 if there is any.
"""

import fnmatch
import json
import pathlib
import re
import sys

import yaml

# Capabilities every Tusk container holds, and the only extra one an opt-in component may add.
REQUIRED_CAPABILITIES = {"BPF", "PERFMON"}
OPTIONAL_CAPABILITIES = {"SYS_PTRACE"}
HOST_MOUNTS = {"/sys/kernel/tracing", "/sys/fs/cgroup"}
LISTEN = "--listen=0.0.0.0:9464"
SETTINGS = {
    "scope": {"pod", "node"},
    "side": {"client", "server", "both"},
    "query-text": {"sanitized", "raw", "off"},
}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"}


def manifests(root):
    """YAML files under root that are whole Kubernetes objects: kustomizations and the patches
    they name are not (patches are checked in the rendered output instead)."""
    root = pathlib.Path(root)
    kustomizations = list(root.rglob("kustomization.yaml"))
    patches = set()
    for kustomization in kustomizations:
        spec = yaml.safe_load(kustomization.read_text()) or {}
        for patch in spec.get("patches", []):
            if "path" in patch:
                patches.add((kustomization.parent / patch["path"]).resolve())
    files = sorted(p for p in root.rglob("*.yaml") if p.name != "kustomization.yaml" and p.resolve() not in patches)
    return [str(p) for p in files]


def pod_spec(document):
    if document.get("kind") == "Pod":
        return document.get("spec", {})
    if document.get("kind") == "Job":
        return document["spec"]["template"]["spec"]
    return document.get("spec", {}).get("template", {}).get("spec")


def setting(container, config_maps, name):
    """The value behind $(NAME) in the container's args: its env first, then envFrom."""
    for variable in container.get("env", []):
        if variable["name"] == name and "value" in variable:
            return variable["value"]
    for source in container.get("envFrom", []):
        reference = source.get("configMapRef", {}).get("name")
        if reference in config_maps and name in config_maps[reference]:
            return config_maps[reference][name]
    return None


def expanded_args(container, config_maps):
    """args with $(VAR) replaced as the kubelet would."""
    def replace(match):
        value = setting(container, config_maps, match.group(1))
        return value if value is not None else match.group(0)
    return [re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", replace, arg) for arg in container.get("args", [])]


def probe_problems(container, where):
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    problems = []
    for kind in ("readinessProbe", "livenessProbe"):
        probe = container.get(kind, {}).get("httpGet")
        if not probe:
            problems.append(f"{where}: no {kind} with httpGet")
            continue
        port = ports.get(probe.get("port"), probe.get("port"))
        if probe.get("path") != "/healthz" or port != 9464:
            problems.append(f"{where}: {kind} must be GET /healthz on 9464, not {probe.get('path')!r} on {port!r}")
    return problems


def tusk_problems(document, spec, container, config_maps, allowed):
    where = f"{document['kind']}/{document['metadata']['name']} container tusk"
    problems = []
    image = container.get("image", "")
    if ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
        problems.append(f"{where}: image {image!r} has no tag (is the kustomize images: entry applied?)")

    args = expanded_args(container, config_maps)
    if not args or args[0] != "run":
        problems.append(f"{where}: args must start with 'run', not {args[:1]}")
    if LISTEN not in args:
        problems.append(f"{where}: {LISTEN} missing (probes and /metrics need it)")
    values = {}
    for name, choices in SETTINGS.items():
        given = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
        if len(given) != 1 or given[0] not in choices:
            problems.append(f"{where}: --{name} must be one of {sorted(choices)}, got {given}")
        else:
            values[name] = given[0]
    if values.get("scope") == "pod":
        uid = [v for v in container.get("env", []) if v["name"] == "K8S_POD_UID"]
        if not uid or uid[0].get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "metadata.uid":
            problems.append(f"{where}: --scope=pod needs K8S_POD_UID from metadata.uid (private cgroup namespaces)")

    if not spec.get("hostPID"):
        problems.append(f"{where}: the pod needs hostPID: true")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{where}: set automountServiceAccountToken: false (Tusk does not call the API server)")

    context = container.get("securityContext", {})
    if context.get("privileged"):
        problems.append(f"{where}: must not be privileged")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: allowPrivilegeEscalation must be false")
    if context.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: readOnlyRootFilesystem must be true")
    capabilities = context.get("capabilities", {})
    if capabilities.get("drop") != ["ALL"]:
        problems.append(f"{where}: capabilities.drop must be [ALL], not {capabilities.get('drop')}")
    added = set(capabilities.get("add", []))
    if not REQUIRED_CAPABILITIES <= added:
        problems.append(f"{where}: capabilities.add lacks {sorted(REQUIRED_CAPABILITIES - added)}")
    extra = added - REQUIRED_CAPABILITIES - (OPTIONAL_CAPABILITIES & allowed)
    if extra:
        problems.append(f"{where}: capabilities {sorted(extra)} are not part of Tusk's documented set")

    problems += probe_problems(container, where)
    resources = container.get("resources", {})
    if "memory" not in resources.get("limits", {}) or "memory" not in resources.get("requests", {}):
        problems.append(f"{where}: memory request and limit are required (BPF maps count against them)")

    host_paths = {v["name"] for v in spec.get("volumes", []) if "hostPath" in v}
    mounts = container.get("volumeMounts", [])
    for mount in mounts:
        if mount["name"] in host_paths and mount.get("readOnly") is not True:
            problems.append(f"{where}: host path mount {mount['mountPath']} must be readOnly")
    missing = HOST_MOUNTS - {m["mountPath"] for m in mounts if m["name"] in host_paths}
    if missing:
        problems.append(f"{where}: host mounts missing: {sorted(missing)}")
    return problems


def rendered(path, allowed, expect_tusk):
    documents = [d for d in yaml.safe_load_all(pathlib.Path(path).read_text()) if d]
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in documents if d["kind"] == "ConfigMap"}
    namespaces = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Namespace"}
    problems, tusk_count = [], 0
    for document in documents:
        if document["kind"] not in WORKLOAD_KINDS:
            continue
        spec = pod_spec(document)
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            where = f"{document['kind']}/{document['metadata']['name']} container {container['name']}"
            if container["name"] == "tusk":
                tusk_count += 1
                problems += tusk_problems(document, spec, container, config_maps, allowed)
                namespace = namespaces.get(document["metadata"].get("namespace"))
                if namespace is not None and namespace["metadata"].get("labels", {}).get(
                        "pod-security.kubernetes.io/enforce") != "privileged":
                    problems.append(f"{where}: namespace {namespace['metadata']['name']} must enforce the privileged "
                                    "Pod Security level (hostPID, hostPath, BPF capabilities)")
            elif spec.get("hostPID"):
                # Every container of a hostPID pod sees the node's processes: it gets no capabilities.
                context = container.get("securityContext", {})
                if context.get("privileged") or context.get("capabilities", {}).get("drop") != ["ALL"] \
                        or context.get("allowPrivilegeEscalation") is not False:
                    problems.append(f"{where}: shares a hostPID pod with Tusk, so it must drop ALL capabilities "
                                    "and disallow privilege escalation")
    if expect_tusk and tusk_count == 0:
        problems.append(f"{path}: no container named tusk")
    return problems


def instructions(dockerfile):
    """(line number, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    result, buffer, start = [], "", 0
    for number, line in enumerate(pathlib.Path(dockerfile).read_text().splitlines(), 1):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, arguments = buffer.partition(" ")
        result.append((start, keyword.upper(), arguments.strip()))
        buffer = ""
    return result


def excluded_by_dockerignore(context, path):
    """Docker's rule, simplified to the first path element: the last matching pattern wins."""
    ignore = pathlib.Path(context) / ".dockerignore"
    if not ignore.exists():
        return False
    excluded = False
    for pattern in ignore.read_text().splitlines():
        pattern = pattern.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern):
            excluded = not negated
    return excluded


def dockerfile(path, context):
    problems, stages = [], []
    steps = instructions(path)
    for number, keyword, arguments in steps:
        where = f"{path}:{number}"
        if keyword == "FROM":
            words = [w for w in arguments.split() if not w.startswith("--")]
            image = words[0]
            stages.append([])
            name = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in name or name.endswith(":latest")):
                problems.append(f"{where}: base image {image} must have a pinned tag, not latest or none")
        if stages:
            stages[-1].append((number, keyword, arguments))
        if keyword == "HEALTHCHECK":
            problems.append(f"{where}: no HEALTHCHECK: Kubernetes probes /healthz instead")
        if keyword == "RUN" and "apt-get install" in arguments:
            if "--no-install-recommends" not in arguments:
                problems.append(f"{where}: apt-get install without --no-install-recommends")
            if "rm -rf /var/lib/apt/lists/*" not in arguments:
                problems.append(f"{where}: apt lists must be removed in the same RUN")
        if keyword in ("COPY", "ADD") and "--from=" not in arguments:
            sources = arguments.split()[:-1]
            for source in (s for s in sources if not s.startswith("--")):
                matches = list(pathlib.Path(context).glob(source))
                if not matches:
                    problems.append(f"{where}: {source} does not exist in the build context {context}")
                for match in matches:
                    top = match.relative_to(context).parts[0]
                    if excluded_by_dockerignore(context, top):
                        problems.append(f"{where}: {top} is excluded by .dockerignore")
    final = stages[-1] if stages else []

    def last(keyword):
        found = [s for s in final if s[1] == keyword]
        return found[-1] if found else None

    user = last("USER")
    if not user or not re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user[2]):
        problems.append(f"{path}: the final stage must end with a numeric non-root USER")
    for keyword, expected in (("ENTRYPOINT", ["/usr/local/bin/tusk"]), ("CMD", ["run"])):
        step = last(keyword)
        try:
            value = json.loads(step[2]) if step else None
        except json.JSONDecodeError:
            value = None
        if value != expected:
            problems.append(f"{path}: {keyword} must be the exec form {json.dumps(expected)}")
    return problems


def main(argv):
    if len(argv) >= 2 and argv[0] == "manifests":
        print("\n".join(manifests(argv[1])))
        return 0
    if len(argv) >= 2 and argv[0] == "rendered":
        allowed = {argv[i + 1] for i, a in enumerate(argv) if a == "--allow" and i + 1 < len(argv)}
        problems = rendered(argv[1], allowed, expect_tusk="--no-tusk" not in argv)
    elif len(argv) == 3 and argv[0] == "dockerfile":
        problems = dockerfile(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
