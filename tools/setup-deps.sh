#!/usr/bin/env bash
# Installs the Debian packages svidd needs to build, run and test. Idempotent: packages already
# present are skipped, so a machine that has everything does no network work at all.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  lld                                         # LLVM's linker: links the test programs ~10x faster
  libssl-dev openssl
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libsqlite3-dev sqlite3
  postgresql libpq-dev                        # the PostgreSQL ledger; tests start a real server
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev
  prometheus-cpp-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev
  libcpp-httplib-dev
  gnutls-bin
  golang-cfssl                                # cfssl, the second reference in svidd-bench
  clang libfuzzer-14-dev libclang-rt-14-dev   # fuzzers and sanitizer builds
  time                                        # /usr/bin/time: CPU seconds per fuzzer (fuzz.sh)
  prometheus                                  # promtool, to check deploy/monitoring's rules
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
