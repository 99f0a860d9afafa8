#!/usr/bin/env python3
"""sandbox-guardian.py: clean up after a sandbox whose owner was killed.

Usage: sandbox-guardian.py PID NAME HIERARCHY...

Started by sandbox_run (tests/harness/sandbox.sh) in a session of its own.
Waits until process PID (sandbox_run's shell) is gone; then, unless it
cleaned up itself, SIGKILLs every process left in the cgroups
HIERARCHY/NAME and removes them depth-first. Killed with SIGTERM when
sandbox_run finished normally.
"""
import os, select, signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
pid, name, hiers = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
tops = [os.path.join(h, name) for h in hiers]
try:
    fd = os.pidfd_open(pid)
    select.select([fd], [], [])
except OSError:
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
def dirs():
    out = []
    for top in tops:
        for root, subdirs, files in os.walk(top, topdown=False):
            out.append(root)
    return out
for attempt in range(100):
    left = dirs()
    if not left:
        break
    for d in left:
        try:
            with open(os.path.join(d, "cgroup.procs")) as f:
                for p in f.read().split():
                    try:
                        os.kill(int(p), signal.SIGKILL)
                    except OSError:
                        pass
        except OSError:
            pass
        try:
            os.rmdir(d)
        except OSError:
            pass
    time.sleep(0.1)
left = dirs()
if left:
    print("sandbox guardian: could not remove", " ".join(left), flush=True)
elif attempt:
    print("sandbox guardian: cleaned up after pid", pid, flush=True)
