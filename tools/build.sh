#!/usr/bin/env bash
# Installs missing Debian packages and builds svidd, svidctl and the tests into ./build.
# BUILD_TYPE (default Dev: no optimisation, no debug info; see CMakeLists.txt) and BUILD_DIR
# (default build) select another build, e.g.
# BUILD_TYPE=Release BUILD_DIR=build-release tools/build.sh for benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh
# ccache (builds that compile file by file; CMakeLists.txt says why the GCC unity build does
# not use it): paths relative to the checkout and no working-directory hash, so a second clone
# or worktree of the same sources reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
BUILD_DIR="${BUILD_DIR:-build}"
# Ninja for a new build directory: it keeps both cores busy to the end, where make's
# target-by-target order leaves one idle (a cold build: 282 s against 312 s). A directory made
# before keeps the generator it was made with, which CMake cannot change.
GENERATOR=()
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] && command -v ninja >/dev/null; then
  GENERATOR=(-G Ninja)
fi
# SVIDD_WERROR=ON (CI sets it) turns warnings into errors.
cmake "${GENERATOR[@]}" -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Dev}" \
  -DSVIDD_WERROR="${SVIDD_WERROR:-OFF}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
