#!/usr/bin/env bash
# Throughput benchmark: sprawl vs. a bare Hyperscan scan of the same bytes.
#
#   benchmarks/bench_throughput.sh [--size-mb N] [--threads N] [--seed N] [--runs N] [--json OUT]
#
# Generates (or reuses) a source-like corpus in $SPRAWL_BENCH_DIR/throughput-<size>-<seed>
# (default /tmp/sprawl-bench), warms the page cache, then times build/bench_hs_floor and
# `build/sprawl scan --format json --output /dev/null` (best of --runs each, peak RSS of the
# child via wait4), plus an empty-directory scan (best of 10), and prints a markdown table.
# BUILD_DIR overrides the build directory (default: build, relative to the repository root).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

size_mb=512
threads="$(nproc 2>/dev/null || echo 1)"
seed=1
runs=3
json_out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size-mb) size_mb="$2"; shift 2 ;;
    --size-mb=*) size_mb="${1#*=}"; shift ;;
    --threads) threads="$2"; shift 2 ;;
    --threads=*) threads="${1#*=}"; shift ;;
    --seed) seed="$2"; shift 2 ;;
    --seed=*) seed="${1#*=}"; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --json) json_out="$2"; shift 2 ;;
    --json=*) json_out="${1#*=}"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

build_dir="${BUILD_DIR:-$root/build}"
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
bench_root="${SPRAWL_BENCH_DIR:-/tmp/sprawl-bench}"
corpus="$bench_root/throughput-${size_mb}-${seed}"

if [[ ! -x "$build_dir/sprawl" ]]; then
  echo "error: $build_dir/sprawl not found; build first or set BUILD_DIR" >&2
  exit 2
fi

# Reuse the corpus only if it was completely written by the current generator sources
# (the stamp beside the corpus holds a hash of them).
stamp="$corpus.stamp"
want_stamp="$(cat "$here/gen_throughput_corpus.py" "$here/fakekeys.py" | sha256sum | cut -c1-16)"
have_stamp="$(cat "$stamp" 2>/dev/null || true)"
if [[ ! -f "$corpus/MANIFEST.json" || "$have_stamp" != "$want_stamp" ]]; then
  echo "generating ${size_mb} MB corpus (seed $seed) in $corpus ..." >&2
  mkdir -p "$bench_root"
  tmp="$corpus.tmp.$$"
  rm -rf "$tmp" "$corpus" "$stamp"
  start=$(date +%s.%N)
  python3 "$here/gen_throughput_corpus.py" "$tmp" --size-mb "$size_mb" --seed "$seed" >&2
  mv "$tmp" "$corpus"
  echo "$want_stamp" > "$stamp"
  echo "generated in $(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$(date +%s.%N)") s" >&2
else
  echo "reusing corpus $corpus" >&2
fi

echo "warming the page cache ..." >&2
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null

args=("$corpus" --build-dir "$build_dir" --threads "$threads" --runs "$runs")
[[ -n "$json_out" ]] && args+=(--json "$json_out")
python3 "$here/run_throughput.py" "${args[@]}"
