#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/, ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 300) from its seed corpus in tests/fuzz/corpus/<name>/. Not part
# of CI. A crash leaves its input in build-fuzz/crashes/<name>/; once fixed, move the
# input into tests/fuzz/regressions/<name>/, where the normal test suite replays it.
#   scripts/fuzz.sh              every target
#   scripts/fuzz.sh json tar     the named ones
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" --fuzz
build=$top/build-fuzz
if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTRATA_FUZZ=ON -DSTRATA_BUILD_TESTS=OFF -DSTRATA_STATIC_RUNTIME=OFF >/dev/null
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^strata_fuzz_target(NAME \([a-z_]*\) .*/\1/p' "$top/tests/fuzz/CMakeLists.txt")
fi
# Only what the targets link: an instrumented build of the whole tree takes long.
ninja -C "$build" "${targets[@]/#/strata_fuzz_}" >/dev/null
failed=()
for t in "${targets[@]}"; do
  corpus=$(mktemp -d /tmp/strata-fuzz-$t.XXXXXX)
  crashes=$build/crashes/$t
  mkdir -p "$crashes"
  [[ -d "$top/tests/fuzz/corpus/$t" ]] && cp -r "$top/tests/fuzz/corpus/$t/." "$corpus/"
  [[ -d "$top/tests/fuzz/regressions/$t" ]] && cp -r "$top/tests/fuzz/regressions/$t/." "$corpus/"
  echo "fuzz: $t for ${FUZZ_SECONDS:-300} s"
  if ! "$build/tests/fuzz/strata_fuzz_$t" -max_total_time="${FUZZ_SECONDS:-300}" \
    -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1 \
    "$corpus" >"$build/fuzz-$t.log" 2>&1; then
    failed+=("$t")
    tail -30 "$build/fuzz-$t.log" >&2
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$build/fuzz-$t.log" || :
  rm -rf "$corpus"
done
if ((${#failed[@]} > 0)); then
  echo "fuzz: crashes in ${failed[*]} (inputs in $build/crashes/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran clean"
