#!/usr/bin/python3
"""S3 fault proxy: sits between lakestream and RGW and breaks requests on a seeded schedule.

  s3_fault_proxy.py --upstream http://127.0.0.1:7480 [--port 0] [--seed 7] [--rate 0.2]
                    [--faults 500,503,reset,stall,truncate] [--script 3:503,9:reset]
                    [--after N --permanent 403|404] [--stall-seconds 30] [--log faults.jsonl]
                    [--tls-cert cert.pem --tls-key key.pem]

Prints the listening port on the first stdout line, then serves until killed.

Faults (what a real S3 endpoint does on its worst day):
  500       InternalError, with an S3 XML error body
  503       SlowDown (throttling), with an S3 XML error body
  reset     the connection is closed after half of the upstream response body was sent
  stall     nothing is answered for --stall-seconds (past the client's request timeout)
  truncate  Content-Length promises the whole body, half of it is sent, then the socket closes
  403       InvalidAccessKeyId (wrong or expired keys)
  404       NoSuchBucket (the bucket was deleted mid-run)
--script fires a fault at exact request numbers (1-based); --rate draws faults at random from
--faults with a seeded RNG; --after N --permanent F answers every request after the Nth with F.
Every request is logged as one JSON line (n, method, path, fault) to --log.
The request is forwarded to the upstream unchanged (Host header included), so SigV4 still holds.
With --tls-cert/--tls-key the proxy speaks https to its clients (a TLS front for an http RGW);
a client that does not trust the certificate fails its handshake and the proxy serves on.
"""
import argparse
import http.client
import json
import random
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
    "403": (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
    "404": (404, "NoSuchBucket", "The specified bucket does not exist"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=0.0)
    ap.add_argument("--faults", default="500,503,reset,stall,truncate")
    ap.add_argument("--script", default="")
    ap.add_argument("--after", type=int, default=0)
    ap.add_argument("--permanent", default="")
    ap.add_argument("--stall-seconds", type=float, default=30.0)
    ap.add_argument("--log", default="")
    ap.add_argument("--tls-cert", default="")
    ap.add_argument("--tls-key", default="")
    args = ap.parse_args()

    up = urllib.parse.urlparse(args.upstream)
    rng = random.Random(args.seed)
    faults = [f for f in args.faults.split(",") if f]
    script = {}
    for item in filter(None, args.script.split(",")):
        n, f = item.split(":")
        script[int(n)] = f
    lock = threading.Lock()
    counter = [0]
    logf = open(args.log, "a", buffering=1) if args.log else None

    def pick_fault():
        with lock:
            counter[0] += 1
            n = counter[0]
            if args.permanent and args.after and n > args.after:
                return n, args.permanent
            if n in script:
                return n, script[n]
            if args.rate > 0 and rng.random() < args.rate:
                return n, rng.choice(faults)
            return n, ""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            n, fault = pick_fault()
            if logf:
                logf.write(json.dumps({"n": n, "method": self.command, "path": self.path, "fault": fault}) + "\n")
            if fault == "stall":
                time.sleep(args.stall_seconds)
                self.close_connection = True
                return
            if fault in ERRORS:
                code, s3code, msg = ERRORS[fault]
                xml = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{s3code}</Code>'
                       f"<Message>{msg}</Message><RequestId>fault-{n}</RequestId></Error>").encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(xml)))
                self.send_header("x-amz-request-id", f"fault-{n}")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(xml)
                return
            conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
            conn.request(self.command, self.path, body=body if (body or length) else None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            if fault in ("reset", "truncate") and (len(data) <= 1 or self.command == "HEAD"):
                # Nothing to cut (a PUT's empty answer): the upstream acted, but the connection
                # drops before any response byte, so the client cannot know.
                if fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() in ("transfer-encoding", "connection", "content-length"):
                    continue
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if fault in ("reset", "truncate") and len(data) > 1:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                if fault == "reset":
                    # RST instead of FIN: SO_LINGER with a zero timeout.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.close_connection = True
                self.connection.close()
                return
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key or None)
        # The handshake runs in the handler thread (first read), so an untrusting client cannot
        # block the accept loop; its failure ends only that connection.
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
