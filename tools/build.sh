#!/usr/bin/env bash
# Installs missing Debian packages and builds svidd, svidctl and the tests into ./build.
# BUILD_TYPE (default Dev: no optimisation, no debug info; see CMakeLists.txt) and BUILD_DIR
# (default build) select another build, e.g.
# BUILD_TYPE=Release BUILD_DIR=build-release tools/build.sh for benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh
# ccache: paths relative to the checkout and no working-directory hash, so a second clone or
# worktree of the same sources reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
BUILD_DIR="${BUILD_DIR:-build}"
# SVIDD_WERROR=ON (CI sets it) turns warnings into errors.
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Dev}" \
  -DSVIDD_WERROR="${SVIDD_WERROR:-OFF}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
