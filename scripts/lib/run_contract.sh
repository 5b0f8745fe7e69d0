#!/usr/bin/env bash
# Starts `taskpulse serve` in dev mode on a free port with a throwaway database and runs the
# OpenAPI contract test (scripts/lib/contract_test.sh) against it. Called by scripts/test:
#   scripts/lib/run_contract.sh path/to/taskpulse path/to/python-with-schemathesis
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$1"
PY="$2"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/taskpulse-contract-server.XXXXXX")"
PID=""
cleanup() {
    local status=$?
    if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -s "$WORK/serve.log" ]]; then
        echo "contract: server log (last 40 lines):" >&2
        tail -n 40 "$WORK/serve.log" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# Dev mode (no Twilio, no SMTP): nothing leaves the machine.
env -u TWILIO_ACCOUNT_SID -u SMTP_URL TASKPULSE_DATABASE_URL="$WORK/contract.sqlite" TASKPULSE_HOST=127.0.0.1 \
    TASKPULSE_PORT="$PORT" TASKPULSE_LOG_LEVEL=warning "$BIN" serve >"$WORK/serve.log" 2>&1 &
PID=$!

"$ROOT/scripts/lib/contract_test.sh" "http://127.0.0.1:$PORT" "$PY"
