#!/usr/bin/env bash
# Installs missing Debian packages and builds svidd, svidctl and the tests into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh
export CCACHE_BASEDIR="$PWD"
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)"
