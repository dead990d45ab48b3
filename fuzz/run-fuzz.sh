#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the libFuzzer targets of fuzz/ with clang (-fsanitize=fuzzer,
# address,undefined) and runs each for a while. meson cannot mix compilers
# in one build, so the parsers' sources and the sdk sources they use are
# compiled here directly into <build dir>; headers come from the source tree
# and the config.h of a meson build (DMC_BUILD).
#
#   fuzz/run-fuzz.sh [--seconds N] [--jobs J] [--build DIR] [target...]
#
# Targets: manager_config worker_config sector_import lotus_json damocles_export
# manager_rpc (default: all).
# --seconds is per target (default 8: the suite's brief run); run longer by
# hand, e.g. `fuzz/run-fuzz.sh --seconds 600 sector_import`. New inputs go
# to <build dir>/corpus/<target> (fuzz/corpus/<target> holds the seeds and
# is only read). A crash leaves its input in <build dir>/artifacts/ and the
# script exits 1; 77 means clang or libFuzzer is missing (a skip for meson).
# With DMC_TEST_COUNTS set (meson test), "<passed> <failed> <skipped>"
# targets are written there for scripts/test-summary.py (a missing clang is
# one skipped case, named, never a pass).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seconds=8
jobs=2
build="${DMC_FUZZ_BUILD:-$root/build-fuzz}"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '3,20p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(manager_config worker_config sector_import lotus_json damocles_export manager_rpc)

# "<passed> <failed> <skipped>" targets, then "skipped\t<what>\t<reason>".
counts() {
  if [ -n "${DMC_TEST_COUNTS:-}" ]; then echo "$1 $2 0" > "$DMC_TEST_COUNTS"; fi
}
skipped() {
  if [ -n "${DMC_TEST_COUNTS:-}" ]; then printf '0 0 1\nskipped\tfuzz (every target)\t%s\n' "$1" > "$DMC_TEST_COUNTS"; fi
  exit 77
}

cxx="${CXX_FUZZ:-}"
if [ -z "$cxx" ]; then
  for c in clang++ clang++-16 clang++-15 clang++-14; do
    if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "run-fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  skipped "clang++ not found"
fi
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long){return 0;}\n' > "$probe/p.cpp"
if ! "$cxx" -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>"$probe/err"; then
  echo "run-fuzz: $cxx cannot link libFuzzer (apt-get install libclang-rt-14-dev):" >&2
  cat "$probe/err" >&2
  skipped "$cxx cannot link libFuzzer"
fi

# config.h (version, paths) from any configured meson build.
config_dir="${DMC_BUILD:-}"
if [ -z "$config_dir" ]; then
  for d in "$root/build" "$root"/build-*; do
    if [ -f "$d/core/config.h" ]; then config_dir="$d"; break; fi
  done
fi
if [ -z "$config_dir" ] || [ ! -f "$config_dir/core/config.h" ]; then
  echo "run-fuzz: no configured meson build with core/config.h (run scripts/build.sh or set DMC_BUILD)" >&2
  counts 0 1
  exit 1
fi

# The parsers and what they call; everything else stays out.
sources=(
  service/manager/manager_config.cpp
  service/worker/worker_config.cpp
  core/record/sector_json.cpp
  core/record/sector_record.cpp
  sdk/src/result.cpp
  sdk/src/hex.cpp
  sdk/src/file.cpp
  sdk/src/common/proof.cpp
  sdk/src/common/sha254.cpp
  sdk/src/sdr/cid.cpp
  sdk/src/sdr/fr32.cpp
  sdk/src/sdr/ids.cpp
  # the Lotus client's readers (service/chain, without its httplib transport)
  service/chain/api_info.cpp
  service/chain/base64.cpp
  service/chain/full_node_decode.cpp
  service/chain/id_address.cpp
  service/chain/json_view.cpp
  service/chain/lotus_encoding.cpp
  service/chain/miner_decode.cpp
  service/chain/rpc_envelope.cpp
  # the damocles importer and the piece rule it shares with the others
  service/importers/damocles_importer.cpp
  service/importers/import_batch.cpp
  service/importers/sector_pieces.cpp
  sdk/src/sdr/comm_d.cpp
  sdk/src/sdr/piece.cpp
  # the manager's JSON-RPC methods on a SQLite registry (without the httplib
  # transport and without PostgreSQL)
  service/rpc/dispatcher.cpp
  service/rpc/rebuild_lease.cpp
  service/manager/manager_json.cpp
  service/manager/manager_rpc.cpp
  service/manager/manager_service.cpp
  service/manager/store_check.cpp
  service/manager/sector_files_check.cpp
  service/manager/replica_sampling.cpp
  service/manager/store_scan.cpp
  sdk/src/field/aux_files.cpp
  sdk/src/field/fr.cpp
  sdk/src/field/poseidon_tree.cpp
  sdk/src/field/tree_files.cpp
  sdk/src/field/merkle_proof.cpp
  sdk/src/field/parallel.cpp
  sdk/src/field/poseidon.cpp
  sdk/src/porep/sealed_sector.cpp
  sdk/src/field/poseidon_constants.cpp
  sdk/src/field/poseidon_matrix.cpp
  sdk/src/field/poseidon_grain.cpp
  service/metrics/prometheus.cpp
  service/metrics/series.cpp
  service/registry/registry_codec.cpp
  service/registry/registry_columns.cpp
  service/registry/registry_schema.cpp
  service/registry/sql_dialect.cpp
  service/registry/sql_registry.cpp
  service/registry/sql_registry_admin.cpp
  service/registry/sql_registry_queue.cpp
  service/registry/sql_registry_sectors.cpp
  service/registry/sqlite_dialect.cpp
  core/store/store_layout.cpp
  # the store layout's file sizes (unsealed trailer, synthetic proofs)
  sdk/src/common/unsealed_file.cpp
  sdk/src/common/rle_plus.cpp
  sdk/src/porep/synthetic_proofs.cpp
)
# Release semantics, as the shipped (gcc, NDEBUG) build. Two defects of
# Debian 12's toml++ 3.3.0 are kept out of the way, since they are not
# ours to fix here and gcc builds survive them (reported, see fuzz/README.md):
# * debug asserts fire on some invalid keys just before the parse error that
#   release builds report; under NDEBUG clang would turn them into
#   __builtin_assume (gcc into nothing), so that is made a no-op;
# * is_non_ascii_horizontal_whitespace() reaches TOML_UNREACHABLE for some
#   non-ASCII letters outside strings (e.g. U+0426): UBSan's "unreachable"
#   check is off (every other UBSan check stays fatal).
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize=unreachable -fno-sanitize-recover=undefined -D_FILE_OFFSET_BITS=64 -DNDEBUG
       '-D__builtin_assume(x)=((void)0)' -Wno-builtin-macro-redefined
       -DSPDLOG_SHARED_LIB -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL
       -I"$root/sdk/include" -I"$root/core/include" -I"$root/core" -I"$root" -I"$config_dir/core" -I"$config_dir/sdk" -I"$config_dir/sdk/include")
mkdir -p "$build/obj" "$build/artifacts"

# An object is rebuilt when its source or any header it included (the
# compiler's dependency file) is newer; objects compile in parallel.
stale() {
  local obj="$1" dep="$1.d"
  [ -f "$obj" ] && [ -f "$dep" ] || return 0
  local f
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [ "$f" -nt "$obj" ] && return 0
  done
  return 1
}
objects=()
pids=()
max_parallel="$(nproc 2>/dev/null || echo 2)"
for src in "${sources[@]}"; do
  obj="$build/obj/$(echo "$src" | tr '/' '_').o"
  objects+=("$obj")
  if stale "$obj"; then
    # The parsers are instrumented for coverage; main() comes from libFuzzer.
    "$cxx" "${flags[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}" \
      -MMD -MF "$obj.d" -c "$root/$src" -o "$obj" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$max_parallel" ]; do wait -n; done
  fi
done
compile_failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || compile_failed=1
done
if [ "$compile_failed" -ne 0 ]; then
  echo "run-fuzz: compiling the parsers with $cxx failed" >&2
  counts 0 1
  exit 1
fi

# An archive: each target links only the objects it needs.
archive="$build/libdmc-fuzz.a"
rm -f "$archive"
if ! ar rcs "$archive" "${objects[@]}"; then
  echo "run-fuzz: ar failed" >&2
  counts 0 1
  exit 1
fi

passed=0
failed=0
for t in "${targets[@]}"; do
  exe="$build/fuzz_$t"
  if ! "$cxx" "${flags[@]}" "$here/fuzz_$t.cpp" "$archive" -lsqlite3 -lspdlog -lfmt -lcrypto -lpthread -o "$exe"; then
    echo "run-fuzz: building fuzz_$t failed" >&2
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "$build/corpus/$t"
  echo "run-fuzz: $t for ${seconds}s ($jobs jobs)"
  log="$build/fuzz_$t.log"
  # -jobs/-workers: parallel runs sharing the corpus; each writes fuzz-<n>.log.
  (cd "$build" && "$exe" "$build/corpus/$t" "$here/corpus/$t" -max_total_time="$seconds" \
      -jobs="$jobs" -workers="$jobs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 >"$log" 2>&1)
  rc=$?
  # A crash in any job leaves an artifact (and a non-zero rc).
  if [ $rc -ne 0 ] || ls "$build/artifacts/$t-"* >/dev/null 2>&1; then
    echo "run-fuzz: $t FAILED (rc $rc); inputs in $build/artifacts/, logs in $build:" >&2
    grep -h -A30 'ERROR: \|==ERROR\|runtime error' "$build"/fuzz-*.log "$log" 2>/dev/null | head -60 >&2
    failed=$((failed + 1))
  else
    runs=$(grep -h 'stat::number_of_executed_units' "$build"/fuzz-*.log "$log" 2>/dev/null | awk '{s+=$2} END {print s+0}')
    cov=$(grep -h 'cov: ' "$build"/fuzz-*.log 2>/dev/null | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    echo "run-fuzz: $t ok: ${runs} runs, coverage ${cov:-?} edges, corpus $(ls "$build/corpus/$t" | wc -l) inputs"
    passed=$((passed + 1))
  fi
  rm -f "$build"/fuzz-*.log
done
counts "$passed" "$failed"
[ "$failed" -eq 0 ]
