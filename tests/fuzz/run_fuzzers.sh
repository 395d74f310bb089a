#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz/ and runs each for SECONDS (default 60).
#
#   tests/fuzz/run_fuzzers.sh [SECONDS]
#
# Environment:
#   CXX_FUZZ=clang++-14      the clang to build with
#   FUZZ_PARALLEL=1          run the targets at the same time instead of one after the other
#   FUZZ_TARGETS="a b"       run only these targets (default: all targets)
#   FUZZ_EXTRA_ARGS="..."    more libFuzzer flags for every target (e.g. -jobs=4 -workers=4)
#
# The seed corpora in tests/fuzz/corpus/ are only read; what the fuzzers learn is kept in
# build-fuzz/corpus/<target>/ (so later runs start from it). Crashes, leaks, timeouts and
# out-of-memory inputs are written to build-fuzz/artifacts/<target>/; the script then exits 1.
set -euo pipefail

DURATION="${1:-60}"
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || [ "$DURATION" -lt 1 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FUZZ_DIR="$ROOT/tests/fuzz"
BUILD="$ROOT/build-fuzz"
CXX_FUZZ="${CXX_FUZZ:-clang++-14}"
TARGETS=(${FUZZ_TARGETS:-fuzz_rule_config fuzz_matcher fuzz_git_objects fuzz_index_file fuzz_pack_index fuzz_delta
  fuzz_pack_walk fuzz_ignore_files fuzz_archive fuzz_image_layout fuzz_encoded_spans fuzz_offline_checks
  fuzz_validator_responses fuzz_declared_inventory fuzz_location_list})
read -r -a EXTRA <<<"${FUZZ_EXTRA_ARGS:-}"

if ! command -v "$CXX_FUZZ" >/dev/null; then
  echo "error: $CXX_FUZZ not found (apt-get install -y clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

echo "== configuring $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSPRAWL_BUILD_FUZZERS=ON -DSPRAWL_BUILD_TESTS=OFF >/dev/null
echo "== building ${TARGETS[*]}"
cmake --build "$BUILD" --target "${TARGETS[@]}" -j "$(nproc)"

# The matcher's dictionary: the static entries plus every keyword of the built-in rules.
{
  cat "$FUZZ_DIR/matcher.dict"
  grep -ho '^keywords *= *\[.*\]' "$ROOT"/rules/*.toml 2>/dev/null | grep -o '"[A-Za-z0-9_.:/@-]*"' | sort -u || true
} >"$BUILD/matcher.dict"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {
  local target="$1" seeds="" dict="" max_len=""
  case "$target" in
    fuzz_rule_config) seeds="$FUZZ_DIR/corpus/rule_config"; dict="$FUZZ_DIR/rule_config.dict"; max_len=4096 ;;
    fuzz_matcher) seeds="$FUZZ_DIR/corpus/matcher"; dict="$BUILD/matcher.dict"; max_len=16384 ;;
    fuzz_pack_index) seeds="$FUZZ_DIR/corpus/pack_index"; dict="$FUZZ_DIR/git_pack.dict"; max_len=8192 ;;
    fuzz_delta) seeds="$FUZZ_DIR/corpus/delta"; dict="$FUZZ_DIR/git_pack.dict"; max_len=4096 ;;
    fuzz_pack_walk) seeds="$FUZZ_DIR/corpus/pack_walk"; dict="$FUZZ_DIR/git_pack.dict"; max_len=8192 ;;
    fuzz_git_objects) seeds="$FUZZ_DIR/corpus/git_objects"; max_len=16384 ;;
    fuzz_index_file) seeds="$FUZZ_DIR/corpus/index_file"; max_len=16384 ;;
    fuzz_ignore_files) seeds="$FUZZ_DIR/corpus/ignore_files"; dict="$FUZZ_DIR/ignore_files.dict"; max_len=4096 ;;
    fuzz_archive) seeds="$FUZZ_DIR/corpus/archive"; max_len=16384 ;;
    fuzz_image_layout) seeds="$FUZZ_DIR/corpus/image_layout"; max_len=8192 ;;
    fuzz_encoded_spans) seeds="$FUZZ_DIR/corpus/encoded_spans"; dict="$FUZZ_DIR/encoded_spans.dict"; max_len=16384 ;;
    fuzz_offline_checks) seeds="$FUZZ_DIR/corpus/offline_checks"; max_len=8192 ;;
    fuzz_validator_responses) seeds="$FUZZ_DIR/corpus/validator_responses"; max_len=4096 ;;
    fuzz_declared_inventory) seeds="$FUZZ_DIR/corpus/declared_inventory"; dict="$FUZZ_DIR/declared_inventory.dict"; max_len=4096 ;;
    fuzz_location_list) seeds="$FUZZ_DIR/corpus/location_list"; max_len=4096 ;;
    *) echo "unknown target $target" >&2; return 2 ;;
  esac
  local corpus="$BUILD/corpus/$target" artifacts="$BUILD/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  echo "== running $target for ${DURATION}s (log: $BUILD/$target.log)"
  local rc=0
  local inputs=("$corpus")
  [ -d "$seeds" ] && inputs+=("$seeds")  # a target may have no seed corpus yet
  [ -n "$dict" ] && inputs+=(-dict="$dict")
  "$BUILD/tests/fuzz/$target" "${inputs[@]}" -max_len="$max_len" \
    -max_total_time="$DURATION" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${EXTRA[@]}" >"$BUILD/$target.log" 2>&1 || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' \
    "$BUILD/$target.log" | sed "s/^/   $target /" || true
  if [ "$rc" -ne 0 ]; then
    echo "!! $target exited with status $rc; last lines of its log:" >&2
    tail -n 60 "$BUILD/$target.log" >&2
    echo "!! reproducers in $artifacts:" >&2
    ls -l "$artifacts" >&2 || true
  fi
  return "$rc"
}

failed=0
if [ "${FUZZ_PARALLEL:-0}" = 1 ]; then
  declare -A pids=()
  for t in "${TARGETS[@]}"; do run_one "$t" & pids[$t]=$!; done
  for t in "${TARGETS[@]}"; do wait "${pids[$t]}" || failed=1; done
else
  for t in "${TARGETS[@]}"; do run_one "$t" || failed=1; done
fi

if [ "$failed" -ne 0 ]; then
  echo "FAILED: a fuzzer found a problem (see above)" >&2
  exit 1
fi
echo "OK: no crashes in ${DURATION}s per target"
