#!/usr/bin/env python3
"""tests/fuzz/record-seeds.py: talks to one real peer and records its bytes.

Called by record-seeds.sh, once per peer, with the corpus directory: each
reply is written as one seed file, and the whole conversation as another.
Stream seeds (smtp, imap, milter, tcp-table) get fuzz-stream.h's one-byte
header 0 (one read). Nothing here judges the bytes: that is the parsers'.
"""
import os
import random
import socket
import struct
import sys
import time


def save(corpus, kind, name, data, stream):
    d = os.path.join(corpus, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write((b"\0" if stream else b"") + data)
    print(f"  {kind}/{name}: {len(data)} bytes")


def read_until(s, done, timeout=5.0):
    buf = b""
    deadline = time.monotonic() + timeout
    while not done(buf):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete reply, got {buf!r}")
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def smtp_done(buf):
    lines = buf.split(b"\n")[:-1]
    return any(len(l) >= 4 and l[3:4] in (b" ", b"\r") or len(l.rstrip(b"\r")) == 3 for l in lines)


def conversation(corpus, kind, port, first, steps, done):
    """first: name of the greeting; steps: (name, bytes to send)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    everything = b""
    if first:
        reply = read_until(s, done)
        save(corpus, kind, first, reply, True)
        everything += reply
    for name, line in steps:
        s.sendall(line)
        reply = read_until(s, done)
        save(corpus, kind, name, reply, True)
        everything += reply
    s.close()
    save(corpus, kind, "conversation", everything, True)


def smtp(corpus, port):
    conversation(corpus, "smtp", port, "postfix-greeting",
                 [("postfix-ehlo", b"EHLO mailsup.invalid\r\n"),
                  ("postfix-starttls-not-offered", b"STARTTLS\r\n"),
                  ("postfix-unknown-command", b"HELP\r\n"),
                  ("postfix-quit", b"QUIT\r\n")], smtp_done)


def imap(corpus, port):
    def tag_done(tag):
        return lambda buf: any(l.startswith(tag + b" ") for l in buf.split(b"\n")[:-1])
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    everything = read_until(s, lambda buf: b"\n" in buf)
    save(corpus, "imap", "dovecot-greeting", everything, True)
    for name, tag, cmd in (("dovecot-capability", b"m1", b"CAPABILITY"),
                           ("dovecot-starttls-refused", b"m2", b"STARTTLS"),
                           ("dovecot-login-failed", b"m3", b"LOGIN nobody wrong"),
                           ("dovecot-unknown-command", b"m4", b"FROB"),
                           ("dovecot-logout", b"m5", b"LOGOUT")):
        s.sendall(tag + b" " + cmd + b"\r\n")
        reply = read_until(s, tag_done(tag))
        save(corpus, "imap", name, reply, True)
        everything += reply
    s.close()
    save(corpus, "imap", "conversation", everything, True)


def redis(corpus, port):
    def bulk_done(buf):
        if not buf.startswith(b"$") or b"\r\n" not in buf:
            return False
        n = int(buf[1:buf.index(b"\r\n")])
        return len(buf) >= buf.index(b"\r\n") + 2 + n + 2
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    for name, cmd in (("info-memory", b"INFO memory"), ("info-all", b"INFO")):
        s.sendall(cmd + b"\r\n")
        reply = read_until(s, bulk_done)
        head = reply.index(b"\r\n") + 2
        # What hiredis hands the probe: the bulk string's bytes.
        save(corpus, "redis", name, reply[head:len(reply) - 2], False)
    s.close()


def dns_query(name, qtype):
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)


def dns(corpus, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    for fname, name, qtype in (("unbound-a", "a.mailsup.test", 1), ("unbound-aaaa", "a.mailsup.test", 28),
                               ("unbound-mx", "mailsup.test", 15), ("unbound-txt", "mailsup.test", 16),
                               ("unbound-ns-nodata", "mailsup.test", 2),
                               ("unbound-nxdomain", "nx.mailsup.test", 1),
                               ("unbound-refused", "x.refused.test", 1), ("unbound-localhost", "localhost", 1),
                               ("unbound-ptr", "1.0.0.127.in-addr.arpa", 12)):
        s.sendto(dns_query(name, qtype), ("127.0.0.1", port))
        save(corpus, "dns", fname, s.recv(65536), False)
    s.close()


def milter(corpus, port):
    def frame_done(buf):
        return len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    # What the probe sends: version 6, every action and protocol flag offered.
    s.sendall(struct.pack(">IcIII", 13, b"O", 6, 0x1FF, 0x1FFFFF))
    save(corpus, "milter", "opendkim-optneg", read_until(s, frame_done), True)
    s.sendall(struct.pack(">Ic", 1, b"Q"))
    s.close()


def tcp_table(corpus, fwd, rev):
    def line_done(buf):
        return b"\n" in buf
    got = {}
    for fname, port, key in (("postsrsd-forward", fwd, b"postmaster@example.com"),
                             ("postsrsd-forward-local", fwd, b"postmaster@example.org"),
                             ("postsrsd-reverse-not-srs", rev, b"postmaster@example.com")):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"get " + key + b"\n")
        got[fname] = read_until(s, line_done)
        save(corpus, "tcp-table", fname, got[fname], True)
        s.close()
    srs = got["postsrsd-forward"].split(b" ", 1)[1].strip()
    s = socket.create_connection(("127.0.0.1", rev), timeout=5)
    s.sendall(b"get " + srs + b"\n")
    save(corpus, "tcp-table", "postsrsd-reverse", read_until(s, line_done), True)
    s.close()


if __name__ == "__main__":
    what, corpus, *ports = sys.argv[1:]
    ports = [int(p) for p in ports]
    {"smtp": smtp, "imap": imap, "redis": redis, "dns": dns, "milter": milter,
     "tcp-table": tcp_table}[what](corpus, *ports)
