#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# Turns the results of `meson test` into the suite's summary, counting
# Catch2 test cases: every test binary writes build/test-results/<name>.counts
# (tests/support/main.cpp): a first line "<passed> <failed> <skipped>", then
# "skipped\t<case>\t<reason>" per skipped case. One line per suite, naming
# its skipped cases, then the last line "N passed, N failed, N skipped".
# A meson test that failed without writing a failing count (crash, timeout)
# counts as one failed case; one that meson reports SKIP without counts (exit
# 77) as one skipped case. A test that ran nothing is never a pass.
import json
import os
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
results_dir = os.path.join(build, "test-results")
log = os.path.join(build, "meson-logs", "testlog.json")


def read_counts(path):
    """(passed, failed, skipped, [(case, reason)]) or None when absent/garbled."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines:
        return None
    head = lines[0].split()
    if len(head) not in (2, 3) or not all(p.isdigit() for p in head):
        return None
    numbers = [int(p) for p in head] + [0] * (3 - len(head))
    skipped = []
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] == "skipped":
            skipped.append((parts[1], parts[2] if len(parts) > 2 else ""))
    return numbers[0], numbers[1], numbers[2], skipped


totals = [0, 0, 0]
suites = []
if os.path.exists(log):
    with open(log) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            # "<project>:<suite> / <test>": the test's own name is last; the
            # counts file is the one its environment named.
            name = entry["name"].split(" / ")[-1]
            result = entry["result"]
            counts_file = (entry.get("env") or {}).get("DMC_TEST_COUNTS") or os.path.join(results_dir, name + ".counts")
            counts = read_counts(counts_file)
            p, fl, sk, skipped = counts if counts else (0, 0, 0, [])
            if result == "SKIP" and p + fl + sk == 0:
                sk = 1
                skipped = skipped or [(name, "the whole suite skipped itself (exit 77)")]
            elif result not in ("OK", "EXPECTEDFAIL", "SKIP") and fl == 0:
                fl = 1
                print(f"test-summary: {name} ended {result} without a failing case count", file=sys.stderr)
            elif p + fl + sk == 0:
                fl = 1
                print(f"test-summary: {name} ran no test case", file=sys.stderr)
            totals[0] += p
            totals[1] += fl
            totals[2] += sk
            suites.append((name, p, fl, sk, skipped))
if not suites:
    print("test-summary: no test results found", file=sys.stderr)
    totals[1] += 1
for name, p, fl, sk, skipped in sorted(suites):
    line = f"{name}: {p} passed, {fl} failed, {sk} skipped"
    if skipped:
        line += " (skipped: " + "; ".join(f"{case} [{reason}]" for case, reason in skipped) + ")"
    print(line)
print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
sys.exit(1 if totals[1] else 0)
