#!/usr/bin/env bash
# Smoke test of the real binary, called by scripts/test:
#   scripts/smoke-test.sh [path/to/taskpulse]    (default: the debug build)
# Starts `taskpulse serve` in dev mode on a free port with a throwaway SQLite database, then
# checks readiness, a simulator text, a signed Twilio webhook, refusal of unsigned and badly
# signed webhooks, and a graceful exit (status 0 within 10 s) on SIGTERM.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-}"
if [[ -z "$BIN" ]]; then
    BIN="$(cd "$ROOT" && swift build --show-bin-path)/taskpulse"
fi
if [[ ! -x "$BIN" ]]; then
    echo "smoke: no executable at $BIN (build first: swift build)" >&2
    exit 1
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

AUTH_TOKEN=smoketoken
PHONE=+15555550123
WORK="$(mktemp -d "${TMPDIR:-/tmp}/taskpulse-smoke.XXXXXX")"
LOG="$WORK/serve.log"
PID=""

# True while the server process exists and is not a zombie.
alive() {
    [[ -n "$PID" ]] || return 1
    kill -0 "$PID" 2>/dev/null || return 1
    if [[ -r "/proc/$PID/stat" ]]; then
        local _pid _comm state
        read -r _pid _comm state _ <"/proc/$PID/stat" || return 1
        [[ "$state" != Z ]] || return 1
    fi
    return 0
}

cleanup() {
    local status=$?
    if alive; then
        kill -TERM "$PID" 2>/dev/null || true
        for _ in $(seq 1 50); do alive || break; sleep 0.1; done
        if alive; then kill -KILL "$PID" 2>/dev/null || true; fi
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "smoke: FAIL: $*" >&2
    if [[ -s "$LOG" ]]; then
        echo "smoke: last lines of the server log:" >&2
        tail -n 40 "$LOG" >&2
    fi
    exit 1
}
pass() { echo "smoke: ok: $*"; }

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

# Dev mode regardless of the caller's environment: no Twilio account, no public URL (the
# webhook signature is then checked against the URL rebuilt from the Host header).
(
    cd "$WORK"
    exec env -u TWILIO_ACCOUNT_SID -u TWILIO_FROM_NUMBER -u TWILIO_MESSAGING_SERVICE_SID \
        -u TWILIO_API_BASE -u TASKPULSE_PUBLIC_URL -u TASKPULSE_HELP_CONTACT \
        TASKPULSE_DATABASE_URL="$WORK/smoke.sqlite" \
        TASKPULSE_HOST=127.0.0.1 \
        TASKPULSE_PORT="$PORT" \
        TASKPULSE_DEFAULT_TIMEZONE=America/New_York \
        TASKPULSE_LOG_LEVEL=info \
        TWILIO_AUTH_TOKEN="$AUTH_TOKEN" \
        "$BIN" serve
) >"$LOG" 2>&1 &
PID=$!
echo "smoke: started taskpulse serve (pid $PID) on $BASE, data in $WORK"

# 1. Readiness within 20 s.
ready=""
for _ in $(seq 1 80); do
    alive || fail "taskpulse serve exited before it was ready"
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz" || true)"
    if [[ "$code" == 200 ]]; then ready=1; break; fi
    sleep 0.25
done
[[ -n "$ready" ]] || fail "GET /readyz did not answer 200 within 20 s"
pass "GET /readyz 200"

# 2. A text through the simulator.
reply="$(curl -sS --max-time 10 -w '\n%{http_code}' -H 'Content-Type: application/json' \
    --data "{\"from\":\"$PHONE\",\"body\":\"add call mom tomorrow 9am\"}" \
    "$BASE/simulator/api/send")" || fail "POST /simulator/api/send: curl failed"
code="${reply##*$'\n'}"
body="${reply%$'\n'*}"
[[ "$code" == 200 ]] || fail "POST /simulator/api/send answered $code: $body"
[[ "$body" == *"Added #1"* ]] || fail "simulator reply lacks \"Added #1\": $body"
pass "simulator: $body"

# 3. A signed Twilio webhook. Signature: HMAC-SHA1(auth token, URL + name+value of each
# form field sorted by name), Base64 (twilio.md §2). Python prints the signature, then the body.
URL="$BASE/twilio/sms"
signed="$(python3 - "$AUTH_TOKEN" "$URL" "$PHONE" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
token, url, phone = sys.argv[1:4]
fields = {"From": phone, "To": "+15555550100", "Body": "list", "MessageSid": "SMsmoke0001"}
message = url + "".join(name + fields[name] for name in sorted(fields))
digest = hmac.new(token.encode(), message.encode(), hashlib.sha1).digest()
print(base64.b64encode(digest).decode())
print(urllib.parse.urlencode(fields))
PY
)"
SIGNATURE="${signed%%$'\n'*}"
FORM="${signed#*$'\n'}"

post_webhook() { # signature-header-or-empty -> "body\nstatus"
    local -a headers=(-H 'Content-Type: application/x-www-form-urlencoded')
    [[ -n "$1" ]] && headers+=(-H "X-Twilio-Signature: $1")
    curl -sS --max-time 10 -w '\n%{http_code}' "${headers[@]}" --data-binary "$FORM" "$URL"
}

reply="$(post_webhook "$SIGNATURE")" || fail "POST /twilio/sms: curl failed"
code="${reply##*$'\n'}"
body="${reply%$'\n'*}"
[[ "$code" == 200 ]] || fail "signed POST /twilio/sms answered $code: $body"
[[ "$body" == *"<Response>"* ]] || fail "signed webhook reply is not TwiML: $body"
[[ "$body" == *"call mom"* ]] || fail "TwiML reply to LIST lacks \"call mom\": $body"
pass "signed webhook: $body"

# 4. Unsigned and wrongly signed webhooks are refused.
reply="$(post_webhook "")" || fail "unsigned POST /twilio/sms: curl failed"
code="${reply##*$'\n'}"
[[ "$code" == 403 ]] || fail "unsigned POST /twilio/sms answered $code, expected 403"
pass "unsigned webhook: 403"
reply="$(post_webhook "bm90IHRoZSBzaWduYXR1cmU=")" || fail "badly signed POST /twilio/sms: curl failed"
code="${reply##*$'\n'}"
[[ "$code" == 403 ]] || fail "badly signed POST /twilio/sms answered $code, expected 403"
pass "badly signed webhook: 403"

# 5. Graceful shutdown: SIGTERM, exit within 10 s with status 0.
kill -TERM "$PID"
for _ in $(seq 1 100); do alive || break; sleep 0.1; done
alive && fail "taskpulse serve still running 10 s after SIGTERM"
status=0
wait "$PID" || status=$?
PID=""
[[ "$status" == 0 ]] || fail "taskpulse serve exited with status $status after SIGTERM, expected 0"
pass "SIGTERM: exited with status 0"

echo "smoke: all checks passed"
