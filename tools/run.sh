#!/usr/bin/env bash
# From a fresh clone to a running CA: installs what is missing, builds, and starts svidd on
# 127.0.0.1:15012 with its ledger and self-made root + intermediate under ./var/svidd.
# Extra arguments go to svidd (e.g. --jwks-file, --jwt-issuer, --trust-domain).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
exec ./build/svidd --data-dir ./var/svidd --listen 127.0.0.1:15012 "$@"
