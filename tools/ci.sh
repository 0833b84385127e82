#!/usr/bin/env bash
# What CI runs (.ci/run), stage by stage, each timed:
#   main   tools/test.sh: the normal build and the whole suite (the README's test command)
#   asan   tools/sanitize.sh asan: the whole suite under ASan+UBSan (clang, build-asan)
#   fuzz   tools/fuzz.sh: every fuzzer for CI_FUZZ_SECONDS (default 20) s, reusing build-asan
#   tsan   tools/sanitize.sh tsan: the concurrency-heavy tests under TSan (build-tsan)
#   format         tools/format_check.sh: every source clang-format clean (seconds)
#   thread-safety  tools/thread_safety.sh: clang -Wthread-safety over src/ and tools/ as errors
# The main stage builds with SVIDD_WERROR=ON: a warning in svidd's own code fails CI.
# Every stage runs even if an earlier one failed; any failure makes the exit status non-zero.
# CI's hard limit is 90 minutes: a sanitizer or fuzz stage that would start after
# CI_START_BY_MINUTES (default 60) is skipped and says so, rather than losing the whole run.
# The last lines are a timing table, the main suite's ctest summary and one
# 'N passed, N failed' line over every test and fuzz target run.
set -uo pipefail
cd "$(dirname "$0")/.."
LOGS="$(mktemp -d)"
# CI_STAGES picks stages, e.g. CI_STAGES="main asan fuzz tsan" for all four. The default is
# "format thread-safety main fuzz" (the two checks take seconds to minutes) until the whole
# suite has run clean under ASan+UBSan and TSan (docs/SECURITY.md).
read -r -a STAGES <<<"${CI_STAGES:-format thread-safety main fuzz}"
export SVIDD_WERROR=ON
declare -A SECONDS_TAKEN RESULT
passed=0
failed=0

CI_START=$(date +%s)
run_stage() {  # name, command...
  local name="$1" start rc
  shift
  if [ "$name" != main ] && [ $(( ($(date +%s) - CI_START) / 60 )) -ge "${CI_START_BY_MINUTES:-60}" ]; then
    echo "===== ci: stage $name SKIPPED: ${CI_START_BY_MINUTES:-60} minutes have passed ====="
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
