#!/usr/bin/env python3
"""A minimal local fake of Twilio's Messages API for TaskPulse's own scripts (stdlib only).

    fake_twilio.py --port 9999 --log sms.jsonl [--latency-ms 20] [--fail-status 429 --fail-rate 0.1]

Answers POST /2010-04-01/Accounts/{sid}/Messages.json with a 201 Twilio-shaped JSON body and
appends {"ts", "sid", "to", "from", "body", "status", "mode", "answered", "took"} per request to the
JSONL log ("ts" is when the request came in, "took" the seconds until it was logged: answered, or
the client gone; no "sid" unless it was accepted). Binds 127.0.0.1.

Faults can be switched at run time: POST /control {"mode": ..., "latency_ms": ..., "retry_after": ...}
(GET /control shows the current settings):

    ok     201, after --latency-ms (and --fail-rate's injected failures)
    429    429 with Twilio's code 20429 and, if "retry_after" (seconds) is set, a Retry-After header
    500    500 with Twilio's code 20500
    slow   201 after "latency_ms" (default 10,000)
    hang   no answer until the mode changes (then answered as the new mode says) or the client
           gives up; logged with status null

"answered" is false when the client closed the connection before the answer, or within 50 ms after
it without having sent "Connection: close" (TaskPulse's HTTP client keeps connections open, so it
closes one only when it gives up waiting): a 201 so logged is a message Twilio accepted while the
sender never heard of it (so it may send it again).
"""
import argparse
import json
import random
import secrets
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

MODES = ("ok", "429", "500", "slow", "hang")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--fail-status", type=int, default=500)
    args = parser.parse_args()
    lock = threading.Lock()
    changed = threading.Condition(lock)
    state = {"mode": "ok", "latency_ms": 10000.0, "retry_after": None}
    log = open(args.log, "a", buffering=1, encoding="utf-8")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_GET(self):
            if self.path != "/control":
                return self.answer(404, {"code": 20404, "message": "not found", "status": 404})
            with lock:
                current = dict(state)
            self.answer(200, current)

        def do_POST(self):
            received = time.time()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            if self.path == "/control":
                return self.control(raw)
            fields = dict(parse_qsl(raw, keep_blank_values=True))
            if args.latency_ms:
                time.sleep(args.latency_ms / 1000)
            if not (self.path.startswith("/2010-04-01/Accounts/") and self.path.endswith("/Messages.json")):
                return self.answer(404, {"code": 20404, "message": "not found", "status": 404})
            record = {"ts": received, "to": fields.get("To"), "from": fields.get("From"), "body": fields.get("Body")}
            with lock:
                mode = state["mode"]
                while mode == "hang" and not self.client_gone():
                    changed.wait(0.1)
                    mode = state["mode"]
                latency_ms, retry_after = state["latency_ms"], state["retry_after"]
            if mode == "hang":
                return self.write_log(record, None, mode, answered=False)
            if mode == "slow":
                time.sleep(latency_ms / 1000)
            if mode in ("429", "500") or (mode == "ok" and random.random() < args.fail_rate):
                status = int(mode) if mode != "ok" else args.fail_status
                headers = {"Retry-After": str(retry_after)} if status == 429 and retry_after is not None else {}
                return self.reply(record, status, mode, {"code": 20429 if status == 429 else 20500,
                                                         "message": "injected", "status": status}, headers)
            record["sid"] = "SM" + secrets.token_hex(16)
            self.reply(record, 201, mode, {"sid": record["sid"], "status": "queued", "to": record["to"],
                                           "body": record["body"]})

        def reply(self, record, status, mode, payload, headers=None):
            """Answers a Messages request and logs it, "answered" unless the client left before the answer or
            right after it (a keep-alive client closes then only because it gave up waiting at that moment)."""
            gone = self.client_gone()
            if not gone:
                try:
                    self.answer(status, payload, headers)
                    gone = self.headers.get("Connection", "").lower() != "close" and self.client_gone(wait=0.05)
                except OSError:
                    gone = True
            self.write_log(record, status, mode, answered=not gone)

        def control(self, raw):
            try:
                update = json.loads(raw or "{}")
                if update.get("mode", "ok") not in MODES:
                    raise ValueError(f"mode must be one of {', '.join(MODES)}")
            except ValueError as error:
                return self.answer(400, {"message": str(error)})
            with changed:
                state.update({k: update[k] for k in ("mode", "latency_ms", "retry_after") if k in update})
                changed.notify_all()
                current = dict(state)
            self.answer(200, current)

        def client_gone(self, wait=0.0):
            """Whether the client closed its side of the connection (within `wait` seconds)."""
            try:
                readable, _, _ = select.select([self.connection], [], [], wait)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def write_log(self, record, status, mode, answered):
            record.update({"status": status, "mode": mode, "answered": answered,
                           "took": round(time.time() - record["ts"], 3)})
            with lock:
                log.write(json.dumps(record, ensure_ascii=False) + "\n")

        def answer(self, status, payload, headers=None):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
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
