#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, tests/fuzz/) and runs each for a while.
#   tools/fuzz.sh [--seconds N] [--build-dir DIR] [--no-build] [TARGET...]
# TARGET: csr spiffe_id jwks jwt yaml_config admin_request rotation_request workload_api
# (default: all). Each runs N seconds (default 30) on its seed corpus
# tests/fuzz/corpus/<target>/ (read only); what it discovers goes to DIR/fuzz-corpus/<target>/
# and a crashing input to DIR/fuzz-artifacts/. Prints per target its executions, coverage
# (libFuzzer's cov/ft), the CPU seconds it got and executions per CPU-second, and the total;
# exits non-zero if any target crashed, leaked or hung. FUZZ_PER_INPUT_LEAKS=1 checks leaks
# after every input (slow; to find a leaking input), FUZZ_ENTROPIC=1 the entropic schedule.
# A long run in the background, kind to a shared machine:
#   nice -n 19 tools/fuzz.sh --seconds 3600 > fuzz.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
ALL_TARGETS=(csr spiffe_id jwks jwt yaml_config admin_request rotation_request workload_api)
SECONDS_PER_TARGET=30
BUILD_DIR=build-asan
BUILD=1
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_TARGET="$2"; shift 2 ;;
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
  [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz.sh: no target '$t' (tests/fuzz/corpus/$t)" >&2; exit 2; }
done

if [ "$BUILD" = 1 ]; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  BUILD_DIR="$BUILD_DIR" bash tools/sanitize.sh configure-asan
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${TARGETS[@]}")
fi

# quarantine_size_mb=16: ASan's default 256 MB quarantine keeps faulting in fresh pages for the
# first minutes of a run (a third of a short run's CPU went to the kernel); 16 MB still catches
# a use after free of the last thousands of allocations, and the fuzzers run ~25 % faster.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=16}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$BUILD_DIR/fuzz-artifacts" "$BUILD_DIR/fuzz-logs"
failed=()
total=0
for t in "${TARGETS[@]}"; do
  corpus="$BUILD_DIR/fuzz-corpus/$t"
  log="$BUILD_DIR/fuzz-logs/$t.log"
  mkdir -p "$corpus"
  status=ok
  # /usr/bin/time's last line: the CPU seconds the target got. On a shared machine that, not
  # the wall time, says how fast a target is (at nice 19 under load it may get a tenth of a core).
  # -detect_leaks=0: no LeakSanitizer pass after every input that allocated more than it freed.
  # The CSR validator's first use of each OpenSSL path (a digest fetched, a decoder loaded)
  # does, so libFuzzer scanned the whole heap after almost every mutation: 172 executions per
  # CPU-second instead of ~4,700. A leak still fails the run: ASan's detect_leaks=1 checks the
  # whole process at exit (exit status 1, "LeakSanitizer: detected memory leaks"); replay the
  # corpus with FUZZ_PER_INPUT_LEAKS=1 to find the input.
  # -entropic=0: libFuzzer 14's entropic schedule updates per-feature frequencies for every
  # feature an input hits; a JSON document through nlohmann-json hits ~16,000, so jwks spent
  # 54% of its CPU there (76 executions per CPU-second, 883 without; jwt 614 -> 2,650, csr
  # 4,500 -> 7,000), and in equal time the plain schedule reached equal or more coverage.
  if ! /usr/bin/time -f 'cpu: %U user %S system' "$BUILD_DIR/fuzz_$t" "$corpus" \
      "tests/fuzz/corpus/$t" -max_total_time="$SECONDS_PER_TARGET" \
      -detect_leaks="${FUZZ_PER_INPUT_LEAKS:-0}" -entropic="${FUZZ_ENTROPIC:-0}" \
      -timeout=30 -print_final_stats=1 -artifact_prefix="$BUILD_DIR/fuzz-artifacts/$t-" \
      > "$log" 2>&1; then
    status=FAILED
    failed+=("$t")
    tail -n 60 "$log" >&2
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)
  cpu=$(sed -n 's/^cpu: \([0-9.]*\) user \([0-9.]*\) system$/\1 \2/p' "$log" | tail -n 1 |
    awk '{ printf "%.1f", $1 + $2 }')
  per_cpu_s=$(awk -v e="${execs:-0}" -v c="${cpu:-0}" 'BEGIN { printf "%d", (c > 0 ? e / c : 0) }')
  total=$((total + ${execs:-0}))
  printf 'fuzz: %-17s %12s executions  %-22s %6s cpu-s %8s/cpu-s  %s\n' "$t" "${execs:-0}" \
    "${cov:-cov: ? ft: ?}" "${cpu:-?}" "$per_cpu_s" "$status"
done
printf 'fuzz: %-17s %12s executions in %d target(s), %d s each\n' total "$total" \
  "${#TARGETS[@]}" "$SECONDS_PER_TARGET"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $BUILD_DIR/fuzz-artifacts/, logs in $BUILD_DIR/fuzz-logs/)" >&2
  exit 1
fi
