#!/usr/bin/env python3
"""notify-receiver.py: a loopback HTTP receiver for the notify tests.

Usage: notify-receiver.py PORT RECORD_FILE [STATUS]

Answers every request with STATUS (default 200) and appends one JSON line per
request to RECORD_FILE: method, path, query, the Authorization and
Content-Type headers, the body (parsed when it is JSON, else as text) and
"schema": "ok" or what is wrong with a webhook body (version 1, see
notify/webhook.c). Bodies over 64 KiB are refused with 413.
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WEBHOOK_FIELDS = {"version": int, "id": str, "kind": str, "severity": str, "phase": str,
                  "reminder": bool, "host": str, "time": str, "time_usec": int, "since": str}
OPTIONAL = {"check": str, "unit": str, "state": str, "reason": str}


def check_webhook(body):
    if not isinstance(body, dict):
        return "not an object"
    for key, kind in WEBHOOK_FIELDS.items():
        if not isinstance(body.get(key), kind):
            return "missing or mistyped %s" % key
    for key, kind in OPTIONAL.items():
        if key in body and not isinstance(body[key], kind):
            return "mistyped %s" % key
    unknown = set(body) - set(WEBHOOK_FIELDS) - set(OPTIONAL)
    if unknown:
        return "unknown keys %s" % sorted(unknown)
    if len(body["id"]) != 32 or body["severity"] not in ("info", "warning", "critical"):
        return "bad id or severity"
    if body["phase"] not in ("event", "firing", "resolved"):
        return "bad phase"
    return "ok"


class Handler(BaseHTTPRequestHandler):
    def record(self, body):
        url = urllib.parse.urlsplit(self.path)
        entry = {"method": self.command, "path": url.path,
                 "query": urllib.parse.parse_qs(url.query),
                 "authorization": self.headers.get("Authorization"),
                 "content_type": self.headers.get("Content-Type")}
        try:
            entry["body"] = json.loads(body) if body else None
            entry["schema"] = check_webhook(entry["body"])
        except ValueError:
            entry["body"] = body.decode("utf-8", "replace")
            entry["schema"] = "not json"
        with open(self.server.record_file, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 65536:
            self.send_response(413)
            self.end_headers()
            return
        body = self.rfile.read(length) if length else b""
        self.record(body)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET = do_PUT = handle_any

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.record_file = sys.argv[2]
    server.status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    server.serve_forever()


if __name__ == "__main__":
    main()
