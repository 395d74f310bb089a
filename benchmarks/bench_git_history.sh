#!/usr/bin/env bash
# Full-history scan benchmark: `sprawl scan REPO` vs. `git cat-file --batch-all-objects --batch`.
#
#   benchmarks/bench_git_history.sh [REPO] [--runs N] [--threads N] [--json OUT]
#                                   [--commits N] [--seed N] [--regen]
#
# REPO: a work tree, bare or mirror repository. Without it, the synthetic repository
# $SPRAWL_BENCH_DIR/git-history (default /tmp/sprawl-bench; bare; gen_git_history.py, 10,000
# commits, seed 1) is generated or reused, and recall is checked against its manifest.
# Warms the page cache (reads every file under objects/), then run_git_history.py times both
# commands --runs times, interleaved (default 5, median reported), and prints a markdown table
# row and the JSON result. SPRAWL_BIN: the binary (default build/sprawl at the repository root).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

repo=""
runs=5
threads=""
json_out=""
commits=10000
seed=1
regen=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --threads) threads="$2"; shift 2 ;;
    --threads=*) threads="${1#*=}"; shift ;;
    --json) json_out="$2"; shift 2 ;;
    --json=*) json_out="${1#*=}"; shift ;;
    --commits) commits="$2"; shift 2 ;;
    --commits=*) commits="${1#*=}"; shift ;;
    --seed) seed="$2"; shift 2 ;;
    --seed=*) seed="${1#*=}"; shift ;;
    --regen) regen=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "unknown argument: $1" >&2; exit 2 ;;
    *) [[ -z "$repo" ]] || { echo "only one REPO, please" >&2; exit 2; }; repo="$1"; shift ;;
  esac
done

sprawl="${SPRAWL_BIN:-$root/build/sprawl}"
case "$sprawl" in /*) ;; */*) sprawl="$root/$sprawl" ;; esac
if [[ ! -x "$sprawl" ]]; then
  echo "warning: $sprawl not found (set SPRAWL_BIN); only git cat-file will be timed" >&2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "warning: /usr/bin/time (GNU time) not found; peak RSS comes from wait4 instead" >&2
fi

manifest=""
if [[ -z "$repo" ]]; then
  bench_root="${SPRAWL_BENCH_DIR:-/tmp/sprawl-bench}"
  repo="$bench_root/git-history"
  manifest="$repo.manifest.json"
  # Reuse the repository only if it was completely written by the current generator sources
  # with the same options (the stamp beside it holds a hash of both).
  stamp="$repo.stamp"
  want_stamp="$( (cat "$here/gen_git_history.py" "$here/gen_throughput_corpus.py" "$here/fakekeys.py"; echo "$commits $seed") \
                 | sha256sum | cut -c1-16)"
  have_stamp="$(cat "$stamp" 2>/dev/null || true)"
  if [[ $regen == 1 || ! -f "$manifest" || "$have_stamp" != "$want_stamp" ]]; then
    echo "generating $repo ($commits commits, seed $seed) ..." >&2
    mkdir -p "$bench_root"
    rm -rf "$repo" "$manifest" "$stamp"
    python3 "$here/gen_git_history.py" "$repo" --bare --commits "$commits" --seed "$seed" >&2
    echo "$want_stamp" > "$stamp"
  else
    echo "reusing $repo" >&2
  fi
fi

git_dir="$(git -C "$repo" rev-parse --absolute-git-dir)"
echo "warming the page cache ..." >&2
find "$git_dir/objects" -type f -print0 | xargs -0 cat > /dev/null

args=("$repo" --sprawl "$sprawl" --runs "$runs")
[[ -n "$manifest" ]] && args+=(--manifest "$manifest")
[[ -n "$threads" ]] && args+=(--threads "$threads")
[[ -n "$json_out" ]] && args+=(--json "$json_out")
python3 "$here/run_git_history.py" "${args[@]}"
