#!/usr/bin/env python3
"""Memory, start-up and `list` on a large SQLite database: 100,000 people, 1,000,000 pending reminders.

    scripts/bench/memory.py [--people 100000] [--reminders 1000000] [--no-build] [--keep DB]

1. `taskpulse-bench seed` writes the database (people, an open task with a pending reminder each for
   the next 30 days, agenda and weekly digests; 1,000 of the tasks belong to +15553000000).
2. Starts `taskpulse serve` on it (release build) and measures the time from exec to the first 200
   from /readyz, then resident memory (VmRSS, VmHWM) once start-up work has settled.
3. Texts "list" from the person with 1,000 tasks 500 times, one at a time (taskpulse-bench load,
   1 connection, 50/s): the latency is measured at the client, so it bounds the server time from above.
4. Runs 20 s of mixed signed webhook load at 1,000/s over 100 other people, and reads RSS again.
The peer's memory holding reminders is measured by scripts/bench/burst.py (it holds them in RAM).
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def status_kb(pid, field):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def load(tool, url, rate, duration, phones, base, bodies, connections):
    out = subprocess.run([tool, "load", "--url", url, "--auth-token", benchlib.TOKEN, "--rate", str(rate),
                          "--duration", str(duration), "--phones", str(phones), "--phone-base", str(base),
                          "--bodies", bodies, "--connections", str(connections)], capture_output=True, text=True)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT")), None)
    if out.returncode != 0 or line is None:
        sys.exit(f"load failed: {out.stdout}{out.stderr}")
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--reminders", type=int, default=1_000_000)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--keep", help="reuse (or keep) the seeded database at this path")
    args = parser.parse_args()

    binary, tool = benchlib.release_binary(build=not args.no_build)
    work = benchlib.work_dir("taskpulse-bench-memory-")
    database = args.keep or os.path.join(work, "big.sqlite")
    processes = []
    print(f"machine: {benchlib.machine()}")
    try:
        if not os.path.exists(database):
            started = time.time()
            subprocess.run([tool, "seed", "--database", database, "--people", str(args.people),
                            "--reminders", str(args.reminders)], check=True, stdout=subprocess.DEVNULL)
            print(f"seeded {args.people:,} people and {args.reminders:,} pending reminders in {time.time() - started:.1f} s "
                  f"({os.path.getsize(database) / 1e6:.0f} MB)")
        fake = benchlib.FakeTwilio(work, fast_tool=tool)
        processes.append(fake.process)
        service = benchlib.TaskPulse(binary, work, fake.base, database=database)
        print(f"load average before start: {benchlib.load_average()}")
        ready = service.start()
        processes.append(service.process)
        pid = service.process.pid
        print(f"start-up to ready (/readyz 200): {ready * 1000:.0f} ms; RSS at ready {status_kb(pid, 'VmRSS') / 1024:.1f} MB")
        time.sleep(5)
        print(f"RSS 5 s later (start-up work done): {status_kb(pid, 'VmRSS') / 1024:.1f} MB, "
              f"peak so far {status_kb(pid, 'VmHWM') / 1024:.1f} MB")
        print("list, person with 1,000 tasks, 500 texts one at a time: "
              + load(tool, service.webhook, 50, 10, 1, 3_000_000, "list", 1))
        print(f"RSS after the lists: {status_kb(pid, 'VmRSS') / 1024:.1f} MB")
        print("mixed load 1,000/s for 20 s over 100 other people: "
              + load(tool, service.webhook, 1000, 20, 100, 3_000_100, "add buy milk at 18:30,list,done 1", 32))
        print(f"RSS after the load: {status_kb(pid, 'VmRSS') / 1024:.1f} MB, peak {status_kb(pid, 'VmHWM') / 1024:.1f} MB")
        rss = status_kb(pid, 'VmRSS') / 1024
        service.stop()
        if rss >= 64:
            sys.exit(f"FAIL: resident memory {rss:.1f} MB is not under 64 MB")
    finally:
        benchlib.stop(processes)
        if not args.keep:
            benchlib.remove(work)


if __name__ == "__main__":
    main()
