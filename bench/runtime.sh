#!/usr/bin/env bash
# Side-by-side: `run` (create + start + wait + delete) of /bin/true in a busybox bundle
# with five namespaces (pid, net, ipc, uts, mount) and a cgroup, for strata-runtime,
# crun and runc, plus a bare `unshare` of the same namespaces as the floor.
# crun refuses hybrid cgroup hosts ("cgroups in hybrid mode not supported"), so every
# runtime (Strata too, for fairness) runs inside `unshare -m` with
# /sys/fs/cgroup/unified unmounted in that private mount namespace only.
# CGROUP=v2 instead mounts cgroup2 over /sys/fs/cgroup in that namespace: the pure-v2
# view of a fresh Debian 12 host (this machine's v2 hierarchy has no controllers, so
# that measures placement, not limits).
# Prints the time per run (best round), the peak RSS of one run, and ratios.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-200}
strata=${STRATA_RUNTIME_BIN:-$top/build/src/runtime/strata-runtime}
fixture=$top/build/fixtures/busybox.tar
for tool in crun runc /usr/bin/time jq unshare; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
[[ -x "$strata" ]] || "$top/scripts/build.sh" strata-runtime
[[ -f "$fixture" ]] || { mkdir -p "$(dirname "$fixture")"; "$top/scripts/make-busybox-rootfs.sh" "$fixture"; }

W=$(mktemp -d /dev/shm/strata-rt-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bundle/rootfs"
tar -xf "$fixture" -C "$W/bundle/rootfs"
"$strata" spec -b "$W/bundle"
jq '.process.terminal = false | .process.args = ["/bin/true"]
    | .linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]' \
  "$W/bundle/config.json" >"$W/c" && mv "$W/c" "$W/bundle/config.json"

# The machine is noisy: runtimes take turns in ROUNDS rounds of N/ROUNDS runs each, and
# each keeps its best round (mean microseconds per run). Peak RSS is from one run.
ROUNDS=${ROUNDS:-5}
case "${CGROUP:-v1}" in
  v1) CG_SETUP="umount /sys/fs/cgroup/unified 2>/dev/null || true" ;;
  v2) CG_SETUP="umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup" ;;
  *) echo "bench: CGROUP must be v1 or v2" >&2; exit 1 ;;
esac
K=${K:-10}
declare -A US RSS CMD ISO
NAMES=()
add() { NAMES+=("$1"); CMD[$1]=$2; }
round() {  # round CMD: mean microseconds per run over N/ROUNDS runs
  unshare -m bash -c "
    $CG_SETUP
    start=\$(date +%s%N)
    for i in \$(seq $((N / ROUNDS))); do i=\$RANDOM\$i; $1 >/dev/null || exit 1; done
    end=\$(date +%s%N)
    echo \$(( (end - start) / $((N / ROUNDS)) / 1000 ))"
}
isolated() {  # isolated CMD: mean microseconds of one run after 100 ms idle, K runs
  unshare -m bash -c "
    $CG_SETUP
    total=0
    for i in \$(seq $K); do
      sleep 0.1; i=\$RANDOM\$i
      start=\$(date +%s%N); $1 >/dev/null || exit 1; end=\$(date +%s%N)
      total=\$((total + end - start))
    done
    echo \$((total / $K / 1000))"
}
best_of() {  # best_of FN RESULT: runtimes take turns for ROUNDS; RESULT[name] = best of FN
  local -n best=$2
  for ((r = 0; r < ROUNDS; r++)); do
    for name in "${NAMES[@]}"; do
      t=$($1 "${CMD[$name]}")
      if [[ -z "${best[$name]:-}" ]] || ((t < best[$name])); then best[$name]=$t; fi
    done
  done
}
measure_isolated() {
  best_of isolated ISO
  for name in "${NAMES[@]}"; do printf '  %-16s %6d us/run\n' "$name" "${ISO[$name]}"; done
}
measure() {
  for name in "${NAMES[@]}"; do round "${CMD[$name]}" >/dev/null; done  # warm up
  best_of round US
  for name in "${NAMES[@]}"; do
    RSS[$name]=$(unshare -m bash -c "$CG_SETUP; i=rss
      /usr/bin/time -f %M -o '$W/rss' ${CMD[$name]} >/dev/null 2>&1; cat '$W/rss'")
    printf '  %-16s %6d us/run   peak RSS %6d KiB\n' "$name" "${US[$name]}" "${RSS[$name]}"
  done
}

echo "run of /bin/true, 5 namespaces + cgroup (${CGROUP:-v1}), best of $ROUNDS rounds of $((N / ROUNDS)) runs, bundle on tmpfs:"
add "unshare (floor)" "unshare -pnium --fork /bin/true"
add "strata-runtime" "'$strata' --root '$W/s' run -b '$W/bundle' s\$i"
# crun's v2 device filter raises RLIMIT_MEMLOCK first, which root here may not (no
# CAP_SYS_RESOURCE): on v2 it cannot run on this machine.
[[ "${CGROUP:-v1}" == v2 ]] && echo "  (crun left out on v2: it fails with \"setrlimit (RLIM_MEMLOCK)\" here)" ||
  add "crun" "crun --root '$W/c' run -b '$W/bundle' c\$i"
add "runc" "runc --root '$W/r' run -b '$W/bundle' r\$i"
measure
echo
ratios() {  # ratios RESULT: each peer's time over strata's
  local -n times=$1
  for peer in crun runc; do
    [[ -n "${times[$peer]:-}" ]] || continue
    awk -v p="$peer" -v s="${times[strata-runtime]}" -v t="${times[$peer]}" \
      'BEGIN { printf "  %s / strata: %.2fx%s\n", p, t / s, p == "crun" ? "   (target >= 1)" : "" }'
  done
}
echo "ratios (peer time / strata time; above 1.00x strata is faster):"
ratios US
echo
# Back-to-back runs keep the kernel's cgroup migration lock warm; a container started
# on an idle machine pays its RCU grace period (see docs/ARCHITECTURE.md).
echo "one run after 100 ms idle, mean of $K, best of $ROUNDS rounds:"
measure_isolated
ratios ISO
echo
rss="  peak RSS: strata ${RSS[strata-runtime]} KiB"
for peer in crun runc; do [[ -z "${RSS[$peer]:-}" ]] || rss+=", $peer ${RSS[$peer]} KiB"; done
echo "$rss (target: strata <= crun)"
