#!/usr/bin/env python3
"""check-dashboard.py: the shipped Grafana dashboard queries what mailsupd exports.

Usage: check-dashboard.py DASHBOARD_JSON SOURCE_ROOT

What mailsupd exports is read from its source, the same way it writes it:
each family of supervisor/metrics-page.c (prom_family(f, "mailsup_...")),
and mailsup_<name> for each probe value (probe_add_value(p, "<name>", ...)
in probes/*.c). Prometheus' own `up` is allowed. The dashboard must be
JSON with panels, every query must name only those metrics, and every
family of metrics-page.c must be shown somewhere: a renamed metric fails
here, not on an operator's screen. Prints what is wrong; exits 1 if anything.
"""
import glob
import json
import os
import re
import sys

PROMQL_WORDS = {"sum", "by", "count", "increase", "rate", "time", "vector", "or", "and", "unless", "on",
                "without", "max", "min", "avg", "label_values", "absent", "ignoring", "group_left",
                "group_right", "offset", "bool", "topk", "bottomk"}


def exported(root):
    page = open(os.path.join(root, "supervisor/metrics-page.c")).read()
    families = set(re.findall(r'prom_family\(\s*f,\s*"(mailsup_[a-z0-9_]+)"', page))
    values = set()
    for path in glob.glob(os.path.join(root, "probes/*.c")):
        text = open(path).read()
        for name in re.findall(r'probe_add_value\(\s*[^,()]+,\s*"([a-z0-9_]+)"', text, re.S):
            values.add("mailsup_" + name)
    return families, values


def queries(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "query" and node.get("type") == "datasource":
                continue  # a datasource variable's query is its plugin type
            if key in ("expr", "definition") and isinstance(value, str):
                yield value
            elif key == "query" and isinstance(value, (str, dict)):
                yield value if isinstance(value, str) else value.get("query", "")
            else:
                yield from queries(value)
    elif isinstance(node, list):
        for item in node:
            yield from queries(item)


def names_in(expr):
    expr = re.sub(r'\{[^}]*\}', "", expr)        # label matchers
    expr = re.sub(r'\[[^\]]*\]', "", expr)       # ranges
    expr = re.sub(r'"[^"]*"', "", expr)
    return {w for w in re.findall(r'[a-zA-Z_:][a-zA-Z0-9_:]*', expr)
            if w not in PROMQL_WORDS and not w.startswith("$") and not re.fullmatch(r"e\d*", w)}


def main():
    dashboard, root = sys.argv[1], sys.argv[2]
    families, values = exported(root)
    errors = []
    if len(families) < 10 or not values:
        errors.append("found only %d families and %d probe values in the source: the parser is out of date"
                      % (len(families), len(values)))
    d = json.load(open(dashboard))
    if not d.get("panels"):
        errors.append("no panels")
    shown = set()
    labels = {"instance", "check", "queue", "unit", "resource", "channel", "zone", "type", "state", "version"}
    for expr in queries(d):
        for name in names_in(expr) - labels:
            if name == "up" or name in families or name in values:
                shown.add(name)
            else:
                errors.append("query %r names %s, which mailsupd does not export" % (expr, name))
    for name in sorted(families - shown):
        errors.append("no panel shows %s" % name)
    for e in errors:
        print("check-dashboard: %s" % e)
    print("check-dashboard: %d queries, %d metrics shown (%d families, %d probe values exported)"
          % (len(list(queries(d))), len(shown), len(families), len(values)))
    sys.exit(1 if errors else 0)


main()
