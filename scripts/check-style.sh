#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The checks of docs/coding-style.md that a machine can make, run by the
# suite (meson test "style", so .ci/run makes them through ./test.sh):
#  * every C/C++/CUDA source follows .clang-format (clang-format-14
#    --dry-run -Werror);
#  * every source, script and build file has its SPDX line near the top;
#  * no source is longer than 600 lines;
#  * no TODO in committed code.
# Prints what differs and exits 1. `scripts/check-style.sh --fix` rewrites
# the sources with clang-format instead (the other checks need a person).
# With DMC_TEST_COUNTS set, "<passed> <failed> <skipped>" checks are
# written there (scripts/test-summary.py); without clang-format-14 the
# formatting check is a named skip (exit 77 when it is the only failure).
set -uo pipefail
cd "$(dirname "$0")/.."
max_lines=600

formatter=clang-format-14
command -v "$formatter" >/dev/null 2>&1 || formatter=""
mapfile -t sources < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' '*.cu' | grep -v '^subprojects/')
mapfile -t scripts < <(git ls-files '*.sh' '*.py' 'meson.build' '*/meson.build' 'meson_options.txt' '.ci/run' |
                       grep -v '^subprojects/')

if [ "${1:-}" = "--fix" ]; then
  [ -n "$formatter" ] || { echo "check-style: clang-format-14 not found (apt-get install clang-format-14)" >&2; exit 2; }
  "$formatter" -i "${sources[@]}"
  exit 0
fi

passed=0 failed=0 skipped=0 skip_lines=""
report() { # name, list of offending files (newline separated), what to do
  if [ -z "$2" ]; then
    passed=$((passed + 1))
    echo "check-style: $1: ok"
  else
    failed=$((failed + 1))
    echo "check-style: $1: $(printf '%s\n' "$2" | wc -l) files ($3):" >&2
    printf '%s\n' "$2" | sed 's/^/  /' >&2
  fi
}

if [ -n "$formatter" ]; then
  unformatted=""
  for f in "${sources[@]}"; do
    "$formatter" --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+="$f"$'\n'
  done
  report "clang-format (${#sources[@]} sources)" "${unformatted%$'\n'}" "run scripts/check-style.sh --fix"
else
  skipped=$((skipped + 1))
  skip_lines+=$'skipped\tclang-format\tclang-format-14 is not installed (apt-get install clang-format-14)\n'
  echo "check-style: clang-format-14 not found: formatting not checked" >&2
fi

no_spdx=""
for f in "${sources[@]}" "${scripts[@]}"; do
  head -n 3 "$f" | grep -q 'SPDX-License-Identifier:' || no_spdx+="$f"$'\n'
done
report "SPDX line" "${no_spdx%$'\n'}" "add the SPDX-License-Identifier line at the top"

too_long=""
for f in "${sources[@]}"; do
  [ "$(wc -l < "$f")" -le "$max_lines" ] || too_long+="$f ($(wc -l < "$f") lines)"$'\n'
done
report "at most $max_lines lines" "${too_long%$'\n'}" "a file that long is two concepts: split it"

todos="$(grep -l -E '\bTODO\b' "${sources[@]}" "${scripts[@]}" 2>/dev/null | grep -v '^scripts/check-style.sh$')"
report "no TODO" "$todos" "do it, or open an issue"

if [ -n "${DMC_TEST_COUNTS:-}" ]; then
  printf '%s %s %s\n%s' "$passed" "$failed" "$skipped" "$skip_lines" > "$DMC_TEST_COUNTS"
fi
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77
exit 0
