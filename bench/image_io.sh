#!/usr/bin/env bash
# Side-by-side benchmark of the image store's I/O paths (issue: foundation).
#   import: tar | strata import -          vs  tar | pigz | sha256sum   (gzip)
#           tar | strata import --compression zstd -  vs  tar | zstd -T0 | sha256sum
#   load:   strata load (+ unpack)         vs  skopeo copy + umoci unpack
# Every tool's input and store live on the same tmpfs (/dev/shm): disk timings on these
# machines swing 2-3x within a minute (run nothing else meanwhile). Each figure is the
# best of $RUNS runs, the runs of a pair taking turns (peer, strata, peer, strata...) so
# that a busy minute hurts both alike; ratios are peer time / strata time (above 1
# means strata is faster), and gzip load / plain load for strata alone (the cost of
# inflate). Peak RSS is from GNU time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
strata=${STRATA_BIN:-$top/build/src/cli/strata}
B=${BENCH_DIR:-/dev/shm/strata-bench}
RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-1024}

for tool in pigz zstd skopeo umoci /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
[[ -x "$strata" ]] || "$top/scripts/build.sh" strata

mkdir -p "$B"
if [[ ! -d "$B/tree" ]]; then python3 "$top/bench/make_tree.py" "$B/tree" "$SIZE_MIB"; fi
echo "tree: $(du -sm --apparent-size "$B/tree" | cut -f1) MiB in $(find "$B/tree" -type f | wc -l) files, on $(df --output=fstype "$B" | tail -1)"

declare -A T M
# run_once NAME CMD: one run with fresh scratch state; keeps the best time in T[NAME].
run_once() {
  local name=$1 cmd=$2 t m
  rm -rf "$B/scratch" && mkdir -p "$B/scratch"
  /usr/bin/time -f "%e %M" -o "$B/time.out" bash -c "$cmd" >/dev/null
  read -r t m <"$B/time.out"
  if [[ -z "${T[$name]:-}" ]] || awk "BEGIN{exit !($t < ${T[$name]})}"; then T[$name]=$t M[$name]=$m; fi
}
# best_of NAME1 CMD1 NAME2 CMD2: RUNS turns of each, alternating; prints both bests.
best_of() {
  for ((i = 0; i < RUNS; i++)); do
    run_once "$1" "$2"
    run_once "$3" "$4"
  done
  for n in "$1" "$3"; do printf '  %-34s %7.2f s  peak RSS %6d KiB\n' "$n" "${T[$n]}" "${M[$n]}"; done
}
ratio() { awk "BEGIN{printf \"%.2fx\", $1 / $2}"; }

tarcmd="tar -C '$B/tree' -cf - ."
echo
echo "import (read tar, compress, hash; strata also hashes the tar and unpacks it):"
best_of "tar | pigz | sha256sum" "$tarcmd | pigz | sha256sum" \
  "tar | strata import (gzip)" "$tarcmd | '$strata' --root '$B/scratch/root' import - bench:gz"
best_of "tar | zstd -T0 | sha256sum" "$tarcmd | zstd -q -T0 | sha256sum" \
  "tar | strata import (zstd)" "$tarcmd | '$strata' --root '$B/scratch/root' import --compression zstd - bench:zst"

# Inputs for the load benchmark: strata's own archive (uncompressed layers, as Docker
# saves) and an OCI archive with a gzip layer (as registries serve).
if [[ ! -f "$B/image.tar" ]]; then
  rm -rf "$B/src-root"
  bash -c "$tarcmd" | "$strata" --root "$B/src-root" import - bench:latest >/dev/null
  "$strata" --root "$B/src-root" save -o "$B/image.tar" bench:latest
  rm -rf "$B/src-root"
fi
if [[ ! -f "$B/image-gzip.tar" ]]; then
  skopeo copy -q docker-archive:"$B/image.tar" oci-archive:"$B/image-gzip.tar:bench:latest"
fi
echo
echo "load + unpack (docker-archive, uncompressed layer):"
best_of "skopeo copy + umoci unpack" \
  "skopeo copy -q docker-archive:'$B/image.tar' oci:'$B/scratch/oci:bench' && umoci unpack --image '$B/scratch/oci:bench' '$B/scratch/bundle'" \
  "strata load" "'$strata' --root '$B/scratch/root' load -q -i '$B/image.tar'"
echo "load + unpack (oci-archive, gzip layer):"
best_of "skopeo copy + umoci unpack (gzip)" \
  "skopeo copy -q oci-archive:'$B/image-gzip.tar' oci:'$B/scratch/oci:bench' && umoci unpack --image '$B/scratch/oci:bench' '$B/scratch/bundle'" \
  "strata load (gzip)" "'$strata' --root '$B/scratch/root' load -q -i '$B/image-gzip.tar'"

echo "strata alone, plain and gzip layer taking turns (the cost of inflate):"
best_of "strata load (plain, paired)" "'$strata' --root '$B/scratch/root' load -q -i '$B/image.tar'" \
  "strata load (gzip, paired)" "'$strata' --root '$B/scratch/root' load -q -i '$B/image-gzip.tar'"

echo
echo "ratios (peer / strata; above 1.00x strata is faster):"
echo "  import gzip vs tar|pigz|sha256sum:      $(ratio "${T[tar | pigz | sha256sum]}" "${T[tar | strata import (gzip)]}")   (target >= 1)"
echo "  import zstd vs tar|zstd -T0|sha256sum:  $(ratio "${T[tar | zstd -T0 | sha256sum]}" "${T[tar | strata import (zstd)]}")   (target >= 1)"
echo "  load vs skopeo+umoci (tar layer):       $(ratio "${T[skopeo copy + umoci unpack]}" "${T[strata load]}")   (target >= 2)"
echo "  load vs skopeo+umoci (gzip layer):      $(ratio "${T[skopeo copy + umoci unpack (gzip)]}" "${T[strata load (gzip)]}")   (target >= 2)"
echo "  strata load, gzip layer / plain layer:  $(ratio "${T[strata load (gzip, paired)]}" "${T[strata load (plain, paired)]}")   (target <= 1.3)"
echo "  strata peak RSS: import $((M[tar | strata import (gzip)] / 1024)) MiB, load $((M[strata load] / 1024)) MiB for a $SIZE_MIB MiB layer"
rm -rf "$B/scratch"
