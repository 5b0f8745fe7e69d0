#!/usr/bin/env python3
"""Reminder burst: N reminders due at the same instant T; how many arrive at the fake Twilio, and how late.

    scripts/bench/burst.py [--n 1000 10000] [--big 100000] [--no-peer] [--no-build]

Both sides send to the same fast fake Twilio (`taskpulse-bench fake-twilio`, answers 201 at once and
logs each request with its receive time), so neither is held back by the fake.
- TaskPulse (release build, one process, SQLite): the reminders are texted in through signed
  webhooks ("remind me to ping burst-<i> at 2:07pm", 1,000 phones, `taskpulse-bench load`), due at
  one shared minute T far enough ahead for the texts to be written first.
- The Flask peer (gunicorn -w 2, APScheduler with `SCHED_MISFIRE_GRACE=none`, as its README measures
  it): created through its REST API (POST /api/tasks with due_at = T), 16 threads. Its workers'
  resident memory is read while they hold the jobs. With `--peer-defaults` a run with the seed's
  default grace (1 s) is added, to show the reminders it drops.
- `--big N`: TaskPulse alone with N reminders (default 100,000): all must be handed off to the fake
  within 10 s of T.
Lateness is the fake's receive time minus T. Every reminder must arrive; duplicates are counted.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def arrivals(fake, tag):
    """Receive times per reminder index from the fake's log."""
    seen = {}
    for record in fake.records():
        body = record.get("body") or ""
        position = body.find(tag + "-")
        if position < 0 or record.get("status") != 201:
            continue
        key = body[position + len(tag) + 1:].split()[0].rstrip(".,")
        seen.setdefault(key, []).append(record["ts"])
    return seen


class LineCounter:
    """Counts the lines of the fake's log as it grows, reading only the new bytes: parsing the whole log
    every quarter second took a core from the service it measures during a 100,000 burst."""

    def __init__(self, path):
        self.path, self.offset, self.lines = path, 0, 0

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except OSError:
            return self.lines
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        return self.lines


def wait_for(fake, tag, n, due, wait):
    deadline = due + wait
    counter = LineCounter(fake.log)
    while time.time() < deadline:
        # Parse only once the log holds enough lines to be complete (other sends may be in it too).
        if counter.count() >= n and time.time() > due and len(arrivals(fake, tag)) >= n:
            break
        time.sleep(0.25)
    time.sleep(2)  # late duplicates
    return arrivals(fake, tag)


def report(name, n, seen, due):
    firsts = sorted(min(v) - due for v in seen.values())
    duplicates = sum(len(v) - 1 for v in seen.values())
    if not firsts:
        print(f"{name:<28} N={n:>7,}: arrived 0 of {n:,}")
        return None
    p = lambda q: firsts[max(0, min(len(firsts) - 1, int(q / 100 * len(firsts) + 0.5) - 1))]
    print(f"{name:<28} N={n:>7,}: arrived {len(seen):,} of {n:,}, duplicates {duplicates}, early {sum(1 for x in firsts if x < 0)}; "
          f"lateness first {firsts[0] * 1000:.0f} ms, p50 {p(50) * 1000:.0f} ms, p99 {p(99) * 1000:.0f} ms, "
          f"last {firsts[-1] * 1000:.0f} ms")
    return firsts[-1] if len(seen) == n else None


def taskpulse_burst(binary, tool, work, n, rate):
    fake = benchlib.FakeTwilio(work, fast_tool=tool)
    service = benchlib.TaskPulse(binary, work, fake.base, env={"TASKPULSE_DEFAULT_TIMEZONE": "UTC"})
    processes = [fake.process]
    try:
        service.start()
        processes.append(service.process)
        lead = n / rate + 15
        now = datetime.datetime.now(datetime.timezone.utc)
        due = (now + datetime.timedelta(seconds=lead + 60)).replace(second=0, microsecond=0)
        clock = due.strftime("%I:%M%p").lstrip("0").lower()
        tag = "burst"
        started = time.time()
        # The load tool sends rate x duration texts: make that exactly n.
        rate = min(rate, n)
        if n % rate:
            sys.exit(f"N={n} must be a multiple of --rate {rate}")
        out = subprocess.run([tool, "load", "--url", service.webhook, "--auth-token", benchlib.TOKEN,
                              "--rate", str(rate), "--duration", str(n // rate), "--phones", "1000",
                              "--bodies", f"remind me to ping {tag}-{{i}} at {clock}", "--connections", "16"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("creating the reminders failed: " + out.stdout + out.stderr)
        print(f"TaskPulse: {n:,} reminders texted in {time.time() - started:.1f} s (every answer 200), due "
              f"{due:%H:%M:%S} UTC, {due.timestamp() - time.time():.0f} s later; RSS {benchlib.rss_kb(service.process.pid) / 1024:.1f} MB; "
              f"load average {benchlib.load_average()}")
        seen = wait_for(fake, tag, n, due.timestamp(), wait=120)
        print(f"TaskPulse RSS after the burst: {benchlib.rss_kb(service.process.pid) / 1024:.1f} MB")
        return report("TaskPulse", n, seen, due.timestamp())
    finally:
        benchlib.stop(processes)


def peer_burst(folder, tool, work, n, grace):
    fake = benchlib.FakeTwilio(work, fast_tool=tool)
    peer = benchlib.Peer(folder, work, fake.base, env={"SCHED_MISFIRE_GRACE": grace})
    processes = [fake.process]
    try:
        peer.start()
        processes.append(peer.process)
        lead = n / 150 + 15
        due = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lead)).replace(microsecond=0)
        tag = "burst"

        def create(i):
            body = json.dumps({"phone": f"+1555{3000000 + i % 1000:07d}", "title": f"{tag}-{i}",
                               "due_at": due.isoformat()}).encode()
            request = urllib.request.Request(peer.url + "/api/tasks", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        started = time.time()
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(create, range(n)))
        created = sum(1 for s in statuses if s in (200, 201))
        rss = sum(benchlib.rss_kb(pid) for pid in peer.pids()[1:]) / 1024
        print(f"peer (grace {grace}): {created:,} of {n:,} created in {time.time() - started:.1f} s, "
              f"{due.timestamp() - time.time():.0f} s before T; workers' RSS holding the jobs {rss:.1f} MB "
              f"(2 workers); load average {benchlib.load_average()}")
        if time.time() > due.timestamp():
            print("WARNING: creation ended after T")
        seen = wait_for(fake, tag, created, due.timestamp(), wait=max(60, n / 100))
        return report(f"peer, grace {grace}", n, seen, due.timestamp())
    finally:
        benchlib.stop(processes)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--big", type=int, default=100_000, help="TaskPulse-only burst size (0 to skip)")
    parser.add_argument("--rate", type=int, default=2000, help="texts per second when creating TaskPulse's reminders")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--peer-defaults", action="store_true", help="also run the peer with the seed's 1 s grace")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    binary, tool = benchlib.release_binary(build=not args.no_build)
    peers = None if args.no_peer else benchlib.peers_folder()
    print(f"machine: {benchlib.machine()}")
    failed = False
    for n in args.n:
        work = benchlib.work_dir("taskpulse-bench-burst-")
        try:
            ours = taskpulse_burst(binary, tool, work, n, args.rate)
            failed |= ours is None
            if peers:
                theirs = peer_burst(peers, tool, work, n, "none")
                if args.peer_defaults:
                    peer_burst(peers, tool, work, n, "1")
                if ours and theirs:
                    print(f"N={n:,}: last reminder {theirs / max(ours, 1e-3):.1f}x sooner than the peer "
                          f"({ours:.2f} s vs {theirs:.2f} s after T)")
        finally:
            benchlib.remove(work)
    if args.big:
        work = benchlib.work_dir("taskpulse-bench-burst-")
        try:
            last = taskpulse_burst(binary, tool, work, args.big, args.rate)
            if last is None or last > 10:
                print(f"FAIL: {args.big:,} reminders were not all handed off within 10 s of T")
                failed = True
        finally:
            benchlib.remove(work)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
