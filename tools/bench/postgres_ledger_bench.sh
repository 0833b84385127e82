#!/usr/bin/env bash
# certificates/s of svidd on the SQLite ledger, of one svidd replica on a PostgreSQL ledger and
# of three replicas sharing it, in one run on this machine (docs/PERFORMANCE.md, "PostgreSQL
# ledger"). Starts a throw-away PostgreSQL 15 like the tests do (initdb in a temp dir as the
# postgres account when root, 127.0.0.1 and a free port, fsync off as in the tests), runs
# `svidd-bench unary` against each set-up (the replicas share one plug-in CA svidd-bench makes,
# and the connections are spread over them), prints the load average around each run, and
# stops and removes PostgreSQL at the end. Loopback only; each run is bounded by --duration
# and --count.
#   tools/bench/postgres_ledger_bench.sh [BUILD_DIR] [extra svidd-bench flags...]
set -euo pipefail
BUILD="${1:-build}"
shift || true
PG_BIN="${SVIDD_PG_BIN:-/usr/lib/postgresql/15/bin}"
DIR="$(mktemp -d /tmp/svidd-pgbench-XXXXXX)"
AS=()
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR"; AS=(runuser -u postgres --); fi
cleanup() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
PASSWORD="bench-$RANDOM$RANDOM"
echo "$PASSWORD" > "$DIR/pw"
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR/pw"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"${AS[@]}" "$PG_BIN/initdb" -D "$DIR/data" -U svidd --pwfile="$DIR/pw" --auth-local=trust \
  --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >/dev/null
"${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=50" start >/dev/null
for db in svidd1 svidd3; do "${AS[@]}" "$PG_BIN/createdb" -h "$DIR" -p "$PORT" -U svidd "$db"; done
URI="postgresql://svidd:$PASSWORD@127.0.0.1:$PORT"

if [ $# -eq 0 ]; then set -- --warmup 3s --duration 15s; fi
# 6 connections: 2 per replica when there are 3, the same 6 when there is one.
FLAGS=(--key-types ec-p256 --concurrency 64 --connections 6 --csrs 256 --count 50000
       --ceiling-duration 1s --no-cfssl "$@")
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }
echo "== SQLite ledger, 1 svidd"; load
"$BUILD/svidd-bench" unary "${FLAGS[@]}"
echo "== PostgreSQL ledger, 1 svidd"; load
"$BUILD/svidd-bench" unary "${FLAGS[@]}" --ledger "$URI/svidd1" --replicas 1
echo "== PostgreSQL ledger, 3 svidd replicas"; load
"$BUILD/svidd-bench" unary "${FLAGS[@]}" --ledger "$URI/svidd3" --replicas 3
load
