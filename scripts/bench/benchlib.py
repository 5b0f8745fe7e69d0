"""Shared pieces of the benchmarks in scripts/bench/ (stdlib only).

Starts TaskPulse's release binary in Twilio mode against a local fake Twilio, and, when the
Python seed stack is beside the project (`../shared/peers`, or `TASKPULSE_PEERS`), the Flask peer
under gunicorn with 2 workers, on the same machine, so both sides meet the same tools. Signs
texts exactly as Twilio does (HMAC-SHA1 over the URL and the sorted form fields).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
import service  # noqa: E402
from service import free_port, stop_processes as stop, wait_ready  # noqa: E402,F401
TOKEN = "bench-token"
ACCOUNT_SID = "ACbench00000000000000000000000000"
SERVICE_NUMBER = "+15550009999"


def machine():
    """One line naming the machine and its load, for every result block."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({model}){mem}, load average {load_average()}"


def load_average():
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def release_binary(build=True):
    """Builds (unless `build` is false) and returns the release `taskpulse` binary and the bench tool."""
    if build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "taskpulse"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["swift", "build", "-c", "release", "--product", "taskpulse-bench"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    bin_path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_path, "taskpulse"), os.path.join(bin_path, "taskpulse-bench")


def twilio_signature(url, fields, token=TOKEN):
    return service.twilio_signature(url, fields, token)


def inbound_fields(phone, body, sid):
    """The form fields Twilio posts for an inbound SMS."""
    return {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
            "FromZip": "", "SmsSid": sid, "FromState": "CA", "SmsStatus": "received", "FromCity": "",
            "Body": body, "FromCountry": "US", "To": SERVICE_NUMBER, "ToZip": "", "NumSegments": "1",
            "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": phone, "ApiVersion": "2010-04-01"}


def post_text(url, phone, body, sid, timeout=30):
    """Posts one signed text; returns the HTTP status."""
    fields = inbound_fields(phone, body, sid)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST", headers={
        "X-Twilio-Signature": twilio_signature(url, fields), "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def rss_kb(pid):
    """Resident memory of a process, from /proc (kB)."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0




class FakeTwilio:
    """A local fake Twilio: the stdlib one in scripts/lib (both sides), or the bench tool's fast one."""

    def __init__(self, work, latency_ms=0.0, fast_tool=None):
        self.port = free_port()
        self.log = os.path.join(work, f"sms-{self.port}.jsonl")
        self.base = f"http://127.0.0.1:{self.port}"
        if fast_tool:
            command = [fast_tool, "fake-twilio", "--port", str(self.port), "--log", self.log]
        else:
            command = [sys.executable, os.path.join(ROOT, "scripts/lib/fake_twilio.py"), "--port", str(self.port),
                       "--log", self.log, "--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        sys.exit("fake Twilio did not start")

    def records(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.endswith("\n") and line.strip()]


class TaskPulse:
    """`taskpulse serve` in Twilio mode on a throwaway SQLite file (or `database`)."""

    def __init__(self, binary, work, twilio_base, database=None, env=None):
        self.binary, self.work = binary, work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.webhook = self.url + "/twilio/sms"
        self.database = database or os.path.join(work, "taskpulse.sqlite")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TASKPULSE_"))}
        self.env.update({
            "TASKPULSE_DATABASE_URL": self.database, "TASKPULSE_PORT": str(self.port), "TASKPULSE_PUBLIC_URL": self.url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": SERVICE_NUMBER,
            "TWILIO_API_BASE": twilio_base, "TASKPULSE_LOG_LEVEL": "warning",
        })
        self.env.update(env or {})
        self.process = None

    def start(self, timeout=60):
        """Starts the service and returns seconds from exec to a 200 from /readyz."""
        started = time.perf_counter()
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(self.work, "serve.log"), "a"))
        wait_ready(self.url + "/readyz", timeout, self.process)
        return time.perf_counter() - started

    def stop(self):
        if self.process:
            stop([self.process])


def peers_folder():
    """The Python seed stack's folder, or None when it is not beside the project."""
    folder = os.environ.get("TASKPULSE_PEERS") or os.path.join(os.path.dirname(ROOT), "shared", "peers")
    return folder if os.path.exists(os.path.join(folder, "flask_seed", "app.py")) else None


def peer_python(folder):
    """A virtualenv with the peer's pinned requirements (kept in $TMPDIR between runs)."""
    venv = os.path.join(tempfile.gettempdir(), "peers-venv")
    python = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, ".taskpulse-bench-ready")
    if not os.path.exists(marker):
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "-r", os.path.join(folder, "requirements.txt")],
                       cwd=folder, check=True)
        open(marker, "w").close()
    return python


class Peer:
    """The Flask seed under gunicorn (`-w 2`, sync workers, as its README measures it)."""

    def __init__(self, folder, work, twilio_base, workers=2, env=None):
        self.folder, self.work = folder, work
        self.python = peer_python(folder)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.webhook = self.url + "/twilio/sms"
        self.db = os.path.join(work, f"peer-{self.port}.db")
        self.env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                        TWILIO_FROM_NUMBER=SERVICE_NUMBER, TWILIO_API_BASE=twilio_base,
                        DATABASE_URL="sqlite:///" + self.db, **(env or {}))
        self.workers = workers
        self.process = None

    def start(self):
        gunicorn = os.path.join(os.path.dirname(self.python), "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "app:app"],
            cwd=os.path.join(self.folder, "flask_seed"), env=self.env, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.work, "peer.log"), "a"))
        wait_ready(self.url + "/healthz", 60, self.process)

    def pids(self):
        """The master and its workers."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [self.process.pid] + [int(p) for p in out.stdout.split()]

    def stop(self):
        if self.process:
            stop([self.process])


def work_dir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    return path


def remove(path):
    """Removes a work directory, unless TP_BENCH_KEEP=1 asks to keep it for inspection (its path is printed)."""
    if os.environ.get("TP_BENCH_KEEP") == "1":
        print(f"kept {path}", file=sys.stderr)
        return
    shutil.rmtree(path, ignore_errors=True)


def ratio(ours, theirs):
    return f"{ours / theirs:.1f}x" if theirs else "n/a"
