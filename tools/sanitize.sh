#!/usr/bin/env bash
# The test suite under sanitizers, built with clang in build directories of their own.
#   tools/sanitize.sh asan        ASan+UBSan: builds every test binary (and the programs the
#                                 integration tests start) into build-asan, runs all tests
#   tools/sanitize.sh tsan        TSan: builds the concurrency-heavy tests into build-tsan and
#                                 runs them (rotation, server, integration concurrency/rotation)
#   tools/sanitize.sh configure-asan | configure-tsan    only configure (fuzz.sh uses the first)
# build-asan is compiled with -fsanitize=address,undefined,fuzzer-no-link, so the libFuzzer
# targets (tools/fuzz.sh) link against the same objects: one compile serves both.
# Any sanitizer report fails the run: UBSan does not recover, ASan stops at the first error,
# TSan makes the process exit non-zero; suppressions (tools/tsan.supp) name system libraries only.
# BUILD_DIR overrides the directory; TSAN_TESTS the ctest regex of the TSan run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh >/dev/null
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
export CC=clang CXX=clang++
ROOT="$PWD"

# The TSan run: every test of the rotation, ca, publish, metrics and server test binaries (what
# src/server held before issue 11 split it), and these integration suites.
TSAN_UNIT_BINARIES="rotation_tests ca_tests publish_tests metrics_tests server_tests"
TSAN_INTEGRATION_SUITES="ConcurrencyTest|RotationStreamTest|RotationScaleTest|MtlsRenewalTest"

configure() {  # dir, compile flags, link flags, extra cmake args...
  local dir="$1" cflags="$2" lflags="$3"
  shift 3
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Dev -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS="$cflags -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="$lflags" "$@" >/dev/null
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

asan_env() {
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
}

case "${1:-}" in
  configure-asan) configure_asan ;;
  configure-tsan) configure_tsan ;;
  asan)
    dir="${BUILD_DIR:-build-asan}"
    configure_asan
    asan_env
    # Everything ctest runs needs building (test binaries, svidd, svidctl, svid-agent,
    # svidd-dev-token, the benchmarks for bench_smoke): the whole tree, fuzz targets included.
    cmake --build "$dir" -j"$(nproc)"
    cd "$dir"
    ctest --output-on-failure -j"$(nproc)" --timeout 900
    ;;
  tsan)
    dir="${BUILD_DIR:-build-tsan}"
    configure_tsan
    export TSAN_OPTIONS="suppressions=$ROOT/tools/tsan.supp:second_deadlock_stack=1:history_size=4"
    # shellcheck disable=SC2086
    cmake --build "$dir" -j"$(nproc)" --target $TSAN_UNIT_BINARIES integration_tests
    cd "$dir"
    suites=$(for b in $TSAN_UNIT_BINARIES; do "./$b" --gtest_list_tests; done |
      grep -v '^ ' | tr -d . | paste -sd'|')
    ctest --output-on-failure -j"$(nproc)" --timeout 900 \
      -R "${TSAN_TESTS:-^(${suites}|${TSAN_INTEGRATION_SUITES})\.}"
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
