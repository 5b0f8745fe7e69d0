#!/usr/bin/env python3
"""Twilio answering 429, 500, slowly or not at all: backoff without a busy loop, nothing lost, webhooks unblocked.

    scripts/chaos/twilio_faults.py [--binary .build/release/taskpulse] [--modes 429,500,slow,hang]
                                   [--n 50] [--fault-seconds 35] [--slow-ms 10000] [--retry-after 5]

Runs one scenario per mode, all at once, each with its own fake Twilio (scripts/lib/fake_twilio.py)
and `taskpulse serve` in Twilio mode on a throwaway SQLite file. A scenario texts --n reminders
("remind me to ping fault-<i> in 1 min") through signed webhooks, switches its fake Twilio to the
fault (POST /control) before they fall due, keeps it failing --fault-seconds from the due time,
then switches it back to "ok" and waits for every reminder. Throughout, a signed "list" text every
100 ms measures webhook latency.

The service's side (Sources/TaskPulseDispatch/RetryPolicy.swift, Dispatcher.swift,
Sources/TaskPulseMessaging/TwilioSMSTransport.swift): a transient failure (429, 5xx, timeout,
connection error) is retried after an equal-jitter exponential delay (base 2 s, at most 600 s,
8 attempts; a Retry-After header is a floor), so the attempt after attempt k waits 2^(k-1) to 2^k s.
The Twilio request times out after 15 s. The dispatcher claims a batch of due rows
(Dispatcher.Settings.batchSize) and sends them `concurrency` at a time, re-reading each row just
before its send (and renewing its 60 s lease when less than half is left); it claims the next
batch while the last rows of a full one go out, and a batch that comes back short ends the round.
So under "hang" each send waits for its 15 s timeout, a round of n rows takes about
ceil(n / concurrency) x 15 s, and rows falling due meanwhile (retries included) wait for it; under
"slow" each send takes the fake's latency, still under the timeout, so nothing should be sent twice.

Checks per mode:
  - lost: every reminder arrives (a 201 from the fake) after recovery and its row ends 'sent';
  - duplicates: a reminder accepted twice is only allowed when Twilio held the first accepted
    request past the 15 s timeout, so its 201 never reached the service (the documented
    send/record window); a 201 the service stopped waiting for sooner is a failure. "hang"
    requests that timed out are counted apart, as a real Twilio might have accepted them;
  - timeouts: no request stays open at the fake (or is answered) well past the 15 s timeout;
  - backoff: attempts of one reminder are at least the policy's smallest delay apart (or the
    Retry-After), and no reminder is tried more often during the fault than the policy allows;
  - busy loop: the service's CPU time during the fault (/proc/<pid>/stat) stays under --max-cpu;
  - webhooks: p99 latency of the "list" probe under --max-p99 seconds, and every probe answered 200.
Exits 1 if any check fails.
"""
import argparse
import datetime
import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_restart import ROOT, free_port, read_log, signed_text, start_service, stop_processes, wait_ready  # noqa: E402

MODES = ("429", "500", "slow", "hang")
BASE_DELAY = 2.0  # RetryPolicy.baseDelay
TRANSPORT_TIMEOUT = 15.0  # TwilioSMSTransport's default; Application+build.swift does not change it
TAG = re.compile(r"fault-(\d+)\b")
# TwilioSMSTransport's notice for a timeout or connection failure, e.g.
# 2026-11-23T18:30:44+0000 notice taskpulse: error=HTTPClientError.deadlineExceeded tp.to=***0005 [...] twilio request failed
FAILED = re.compile(r"(\S+) notice .* tp\.to=\*+(\d{4}) .*twilio request failed")
TICKS = os.sysconf("SC_CLK_TCK")
PRINTING = threading.Lock()


def cpu_seconds(pid):
    """User plus system CPU time of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def most_attempts(seconds):
    """How many attempts the retry policy allows within `seconds`, every delay at its shortest."""
    attempts, elapsed = 1, BASE_DELAY / 2
    while elapsed <= seconds:
        attempts += 1
        elapsed += BASE_DELAY / 2 * 2 ** (attempts - 1)
    return attempts


def set_fake(port, **settings):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/control", data=json.dumps(settings).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


class Probe:
    """A signed "list" text every 100 ms; keeps (latency, status) per text."""

    def __init__(self, url):
        self.url, self.samples, self.stopping = url, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        tick, count = time.time(), 0
        while not self.stopping.is_set():
            count += 1
            started = time.time()
            try:
                status = signed_text(self.url, "+15557000000", "list", f"SMprobe{count:027d}")
            except urllib.error.HTTPError as error:
                status = error.code
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                status = type(error).__name__
            self.samples.append((time.time() - started, status))
            tick += 0.1
            time.sleep(max(0.0, tick - time.time()))

    def stats(self):
        latencies = sorted(latency for latency, _ in self.samples)
        failed = len([status for _, status in self.samples if status != 200])
        return latencies[int(len(latencies) * 0.99) - 1], latencies[-1], len(latencies), failed


class Scenario:
    """One fault mode: its own fake Twilio, `taskpulse serve` and SQLite file."""

    def __init__(self, mode, args):
        self.mode, self.args = mode, args
        self.work = tempfile.mkdtemp(prefix=f"taskpulse-faults-{mode}-")
        self.database = os.path.join(self.work, "taskpulse.sqlite")
        self.log = os.path.join(self.work, "sms.jsonl")
        self.twilio_port, self.port = free_port(), free_port()
        self.lines = []

    def say(self, line):
        with PRINTING:
            print(f"[{self.mode}] {line}", flush=True)

    def report(self, line):
        self.lines.append(line)

    def query(self, sql):
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(sql).fetchall()

    def request_failures(self):
        """(second, last four digits of the number) of each "twilio request failed" the service logged."""
        failures = []
        with open(os.path.join(self.work, "serve.log"), encoding="utf-8") as f:
            for line in f:
                match = FAILED.match(line)
                if match:
                    second = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S%z").timestamp()
                    failures.append((second, match.group(2)))
        return failures

    def run(self):
        """Runs the scenario; True when every check passed."""
        try:
            return self.run_processes()
        except (Exception, SystemExit) as error:  # one broken scenario must not hide the others' results
            self.report(f"FAIL: scenario error: {error!r}")
            return False

    def run_processes(self):
        processes = [subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/lib/fake_twilio.py"),
                                       "--port", str(self.twilio_port), "--log", self.log])]
        probe = Probe(f"http://127.0.0.1:{self.port}/twilio/sms")
        try:
            wait_ready(f"http://127.0.0.1:{self.twilio_port}/control")
            service = start_service(self.args.binary, self.database, self.port, self.twilio_port,
                                    os.path.join(self.work, "serve.log"), TASKPULSE_LOG_LEVEL="notice")
            processes.append(service)
            wait_ready(f"http://127.0.0.1:{self.port}/readyz")
            return self.drive(service, probe)
        finally:
            probe.stopping.set()
            stop_processes(processes)

    def drive(self, service, probe):
        args = self.args
        url = f"http://127.0.0.1:{self.port}/twilio/sms"
        # One phone per reminder: the service's log names a failed send by the number's last four digits.
        texts = [(f"+1555{6000000 + i:07d}", f"remind me to ping fault-{i} in 1 min", f"SMfault{i:027d}")
                 for i in range(args.n)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda text: signed_text(url, *text), texts))
        settings = {"mode": self.mode, "latency_ms": args.slow_ms,
                    "retry_after": args.retry_after if self.mode == "429" else None}
        set_fake(self.twilio_port, **settings)
        probe.thread.start()
        (first_due, last_due), = self.query("SELECT MIN(due_at), MAX(due_at) FROM deliveries WHERE kind = 'reminder'")
        self.say(f"{args.n} reminders texted ({len([s for s in statuses if s != 200])} non-200), due in "
                 f"{first_due - time.time():.0f}-{last_due - time.time():.0f} s; fake Twilio now '{self.mode}'")
        time.sleep(max(0.0, first_due - time.time()))
        cpu_start, fault_start = cpu_seconds(service.pid), time.time()
        time.sleep(max(0.0, first_due + args.fault_seconds - time.time()))
        cpu = cpu_seconds(service.pid) - cpu_start
        recovered = time.time()
        set_fake(self.twilio_port, mode="ok")
        fault_cpu = cpu / (recovered - fault_start)
        self.say(f"fake Twilio back to 'ok' after {recovered - fault_start:.0f} s of '{self.mode}'")

        deadline = recovered + args.recovery_timeout
        while time.time() < deadline:
            arrived = {TAG.search(r["body"]).group(1) for r in read_log(self.log)
                       if r.get("status") == 201 and TAG.search(r["body"] or "")}
            waiting, = self.query("SELECT COUNT(*) FROM deliveries WHERE kind = 'reminder' "
                                  "AND status IN ('pending', 'sending')")[0]
            if len(arrived) >= args.n and waiting == 0:
                break
            time.sleep(0.5)
        drained = time.time()
        time.sleep(2)  # catch late duplicates
        probe.stopping.set()
        probe.thread.join()
        return self.judge(statuses, first_due, recovered, drained, fault_cpu, probe)

    def judge(self, statuses, first_due, recovered, drained, fault_cpu, probe):
        args = self.args
        attempts = {}
        for record in read_log(self.log):
            match = TAG.search(record.get("body") or "")
            if match:
                attempts.setdefault(match.group(1), []).append(record)
        delivered = {tag for tag, records in attempts.items() if any(r["status"] == 201 for r in records)}
        lost = args.n - len(delivered)
        failures = self.request_failures()

        def abandoned(record):
            """Whether the service never took this answer: the client left before it, or the service logged a
            failed request to that number as it went out (its deadline fired just then; a retry only starts
            a second or more after the failure, and the log has whole seconds)."""
            answered_at = record["ts"] + record["took"]
            return not record["answered"] or any(
                to == record["to"][-4:] and record["ts"] < second + 1 and second - 1 <= answered_at <= second + 2
                for second, to in failures)

        # Given up on before Twilio had held it for the transport timeout: the timeout started before the
        # request left (it waited for a connection inside the HTTP client).
        early = [r for records in attempts.values() for r in records
                 if r["took"] < TRANSPORT_TIMEOUT - 0.5 and abandoned(r)]
        window = premature = unexplained = 0
        for records in attempts.values():
            accepted = [r for r in records if r["status"] == 201]
            for index in range(1, len(accepted)):
                unheard = [r for r in accepted[:index] if abandoned(r)]
                if any(r["took"] >= TRANSPORT_TIMEOUT - 0.5 for r in unheard):
                    window += 1  # Twilio was slower than the timeout: the documented send/record window
                elif unheard:
                    premature += 1
                else:
                    unexplained += 1
        # A request still open (or answered) after the timeout: the service did not give up on it.
        outlived = [r for records in attempts.values() for r in records
                    if r["took"] > TRANSPORT_TIMEOUT + 2 and (r["answered"] or r["status"] is None)]
        hung_then_sent = len([tag for tag in delivered if any(r["status"] is None for r in attempts[tag])])
        during = [len([r for r in records if r["ts"] < recovered]) for records in attempts.values()]
        gaps = [b["ts"] - a["ts"] for records in attempts.values() for a, b in zip(records, records[1:])]
        floor = max(BASE_DELAY / 2, args.retry_after if self.mode == "429" else 0)
        allowed = most_attempts(recovered - first_due + 1)
        due = {TAG.search(title).group(1): at for title, at in self.query("SELECT title, remind_at FROM tasks")}
        first_waits = [records[0]["ts"] - due[tag] for tag, records in attempts.items()]
        rows = dict(self.query("SELECT status, COUNT(*) FROM deliveries WHERE kind = 'reminder' GROUP BY status"))
        (db_attempts, most_db_attempts), = self.query(
            "SELECT SUM(attempts), MAX(attempts) FROM deliveries WHERE kind = 'reminder'")
        p99, worst, samples, failed_probes = probe.stats()

        self.report(f"texted {args.n} reminders: {len([s for s in statuses if s == 200])} answered 200")
        self.report(f"first request of a reminder reached Twilio {min(first_waits):.1f}-{max(first_waits):.1f} s "
                    f"after its due time")
        self.report(f"requests that reached the fake Twilio: {sum(map(len, attempts.values()))} (attempts the service "
                    f"counted: {db_attempts}); during the fault: {sum(during)}, per reminder "
                    f"{min(during, default=0)}-{max(during, default=0)} (the policy allows at most {allowed})")
        self.report(f"smallest gap between two attempts of one reminder: {min(gaps):.2f} s (floor {floor:.0f} s)"
                    if gaps else "no reminder was attempted twice")
        self.report(f"service CPU during the fault: {fault_cpu * 100:.1f}% of a core (limit {args.max_cpu * 100:.0f}%)")
        self.report(f"webhook 'list' probe: {samples} texts, p99 {p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms, "
                    f"{failed_probes} not answered 200")
        self.report(f"arrived {len(delivered)} of {args.n}, lost {lost}; all arrived {drained - recovered:.1f} s after "
                    f"recovery; rows {rows}, most attempts {most_db_attempts}")
        self.report(f"duplicates {window + premature + unexplained}: {window} after Twilio outlasted the "
                    f"{TRANSPORT_TIMEOUT:.0f} s timeout (the documented window), {premature} after the service gave up "
                    f"sooner, {unexplained} unexplained")
        if early:
            took = sorted(r["took"] for r in early)
            self.report(f"requests given up on less than {TRANSPORT_TIMEOUT:.0f} s after they reached Twilio: "
                        f"{len(early)} ({took[0]:.1f}-{took[-1]:.1f} s)")
        if outlived:
            self.report(f"requests the service held longer than its {TRANSPORT_TIMEOUT:.0f} s timeout: {len(outlived)}")
        if self.mode == "hang":
            self.report(f"reminders with a hung request before their 201: {hung_then_sent} "
                        f"(a real Twilio may have accepted that request: possible duplicates)")
        problems = []
        if lost or rows.get("sent", 0) != args.n:
            problems.append("lost reminders")
        if premature or unexplained:
            problems.append("duplicates outside the documented window")
        if max(during, default=0) > allowed or (gaps and min(gaps) < floor - 0.1):
            problems.append("retries faster than the policy")
        if outlived:
            problems.append("sends not timed out")
        if fault_cpu > args.max_cpu:
            problems.append("busy loop")
        if p99 > args.max_p99 or failed_probes or any(s != 200 for s in statuses):
            problems.append("webhooks slow or failing")
        self.report("PASS" if not problems else "FAIL: " + ", ".join(problems))
        return not problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/taskpulse"))
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, from {','.join(MODES)}")
    parser.add_argument("--n", type=int, default=50, help="reminders per mode")
    parser.add_argument("--fault-seconds", type=float, default=35.0, help="how long Twilio fails from the due time")
    parser.add_argument("--slow-ms", type=float, default=10000.0, help="the fake's answer delay in 'slow' mode")
    parser.add_argument("--retry-after", type=int, default=5, help="Retry-After header of the 429 answers, seconds")
    parser.add_argument("--recovery-timeout", type=float, default=150.0, help="seconds to wait for all after recovery")
    parser.add_argument("--max-cpu", type=float, default=0.2, help="CPU share of one core allowed during the fault")
    parser.add_argument("--max-p99", type=float, default=1.0, help="webhook p99 latency allowed, seconds")
    args = parser.parse_args()
    modes = args.modes.split(",")
    if any(mode not in MODES for mode in modes):
        parser.error(f"--modes takes {', '.join(MODES)}")

    started = time.time()
    scenarios = [Scenario(mode, args) for mode in modes]
    with ThreadPoolExecutor(max_workers=len(scenarios)) as pool:
        results = list(pool.map(lambda scenario: scenario.run(), scenarios))
    for scenario in scenarios:
        print(f"\nmode {scenario.mode} (logs: {scenario.work})")
        for line in scenario.lines:
            print(f"  {line}")
    print(f"\n{len([r for r in results if r])} of {len(results)} modes passed in {time.time() - started:.0f} s")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
