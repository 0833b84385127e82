#!/usr/bin/env bash
# The test suite under sanitizers, built with clang in build directories of their own.
#   tools/sanitize.sh asan        ASan+UBSan: builds every test binary (and the programs the
#                                 integration tests start) into build-asan, runs all tests
#   tools/sanitize.sh tsan        TSan: builds the integration and threaded tests into build-tsan and
#                                 runs them (see TSAN_* below for which, and why)
#   tools/sanitize.sh configure-asan | configure-tsan    only configure (fuzz.sh uses the first)
# build-asan is compiled with -fsanitize=address,undefined,fuzzer-no-link, so the libFuzzer
# targets (tools/fuzz.sh) link against the same objects: one compile serves both.
# Any sanitizer report fails the run, from a test binary or from a process it started (svidd,
# svidctl, svid-agent, a forked child), even one the test killed: every process writes its
# reports to DIR/sanitizer-reports/report.<pid> (log_path), the integration harness fails the
# test whose child wrote one (tests/integration/child_process.cc), and this script fails if
# any report file exists after ctest and prints them. UBSan does not recover, ASan stops at
# the first error, LeakSanitizer checks every process that exits; suppressions
# (tools/tsan.supp, tools/lsan.supp) name system libraries only.
# BUILD_DIR overrides the directory; TSAN_TESTS / ASAN_TESTS a ctest regex to run instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh >/dev/null
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
export CC=clang CXX=clang++
ROOT="$PWD"

# The TSan run. Which tests, and why:
# - every test of the unit binaries whose code runs threads of its own: the renewal scheduler
#   (rotation), the CA manager's maintenance and directory watcher (ca), the publishers,
#   revocation watcher and HTTP listener (publish), the metrics (metrics), the connection cap
#   (server);
# - from ledger_tests the group-commit writer, the shared-file readers, the leader lease and
#   the revocation listener; from agent_tests the rotation client and stream handler, the
#   Workload API server and the expiry alarm: the suites with a writer thread, listeners or
#   streams;
# - every integration test (integration_tests): the real svidd, svidctl and svid-agent
#   processes, built with TSan too (their reports fail the test), under many concurrent
#   clients and streams, through issuance, rotation, renewal, revocation, admin calls, the
#   PostgreSQL ledger and replicas, and one request at a time.
TSAN_BINARIES="rotation_tests ca_tests publish_tests metrics_tests server_tests integration_tests"
TSAN_UNIT_SUITES="GroupCommitTest|SharedFileTest|LeaderLeaseTest|RevocationListenerTest|\
RotationClientTest|RotationStreamHandlerTest|WorkloadApiServerTest|ExpiryAlarmTest"

# Both builds also run clang's lock analysis as errors over every file of src/ and tools/
# they compile (CMake SVIDD_THREAD_SAFETY: the check tools/thread_safety.sh makes, done while
# compiling instead of in a parse of its own).
configure() {  # dir, compile flags, link flags, extra cmake args...
  local dir="$1" cflags="$2" lflags="$3"
  shift 3
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Dev -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS="$cflags -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="$lflags" -DSVIDD_THREAD_SAFETY=ON "$@" >/dev/null
}

configure_asan() {
  configure "${BUILD_DIR:-build-asan}" \
    "-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all" \
    "-fsanitize=address,undefined" -DSVIDD_FUZZ=ON
}

configure_tsan() {
  # -O1: TSan at -O0 is several times slower (the Dev build type adds no flags of its own).
  configure "${BUILD_DIR:-build-tsan}" "-O1 -g1 -fsanitize=thread" "-fsanitize=thread"
}

# Every process's reports go to files named after its pid (see the top).
reports_dir() {  # build dir
  case "$1" in
    /*) REPORTS="$1/sanitizer-reports" ;;
    *) REPORTS="$ROOT/$1/sanitizer-reports" ;;
  esac
  rm -rf "$REPORTS"
  mkdir -p "$REPORTS"
}

# After ctest: fail if any process wrote a report, and show them.
check_reports() {  # ctest's exit status
  local files
  files=$(find "$REPORTS" -type f | sort)
  if [ -n "$files" ]; then
    for f in $files; do
      echo "===== sanitizer report $f ====="
      cat "$f"
    done
    echo "sanitize.sh: $(wc -l <<<"$files") process(es) wrote sanitizer reports (above)" >&2
    return 1
  fi
  return "$1"
}

asan_env() {
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0:log_path=$REPORTS/report"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/report"
  export LSAN_OPTIONS="suppressions=$ROOT/tools/lsan.supp:print_suppressions=0"
}

case "${1:-}" in
  configure-asan) configure_asan ;;
  configure-tsan) configure_tsan ;;
  asan)
    dir="${BUILD_DIR:-build-asan}"
    configure_asan
    reports_dir "$dir"
    asan_env
    # Every test binary and the programs they start (svidd, svidctl, svid-agent,
    # svidd-dev-token). Not the benchmarks: their smoke run (label bench) measures speed, and
    # what it executes, the server and the rotation fleet, the integration tests run too.
    # shellcheck disable=SC2046
    cmake --build "$dir" -j"$(nproc)" --target svidd svidctl svid-agent svidd-dev-token \
      $(cmake --build "$dir" --target help | sed -n 's/^\.\.\. \([a-z_]*_tests\)$/\1/p')
    cd "$dir"
    rc=0
    ctest --output-on-failure -j"$(nproc)" --timeout 900 -LE bench ${ASAN_TESTS:+-R "$ASAN_TESTS"} ||
      rc=$?
    check_reports "$rc"
    ;;
  tsan)
    dir="${BUILD_DIR:-build-tsan}"
    configure_tsan
    reports_dir "$dir"
    export TSAN_OPTIONS="suppressions=$ROOT/tools/tsan.supp:second_deadlock_stack=1:history_size=4:log_path=$REPORTS/report"
    # shellcheck disable=SC2086
    cmake --build "$dir" -j"$(nproc)" --target $TSAN_BINARIES ledger_tests agent_tests
    cd "$dir"
    suites=$(for b in $TSAN_BINARIES; do "./$b" --gtest_list_tests; done |
      grep -v -e '^ ' -e '^Running main' | tr -d . | sed 's,^.*/\([A-Za-z0-9_]*\)$,\1,' |
      sort -u | paste -sd'|')
    rc=0
    ctest --output-on-failure -j"$(nproc)" --timeout 900 \
      -R "${TSAN_TESTS:-^([A-Za-z]+/)?(${suites}|${TSAN_UNIT_SUITES})\.}" || rc=$?
    check_reports "$rc"
    ;;
  *)
    sed -n '2,19p' "$0"
    exit 2
    ;;
esac
