#!/usr/bin/env python3
"""Three nodes on one PostgreSQL database, 10,000 reminders due at once, one node killed mid-burst.

    scripts/chaos/cluster_burst.py [--binary .build/release/taskpulse] [--n 10000] [--nodes 3]
                                   [--lease 40] [--kill-at 0.3] [--database-url postgres://...]

Starts a throwaway PostgreSQL cluster (scripts/lib/postgres.sh; or uses --database-url), a local
fake Twilio (scripts/lib/fake_twilio.py) and N `taskpulse serve` nodes in Twilio mode on that one
database, all at once (they migrate together under the advisory lock). Texts --n reminders
("remind me to ping cluster-<i> at 2:07pm", one shared minute, 1,000 phones) through signed
webhooks spread over the nodes; every text must get a 200. When the minute comes, every node
dispatches; once --kill-at of the burst has reached the fake Twilio, one node gets SIGKILL. The
survivors take its claimed rows over when their lease (--lease seconds) runs out.

Prints: how many distinct reminders arrived (must be all), duplicates (only a row the killed node had
sent but not yet recorded can be sent twice: the documented send/commit window), how many rows were
taken over after the lease, the rows each PostgreSQL status holds, and the burst's timing. Exits 1
if any reminder is missing or any row is not marked sent.
"""
import argparse
import datetime
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_restart import ROOT, free_port, signed_text, start_service, stop_processes, wait_ready  # noqa: E402

LIB = os.path.join(ROOT, "scripts/lib")


def start_postgres():
    """Starts the throwaway cluster; returns (url, stop function)."""
    script = (f"source {shlex.quote(LIB)}/system-packages.sh && source {shlex.quote(LIB)}/postgres.sh && "
              "start_throwaway_postgres >&2 && echo \"$TP_PG_URL $TP_PG_DIR $TP_PG_BIN\"")
    out = subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout.split()
    url, directory, binaries = out

    def stop():
        subprocess.run(["bash", "-c", f"source {shlex.quote(LIB)}/postgres.sh && stop_throwaway_postgres"],
                       env={**os.environ, "TP_PG_DIR": directory, "TP_PG_BIN": binaries}, check=False)
    return url, stop


class LogTail:
    """The fake Twilio's JSONL log, read incrementally (re-reading it whole would eat the CPU being measured)."""

    def __init__(self, path):
        self.path, self.offset, self.records = path, 0, []

    def read(self):
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                f.seek(self.offset)
                chunk = f.read()
            complete = chunk[:chunk.rfind("\n") + 1]
            self.offset += len(complete.encode("utf-8"))
            self.records += [json.loads(line) for line in complete.splitlines() if line.strip()]
        return self.records


def psql(url, sql):
    return subprocess.run(["psql", url, "-At", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/taskpulse"))
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--lease", type=int, default=40, help="TASKPULSE_DISPATCH_LEASE_SECONDS for every node")
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of the burst received before SIGKILL")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="fake Twilio answer delay")
    parser.add_argument("--database-url", help="an existing empty PostgreSQL database instead of a throwaway one")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="taskpulse-cluster-")
    log = os.path.join(work, "sms.jsonl")
    processes = []
    stop_postgres = None
    if args.database_url:
        database_url = args.database_url
    else:
        database_url, stop_postgres = start_postgres()
    print(f"PostgreSQL: {database_url.split('?')[0]}")
    twilio_port = free_port()
    ports = [free_port() for _ in range(args.nodes)]

    def start_node(index):
        # Every node checks signatures against the one public URL Twilio is given (DEPLOY.md).
        return start_service(args.binary, database_url, ports[index], twilio_port,
                             os.path.join(work, f"node{index + 1}.log"), TASKPULSE_PUBLIC_URL="https://taskpulse.example",
                             TASKPULSE_DEFAULT_TIMEZONE="UTC", TASKPULSE_DISPATCH_LEASE_SECONDS=str(args.lease))

    fake = subprocess.Popen([sys.executable, os.path.join(LIB, "fake_twilio.py"), "--port", str(twilio_port),
                             "--log", log, "--latency-ms", str(args.latency_ms)])
    processes.append(fake)
    try:
        nodes = [start_node(i) for i in range(args.nodes)]
        processes += nodes
        for port in ports:
            wait_ready(f"http://127.0.0.1:{port}/readyz", timeout=60)
        print(f"{args.nodes} nodes started together and migrated one database")

        # One shared minute, far enough ahead for the texts to be written first.
        now = datetime.datetime.now(datetime.timezone.utc)
        due = (now + datetime.timedelta(seconds=75)).replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
        clock = due.strftime("%I:%M%p").lstrip("0").lower()
        texts = [(f"+1555{3000000 + i % args.phones:07d}", f"remind me to ping cluster-{i} at {clock}",
                  f"SMcluster{i:025d}") for i in range(args.n)]
        started = time.time()

        def send(item):
            index, text = item
            # Twilio's signature covers the public URL; each node is reached on its own port.
            try:
                return signed_text(f"http://127.0.0.1:{ports[index % args.nodes]}/twilio/sms", *text,
                                   public_url="https://taskpulse.example/twilio/sms")
            except urllib.error.HTTPError as error:
                return error.code
        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses = list(pool.map(send, enumerate(texts)))
        bad = [s for s in statuses if s != 200]
        created = time.time() - started
        print(f"created {args.n} reminders due {due:%H:%M:%S} UTC by signed webhook across {args.nodes} nodes "
              f"in {created:.1f} s; non-200 answers: {len(bad)}")
        if bad:
            return 1
        if datetime.datetime.now(datetime.timezone.utc) >= due:
            sys.exit("creating the reminders took longer than their lead time; lower --n")

        target = int(args.n * args.kill_at)
        tail = LogTail(log)
        while len(tail.read()) < target:
            time.sleep(0.02)
        victim = nodes[1]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = len(tail.read())
        in_flight = psql(database_url, "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'")
        print(f"SIGKILL node 2 after {killed_at} of {args.n} reminders reached the fake Twilio "
              f"({in_flight} rows claimed by some node at that moment)")

        deadline = time.time() + args.lease + 120
        while time.time() < deadline:
            tags = {r["body"].split("cluster-")[1].split(" ")[0] for r in tail.read() if "cluster-" in r["body"]}
            # Done when every reminder arrived and no row is still claimed: a row the dead node sent but never
            # recorded is sent again when its lease runs out (the duplicate window), so wait for that too.
            if len(tags) >= args.n and psql(database_url, "SELECT COUNT(*) FROM deliveries WHERE kind = 'reminder' "
                                                          "AND status IN ('pending', 'sending')") == "0":
                break
            time.sleep(0.5)
        time.sleep(2)  # catch late duplicates
        records = [r for r in tail.read() if r.get("status") == 201 and "cluster-" in r["body"]]
        tags = [r["body"].split("cluster-")[1].split(" ")[0] for r in records]
        distinct = set(tags)
        duplicates = len(tags) - len(distinct)
        times = sorted(r["ts"] for r in records)
        due_ts = due.timestamp()
        statuses = psql(database_url, "SELECT status || '=' || COUNT(*) FROM deliveries WHERE kind = 'reminder' "
                                      "GROUP BY status ORDER BY status").replace("\n", " ")
        taken_over = psql(database_url, "SELECT COUNT(*) FROM deliveries WHERE kind = 'reminder' AND attempts > 1")
        sent = int(psql(database_url, "SELECT COUNT(*) FROM deliveries WHERE kind = 'reminder' AND status = 'sent'"))
        ninety_nine = times[int(len(times) * 0.99) - 1] if times else due_ts
        print(f"arrived: {len(distinct)} of {args.n}; duplicates: {duplicates}; rows taken over after the lease: "
              f"{taken_over}; rows: {statuses}")
        print(f"burst: first arrival {times[0] - due_ts:+.2f} s after the due second, 99% by "
              f"{ninety_nine - due_ts:.2f} s, last {times[-1] - due_ts:.2f} s "
              f"(lease {args.lease} s, so the killed node's rows wait at least that long)")
        ok = len(distinct) == args.n and sent == args.n
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        stop_processes(processes)
        if stop_postgres:
            stop_postgres()
        print(f"logs: {work}")


if __name__ == "__main__":
    sys.exit(main())
