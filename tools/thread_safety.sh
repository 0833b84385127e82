#!/usr/bin/env bash
# clang's lock analysis over svidd's own sources: every file of src/ and tools/ is parsed
# (-fsyntax-only: no code generated, nothing linked) with -Wthread-safety as an error, so a
# member read or written without the lock its SVIDD/ABSL_GUARDED_BY names fails here.
# Uses build-thread-safety (BUILD_DIR overrides) for compile_commands.json and the generated
# protobuf headers. FILES_REGEX narrows the files checked (default: ^(src|tools)/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh >/dev/null
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
dir="${BUILD_DIR:-build-thread-safety}"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Dev -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# The .pb.h files the sources include are generated when svidd_proto is built.
cmake --build "$dir" -j"$(nproc)" --target svidd_proto >/dev/null
python3 - "$dir" "${FILES_REGEX:-^(src|tools)/}" <<'PY'
import json, os, re, shlex, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

build_dir, files_regex = sys.argv[1], re.compile(sys.argv[2])
root = os.getcwd()
jobs = []
for entry in json.load(open(os.path.join(build_dir, "compile_commands.json"))):
    rel = os.path.relpath(entry["file"], root)
    if not files_regex.search(rel) or rel in (j[0] for j in jobs):
        continue
    args = shlex.split(entry["command"])
    # Drop the launcher (ccache), the output and the -c: parse only.
    if os.path.basename(args[0]) == "ccache":
        args = args[1:]
    out, i = [], 0
    while i < len(args):
        if args[i] == "-o":
            i += 2
            continue
        if args[i] == "-c":
            i += 1
            continue
        out.append(args[i])
        i += 1
    out += ["-fsyntax-only", "-Wthread-safety", "-Werror=thread-safety"]
    jobs.append((rel, entry["directory"], out))

def check(job):
    rel, cwd, args = job
    run = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    return rel, run.returncode, run.stderr

failed = 0
with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
    for rel, rc, err in pool.map(check, jobs):
        if rc != 0:
            failed += 1
            print(f"thread-safety: {rel}: FAILED\n{err}", flush=True)
print(f"thread-safety: {len(jobs) - failed} of {len(jobs)} files clean")
sys.exit(1 if failed else 0)
PY
