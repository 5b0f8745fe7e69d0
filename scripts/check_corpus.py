#!/usr/bin/env python3
"""Checks `taskpulse parse --json --batch` against a parser corpus (JSONL with `expect`).

Matching follows the corpus README: subset match; null = absent or null; `numbers` as a set;
`rrule` as a set of KEY=VALUE parts (comma lists as sets, INTERVAL=1 ignored).
Usage: check_corpus.py CORPUS.jsonl [--min-total 0.98] [--min-category 0.9] [--categories a,b] -- CMD...
Prints a per-category table and each failure; exits 1 when a threshold is missed.
"""
import json
import subprocess
import sys
from collections import defaultdict


def rrule_parts(value):
    parts = {}
    for part in (value or "").split(";"):
        if not part or "=" not in part:
            continue
        key, val = part.split("=", 1)
        if key == "INTERVAL" and val == "1":
            continue
        parts[key] = frozenset(val.split(",")) if "," in val else val
    return parts


def matches(expect, got):
    for key, want in expect.items():
        have = got.get(key)
        if want is None:
            if have is not None:
                return False
        elif key == "numbers":
            if have is None or set(have) != set(want):
                return False
        elif key == "rrule":
            if have is None or rrule_parts(have) != rrule_parts(want):
                return False
        elif have != want:
            return False
    return True


def main():
    args = sys.argv[1:]
    if "--" not in args:
        print(__doc__)
        return 2
    split = args.index("--")
    options, command = args[:split], args[split + 1:]
    corpus = options[0]
    min_total = float(options[options.index("--min-total") + 1]) if "--min-total" in options else 0.0
    min_category = float(options[options.index("--min-category") + 1]) if "--min-category" in options else 0.0
    only = set(options[options.index("--categories") + 1].split(",")) if "--categories" in options else None
    cases = [json.loads(line) for line in open(corpus, encoding="utf-8") if line.strip()]
    stdin = "".join(json.dumps({"id": c["id"], "text": c["text"], "now": c["now"], "tz": c["tz"]}, ensure_ascii=False) + "\n" for c in cases)
    result = subprocess.run(command + ["--batch"], input=stdin.encode(), capture_output=True, check=True)
    outputs = result.stdout.decode("utf-8").splitlines()
    if len(outputs) != len(cases):
        print(f"expected {len(cases)} output lines, got {len(outputs)}")
        return 1
    per = defaultdict(lambda: [0, 0])
    failures = []
    for case, line in zip(cases, outputs):
        got = json.loads(line)
        ok = matches(case["expect"], got)
        per[case["category"]][0 if ok else 1] += 1
        if not ok:
            failures.append((case, got))
    for case, got in failures:
        if only is not None and case["category"] not in only:
            continue  # reported in the table only
        print(f"FAIL {case['id']} {case['text']!r}\n  expected {json.dumps(case['expect'], ensure_ascii=False)}\n  got      {json.dumps(got, ensure_ascii=False)}")
    print(f"{'category':<20} {'passed':>6} {'failed':>6} {'rate':>7}")
    bad = False
    for category in sorted(per):
        passed, failed = per[category]
        rate = passed / (passed + failed)
        flag = "" if only is None or category in only else "  (not enforced)"
        if (only is None or category in only) and rate < min_category:
            bad = True
            flag = "  < threshold"
        print(f"{category:<20} {passed:>6} {failed:>6} {rate:>7.1%}{flag}")
    total_passed = sum(p for p, _ in per.values())
    total = len(cases)
    print(f"{total_passed} passed, {total - total_passed} failed ({total_passed / total:.1%})")
    if only is None and total_passed / total < min_total:
        bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
