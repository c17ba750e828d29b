#!/usr/bin/env bash
# Side-by-side: `run --rm --network none busybox true` with Strata and with Podman (the
# same image, saved by Strata and loaded into a private Podman store), and a bare
# `strata-runtime run` of a prepared bundle (the floor: no store, no overlay, no
# monitor). Every store is on one tmpfs. The machine is noisy: the tools take turns in
# ROUNDS rounds of N runs each and each keeps its best round (ms per run).
# Prints the times and the ratios the containers issue asks for (podman / strata >= 5,
# strata / bare runtime <= 2).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-20}
ROUNDS=${ROUNDS:-5}
strata=$top/build/src/cli/strata
runtime=$top/build/src/runtime/strata-runtime
fixture=$top/build/fixtures/busybox.tar
for tool in podman jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done
[[ -x "$strata" ]] || "$top/scripts/build.sh" strata
[[ -f "$fixture" ]] || { mkdir -p "$(dirname "$fixture")"; "$top/scripts/make-busybox-rootfs.sh" "$fixture"; }

W=$(mktemp -d /dev/shm/strata-run-bench.XXXXXX)
cleanup() {
  podman --root "$W/podman" --runroot "$W/podman-run" rm -af >/dev/null 2>&1 || true
  umount -R "$W"/podman* 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
export STRATA_ROOT=$W/strata STRATA_RUNROOT=$W/strata-run
"$strata" import "$fixture" busybox:latest -c 'CMD ["/bin/sh"]' >/dev/null
"$strata" save -o "$W/busybox.tar" busybox
P=(podman --root "$W/podman" --runroot "$W/podman-run" --storage-driver overlay --cgroup-manager cgroupfs --events-backend none)
"${P[@]}" load -q -i "$W/busybox.tar" >/dev/null
mkdir -p "$W/bundle/rootfs"
tar -xf "$fixture" -C "$W/bundle/rootfs"
"$runtime" spec -b "$W/bundle"
jq '.process.terminal = false | .process.args = ["/bin/true"]
    | .linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]' \
  "$W/bundle/config.json" >"$W/c" && mv "$W/c" "$W/bundle/config.json"

# Mean ms per run of N runs of "$@".
round() {
  local t0 t1
  t0=$(date +%s%N)
  for _ in $(seq "$N"); do "$@" >/dev/null; done
  t1=$(date +%s%N)
  echo $(((t1 - t0) / N / 1000))
}
declare -A best
tools=(strata podman runtime)
run_strata() { "$strata" run --rm --network none busybox true; }
# --ulimit host: podman's default asks for a nofile limit above this root's hard limit
# (no CAP_SYS_RESOURCE here) and every run would fail.
run_podman() { "${P[@]}" run --rm --network none --ulimit host busybox true; }
i=0
run_runtime() { i=$((i + 1)); "$runtime" --root "$W/rt" run -b "$W/bundle" "bench-$i"; }
for r in $(seq "$ROUNDS"); do
  for t in "${tools[@]}"; do
    us=$(round "run_$t")
    if [[ -z "${best[$t]:-}" ]] || ((us < best[$t])); then best[$t]=$us; fi
  done
done
printf '%-34s %10s\n' "run --rm --network none true" "ms per run (best of $ROUNDS rounds of $N)"
for t in "${tools[@]}"; do awk -v t="$t" -v us="${best[$t]}" 'BEGIN { printf "%-34s %10.1f\n", t, us / 1000 }'; done
awk -v p="${best[podman]}" -v s="${best[strata]}" -v r="${best[runtime]}" 'BEGIN {
  printf "podman / strata:          %6.2fx (target >= 5)\n", p / s
  printf "strata / bare runtime:    %6.2fx (target <= 2)\n", s / r }'
