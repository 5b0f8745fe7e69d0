#!/usr/bin/env python3
"""A full disk and a filesystem turned read-only under the running service, on real files.

    scripts/chaos/disk_faults.py [--binary .build/release/taskpulse] [--faults full,readonly]

full:     the SQLite file lives on a 6 MiB tmpfs; after 40 texts a filler file takes every free
          byte, and texts keep coming until 30 are refused. Then the filler goes and Twilio's
          retries (same MessageSids) come in.
readonly: the SQLite file lives on a loop-mounted ext4 (errors=remount-ro); after 40 texts the
          kernel is told the filesystem failed (/sys/fs/ext4/<dev>/trigger_fs_error), which turns
          it read-only under the open database, as a disk error does. 20 more texts come in. Then
          the service stops, the filesystem is checked (e2fsck) and mounted again, the service
          starts and the retries come in.

Each fault passes when: no text got a 200 the database does not have afterwards (a false 200
loses the text: Twilio does not retry it); every refusal is a 503 with Retry-After (Twilio
retries those), never a 500 or a dropped connection; the service logs "store unavailable" and
keeps running; after recovery every retried text is stored exactly once and
`PRAGMA integrity_check` says ok.

Mounting needs root (or, for the tmpfs alone, an unprivileged user namespace); the script runs
itself in a private mount namespace so nothing stays mounted. A fault it cannot set up is
reported as SKIPPED with the reason. Exits 1 if a fault it ran failed.
"""
import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_restart import ROOT, free_port, signed_text, start_service, stop_processes, wait_ready  # noqa: E402

INSIDE = "TASKPULSE_DISK_FAULTS_NAMESPACE"


def post(url, phone, body, sid):
    """(status, Retry-After) for one signed text; a dropped connection is status 0."""
    try:
        return signed_text(url, phone, body, sid), None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0, None


class Run:
    """One service on a database in `folder`, with the texts it was sent and what it answered."""

    def __init__(self, binary, folder, work):
        self.binary, self.folder, self.work = binary, folder, work
        self.database = os.path.join(folder, "taskpulse.sqlite")
        self.log = os.path.join(work, "serve.log")
        self.port, self.twilio_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}/twilio/sms"
        self.answers = {}  # index -> last status
        self.processes = [subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts/lib/fake_twilio.py"), "--port", str(self.twilio_port),
             "--log", os.path.join(work, "sms.jsonl")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        self.service = None
        self.problems = []

    def start(self):
        self.service = start_service(self.binary, self.database, self.port, self.twilio_port, self.log,
                                     TASKPULSE_LOG_LEVEL="notice")
        self.processes.append(self.service)
        wait_ready(f"http://127.0.0.1:{self.port}/readyz")

    def stop(self):
        self.service.send_signal(signal.SIGTERM)
        try:
            self.service.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.problems.append("the service did not stop within 15 s of SIGTERM")
            self.service.kill()
            self.service.wait()

    def text(self, index):
        # About 400 bytes a text, so the log outgrows a small disk quickly.
        status, retry_after = post(self.url, f"+1555{7000000 + index % 20:07d}",
                                   f"add disk-{index} " + "x" * 380, f"SMdisk{index:028d}")
        self.answers[index] = status
        if status not in (200, 503):
            self.problems.append(f"text {index} got {status or 'a dropped connection'} (only 200 or 503 are right)")
        if status == 503 and retry_after is None:
            self.problems.append(f"text {index} got a 503 without Retry-After")
        return status

    def retry_refused(self, attempts=5):
        """Sends every text whose last answer was not a 200 again, as Twilio retries, up to `attempts` rounds."""
        for _ in range(attempts):
            refused = [i for i, status in self.answers.items() if status != 200]
            if not refused:
                return
            for index in refused:
                self.text(index)
            time.sleep(0.5)

    def check_stored(self, refused_during_fault):
        """Every text answered 200 is stored exactly once; the file passes integrity_check."""
        connection = sqlite3.connect(self.database)
        try:
            integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
            titles = [row[0] for row in connection.execute("SELECT title FROM tasks WHERE title LIKE 'disk-%'")]
        finally:
            connection.close()
        counts = {}
        for title in titles:
            index = int(title.split(" ")[0].split("-")[1])
            counts[index] = counts.get(index, 0) + 1
        lost = [i for i, status in self.answers.items() if status == 200 and counts.get(i, 0) == 0]
        doubled = [i for i, count in counts.items() if count > 1]
        unanswered = [i for i, status in self.answers.items() if status != 200]
        if integrity != "ok":
            self.problems.append(f"integrity_check: {integrity}")
        if lost:
            self.problems.append(f"{len(lost)} texts answered 200 are not stored (false 200s), e.g. {lost[:5]}")
        if doubled:
            self.problems.append(f"{len(doubled)} texts stored twice, e.g. {doubled[:5]}")
        if unanswered:
            self.problems.append(f"{len(unanswered)} texts still refused after recovery, e.g. {unanswered[:5]}")
        with open(self.log, encoding="utf-8", errors="replace") as f:
            logged = f.read()
        if refused_during_fault and "store unavailable for webhook" not in logged:
            self.problems.append('no "store unavailable for webhook" line in the service log')
        stored = sum(1 for i in self.answers if counts.get(i, 0) == 1)
        print(f"  after recovery: {stored} of {len(self.answers)} texts stored once, integrity_check {integrity}")

    def close(self):
        stop_processes(self.processes)


def fill(path):
    """Writes `path` until the filesystem is full."""
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
        for size in (4096, 512, 1):
            try:
                while True:
                    f.write(chunk[:size])
            except OSError:
                pass


def full_disk(binary, work):
    folder = os.path.join(work, "full")
    os.makedirs(folder)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", folder], capture_output=True, text=True)
    if mounted.returncode != 0:
        return f"SKIPPED: cannot mount a tmpfs here ({mounted.stderr.strip()})"
    run = Run(binary, folder, work)
    try:
        run.start()
        first = [run.text(i) for i in range(40)]
        print(f"  before the fault: {first.count(200)} of 40 texts answered 200")
        fill(os.path.join(folder, "filler"))
        refused, index = 0, 40
        while refused < 30 and index < 3000:
            refused += run.text(index) != 200
            index += 1
        during = [run.answers[i] for i in range(40, index)]
        print(f"  disk full: {during.count(200)} texts answered 200 (written into log space already there), "
              f"{during.count(503)} refused with 503 + Retry-After")
        if refused == 0:
            run.problems.append("the full disk never refused a text: the fault did not take")
        if run.service.poll() is not None:
            run.problems.append(f"the service exited ({run.service.returncode}) on a full disk")
        os.remove(os.path.join(folder, "filler"))
        run.retry_refused()
        run.stop()
        run.check_stored(refused > 0)
    finally:
        run.close()
        subprocess.run(["umount", "-l", folder], check=False)
    return run.problems


def read_only(binary, work):
    if not os.path.isdir("/sys/fs/ext4") or shutil.which("mkfs.ext4") is None or shutil.which("e2fsck") is None:
        return "SKIPPED: needs ext4 (mkfs.ext4, e2fsck, /sys/fs/ext4)"
    image, folder = os.path.join(work, "ext4.img"), os.path.join(work, "ro")
    os.makedirs(folder)
    with open(image, "wb") as f:
        f.truncate(32 * 1024 * 1024)
    if subprocess.run(["mkfs.ext4", "-q", "-F", image], capture_output=True).returncode != 0:
        return "SKIPPED: mkfs.ext4 failed here"
    mounted = subprocess.run(["mount", "-o", "loop,errors=remount-ro", image, folder], capture_output=True, text=True)
    if mounted.returncode != 0:
        return f"SKIPPED: cannot loop-mount an ext4 image here ({mounted.stderr.strip()})"
    device = next(line.split()[0] for line in open("/proc/mounts") if line.split()[1] == folder)
    trigger = f"/sys/fs/ext4/{os.path.basename(device)}/trigger_fs_error"
    run = Run(binary, folder, work)
    try:
        run.start()
        first = [run.text(i) for i in range(40)]
        print(f"  before the fault: {first.count(200)} of 40 texts answered 200")
        with open(trigger, "w") as f:
            f.write("1")
        options = next(line.split()[3] for line in open("/proc/mounts") if line.split()[1] == folder)
        print(f"  filesystem error triggered; mount options now: {options}")
        during = [run.text(i) for i in range(40, 60)]
        print(f"  read-only: {during.count(200)} texts answered 200, {during.count(503)} refused with 503 + Retry-After")
        if during.count(503) == 0:
            run.problems.append("the read-only filesystem never refused a text: the fault did not take")
        if run.service.poll() is not None:
            run.problems.append(f"the service exited ({run.service.returncode}) on a read-only filesystem")
        run.stop()
        subprocess.run(["umount", folder], check=True)
        subprocess.run(["e2fsck", "-fy", image], capture_output=True)
        subprocess.run(["mount", "-o", "loop,errors=remount-ro", image, folder], check=True)
        run.start()
        run.retry_refused()
        run.stop()
        run.check_stored(during.count(503) > 0)
    finally:
        run.close()
        subprocess.run(["umount", "-l", folder], check=False)
    return run.problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/taskpulse"))
    parser.add_argument("--faults", default="full,readonly")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)

    if os.environ.get(INSIDE) != "1":
        # A private mount namespace: every mount ends with the script, whatever happens to it.
        flags = ["-m", "--propagation", "private"] if os.geteuid() == 0 else ["-r", "-m"]
        if shutil.which("unshare") is None:
            print("disk faults: SKIPPED: unshare(1) is not installed")
            return 0
        probe = subprocess.run(["unshare", *flags, "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"disk faults: SKIPPED: no private mount namespace here ({probe.stderr.strip()})")
            return 0
        env = dict(os.environ, **{INSIDE: "1"})
        return subprocess.run(["unshare", *flags, sys.executable, os.path.abspath(__file__),
                               "--binary", binary, "--faults", args.faults], env=env).returncode

    failed = False
    for fault in args.faults.split(","):
        work = tempfile.mkdtemp(prefix=f"taskpulse-disk-{fault}-")
        print(f"{fault}:")
        try:
            outcome = {"full": full_disk, "readonly": read_only}[fault](binary, work)
        except subprocess.CalledProcessError as error:
            # Set-up that cannot run here returned SKIPPED above; a step failing mid-test is a failure.
            outcome = [f"{' '.join(error.cmd)} failed (exit {error.returncode})"]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if isinstance(outcome, str):
            print(f"  {outcome}")
        elif outcome:
            failed = True
            for problem in outcome:
                print(f"  FAIL: {problem}")
        else:
            print("  PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
