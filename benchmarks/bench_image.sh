#!/usr/bin/env bash
# Image benchmark: `sprawl scan image.tar` (docker save, uncompressed layers) and an OCI archive
# with gzip layers, against `sprawl scan rootfs/` — the same files as a plain directory.
#
#   benchmarks/bench_image.sh [--size-mb 1024] [--layers 8] [--seed 1] [--runs 3] [--json OUT]
#
# Generates (or reuses) the image with gen_image_corpus.py in
# $SPRAWL_BENCH_DIR/image-<size>-<layers>-<seed> (default /tmp/sprawl-bench), then runs
# run_image.py: best of --runs interleaved runs each, peak RSS, planted-secret recall, and the
# throughput ratio image / directory (target >= 0.70). BUILD_DIR overrides the build directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
size_mb=1024
layers=8
seed=1
runs=3
json_out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size-mb) size_mb="$2"; shift 2 ;;
    --layers) layers="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --json) json_out="$2"; shift 2 ;;
    *) echo "bench_image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

build_dir="${BUILD_DIR:-$root/build}"
corpus="${SPRAWL_BENCH_DIR:-/tmp/sprawl-bench}/image-${size_mb}-${layers}-${seed}"
if [ ! -f "$corpus/MANIFEST.json" ]; then
  python3 "$here/gen_image_corpus.py" "$corpus" --size-mb "$size_mb" --layers "$layers" --seed "$seed" --gzip
fi
echo "machine: $(nproc) cores, $(uname -m); sprawl: $("$build_dir/sprawl" --version)"
args=("$corpus" --sprawl "$build_dir/sprawl" --runs "$runs")
if [ -n "$json_out" ]; then args+=(--json "$json_out"); fi
python3 "$here/run_image.py" "${args[@]}"
