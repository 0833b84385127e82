#!/usr/bin/env bash
# CI smoke of the benchmarks, so they never rot (a few seconds; the full runs are documented
# commands in docs/PERFORMANCE.md, not timed tests):
#   - svidd-bench unary with both CSR key types, small counts: every expected line present,
#     certificates issued, zero errors (cfssl beside it when installed), and the gRPC floor
#     (Health/Check on the same connections) measured once;
#   - svidd-bench streams for a few seconds (svidd in its own process): every stream holds a
#     certificate, nothing lapsed or dropped, the server's RSS and CPU reported apart;
#   - svidd-ledger-gen with a small row count, and `svidctl ledger verify` accepting it.
#   bench_smoke.sh BUILD_DIR
set -euo pipefail
BUILD="$1"
WORK="$(mktemp -d /tmp/svidd-bench-smoke-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "bench smoke: $*" >&2; exit 1; }
expect() {  # expect FILE REGEX WHAT
  grep -Eq "$2" "$1" || { cat "$1" >&2; fail "missing: $3"; }
}

"$BUILD/svidd-bench" unary --key-types ec-p256,rsa-2048 --concurrency 8 --connections 2 \
  --warmup 1s --duration 1s --count 300 --csrs 12 --ceiling-duration 1s --floor-duration 1s \
  >"$WORK/unary.txt" 2>"$WORK/unary.err" || { cat "$WORK/unary.txt" "$WORK/unary.err" >&2; fail "unary mode failed"; }
out="$WORK/unary.txt"
expect "$out" '^machine: [0-9]+ cores' "machine line"
for key in ec-p256 rsa-2048; do
  expect "$out" "^crypto ceiling \\($key CSR, ec-p256 CA key, [0-9]+ threads\\): [0-9]+ certificates/s" "ceiling for $key"
  expect "$out" "^result svidd key=$key concurrency=8 connections=2 certificates=[1-9][0-9]* .* errors=0 server_cpu_ms_per_cert=[0-9.]+ ceiling_per_second=[1-9][0-9.]* ratio_to_ceiling=0\\.[0-9]+ .* server_write_calls_per_cert=[1-9][0-9.]* server_kib_written_per_cert=[1-9][0-9.]* client_cpu_ms_per_cert=[0-9.]*[1-9][0-9]*" "svidd result for $key"
  expect "$out" "^\\| $key \\| 8 / 2 \\| [0-9]+ \\| [0-9.]+ / [0-9.]+ / [0-9.]+ / [0-9.]+ \\| 0 \\|" "svidd table row for $key"
  if command -v cfssl >/dev/null; then
    expect "$out" "^result cfssl key=$key concurrency=8 certificates=[1-9][0-9]* per_second=[0-9.]+ errors=0" "cfssl result for $key"
  fi
done
# The gRPC floor: Health/Check on the same connections, measured once per concurrency.
expect "$out" "^result floor concurrency=8 connections=2 calls=[1-9][0-9]* per_second=[1-9][0-9.]* .* errors=0 server_cpu_ms_per_call=[0-9.]*[1-9][0-9]* client_cpu_ms_per_call=[0-9.]*[1-9][0-9]*" "gRPC floor result"
[ "$(grep -c '^result floor' "$out")" = 1 ] || { cat "$out" >&2; fail "one floor per concurrency"; }
if grep -q "errors=[1-9]" "$out"; then cat "$out" >&2; fail "errors in the unary run"; fi

"$BUILD/svidd-bench" streams --streams 20 --ttl 10s --duration 2s --rate 100 --channels 2 \
  >"$WORK/streams.txt" 2>&1 || { cat "$WORK/streams.txt" >&2; fail "streams mode failed"; }
out="$WORK/streams.txt"
expect "$out" '^machine: [0-9]+ cores' "streams machine line"
expect "$out" '^load average at start: [0-9.]+ [0-9.]+ [0-9.]+; at the end: [0-9.]+ [0-9.]+ [0-9.]+' "load average"
expect "$out" '^\| streams given a first certificate \| 20 \|' "streams first certificates"
expect "$out" '^\| every stream holding a certificate after \| [0-9.]+ s \|' "every stream held"
expect "$out" '^\| lapses \(certificate expired before its successor arrived\) \| 0 \|' "no lapse"
expect "$out" '^\| streams closed by the server \| 0 \|' "no stream dropped"
expect "$out" '^\| server RSS before the streams \| [1-9][0-9.]* MiB \|' "server RSS before (svidd's own process)"
expect "$out" '^\| server RSS with 20 streams open, 20 holding a certificate \([0-9]+ renewals by then\) \| [1-9][0-9.]* MiB \|' "server RSS with the streams"
expect "$out" '^\| server memory per idle stream \(RSS with them - before, / streams open\) \| -?[0-9.]+ KiB \|' "memory per idle stream"
expect "$out" '^\| server RSS at the end / peak \(VmHWM\) \| [1-9][0-9.]* / [1-9][0-9.]* MiB \|' "server RSS peak"
expect "$out" '^\| server CPU \(its own process\) \| [0-9.]+ s \|' "server CPU apart"
expect "$out" '^\| fleet CPU \(keys, CSRs, TLS; the benchmark.s process\) \| [0-9.]+ s \|' "fleet CPU apart"
expect "$out" '^\| svidd exit code after SIGTERM \| 0 \|' "svidd stopped cleanly"

"$BUILD/svidd-ledger-gen" --rows 3000 --identities 60 --issuers 3 --revoked-per-100k 1000 \
  --data-dir "$WORK/ledger" >"$WORK/gen.txt" 2>&1 || { cat "$WORK/gen.txt" >&2; fail "ledger-gen failed"; }
expect "$WORK/gen.txt" '^ledger-gen: 3000 certificates, 60 identities, 3 issuers, [1-9][0-9]* revoked' "ledger-gen summary"
"$BUILD/svidctl" --data-dir "$WORK/ledger" ledger verify --output json >"$WORK/verify.json" 2>&1 ||
  { cat "$WORK/verify.json" >&2; fail "ledger verify refused the generated ledger"; }
expect "$WORK/verify.json" '"intact": *true' "an intact ledger"
expect "$WORK/verify.json" '"events_verified": *[0-9]{4,}' "a full walk over every event"
# What svidd checks at start: the generator's last svidd run signed the head, so nothing after
# the newest checkpoint is recomputed (a counter, not a timing).
"$BUILD/svidctl" --data-dir "$WORK/ledger" ledger verify --since-checkpoint --output json \
  >"$WORK/since.json" 2>&1 || { cat "$WORK/since.json" >&2; fail "ledger verify --since-checkpoint refused it"; }
expect "$WORK/since.json" '"intact": *true' "an intact signed prefix"
expect "$WORK/since.json" '"events_verified": *0,' "no event walked at start-up"
expect "$WORK/since.json" '"trusted_up_to": *[0-9]{4,}' "the signed prefix trusted"
count=$("$BUILD/svidctl" --data-dir "$WORK/ledger" certs list --kind workload --limit 0 --output json | grep -o '"serial"' | wc -l)
[ "$count" -eq 3000 ] || fail "expected 3000 workload rows, found $count"
echo "bench smoke: ok"
