#!/usr/bin/env bash
# Pre-commit benchmark: `sprawl scan --staged` in a repository of 100,000 files.
#
#   benchmarks/bench_staged.sh [--files N] [--seed N] [--runs N] [--json OUT] [--regen]
#
# Generates (or reuses) $SPRAWL_BENCH_DIR/staged-<files>-<seed> (default /tmp/sprawl-bench) with
# gen_staged_repo.py, then run_staged.py stages a change with a fake secret, and a clean change
# (plus an unstaged secret elsewhere), and times, inside the repository, `git diff --cached
# --name-only` and `sprawl scan --staged` (median of --runs, default 10, warm cache), checking
# exit codes 1 and 0. SPRAWL_BIN: the binary (default build/sprawl at the repository root).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

files=100000
seed=1
runs=10
json_out=""
regen=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --files) files="$2"; shift 2 ;;
    --files=*) files="${1#*=}"; shift ;;
    --seed) seed="$2"; shift 2 ;;
    --seed=*) seed="${1#*=}"; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --json) json_out="$2"; shift 2 ;;
    --json=*) json_out="${1#*=}"; shift ;;
    --regen) regen=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

sprawl="${SPRAWL_BIN:-$root/build/sprawl}"
case "$sprawl" in /*) ;; */*) sprawl="$root/$sprawl" ;; esac
if [[ ! -x "$sprawl" ]]; then
  echo "warning: $sprawl not found (set SPRAWL_BIN); only git will be timed" >&2
fi

bench_root="${SPRAWL_BENCH_DIR:-/tmp/sprawl-bench}"
repo="$bench_root/staged-${files}-${seed}"
stamp="$repo.stamp"
want_stamp="$(cat "$here/gen_staged_repo.py" "$here/gen_throughput_corpus.py" | sha256sum | cut -c1-16)"
have_stamp="$(cat "$stamp" 2>/dev/null || true)"
if [[ $regen == 1 || ! -f "$repo.manifest.json" || "$have_stamp" != "$want_stamp" ]]; then
  echo "generating $repo ($files files, seed $seed; a minute or so) ..." >&2
  mkdir -p "$bench_root"
  rm -rf "$repo" "$repo.manifest.json" "$stamp"
  python3 "$here/gen_staged_repo.py" "$repo" --files "$files" --seed "$seed"
  echo "$want_stamp" > "$stamp"
else
  echo "reusing $repo" >&2
fi

args=("$repo" --sprawl "$sprawl" --runs "$runs")
[[ -n "$json_out" ]] && args+=(--json "$json_out")
python3 "$here/run_staged.py" "${args[@]}"
