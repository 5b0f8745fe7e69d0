#!/usr/bin/env python3
"""A local SMTP server for TaskPulse's tests (aiosmtpd): STARTTLS and AUTH LOGIN/PLAIN.

    smtp_sink.py --out messages.jsonl [--port 0] [--user U --password P] [--cert C --key K]

Prints "PORT <n>" on stdout once listening, appends every accepted message as a JSON line
{"from", "to", "data"}, refuses logins that do not match --user/--password (535), and requires
AUTH when --user is given. Binds 127.0.0.1. Stops on SIGTERM/SIGINT.
"""
import argparse
import json
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                    "data": envelope.content.decode("utf-8", "replace")}) + "\n")
            return "250 OK queued"

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
                and auth_data.password.decode() == args.password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    kwargs = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True
    if args.user:
        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = bool(args.cert)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(f"PORT {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.2):  # a timed wait lets the signal handlers run
        pass
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
