#!/usr/bin/env bash
# Parser throughput: texts per second on one core through `taskpulse parse --json --batch`, the
# path the corpus checker uses (JSONL in, one JSON object out per text, so decoding and encoding
# are included). Input: both corpus fixtures repeated to about 100,000 texts.
#   scripts/bench/parse.sh [repeats]      (default 180 repeats of the 551 cases = 99,180 texts)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
repeats="${1:-180}"

swift build -c release --product taskpulse >/dev/null
BIN="$(swift build -c release --show-bin-path)/taskpulse"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$repeats" "$work/input.jsonl" <<'PY'
import json, sys
repeats, out = int(sys.argv[1]), sys.argv[2]
cases = []
for name in ("commands", "extra_commands"):
    with open(f"Tests/TaskPulseCommandsTests/Fixtures/{name}.jsonl", encoding="utf-8") as f:
        cases += [json.loads(line) for line in f if line.strip()]
with open(out, "w", encoding="utf-8") as f:
    for _ in range(repeats):
        for c in cases:
            f.write(json.dumps({"id": c["id"], "text": c["text"], "now": c["now"], "tz": c["tz"]}, ensure_ascii=False) + "\n")
PY
texts=$(wc -l < "$work/input.jsonl")
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary:  $BIN (release)"
echo "input:   $texts texts (corpus fixtures x $repeats)"
best=""
for run in 1 2 3; do
    start=$(date +%s.%N)
    "${pin[@]}" "$BIN" parse --json --batch < "$work/input.jsonl" > "$work/out.jsonl"
    end=$(date +%s.%N)
    out_lines=$(wc -l < "$work/out.jsonl")
    [[ "$out_lines" == "$texts" ]] || { echo "expected $texts output lines, got $out_lines" >&2; exit 1; }
    rate=$(python3 -c "print(f'{$texts / ($end - $start):.0f}')")
    seconds=$(python3 -c "print(f'{$end - $start:.2f}')")
    echo "run $run: $seconds s, $rate texts/s on one core"
    if [[ -z "$best" ]] || (( rate > best )); then best=$rate; fi
done
echo "best: $best texts/s"
