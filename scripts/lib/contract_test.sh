#!/usr/bin/env bash
# Contract test of the JSON API: checks a running server against its own OpenAPI document
# (Sources/TaskPulseServer/Resources/openapi.json, served at /openapi.json) with schemathesis.
#
#   scripts/lib/contract_test.sh BASE_URL PYTHON
#     BASE_URL  the running server, e.g. http://127.0.0.1:8123
#     PYTHON    a python that has schemathesis installed:
#               python3 -m venv .venv && .venv/bin/pip install -r scripts/lib/contract-requirements.txt
#
# Run it against a dev-mode server on a throwaway database only: it registers accounts, creates,
# changes and deletes tasks, changes settings and asks for phone codes (which dev mode puts in its
# outbox instead of texting them).
#
# Written against schemathesis 4.32.5 (pinned in scripts/lib/contract-requirements.txt); the 4.x
# CLI differs from 3.x (--checks names, --phases, --include-path, -n/--max-examples, --seed, ...).
#
# Knobs (environment): CONTRACT_MAX_EXAMPLES (default 25 per operation), CONTRACT_SEED (default
# 20261123), CONTRACT_WORKERS (default 1, see below), CONTRACT_TIMEOUT (seconds for the whole
# test, default 110), CONTRACT_REPORT_DIR (also write JUnit reports there).
#
# One worker by default: with two, schemathesis's threads call ast.parse at the same time (through
# hypothesis's lambda descriptions), and CPython before 3.11.8 and 3.12.2 keeps the AST
# converter's recursion counter in state all threads share (gh-106905, fixed by python/cpython
# PR 113035), so a run can die on "SystemError: AST constructor recursion depth mismatch": a
# runtime error that fails the test with nothing wrong in the API. It did, in CI, on Python
# 3.11.7. One worker also makes runs repeat exactly.
#
# Exit status: 0 when every check passed, 1 when schemathesis found failures (or ran out of
# time), 2 on a usage or setup error.
set -euo pipefail

usage() {
    echo "usage: $0 BASE_URL PYTHON   (e.g. $0 http://127.0.0.1:8123 .venv/bin/python)" >&2
    exit 2
}
[[ $# -eq 2 ]] || usage
BASE="${1%/}"
PY="$2"
[[ "$BASE" == http://* || "$BASE" == https://* ]] || usage
command -v curl >/dev/null 2>&1 || { echo "contract: curl is required" >&2; exit 2; }
if ! "$PY" -c 'import schemathesis' 2>/dev/null; then
    echo "contract: $PY cannot import schemathesis (pip install -r scripts/lib/contract-requirements.txt)" >&2
    exit 2
fi

PINNED="4.32.5"
INSTALLED="$("$PY" -c 'from importlib.metadata import version; print(version("schemathesis"))')"
if [[ "$INSTALLED" != "$PINNED" ]]; then
    echo "contract: warning: schemathesis $INSTALLED installed, the script was written for $PINNED" >&2
fi

MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-25}"
SEED="${CONTRACT_SEED:-20261123}"
WORKERS="${CONTRACT_WORKERS:-1}"
TIME_LIMIT="${CONTRACT_TIMEOUT:-110}"
REPORT_DIR="${CONTRACT_REPORT_DIR:-}"
if [[ -n "$REPORT_DIR" ]]; then
    mkdir -p "$REPORT_DIR"
    REPORT_DIR="$(cd "$REPORT_DIR" && pwd)"
fi

# schemathesis writes its files (and would read a schemathesis.toml) in the current directory:
# run it in a scratch one.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/taskpulse-contract.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
START=$SECONDS

# The server must be up and serving its document.
for _ in $(seq 1 60); do
    if curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null; then break; fi
    sleep 0.5
done
curl -fsS -o /dev/null "$BASE/openapi.json" || {
    echo "contract: $BASE/openapi.json is not reachable" >&2
    exit 2
}

# A fresh account for this run; its access token (15 minutes) authenticates every request.
EMAIL="contract-$(date +%s)-$$-$RANDOM@example.com"
PASSWORD="contract-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
REGISTERED="$(curl -sS -X POST "$BASE/api/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"time_zone\": \"America/Chicago\"}" \
    -w '\n%{http_code}')"
STATUS="${REGISTERED##*$'\n'}"
if [[ "$STATUS" != 201 ]]; then
    echo "contract: registering $EMAIL answered $STATUS: ${REGISTERED%$'\n'*}" >&2
    exit 2
fi
TOKEN="$(printf '%s' "${REGISTERED%$'\n'*}" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

# Checks: all of schemathesis's but two that this API answers differently on purpose:
# - positive_data_acceptance wants 2xx for every schema-valid request, but some rules are not
#   expressible in JSON Schema and answer 400: IANA zone names, remind_at in the future,
#   quiet_start != quiet_end, the 72-byte password limit, phone numbering plans, codes and
#   cursors the server issued, what the SMS language accepts in `text`.
# - unsupported_method wants 405 with Allow for a method a path does not have; Hummingbird 2
#   answers 404 with an empty body (its router sends a path/method miss to the not-found
#   responder), as the document says in its description.
EXCLUDED_CHECKS="positive_data_acceptance,unsupported_method"

COMMON=(
    --url "$BASE"
    --header "Authorization: Bearer $TOKEN"
    --max-examples "$MAX_EXAMPLES"
    --seed "$SEED"
    --workers "$WORKERS"
    --generation-database none
    --request-timeout 10
    --no-color
    --checks all
    --exclude-checks "$EXCLUDED_CHECKS"
)

run_schemathesis() { # name, extra arguments...
    local name="$1"
    shift
    local report=()
    if [[ -n "$REPORT_DIR" ]]; then
        report=(--report junit --report-junit-path "$REPORT_DIR/contract-$name.xml")
    fi
    local left=$((TIME_LIMIT - (SECONDS - START)))
    if ((left < 5)); then
        echo "contract: out of time before the $name run" >&2
        return 1
    fi
    echo "contract: schemathesis run ($name), seed $SEED, $MAX_EXAMPLES examples per operation"
    local limit=()
    if command -v timeout >/dev/null 2>&1; then limit=(timeout --kill-after=5 "$left"); fi
    local status=0
    ${limit[@]+"${limit[@]}"} "$PY" -m schemathesis.cli run "$BASE/openapi.json" "${COMMON[@]}" \
        ${report[@]+"${report[@]}"} "$@" || status=$?
    if ((status == 124 || status == 137)); then
        echo "contract: the $name run did not finish within the ${TIME_LIMIT}s budget" >&2
    fi
    return "$status"
}

FAILED=0
# 1. Everything but logout: logging out revokes the session whose token every other request
#    carries, and the rest of the run would only see 401s.
run_schemathesis main --exclude-path /api/v1/auth/logout || FAILED=1

# The calendar feed's 200 is out of the fuzzer's reach (its secret is in a URL, not a field a
# link can pass on), so check it by hand: a rotated URL answers the feed, the one before it 404.
feed_path() { # the /calendar/<secret>.ics part of a POST /api/v1/me/calendar answer
    curl -sS -X POST "$BASE/api/v1/me/calendar" -H "Authorization: Bearer $TOKEN" |
        "$PY" -c 'import json, sys; url = json.load(sys.stdin)["url"]; print(url[url.index("/calendar/"):])'
}
if OLD_FEED="$(feed_path)" && NEW_FEED="$(feed_path)"; then
    FEED_ANSWER="$(curl -sS -w '\n%{http_code} %{content_type}' "$BASE$NEW_FEED")"
    OLD_STATUS="$(curl -sS -o /dev/null -w '%{http_code}' "$BASE$OLD_FEED")"
    case "${FEED_ANSWER##*$'\n'}" in
        "200 text/calendar"*) ;;
        *) echo "contract: FAIL: GET the calendar feed answered ${FEED_ANSWER##*$'\n'}" >&2; FAILED=1 ;;
    esac
    if [[ "$FEED_ANSWER" != BEGIN:VCALENDAR* ]]; then
        echo "contract: FAIL: the calendar feed does not start with BEGIN:VCALENDAR" >&2
        FAILED=1
    fi
    if [[ "$OLD_STATUS" != 404 ]]; then
        echo "contract: FAIL: a rotated-away calendar URL answered $OLD_STATUS, expected 404" >&2
        FAILED=1
    fi
else
    echo "contract: FAIL: POST /api/v1/me/calendar did not answer a feed URL" >&2
    FAILED=1
fi
# 2. Logout last, with the same token: the first call answers 204 and ends the session, the
#    following ones 401 (both documented).
run_schemathesis logout --include-path /api/v1/auth/logout --phases examples,coverage,fuzzing || FAILED=1

# The token must be dead now (logout ends the session at once).
AFTER="$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/api/v1/me" -H "Authorization: Bearer $TOKEN")"
if [[ "$AFTER" != 401 ]]; then
    echo "contract: FAIL: GET /api/v1/me after logout answered $AFTER, expected 401" >&2
    FAILED=1
fi

if ((FAILED)); then
    echo "contract: FAIL ($((SECONDS - START))s)" >&2
    exit 1
fi
echo "contract: ok ($((SECONDS - START))s)"
