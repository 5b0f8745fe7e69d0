"""Process helpers shared by scripts/bench and scripts/chaos: ports, readiness, Twilio signatures,
stopping what a script started."""
import base64
import hashlib
import hmac
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, timeout=60, process=None):
    """Waits for a 200 from `url`; exits the script if it never comes or `process` exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
    sys.exit(f"not ready at {url} after {timeout} s")


def twilio_signature(url, fields, token):
    """X-Twilio-Signature for form `fields` (a dict) posted to `url`."""
    payload = url + "".join(k + fields[k] for k in sorted(fields))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def stop_processes(processes):
    """Terminates each process still running, killing it after 10 seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
