#!/usr/bin/env python3
"""tests/bench/report.py - print run.sh's tables from its raw results.

Usage: report.py RESULTS.jsonl INTERVAL TIMEOUT HUNG_EVERY WINDOW

RESULTS.jsonl has one JSON object a line, written by run.sh:
  kind "window": one measuring window of one tool at one size; "a" and "b"
    are the peers' snapshots (smtp-peers.py) at its start and end, each with
    a sample of the tool (CPU, memory, fds) taken at the same moment;
    fd_min/fd_max: the tool's fd count sampled every 0.1 s in between;
  kind "tool": per tool and size, the fd counts between probes before and
    after the windows, hung connections still open at the peers afterwards,
    check failures logged for healthy checks, error lines of the tool's log;
  kind "floor": floor.c's figures at one size (conversations done, failed,
    its CPU seconds);
  kind "admin": mailsupd's start-up, a reload and `mailsupctl status` at one
    size (microseconds, null when not seen);
  kind "error": a tool that did not start or died.
"""

import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def window_figures(w):
    a, b = load(w["a"]), load(w["b"])
    ta, tb = a.get("tool"), b.get("tool")
    if not ta or not tb:
        return None  # the tool was gone at one end
    n = w["n"]
    hung = set(a["hung_capable"])
    healthy = [i for i in range(n) if i not in hung]
    dt = b["time"] - a["time"]
    minutes = dt / 60.0
    per_check = [(b["ehlo"][i] - a["ehlo"][i]) / minutes for i in healthy]
    attempts = sum(b["accepted"][i] - a["accepted"][i] for i in range(n))
    cpu_s = (tb["cpu_ticks"] - ta["cpu_ticks"]) / tb["clk_tck"]
    # per probe from the ns-precise sum_exec_runtime when the kernel has it
    exec_s = (tb["exec_ms"] - ta["exec_ms"]) / 1000.0 if tb["exec_ms"] else cpu_s
    return {
        "rate": sum(per_check) / len(per_check) if per_check else 0.0,
        "slowest": min(per_check) if per_check else 0.0,
        "n_hung": len([i for i in hung if i < n]),
        "cpu_ms_min": cpu_s * 1000.0 / minutes,
        "exec_ms_min": exec_s * 1000.0 / minutes,
        "cpu_us_probe": exec_s * 1e6 / attempts if attempts else float("nan"),
        "attempts_min": attempts / minutes,
        "peer_cpu_pct": (b["cpu"] - a["cpu"]) / dt * 100.0,
        "seconds": dt,
        "rss": tb["rss_kb"],
        "hwm": tb["hwm_kb"],
        "anon": tb["anon_kb"],
        "pss": tb.get("pss_kb", 0),
        "fd_min": min(w["fd_min"], ta["fds"], tb["fds"]),
        "fd_max": max(w["fd_max"], ta["fds"], tb["fds"]),
        "peers": {"ports": len(b["ports"]), "workers": b.get("workers", 1), "fd_limit": b.get("fd_limit"),
                  "max_open": b.get("max_open", 0)},
    }


def fmt_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for j, r in enumerate([header] + rows):
        cells = []
        for i, c in enumerate(r):
            c = str(c)
            cells.append(c.ljust(widths[i]) if i == 1 else c.rjust(widths[i]))
        out.append("  ".join(cells).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def summary(sizes, tool_order, windows, tools, floors):
    """The one table: each tool and the floor, side by side per size."""
    print()
    print("Summary (CPU: us of CPU per probe, clean window; rate: conversations per minute per healthy")
    print("check with 1 peer in 5 hung; memory: KiB at the end of the hung window; fds: most seen)")
    rows = []
    for n in sizes:
        fl = floors.get(n)
        floor_us = fl["cpu_s"] * 1e6 / fl["done"] if fl and fl["done"] else None
        for t in tool_order:
            w = windows.get((n, t), {})
            c, h = w.get("clean"), w.get("hung")
            if not c and not h:
                continue
            last = h or c
            us = c["cpu_us_probe"] if c else None
            rows.append([
                n, t,
                f"{us:.0f}" if us is not None else "-",
                f"{us / floor_us:.2f}" if us is not None and floor_us else "-",
                f"{h['rate']:.2f}" if h else "-",
                last["anon"], last.get("pss") or "-",
                max(x["fd_max"] for x in (c, h) if x),
            ])
        if fl:
            rows.append([n, "floor", f"{floor_us:.0f}" if floor_us else "-", "1.00" if floor_us else "-",
                         "-", "-", "-", "-"])
            if fl["failed"]:
                rows[-1][1] = f"floor ({fl['failed']} failed)"
    print(fmt_table(["checks", "tool", "CPU us/probe", "x floor", "rate hung", "RssAnon", "PSS", "fds"], rows))


def peers_line(windows):
    """The peers' processes and how close one came to its fd limit."""
    figs = [f["peers"] for phases in windows.values() for f in phases.values()]
    if not figs:
        return
    p = max(figs, key=lambda f: f["max_open"])  # max_open only grows: the last one
    per = -(-p["ports"] // p["workers"])
    print(f"Peers: {p['ports']} ports in {p['workers']} process(es) of at most {per}; the most connections "
          f"open at once in one: {p['max_open']}, with its {per} listening sockets "
          f"{p['max_open'] + per} fds of its limit {p['fd_limit']}")


def admin_table(admin):
    """mailsupd's own start-up, reload and status at each size."""
    if not admin:
        return
    def sec(v):
        return "-" if v is None else f"{v / 1e6:.2f}"
    print()
    print("mailsupd's start-up (exec to its 'watching N checks' line), reload (SIGHUP to its 'reloaded' line)")
    print("and `mailsupctl status` of every check, seconds of wall time")
    rows = [[f"{n:6d}", "mailsupd", sec(a["startup_us"]), sec(a["reload_us"]), sec(a["status_us"])]
            for n, a in sorted(admin.items())]
    print(fmt_table(["checks", "tool", "start-up", "reload", "status"], rows))


def main():
    results_path, interval, timeout, hung_every, window = sys.argv[1:6]
    interval, timeout = float(interval), float(timeout)
    ideal = 60.0 / interval
    windows, tools, errors, floors, admin = {}, {}, [], {}, {}
    with open(results_path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            key = (r.get("n"), r.get("tool"))
            if r["kind"] == "window":
                fig = window_figures(r)
                if fig:
                    windows.setdefault(key, {})[r["phase"]] = fig
            elif r["kind"] == "tool":
                tools[key] = r
            elif r["kind"] == "floor":
                floors[r["n"]] = r
            elif r["kind"] == "admin":
                admin[r["n"]] = r
            else:
                errors.append(r)

    sizes = sorted({k[0] for k in list(windows) + list(tools) + [(e["n"], e["tool"]) for e in errors]}
                   | set(floors))
    tool_order = ["mailsupd", "monit"]

    print()
    print(f"mailsup benchmark: cycle {interval:g} s, probe timeout {timeout:g} s, "
          f"1 peer in {hung_every} hung in the 'hung' window, windows of {window} s")
    print(f"rate = completed SMTP conversations (EHLO answered) per minute, per healthy check, "
          f"counted at the peers; mailsupd's ideal: {ideal:.1f}")
    print()
    print("Probe rate of the healthy checks, without and with hung peers")
    rows = []
    for n in sizes:
        for t in tool_order:
            w = windows.get((n, t), {})
            c, h = w.get("clean"), w.get("hung")
            if not c and not h:
                continue
            ratio = h["rate"] / c["rate"] if c and h and c["rate"] else None
            rows.append([
                n, t, h["n_hung"] if h else "-",
                f"{c['rate']:.2f}" if c else "-",
                f"{h['rate']:.2f}" if h else "-",
                f"{ratio:.3f}" if ratio is not None else "-",
                f"{(1 - ratio) * 100:.1f}%" if ratio is not None else "-",
                f"{c['slowest']:.1f}/{h['slowest']:.1f}" if c and h else "-",
                f"{c['attempts_min']:.0f}/{h['attempts_min']:.0f}" if c and h else "-",
                f"{c['peer_cpu_pct']:.0f}/{h['peer_cpu_pct']:.0f}" if c and h else "-",
            ])
    print(fmt_table(["checks", "tool", "hung", "clean/min", "hung/min", "hung/clean", "loss",
                     "slowest clean/hung", "probes/min clean/hung", "peers CPU% clean/hung"], rows))

    print()
    print("Resources (CPU: ms of CPU time per minute; memory: KiB at the end of the hung window;")
    print("fds: open fds between probes before/after the windows, and the most seen while probing)")
    rows = []
    for n in sizes:
        for t in tool_order:
            w = windows.get((n, t), {})
            c, h = w.get("clean"), w.get("hung")
            tr = tools.get((n, t))
            if not c and not h:
                continue
            last = h or c
            rows.append([
                n, t,
                f"{c['cpu_ms_min']:.0f}" if c else "-",
                f"{h['cpu_ms_min']:.0f}" if h else "-",
                f"{c['cpu_us_probe']:.0f}/{h['cpu_us_probe']:.0f}" if c and h else "-",
                last["rss"], last["hwm"], last["anon"],
                f"{tr['fd_start']}/{tr['fd_end']}" if tr else "-",
                max(x["fd_max"] for x in (c, h) if x),
                tr["hung_open_after"] if tr else "-",
                tr["failed_healthy"] if tr else "-",
            ])
    print(fmt_table(["checks", "tool", "CPU clean", "CPU hung", "CPU us/probe clean/hung", "VmRSS",
                     "VmHWM", "RssAnon", "fds idle start/end", "fds peak", "hung conns left",
                     "healthy check failures"], rows))

    summary(sizes, tool_order, windows, tools, floors)
    peers_line(windows)
    admin_table(admin)

    if errors:
        print()
        print("Problems")
        for e in errors:
            print(f"  {e['tool']} with {e['n']} checks: {e['error']}")
    for (n, t), tr in sorted(tools.items()):
        if tr.get("errors"):
            print(f"  {t} with {n} checks logged: {tr['errors']}")

    # ------------------------------------------------------------ targets
    print()
    print("Targets")

    def fig(n, t, phase):
        return windows.get((n, t), {}).get(phase)

    for n in sizes:
        c, h = fig(n, "mailsupd", "clean"), fig(n, "mailsupd", "hung")
        if c and h and c["rate"]:
            change = (h["rate"] / c["rate"] - 1) * 100
            verdict = "met" if abs(change) < 5 else "NOT met"
            line = (f"  {n} checks, {h['n_hung']} hung: mailsupd's healthy rate changes by {change:+.1f}% "
                    f"(target: less than 5%: {verdict})")
            mc, mh = fig(n, "monit", "clean"), fig(n, "monit", "hung")
            if mc and mh and mc["rate"]:
                line += f"; monit's by {(mh['rate'] / mc['rate'] - 1) * 100:+.1f}%"
            print(line)
    mc, mh = fig(200, "mailsupd", "clean"), fig(200, "mailsupd", "hung")
    oc, oh = fig(200, "monit", "clean"), fig(200, "monit", "hung")
    if mc and mh and oc and oh:
        rss_ok = mh["rss"] < oh["rss"]
        cpu_ok = mc["cpu_ms_min"] < oc["cpu_ms_min"] and mh["cpu_ms_min"] < oh["cpu_ms_min"]
        print(f"  200 checks: VmRSS mailsupd {mh['rss']} KiB vs monit {oh['rss']} KiB "
              f"({'below' if rss_ok else 'NOT below'}); RssAnon {mh['anon']} vs {oh['anon']} KiB")
        print(f"  200 checks: CPU ms/min mailsupd {mc['cpu_ms_min']:.0f}/{mh['cpu_ms_min']:.0f} vs monit "
              f"{oc['cpu_ms_min']:.0f}/{oh['cpu_ms_min']:.0f} (clean/hung: {'below' if cpu_ok else 'NOT below'}); "
              f"per probe {mc['cpu_us_probe']:.0f} vs {oc['cpu_us_probe']:.0f} us (clean)")
    elif 200 in sizes:
        print("  200 checks: no monit figures to compare with")
    big = max((n for n in sizes if fig(n, "mailsupd", "clean")), default=None)
    if big is not None:
        c = fig(big, "mailsupd", "clean")
        tr = tools.get((big, "mailsupd"))
        one_cycle = c["rate"] >= 0.97 * ideal
        print(f"  {big} checks in one cycle: mailsupd's healthy rate {c['rate']:.2f}/min of ideal {ideal:.1f} "
              f"(slowest check {c['slowest']:.1f}): {'met' if one_cycle else 'NOT met'}")
        if tr:
            leak = tr["fd_end"] != tr["fd_start"] or tr["hung_open_after"] != 0
            h = fig(big, "mailsupd", "hung")
            cycles = (c["seconds"] + (h["seconds"] if h else 0)) / interval
            print(f"  {big} checks, fds: {tr['fd_start']} open between probes before the windows, "
                  f"{tr['fd_end']} after {cycles:.0f}+ cycles; {tr['hung_open_after']} hung connections "
                  f"left open at the peers: {'LEAK' if leak else 'no leak'}")
    for e in errors:
        if e["tool"] == "mailsupd":
            print(f"  mailsupd failed with {e['n']} checks: see Problems above")


if __name__ == "__main__":
    main()
