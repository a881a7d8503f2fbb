#!/usr/bin/env python3
"""Parses a Prometheus text-format page (the agent's GET /metrics) from standard input with the
official client's parser (prometheus_client.parser.text_string_to_metric_families) and prints what it
read as one JSON object: {"families": {NAME: {"type": TYPE, "samples": [{"name", "labels", "value"}]}}}.
A page the parser refuses: the parser's words on standard error, exit 1. Used by
PrometheusDashboardTests.
"""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    page = sys.stdin.read()
    families = {}
    try:
        for family in text_string_to_metric_families(page):
            if family.name in families:
                raise ValueError(f"family {family.name} appears twice")
            families[family.name] = {
                "type": family.type,
                "samples": [{"name": s.name, "labels": s.labels,
                             "value": s.value if math.isfinite(s.value) else str(s.value)}
                            for s in family.samples],
            }
    except Exception as error:  # the parser raises ValueError, and others on malformed input
        print(f"not a Prometheus text page: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    json.dump({"families": families}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
