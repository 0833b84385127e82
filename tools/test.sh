#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit + integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
