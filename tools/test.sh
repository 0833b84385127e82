#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit + integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
cd build
# Twice as many tests as cores: most of the suite waits on real servers, processes and
# PostgreSQL rather than computing, so one per core leaves the machine half idle.
ctest --output-on-failure -j"$(( $(nproc) * 2 ))" --timeout 600
