#!/usr/bin/python3
"""A minimal Confluent Schema Registry for the avro unit tests.

Speaks the documented subset the client uses: GET /schemas/ids/{id},
POST /subjects/{subject}/versions, POST /subjects/{subject}. Requires HTTP basic auth
user:secret when started with --auth. GET /schemas/ids/999 sleeps 5 s (timeout test);
GET /_stats reports how many schema fetches were served (cache test). Prints the port it
listens on (an ephemeral one) as the first line of stdout, then serves until killed.
"""
import base64
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

AUTH = "--auth" in sys.argv
schemas = {}   # id -> schema text
subjects = {}  # subject -> {schema text -> id}
stats = {"fetches": 0}
next_id = [100]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        if not AUTH:
            return True
        want = "Basic " + base64.b64encode(b"user:secret").decode()
        if self.headers.get("Authorization") == want:
            return True
        self.reply(401, {"error_code": 401, "message": "Unauthorized"})
        return False

    def do_GET(self):
        if not self.authorized():
            return
        if self.path == "/_stats":
            return self.reply(200, stats)
        if self.path.startswith("/schemas/ids/"):
            sid = int(self.path.rsplit("/", 1)[1])
            if sid == 999:
                time.sleep(5)
            stats["fetches"] += 1
            if sid not in schemas:
                return self.reply(404, {"error_code": 40403, "message": "Schema not found"})
            return self.reply(200, {"schema": schemas[sid]})
        self.reply(404, {"error_code": 404, "message": "not found"})

    def do_POST(self):
        if not self.authorized():
            return
        if self.headers.get("Content-Type") != "application/vnd.schemaregistry.v1+json":
            return self.reply(415, {"error_code": 415, "message": "bad content type"})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["schema"]
        try:
            json.loads(text)
        except ValueError:
            return self.reply(422, {"error_code": 42201, "message": "Invalid schema"})
        parts = self.path.split("/")
        subject = unquote(parts[2])
        if len(parts) == 4 and parts[3] == "versions":
            for sid, t in schemas.items():
                if t == text:
                    break
            else:
                sid = next_id[0]
                next_id[0] += 1
                schemas[sid] = text
            subjects.setdefault(subject, {})[text] = sid
            return self.reply(200, {"id": sid})
        if len(parts) == 3:
            sid = subjects.get(subject, {}).get(text)
            if sid is None:
                return self.reply(404, {"error_code": 40403, "message": "Schema not found"})
            return self.reply(200, {"subject": subject, "id": sid, "version": 1, "schema": text})
        self.reply(404, {"error_code": 404, "message": "not found"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
