#!/usr/bin/env python3
"""ntfy-receiver.py: a loopback HTTPS receiver that takes what a real ntfy takes.

Usage: ntfy-receiver.py PORT RECORD_FILE CERT KEY [TOKEN]

Publishing to a real ntfy server (its server.go and util.go) is a PUT or POST
to /TOPIC, TOPIC 1 to 64 of [-_A-Za-z0-9]; the title in X-Title, Title, ti or
t (RFC 2047 words decoded), the priority in X-Priority, Priority, prio or p
(1-5, min, low, default, high, max, urgent; anything else is 400), the tags
in X-Tags, Tags, tag or ta, comma-separated; the body is the message when it
is UTF-8 and at most 4096 bytes (else an attachment, which this server, like
one without an attachment cache, refuses with 413). With TOKEN the topic is
protected: no Authorization is 403, another than "Bearer TOKEN" is 401.
Each accepted message is answered with ntfy's JSON and appended to
RECORD_FILE as one JSON line.
"""
import email.header
import json
import re
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOPIC = re.compile(r"^/([-_A-Za-z0-9]{1,64})$")
PRIORITIES = {"": 3, "1": 1, "min": 1, "2": 2, "low": 2, "3": 3, "default": 3,
              "4": 4, "high": 4, "5": 5, "max": 5, "urgent": 5}
MESSAGE_LIMIT = 4096


def param(headers, *names):
    for name in names:
        value = headers.get(name)
        if value:
            return value.strip()
    return ""


def decode(value):
    """As ntfy's maybeDecodeHeader: RFC 2047 words decoded, else as is."""
    parts = email.header.decode_header(value)
    return "".join(p.decode(c or "ascii") if isinstance(p, bytes) else p for p, c in parts)


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, status, code, error):
        self.answer(status, {"code": code, "http": status, "error": error})

    def publish(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        topic = TOPIC.match(self.path)
        if not topic:
            return self.refuse(404, 40401, "page not found")
        auth = self.headers.get("Authorization")
        if self.server.token and not auth:
            return self.refuse(403, 40301, "forbidden")
        if self.server.token and auth != "Bearer " + self.server.token:
            return self.refuse(401, 40101, "unauthorized")
        prio = param(self.headers, "X-Priority", "Priority", "prio", "p").lower()
        if prio not in PRIORITIES:
            return self.refuse(400, 40007, "invalid priority")
        try:
            message = body.decode("utf-8")
            title = decode(param(self.headers, "X-Title", "Title", "ti", "t"))
        except (UnicodeDecodeError, LookupError):
            return self.refuse(413, 41301, "message not UTF-8: an attachment, and attachments are not allowed")
        if len(body) > MESSAGE_LIMIT:
            return self.refuse(413, 41301, "message too large: an attachment, and attachments are not allowed")
        tags = [t.strip() for t in param(self.headers, "X-Tags", "Tags", "tag", "ta").split(",") if t.strip()]
        doc = {"id": "m%d" % time.monotonic_ns(), "time": int(time.time()), "event": "message",
               "topic": topic.group(1), "title": title, "message": message,
               "priority": PRIORITIES[prio], "tags": tags}
        with open(self.server.record_file, "a", encoding="utf-8") as f:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
        self.answer(200, doc)

    do_POST = do_PUT = publish

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.record_file = sys.argv[2]
    server.token = sys.argv[5] if len(sys.argv) > 5 else ""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
