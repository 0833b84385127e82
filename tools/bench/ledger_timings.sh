#!/usr/bin/env bash
# Times what operators do on a big ledger (docs/PERFORMANCE.md): makes one with
# svidd-ledger-gen, then times `svidctl certs list --expiring-within 1h`, `svidctl identities
# list`, svidd's start-up (until its --port-file appears, i.e. it serves; it checks the ledger
# from the newest signed checkpoint on), `svidctl ledger verify --since-checkpoint` (that same
# check, with its counters) and `svidctl ledger verify` (the full walk). Everything stays on 127.0.0.1 and in a temporary directory.
#   tools/bench/ledger_timings.sh [--rows N] [--build-dir DIR] [--keep DIR]
# Prints one "timing <name> <seconds> ..." line per figure; exits non-zero if any command
# fails or the ledger does not verify.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=1000000
BUILD_DIR=build-release
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS="$2"; shift 2 ;;
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--build-dir DIR] [--keep DIR]" >&2; exit 2 ;;
  esac
done
BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"
WORK="$(mktemp -d /tmp/svidd-ledger-timings-XXXXXX)"
SVIDD_PID=""
cleanup() {
  if [ -n "$SVIDD_PID" ] && kill -0 "$SVIDD_PID" 2>/dev/null; then kill -KILL "$SVIDD_PID"; fi
  if [ -z "$KEEP" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
DATA="$WORK/data"
if [ -n "$KEEP" ]; then DATA="$KEEP"; fi

now() { date +%s%N; }
elapsed() {  # seconds since $1 (from now), three decimals
  local ms=$((($(now) - $1) / 1000000))
  printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

if [ ! -f "$DATA/ledger.db" ]; then
  t=$(now)
  "$BUILD_DIR/svidd-ledger-gen" --rows "$ROWS" --data-dir "$DATA"
  echo "timing ledger_gen $(elapsed "$t") s rows=$ROWS"
fi
echo "ledger.db: $(du -h "$DATA/ledger.db" | cut -f1)"

t=$(now)
lines=$("$BUILD_DIR/svidctl" --data-dir "$DATA" certs list --expiring-within 1h --limit 0 | wc -l)
echo "timing certs_list_expiring_within_1h $(elapsed "$t") s lines=$lines"

t=$(now)
lines=$("$BUILD_DIR/svidctl" --data-dir "$DATA" identities list --limit 0 | wc -l)
echo "timing identities_list $(elapsed "$t") s lines=$lines"

# Start-up: from exec to the port file (svidd writes it once it serves).
rm -f "$WORK/port"
t=$(now)
"$BUILD_DIR/svidd" --data-dir "$DATA" --listen 127.0.0.1:0 --port-file "$WORK/port" \
  --log-level warn >"$WORK/svidd.log" 2>&1 &
SVIDD_PID=$!
for _ in $(seq 1 6000); do
  if [ -s "$WORK/port" ]; then break; fi
  if ! kill -0 "$SVIDD_PID" 2>/dev/null; then cat "$WORK/svidd.log" >&2; exit 1; fi
  sleep 0.005
done
[ -s "$WORK/port" ] || { echo "svidd did not serve within 30 s" >&2; exit 1; }
echo "timing svidd_startup $(elapsed "$t") s"
t=$(now)
kill -TERM "$SVIDD_PID"
wait "$SVIDD_PID"
SVIDD_PID=""
echo "timing svidd_shutdown $(elapsed "$t") s"

t=$(now)
"$BUILD_DIR/svidctl" --data-dir "$DATA" ledger verify --since-checkpoint --output json \
  >"$WORK/since.json"
counters=$(grep -oE '"(events_verified|trusted_up_to)": *[0-9]+' "$WORK/since.json" | tr -d ' "' |
  tr ':\n' '= ')
echo "timing ledger_verify_since_checkpoint $(elapsed "$t") s $counters"

t=$(now)
"$BUILD_DIR/svidctl" --data-dir "$DATA" ledger verify >"$WORK/verify.txt"
echo "timing ledger_verify $(elapsed "$t") s"
cat "$WORK/verify.txt"
