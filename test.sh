#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Fresh Debian 12 machine -> installs what is missing, builds, runs every
# test. Per-suite lines name skipped cases; the last line is
# "N passed, N failed, N skipped" (Catch2 test cases).
set -uo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh || exit 2
./scripts/build.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
rm -rf build/test-results && mkdir -p build/test-results
meson test -C build --print-errorlogs --num-processes "$(nproc)" ${DMC_TEST_ARGS:-} | tail -n 40
python3 scripts/test-summary.py build
