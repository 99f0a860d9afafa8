#!/usr/bin/env python3
"""metrics-attack.py: hostile scrapers against mailsupd's /metrics.

Usage: metrics-attack.py PORT SECONDS REPORT_FILE

For SECONDS, at once, from many loopback source addresses (127.0.1.x,
127.0.2.x, ...), so that the server's total limit binds and not only its
per-address one:
- 20 clients sending a request at 1 byte a second, never finishing it;
- a 1 MB request header, and a POST with a 1 MB body;
- 10,000 connections opened (non-blocking connects) and held, silent.
Then closes everything and writes a JSON report: how many connects the
kernel completed, and the first bytes the server sent to the 1 MB requests
and the slow clients (what a scraper would see).
"""
import errno
import json
import resource
import socket
import sys
import time

MB = 1024 * 1024


def client(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((src, 0))
    err = s.connect_ex(("127.0.0.1", port))
    if err not in (0, errno.EINPROGRESS):
        s.close()
        return None
    return s


def connected(port, src):
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0))
    s.setblocking(False)
    return s


def main():
    port, seconds, report = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    # The slow and the big ones first, connected, so they hold slots; then
    # the flood takes the rest and waits in the backlog.
    slow = [connected(port, "127.0.2.%d" % (1 + i)) for i in range(20)]
    big_header = connected(port, "127.0.3.1")
    big_body = connected(port, "127.0.3.2")
    idle = []
    for i in range(10000):
        s = client(port, "127.0.1.%d" % (1 + i % 200))
        if s:
            idle.append(s)
    pending = {
        big_header: b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (MB - 39),
        big_body: b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % MB + b"b" * MB,
    }
    for s in slow:
        pending[s] = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 1000
    seen = {s: b"" for s in pending}
    closed = {s: False for s in pending}
    end = time.monotonic() + seconds
    next_drip = 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        drip = now >= next_drip
        if drip:
            next_drip = now + 1.0
        for s, data in pending.items():
            if closed[s] or not data:
                continue
            n = 1 if s in slow else len(data)
            if s in slow and not drip:
                continue
            try:
                sent = s.send(data[:n])
                pending[s] = data[sent:]
            except BlockingIOError:
                pass
            except OSError:
                closed[s] = True
        for s in seen:
            if closed[s]:
                continue
            try:
                got = s.recv(4096)
                if got:
                    seen[s] += got[:200 - len(seen[s])] if len(seen[s]) < 200 else b""
                else:
                    closed[s] = True
            except BlockingIOError:
                pass
            except OSError:
                closed[s] = True
        time.sleep(0.05)
    n_connected = 0
    for s in idle:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            try:
                s.getpeername()
                n_connected += 1
            except OSError:
                pass
        s.close()
    out = {
        "opened": len(idle),
        "connected": n_connected,
        "big_header": seen[big_header].decode("latin-1"),
        "big_header_sent": MB - len(pending[big_header]),
        "big_body": seen[big_body].decode("latin-1"),
        "slow_answered": sum(1 for s in slow if seen[s]),
        "slow_closed": sum(1 for s in slow if closed[s]),
        "slow": len(slow),
    }
    for s in pending:
        s.close()
    with open(report, "w") as f:
        json.dump(out, f)


main()
