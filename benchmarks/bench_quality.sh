#!/usr/bin/env bash
# Detection-quality benchmark: generate the quality corpus (planted fake credentials + hard
# negatives) and score sprawl's findings against its ground truth.
#
#   benchmarks/bench_quality.sh [--seed N] [--regen] [score_quality.py options: --check --json OUT ...]
#
# The corpus goes to $SPRAWL_BENCH_DIR/quality-<seed> (default /tmp/sprawl-bench) and is reused
# when it was written by the current generator sources (--regen forces a fresh one).
# BUILD_DIR overrides the build directory (default: build, relative to the repository root).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

seed=7
regen=0
pass=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seed) seed="$2"; shift 2 ;;
    --seed=*) seed="${1#*=}"; shift ;;
    --regen) regen=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done

build_dir="${BUILD_DIR:-$root/build}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
bench_root="${SPRAWL_BENCH_DIR:-/tmp/sprawl-bench}"
corpus="$bench_root/quality-${seed}"

# Reuse the corpus only if it was completely written by the current generator sources
# (the stamp beside the corpus holds a hash of them).
stamp="$corpus.stamp"
want_stamp="$(cat "$here/gen_quality_corpus.py" "$here/fakekeys.py" | sha256sum | cut -c1-16)"
have_stamp="$(cat "$stamp" 2>/dev/null || true)"
if [[ ! -f "$corpus/ground_truth.jsonl" || "$have_stamp" != "$want_stamp" || $regen -eq 1 ]]; then
  mkdir -p "$bench_root"
  tmp="$corpus.tmp.$$"
  rm -rf "$tmp" "$corpus" "$stamp"
  python3 "$here/gen_quality_corpus.py" "$tmp" --seed "$seed" >&2
  mv "$tmp" "$corpus"
  echo "$want_stamp" > "$stamp"
else
  echo "reusing corpus $corpus" >&2
fi

exec python3 "$here/score_quality.py" "$corpus" --sprawl "$build_dir/sprawl" ${pass[@]+"${pass[@]}"}
