#!/usr/bin/env bash
# What CI runs (.ci/run), stage by stage, each timed:
#   format         tools/format_check.sh: every source clang-format clean (seconds)
#   thread-safety  tools/thread_safety.sh: clang -Wthread-safety over src/ and tools/ as errors
#   main   tools/test.sh: the normal build (g++) and the whole suite (the README's test command)
#   fuzz   tools/fuzz.sh: every fuzzer for CI_FUZZ_SECONDS (default 20) s; compiles the
#          libraries with clang ASan+UBSan into build-asan
#   asan   tools/sanitize.sh asan: every test binary under ASan+UBSan, in the same build-asan
#          (the libraries the fuzz stage compiled are reused: only tests and programs compile)
#   tsan   tools/sanitize.sh tsan: every integration test and the threaded unit tests under
#          TSan (build-tsan; which and why: tools/sanitize.sh)
# All six are the default. The main stage builds with SVIDD_WERROR=ON: a warning in svidd's own
# code fails CI. Any sanitizer report from any process fails its stage.
# Every stage runs even if an earlier one failed; any failure makes the exit status non-zero.
# CI's hard limit is 90 minutes: a stage whose budgeted minutes (STAGE_BUDGET below, cold
# figures on 2 cores with margin; docs/FUZZING.md) would end past CI_LIMIT_MINUTES (default 85)
# is skipped and says so, rather than losing the whole run to the hard limit.
# The last lines are a timing table, the main suite's ctest summary and one
# 'N passed, N failed' line over every test and fuzz target run.
set -uo pipefail
cd "$(dirname "$0")/.."
LOGS="$(mktemp -d)"
# CI_STAGES picks stages, e.g. CI_STAGES="main fuzz" for a quick run; the default is every
# stage.
read -r -a STAGES <<<"${CI_STAGES:-format thread-safety main fuzz asan tsan}"
# Minutes a stage may take, cold (empty ccache) on 2 cores, with margin: what the skip rule
# plans with. Measured figures are in docs/FUZZING.md.
declare -A STAGE_BUDGET=([format]=2 [thread-safety]=8 [main]=12 [fuzz]=15 [asan]=30 [tsan]=40)
export SVIDD_WERROR=ON
declare -A SECONDS_TAKEN RESULT
passed=0
failed=0

CI_START=$(date +%s)
run_stage() {  # name, command...
  local name="$1" start rc
  shift
  local elapsed=$(( ($(date +%s) - CI_START) / 60 ))
  if [ "$name" != main ] &&
    [ $((elapsed + ${STAGE_BUDGET[$name]:-0})) -gt "${CI_LIMIT_MINUTES:-85}" ]; then
    echo "===== ci: stage $name SKIPPED: ${elapsed} min passed + its ${STAGE_BUDGET[$name]} min budget > ${CI_LIMIT_MINUTES:-85} ====="
    SECONDS_TAKEN[$name]=0
    RESULT[$name]="skipped (time budget)"
    return
  fi
  echo "===== ci: stage $name: $* ====="
  start=$(date +%s)
  "$@" 2>&1 | tee "$LOGS/$name.log"
  rc=${PIPESTATUS[0]}
  SECONDS_TAKEN[$name]=$(($(date +%s) - start))
  RESULT[$name]=$([ "$rc" = 0 ] && echo ok || echo "FAILED (exit $rc)")
  # Count tests: ctest's "N tests failed out of M", and fuzz.sh's lines per target.
  local summary total bad
  summary=$(grep -E '[0-9]+ tests failed out of [0-9]+' "$LOGS/$name.log" | tail -n 1)
  if [ -n "$summary" ]; then
    bad=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")
    total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$summary")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  elif [ "$name" = fuzz ]; then
    passed=$((passed + $(grep -cE '^fuzz: [a-z_]+ .* ok$' "$LOGS/$name.log")))
    failed=$((failed + $(grep -cE '^fuzz: [a-z_]+ .* FAILED$' "$LOGS/$name.log")))
  fi
  # A sanitizer report from a process no test checks (tools/sanitize.sh counts them).
  local reports
  reports=$(sed -n 's/^sanitize.sh: \([0-9]*\) process(es) wrote sanitizer reports.*/\1/p' \
    "$LOGS/$name.log" | tail -n 1)
  failed=$((failed + ${reports:-0}))
  if [ "$rc" != 0 ] && [ -z "$summary" ] && [ "$name" != fuzz ]; then
    failed=$((failed + 1))  # a stage that failed before its tests ran (build error)
  fi
}

for s in "${STAGES[@]}"; do
  case "$s" in
    main) run_stage main bash tools/test.sh ;;
    asan) run_stage asan bash tools/sanitize.sh asan ;;
    fuzz) run_stage fuzz bash tools/fuzz.sh --seconds "${CI_FUZZ_SECONDS:-20}" ;;
    tsan) run_stage tsan bash tools/sanitize.sh tsan ;;
    format) run_stage format bash tools/format_check.sh ;;
    thread-safety) run_stage thread-safety bash tools/thread_safety.sh ;;
    *) echo "ci: unknown stage $s" >&2; exit 2 ;;
  esac
done

echo "===== ci: summary ====="
status=0
for s in "${STAGES[@]}"; do
  printf 'ci: %-13s %6d s  %s\n' "$s" "${SECONDS_TAKEN[$s]}" "${RESULT[$s]}"
  case "${RESULT[$s]}" in ok|skipped*) ;; *) status=1 ;; esac
done
echo "main suite (tools/test.sh):"
grep -E 'tests passed, [0-9]+ tests failed out of|^Total Test time' "$LOGS/main.log" 2>/dev/null | tail -n 2
rm -rf "$LOGS"
echo "ci: $passed passed, $failed failed"
exit "$status"
