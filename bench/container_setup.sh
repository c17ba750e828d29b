# Sourced by the container benches: one tmpfs work dir $W with a Strata store holding
# busybox:latest and a private Podman store ("${P[@]}" is podman with it) that loaded the
# same image from `strata save`. Removes everything on exit. BUILD=DIR measures the
# binaries of another build tree (say, main's, for a before/after).
# crun (Podman's runtime) refuses a hybrid cgroup host whose v2 mount has a controller
# (hugetlb here): then the bench re-runs itself in a private mount namespace with
# /sys/fs/cgroup/unified unmounted, Strata too, for fairness (as bench/runtime.sh does).
if [[ -n $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null) && -z ${BENCH_PRIVATE_NS:-} ]]; then
  exec unshare -m --propagation private env BENCH_PRIVATE_NS=1 bash "$0" "$@"
fi
if [[ -n ${BENCH_PRIVATE_NS:-} ]]; then umount /sys/fs/cgroup/unified; fi
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$top/build}
strata=$build/src/cli/strata
runtime=$build/src/runtime/strata-runtime
fixture=$top/build/fixtures/busybox.tar
for tool in podman jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
[[ -x "$strata" ]] || "$top/scripts/build.sh" strata
[[ -f "$fixture" ]] || { mkdir -p "$(dirname "$fixture")"; "$top/scripts/make-busybox-rootfs.sh" "$fixture"; }

W=$(mktemp -d /dev/shm/strata-ctr-bench.XXXXXX)
export STRATA_ROOT=$W/strata STRATA_RUNROOT=$W/strata-run
P=(podman --root "$W/podman" --runroot "$W/podman-run" --storage-driver overlay --cgroup-manager cgroupfs --events-backend none)
bench_cleanup() {
  "$strata" rm -f $("$strata" ps -aq --no-trunc) >/dev/null 2>&1 || true
  "${P[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  umount -R "$W"/podman* 2>/dev/null || true
  # Podman's exit commands (`podman container cleanup`) may still be writing.
  rm -rf "$W" 2>/dev/null || { sleep 2; rm -rf "$W"; }
}
trap bench_cleanup EXIT
"$strata" import "$fixture" busybox:latest -c 'CMD ["/bin/sh"]' >/dev/null
"$strata" save -o "$W/busybox.tar" busybox
"${P[@]}" load -q -i "$W/busybox.tar" >/dev/null
# Podman's default (and its --ulimit host) asks for nofile 1048576, above this root's
# hard limit (no CAP_SYS_RESOURCE here), and every container would fail to start; its
# nproc is capped at 32768, podman's own. So both are given: what this shell may have.
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
[[ $nofile == unlimited ]] || ((nofile > 1048576)) && nofile=1048576
[[ $nproc == unlimited ]] || ((nproc > 32768)) && nproc=32768
PODMAN_CREATE=(--network none --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

# keep_best NAME US: best[NAME] = the smaller of best[NAME] and US (microseconds per
# operation). Callers interleave the tools round by round.
declare -A best
keep_best() {
  local name=$1 us=$2
  if [[ -z "${best[$name]:-}" ]] || ((us < best[$name])); then best[$name]=$us; fi
}
print_ms() {  # print_ms LABEL NAME...
  local label=$1
  shift
  for t in "$@"; do awk -v l="$label" -v t="${t##*_}" -v us="${best[$t]}" 'BEGIN { printf "  %-30s %-8s %8.1f ms\n", l, t, us / 1000 }'; done
}
now_us() { echo $(($(date +%s%N) / 1000)); }
# timed CMD...: mean microseconds per run of N runs of CMD (its output dropped).
timed() {
  local t0
  t0=$(now_us)
  for _ in $(seq "$N"); do "$@" >/dev/null; done
  echo $((($(now_us) - t0) / N))
}
