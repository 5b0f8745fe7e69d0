#!/usr/bin/env python3
"""kill -9 under webhook load: every webhook that got a 200 has its effect stored, once.

    scripts/chaos/webhook_kill.py [--binary .build/release/taskpulse] [--threads 16] [--phones 50]
                                  [--kills 2] [--interval 2]

Starts a local fake Twilio (scripts/lib/fake_twilio.py) and `taskpulse serve` in Twilio mode on a
throwaway SQLite file, then texts "add chaos-<i>" from --threads threads (a unique MessageSid per
text, --phones phones) without pause; every third text is "list" instead, which is answered without
waiting for the disk flush (docs/DECISIONS.md) but must still survive a kill -9. Every --interval seconds the service gets SIGKILL mid-load
and is started again on the same file (--kills times); the texts sent meanwhile fail with
connection errors and count as not acknowledged. After the last restart the load runs another
--interval seconds and stops.

Then, reading the database with sqlite3: every text answered 200 must have its inbound_messages
row (by MessageSid) and, for an add, its task "chaos-<i>" exactly once (a 200 promises the text is stored);
a text that got no answer may or may not be stored. Each unanswered text is sent again once with
the same MessageSid, as Twilio retries a webhook: it must now get a 200 and leave exactly one
inbound row and one task. Prints acknowledged, stored, lost (must be 0), duplicates (must be 0)
and retried counts; exits 1 on any loss, duplicate or failed retry.
"""
import argparse
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_restart import ROOT, free_port, signed_text, start_service, stop_processes, wait_ready  # noqa: E402


class Load:
    """Threads texting "add chaos-<i>" (or "list") until stopped; remembers each text and how it was answered."""

    def __init__(self, url, threads, phones):
        self.url, self.phones = url, phones
        self.lock = threading.Lock()
        self.next = 0
        self.texts = {}  # i -> (phone, body, sid)
        self.answers = {}  # i -> HTTP status, or the exception name when no answer came
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def text(self, i):
        return f"+1555{4000000 + i % self.phones:07d}", text_body(i), f"SMkill{i:028d}"

    def run(self):
        while not self.stopping.is_set():
            with self.lock:
                i, self.next = self.next, self.next + 1
                self.texts[i] = self.text(i)
            try:
                answer = signed_text(self.url, *self.texts[i])
            except urllib.error.HTTPError as error:
                answer = error.code
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                # The service is down: a client (Twilio) would back off a little before the next text.
                answer = type(getattr(error, "reason", error)).__name__
                time.sleep(0.05)
            with self.lock:
                self.answers[i] = answer

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def text_body(i):
    """Every third text only reads (its record's flush is deferred); the others add a task."""
    return "list" if i % 3 == 2 else f"add chaos-{i}"


def stored(database):
    """(MessageSids in inbound_messages, task count per "chaos-<i>" title) read from the SQLite file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        sids = {row[0] for row in db.execute("SELECT message_sid FROM inbound_messages")}
        tasks = dict(db.execute("SELECT title, COUNT(*) FROM tasks WHERE title LIKE 'chaos-%' GROUP BY title"))
    return sids, tasks


def check(texts, acknowledged, database):
    """(lost, duplicates, stored without an answer) for the texts, by the database."""
    sids, tasks = stored(database)
    lost = [i for i in acknowledged if texts[i][2] not in sids
            or (texts[i][1] != "list" and tasks.get(f"chaos-{i}", 0) != 1)]
    duplicates = [title for title, count in tasks.items() if count > 1]
    unanswered_stored = [i for i in texts if i not in acknowledged and texts[i][2] in sids]
    return lost, duplicates, unanswered_stored


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/taskpulse"))
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--kills", type=int, default=2, help="SIGKILL and restart cycles")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds of load before each kill and at the end")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="taskpulse-webhook-kill-")
    database = os.path.join(work, "taskpulse.sqlite")
    twilio_port, port = free_port(), free_port()
    processes = []

    def start():
        process = start_service(args.binary, database, port, twilio_port, os.path.join(work, "serve.log"))
        processes.append(process)
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        return process

    processes.append(subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/lib/fake_twilio.py"),
                                       "--port", str(twilio_port), "--log", os.path.join(work, "sms.jsonl")]))
    try:
        service = start()
        load = Load(f"http://127.0.0.1:{port}/twilio/sms", args.threads, args.phones)
        started = time.time()
        load.start()
        for cycle in range(args.kills):
            time.sleep(args.interval)
            service.send_signal(signal.SIGKILL)
            service.wait()
            killed = time.time()
            service = start()
            print(f"kill {cycle + 1}: SIGKILL at {killed - started:.1f} s after {len(load.answers)} texts; "
                  f"ready again after {time.time() - killed:.2f} s")
        time.sleep(args.interval)
        load.stop()
        texts, answers = load.texts, load.answers
        acknowledged = {i for i, answer in answers.items() if answer == 200}
        others = {}
        for answer in answers.values():
            if answer != 200:
                others[answer] = others.get(answer, 0) + 1
        print(f"sent {len(texts)} texts from {args.threads} threads in {time.time() - started:.1f} s: "
              f"{len(acknowledged)} answered 200; not acknowledged: "
              f"{', '.join(f'{n} {a}' for a, n in sorted(others.items(), key=str)) or 'none'}")

        lost, duplicates, unanswered_stored = check(texts, acknowledged, database)
        unanswered = sorted(set(texts) - acknowledged)
        print(f"after the kills: acknowledged {len(acknowledged)}, stored {len(acknowledged) - len(lost)}, "
              f"lost {len(lost)}, duplicates {len(duplicates)}; not acknowledged {len(unanswered)}, "
              f"of which stored anyway {len(unanswered_stored)}")

        # Twilio retries a webhook that got no answer, with the same MessageSid.
        def retry(i):
            try:
                return signed_text(load.url, *texts[i])
            except urllib.error.HTTPError as error:
                return error.code
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            retried = list(pool.map(retry, unanswered))
        refused = len([status for status in retried if status != 200])
        stop_processes([service])
        lost_after, duplicates_after, _ = check(texts, set(texts), database)
        print(f"retried {len(unanswered)} unacknowledged texts with their MessageSid: {len(unanswered) - refused} "
              f"answered 200, {refused} not; then lost {len(lost_after)}, duplicates {len(duplicates_after)} "
              f"of {len(texts)} texts")
        for label, items in (("lost", lost + lost_after), ("duplicated", duplicates + duplicates_after)):
            if items:
                print(f"  {label}: {', '.join(map(str, sorted(set(items), key=str)[:20]))}")
        ok = not (lost or duplicates or refused or lost_after or duplicates_after)
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        stop_processes(processes)
        print(f"logs: {work}")


if __name__ == "__main__":
    sys.exit(main())
