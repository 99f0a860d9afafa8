#!/usr/bin/env python3
"""smtp-peer.py: an SMTP service for the e2e tests whose health they set.

Usage: smtp-peer.py PORT STARTS_FILE HANG_FILE [CRASH_FILE]

Run as a Type=notify unit whose ExecStartPre appends a line to STARTS_FILE:
this process is start number N = the lines in STARTS_FILE. It listens on
127.0.0.1:PORT and says READY=1 only then, so systemd calls it active once
it can answer. Each connection is greeted (220, then 250 to one command)
unless N <= the number in HANG_FILE (missing: 0), read at each accept: then
the connection is accepted (the kernel completed it) and never answered, a
hung service. So "hang until start T" breaks the running process and the
next ones up to start T, and mailsupd must restart it exactly T - N + 1
times before it answers, whatever the timing. Likewise a start N <= the
number in CRASH_FILE exits with status 1 at once, before READY=1 (with
Restart=on-failure, systemd restarts it: its NRestarts grows).
"""
import os
import socket
import sys


def until(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def main():
    port, starts, hang = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(starts) as f:
        me = sum(1 for _ in f)
    if len(sys.argv) > 4 and me <= until(sys.argv[4]):
        sys.exit(1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4096)  # a frozen peer keeps accepting (into the backlog) for long
    notify = os.environ.get("NOTIFY_SOCKET")
    if notify:
        n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        n.connect("\0" + notify[1:] if notify.startswith("@") else notify)
        n.send(b"READY=1")
        n.close()
    held = []
    while True:
        c, _ = s.accept()
        if me <= until(hang):
            held.append(c)  # accepted by the kernel, never greeted
            continue
        c.settimeout(2)
        try:
            c.sendall(b"220 peer ESMTP start %d\r\n" % me)
            c.recv(512)
            c.sendall(b"250 peer\r\n")
        except OSError:
            pass
        c.close()


if __name__ == "__main__":
    main()
