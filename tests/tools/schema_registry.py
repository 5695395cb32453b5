#!/usr/bin/python3
"""A small Confluent-compatible schema registry for tests (python3 stdlib only).

Why: Debian has no Schema Registry, and the wire format (magic byte + 4-byte id) is only
meaningful against a server that assigns ids the way Confluent's does. This one keeps schemas in
memory and implements the calls Kafka clients make:

  POST /subjects/{subject}/versions            {"schema": "..."} -> {"id": N}  (same text: same id)
  POST /subjects/{subject}                     lookup -> {"subject","id","version","schema"} or 404
  GET  /schemas/ids/{id}                       -> {"schema": "..."}  (40403 if unknown)
  GET  /subjects                               -> ["s", ...]
  GET  /subjects/{subject}/versions            -> [1, 2, ...]
  GET  /subjects/{subject}/versions/{v|latest} -> {"subject","id","version","schema"}

Schemas are compared after JSON canonicalisation (sorted keys, no spaces), so the same schema
sent with different whitespace gets the same id, as Confluent does. Ids start at --first-id
(default 1) so tests can tell a real id from a default 0.

Usage: schema_registry.py [--port P] [--first-id N]
Prints "port N" on stdout's first line once listening (port 0 = any free port), logs requests to
stderr, stops on SIGTERM/SIGINT.
"""
import argparse
import json
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class Registry:
    def __init__(self, first_id):
        self.lock = threading.Lock()
        self.next_id = first_id
        self.by_id = {}  # id -> schema text as first registered
        self.id_by_canonical = {}  # canonical text -> id
        self.subjects = {}  # subject -> [id per version]

    @staticmethod
    def canonical(text):
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))

    def register(self, subject, text):
        canon = self.canonical(text)
        with self.lock:
            sid = self.id_by_canonical.get(canon)
            if sid is None:
                sid = self.next_id
                self.next_id += 1
                self.id_by_canonical[canon] = sid
                self.by_id[sid] = text
            versions = self.subjects.setdefault(subject, [])
            if sid not in versions:
                versions.append(sid)
            return sid

    def lookup(self, subject, text):
        canon = self.canonical(text)
        with self.lock:
            sid = self.id_by_canonical.get(canon)
            versions = self.subjects.get(subject, [])
            if sid is None or sid not in versions:
                return None
            return {"subject": subject, "id": sid, "version": versions.index(sid) + 1,
                    "schema": self.by_id[sid]}


def make_handler(registry):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            sys.stderr.write("registry: " + (fmt % args) + "\n")

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def not_found(self, code, message):
            self.reply(404, {"error_code": code, "message": message})

        def read_schema(self):
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                text = body["schema"]
                json.loads(text)
                return text
            except (ValueError, KeyError, TypeError) as e:
                self.reply(422, {"error_code": 42201, "message": f"Invalid schema: {e}"})
                return None

        def do_POST(self):
            m = re.fullmatch(r"/subjects/([^/]+)/versions", self.path)
            if m:
                text = self.read_schema()
                if text is not None:
                    self.reply(200, {"id": registry.register(m.group(1), text)})
                return
            m = re.fullmatch(r"/subjects/([^/]+)", self.path)
            if m:
                text = self.read_schema()
                if text is None:
                    return
                found = registry.lookup(m.group(1), text)
                if found is None:
                    self.not_found(40403, "Schema not found")
                else:
                    self.reply(200, found)
                return
            self.not_found(404, "no such endpoint")

        def do_GET(self):
            m = re.fullmatch(r"/schemas/ids/(\d+)", self.path)
            if m:
                with registry.lock:
                    text = registry.by_id.get(int(m.group(1)))
                if text is None:
                    self.not_found(40403, "Schema not found")
                else:
                    self.reply(200, {"schema": text})
                return
            if self.path == "/subjects":
                with registry.lock:
                    self.reply(200, sorted(registry.subjects))
                return
            m = re.fullmatch(r"/subjects/([^/]+)/versions(?:/(latest|\d+))?", self.path)
            if m:
                with registry.lock:
                    versions = list(registry.subjects.get(m.group(1), []))
                if not versions:
                    self.not_found(40401, "Subject not found")
                    return
                if m.group(2) is None:
                    self.reply(200, list(range(1, len(versions) + 1)))
                    return
                v = len(versions) if m.group(2) == "latest" else int(m.group(2))
                if not 1 <= v <= len(versions):
                    self.not_found(40402, "Version not found")
                    return
                sid = versions[v - 1]
                with registry.lock:
                    text = registry.by_id[sid]
                self.reply(200, {"subject": m.group(1), "id": sid, "version": v, "schema": text})
                return
            self.not_found(404, "no such endpoint")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--first-id", type=int, default=1)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Registry(args.first_id)))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
