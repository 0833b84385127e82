#!/usr/bin/env bash
# Whether svidd's own C++ sources are formatted as .clang-format says: every tracked .h/.cc
# under include/, src/, tools/ and tests/ (generated protobuf code is not tracked). Changes
# nothing; lists each file that is not clean and exits non-zero if there is one.
# `tools/format_check.sh --fix` formats those files in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || bash tools/setup-deps.sh >/dev/null
mapfile -t files < <(git ls-files -- 'include/*.h' 'src/*.h' 'src/*.cc' 'tools/*.h' \
  'tools/*.cc' 'tests/*.h' 'tests/*.cc')
if [ "${1:-}" = --fix ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
# One clang-format per batch of files; its complaints name the file ("<file>:<line>:<col>:").
mapfile -t bad < <(printf '%s\0' "${files[@]}" |
  xargs -0 -n 40 -P "$(nproc)" clang-format --dry-run --Werror 2>&1 >/dev/null |
  sed -nE 's/^([^:]+):[0-9]+:[0-9]+: (error|warning):.*/\1/p' | sort -u)
for f in "${bad[@]}"; do
  echo "format: $f is not clang-format clean (tools/format_check.sh --fix)"
done
echo "format: $((${#files[@]} - ${#bad[@]})) of ${#files[@]} files clean"
[ "${#bad[@]}" = 0 ]
