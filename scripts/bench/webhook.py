#!/usr/bin/env python3
"""Webhook benchmark: signed texts mixing add/list/done over 100 phones, TaskPulse and the Flask peer.

    scripts/bench/webhook.py [--duration 20] [--connections 16] [--rate 2000] [--no-build] [--no-peer]

1. Throughput, closed loop: wrk (`-t2 -cN`), every request a different pre-signed text with its own
   MessageSid (scripts/bench/wrk_unique.lua), against TaskPulse and then against the peer
   (gunicorn -w 2), each on a fresh database. The ratio is printed.
2. The same with the peer's own Python load generator (loadgen.py, 16 connections), when the peer
   folder is there: it saturates before TaskPulse does, which the output shows.
3. Latency at a fixed rate (open loop, default 2,000 texts/s) with `taskpulse-bench load`, latency
   counted from each request's intended send time. TaskPulse only: the peer tops out far below it.
Every TaskPulse run checks afterwards that the database holds one inbound row per request answered 200.
"""
import argparse
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

PHONES = [f"+1555{2000000 + i:07d}" for i in range(100)]
MIX = ["add buy milk at 18:30", "list", "done 1"]


def write_bodies(path, url, count, seed):
    """`count` signed texts for `url`, one "signature<TAB>form body" line each, each with its own MessageSid."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(count):
            sid = f"SM{seed:08x}{i:024x}"
            fields = benchlib.inbound_fields(rng.choice(PHONES), rng.choice(MIX), sid)
            f.write(benchlib.twilio_signature(url, fields) + "\t" + urllib.parse.urlencode(fields) + "\n")


def run_wrk(url, bodies, args):
    env = dict(os.environ, TP_BODIES=bodies, TP_THREADS=str(args.threads))
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk_unique.lua")
    out = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
                          "-s", script, url], env=env, capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (.*)", out)
    if not match:
        sys.exit("wrk printed no RESULT line:\n" + out)
    r = {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def describe_wrk(name, r):
    errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    return (f"{name:<10} {r['rps']:>9,.0f} req/s  p50 {r['p50_us'] / 1000:.2f} ms  p90 {r['p90_us'] / 1000:.2f} ms  "
            f"p99 {r['p99_us'] / 1000:.2f} ms  max {r['max_us'] / 1000:.1f} ms  requests {r['requests']:,}  "
            f"errors {errors}  replays {r['wraps']}")


def inbound_rows(database):
    with sqlite3.connect(database) as db:
        return db.execute("SELECT COUNT(*) FROM inbound_messages").fetchone()[0]


def run_loadgen(peers, python, url, args):
    out = subprocess.run([python, os.path.join(peers, "loadgen.py"), "run", "--url", url, "--auth-token", benchlib.TOKEN,
                          "--concurrency", "16", "--duration", str(args.duration), "--phones", "100"],
                         capture_output=True, text=True, check=True).stdout
    return " | ".join(out.strip().splitlines()[-3:]) if out.strip() else "(no output)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rate", type=int, default=2000, help="fixed rate for the latency run (texts/s)")
    parser.add_argument("--max-rate", type=int, default=25000, help="bodies are generated for this rate x duration")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    binary, tool = benchlib.release_binary(build=not args.no_build)
    peers = None if args.no_peer else benchlib.peers_folder()
    work = benchlib.work_dir("taskpulse-bench-webhook-")
    processes = []
    print(f"machine: {benchlib.machine()}")
    try:
        fake = benchlib.FakeTwilio(work)
        processes.append(fake.process)

        # 1. wrk, TaskPulse.
        service = benchlib.TaskPulse(binary, work, fake.base)
        service.start()
        processes.append(service.process)
        bodies = os.path.join(work, "bodies-tp.txt")
        write_bodies(bodies, service.webhook, args.max_rate * args.duration, seed=1)
        print(f"load average before TaskPulse wrk: {benchlib.load_average()}")
        ours = run_wrk(service.webhook, bodies, args)
        print(describe_wrk("TaskPulse", ours))
        stored = inbound_rows(service.database)
        ok = ours["requests"] - ours["non2xx"]
        print(f"           inbound rows stored: {stored:,} (answered 2xx: {ok:,}; wrk stops mid-request, so stored may "
              f"exceed answered by up to {args.connections})")
        if stored < ok:
            sys.exit("FAIL: fewer inbound rows than 200 answers")
        rss = benchlib.rss_kb(service.process.pid)
        print(f"           RSS after the run: {rss / 1024:.1f} MB")
        service.stop()
        os.remove(bodies)

        theirs = None
        if peers:
            peer = benchlib.Peer(peers, work, fake.base)
            peer.start()
            processes.append(peer.process)
            bodies = os.path.join(work, "bodies-peer.txt")
            write_bodies(bodies, peer.webhook, args.max_rate * args.duration // 10, seed=2)
            print(f"load average before peer wrk: {benchlib.load_average()}")
            theirs = run_wrk(peer.webhook, bodies, args)
            print(describe_wrk("peer", theirs))
            print(f"throughput ratio (wrk, unique texts): {benchlib.ratio(ours['rps'], theirs['rps'])}; "
                  f"p99 {ours['p99_us'] / 1000:.2f} ms vs {theirs['p99_us'] / 1000:.2f} ms")
            print(f"load average before peer loadgen: {benchlib.load_average()}")
            print("peer, loadgen 16 connections: " + run_loadgen(peers, peer.python, peer.webhook, args))
            peer.stop()
            os.remove(bodies)
            service = benchlib.TaskPulse(binary, os.path.join(work, "second"), fake.base)
            os.makedirs(service.work, exist_ok=True)
            service.start()
            processes.append(service.process)
            print(f"load average before TaskPulse loadgen: {benchlib.load_average()}")
            print("TaskPulse, loadgen 16 connections: " + run_loadgen(peers, peer.python, service.webhook, args))
            service.stop()
        else:
            print("peer: not found beside the project (../shared/peers or TASKPULSE_PEERS); side-by-side part skipped")

        # 3. Fixed rate, open loop.
        service = benchlib.TaskPulse(binary, os.path.join(work, "fixed"), fake.base)
        os.makedirs(service.work, exist_ok=True)
        service.start()
        processes.append(service.process)
        time.sleep(1)
        print(f"load average before the fixed-rate run: {benchlib.load_average()}")
        fixed = subprocess.run([tool, "load", "--url", service.webhook, "--auth-token", benchlib.TOKEN,
                                "--rate", str(args.rate), "--duration", str(args.duration), "--phones", "100"],
                               capture_output=True, text=True)
        print(fixed.stdout.strip())
        if fixed.returncode != 0:
            print(fixed.stderr.strip())
            sys.exit("FAIL: the fixed-rate run failed")
        service.stop()
    finally:
        benchlib.stop(processes)
        benchlib.remove(work)


if __name__ == "__main__":
    main()
