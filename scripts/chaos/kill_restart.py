#!/usr/bin/env python3
"""kill -9 during a reminder burst, restart, and count what reached Twilio.

    scripts/chaos/kill_restart.py [--binary .build/release/taskpulse] [--n 2000] [--latency-ms 20]

Starts a local fake Twilio (scripts/lib/fake_twilio.py) and `taskpulse serve` in Twilio mode on a
throwaway SQLite file; texts N "remind me to ping chaos-<i> in 1 min" reminders through
signed webhooks (every one must get a 200); kills the service with SIGKILL once a share of the
burst has reached the fake; starts it again on the same database; waits for every reminder.
Prints how many arrived, how many duplicates the crash window produced, and how long it took.
Exits 1 if any reminder is missing.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from service import free_port, stop_processes, twilio_signature, wait_ready  # noqa: E402,F401
TOKEN = "chaos-token"


def signed_text(url, phone, body, sid, public_url=None):
    """Posts a text as Twilio would, signed for `public_url` (the URL Twilio was given; default `url`)."""
    fields = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "ACchaos000000000000000000000000000",
              "From": phone, "To": "+15550009999", "Body": body, "NumMedia": "0"}
    signature = twilio_signature(public_url or url, fields, TOKEN)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                     headers={"X-Twilio-Signature": signature,
                                              "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def start_service(binary, database, port, twilio_port, log_path, **settings):
    """Starts `taskpulse serve` in Twilio mode against the fake on `twilio_port`; `settings` adds or
    overrides environment variables (TASKPULSE_PUBLIC_URL defaults to the node's own address)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TASKPULSE_"))}
    env.update({
        "TASKPULSE_DATABASE_URL": database, "TASKPULSE_PORT": str(port),
        "TASKPULSE_PUBLIC_URL": f"http://127.0.0.1:{port}", "TWILIO_ACCOUNT_SID": "ACchaos000000000000000000000000000",
        "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": "+15550009999",
        "TWILIO_API_BASE": f"http://127.0.0.1:{twilio_port}", "TASKPULSE_LOG_LEVEL": "warning",
    })
    env.update(settings)
    return subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=open(log_path, "a"))


def read_log(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        # The fake may be mid-line while the burst runs: a line without its newline is not written yet.
        return [json.loads(line) for line in f if line.endswith("\n") and line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/taskpulse"))
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="fake Twilio answer delay, to widen the burst")
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of the burst received before SIGKILL")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="taskpulse-chaos-")
    log = os.path.join(work, "sms.jsonl")
    twilio_port, port = free_port(), free_port()
    processes = []

    def start():
        process = start_service(args.binary, os.path.join(work, "taskpulse.sqlite"), port, twilio_port,
                                os.path.join(work, "serve.log"))
        processes.append(process)
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        return process

    fake = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/lib/fake_twilio.py"), "--port", str(twilio_port),
                             "--log", log, "--latency-ms", str(args.latency_ms)])
    processes.append(fake)
    try:
        service = start()
        url = f"http://127.0.0.1:{port}/twilio/sms"
        started = time.time()
        texts = [(f"+1555{2000000 + i % args.phones:07d}", f"remind me to ping chaos-{i} in 1 min", f"SMchaos{i:026d}")
                 for i in range(args.n)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(lambda t: signed_text(url, *t), texts))
        bad = [s for s in statuses if s != 200]
        created = time.time() - started
        print(f"created {args.n} reminders by signed webhook in {created:.1f} s; non-200 answers: {len(bad)}")
        if created > 55:
            sys.exit("creating the reminders took longer than their lead time; lower --n")
        # Kill -9 mid-burst.
        target = int(args.n * args.kill_at)
        while len([r for r in read_log(log) if r.get("status") == 201]) < target:
            time.sleep(0.01)
        service.send_signal(signal.SIGKILL)
        service.wait()
        killed_at = len([r for r in read_log(log) if r.get("status") == 201])
        print(f"SIGKILL after {killed_at} of {args.n} reminders reached the fake Twilio")
        burst_start = min(r["ts"] for r in read_log(log))
        start()
        deadline = time.time() + 120
        while time.time() < deadline:
            bodies = [r["body"] for r in read_log(log) if r.get("status") == 201]
            tags = {b.split("chaos-")[1].split(" ")[0] for b in bodies if "chaos-" in b}
            if len(tags) >= args.n:
                break
            time.sleep(0.2)
        time.sleep(2)  # catch late duplicates
        records = [r for r in read_log(log) if r.get("status") == 201]
        tags = [r["body"].split("chaos-")[1].split(" ")[0] for r in records if "chaos-" in r["body"]]
        distinct = set(tags)
        duplicates = len(tags) - len(distinct)
        last = max(r["ts"] for r in records)
        print(f"arrived: {len(distinct)} of {args.n}; duplicates: {duplicates}; "
              f"burst start to last arrival, restart included: {last - burst_start:.1f} s")
        return 0 if len(distinct) == args.n else 1
    finally:
        stop_processes(processes)


if __name__ == "__main__":
    sys.exit(main())
