#!/usr/bin/env python3
"""A minimal local fake of Twilio's Messages API for TaskPulse's own scripts (stdlib only).

    fake_twilio.py --port 9999 --log sms.jsonl [--latency-ms 20] [--fail-status 429 --fail-rate 0.1]

Answers POST /2010-04-01/Accounts/{sid}/Messages.json with a 201 Twilio-shaped JSON body and
appends {"ts", "sid", "to", "from", "body", "status"} per request to the JSONL log. Binds 127.0.0.1.
"""
import argparse
import json
import random
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--fail-status", type=int, default=500)
    args = parser.parse_args()
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1, encoding="utf-8")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_POST(self):
            received = time.time()
            length = int(self.headers.get("Content-Length") or 0)
            fields = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
            if args.latency_ms:
                time.sleep(args.latency_ms / 1000)
            if not (self.path.startswith("/2010-04-01/Accounts/") and self.path.endswith("/Messages.json")):
                return self.answer(404, {"code": 20404, "message": "not found", "status": 404})
            if random.random() < args.fail_rate:
                status = args.fail_status
                record = {"ts": received, "to": fields.get("To"), "body": fields.get("Body"), "status": status}
                with lock:
                    log.write(json.dumps(record, ensure_ascii=False) + "\n")
                return self.answer(status, {"code": 20429 if status == 429 else 20500, "message": "injected", "status": status})
            sid = "SM" + secrets.token_hex(16)
            record = {"ts": received, "sid": sid, "to": fields.get("To"), "from": fields.get("From"),
                      "body": fields.get("Body"), "status": 201}
            with lock:
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.answer(201, {"sid": sid, "status": "queued", "to": fields.get("To"), "body": fields.get("Body")})

        def answer(self, status, payload):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # a client killed mid-request (the chaos test's SIGKILL) is expected, not an error

    server = Server(("127.0.0.1", args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
