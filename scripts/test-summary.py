#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# Turns the results of `meson test` into the suite's last line,
# "N passed, N failed", counting Catch2 test cases: every test binary writes
# "<passed> <failed>" to build/test-results/<name>.counts. A meson test that
# failed without writing counts (crash, timeout) counts as one failed case.
import json
import os
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
results_dir = os.path.join(build, "test-results")
log = os.path.join(build, "meson-logs", "testlog.json")

passed = failed = 0
seen = set()
if os.path.exists(log):
    with open(log) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            name = entry["name"]
            seen.add(name)
            counts = os.path.join(results_dir, name + ".counts")
            ok = entry["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
            p = fl = 0
            if os.path.exists(counts):
                with open(counts) as c:
                    parts = c.read().split()
                    if len(parts) == 2:
                        p, fl = int(parts[0]), int(parts[1])
            if not ok and fl == 0:
                fl = 1
                print(f"test-summary: {name} ended {entry['result']} without a failing case count",
                      file=sys.stderr)
            passed += p
            failed += fl
if not seen:
    print("test-summary: no test results found", file=sys.stderr)
    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
