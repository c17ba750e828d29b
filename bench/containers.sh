#!/usr/bin/env bash
# Side-by-side: `run --rm --network none busybox true` with Strata and with Podman (the
# same image, saved by Strata and loaded into a private Podman store), and a bare
# `strata-runtime run` of a prepared bundle (the floor: no store, no overlay, no
# monitor). Every store is on one tmpfs. The machine is noisy: the tools take turns in
# ROUNDS rounds of N runs each and each keeps its best round (ms per run).
# Prints the times and the ratios the containers issue asks for (podman / strata >= 5,
# strata / bare runtime <= 2). BUILD=DIR measures another build tree's binaries.
set -euo pipefail
shopt -s inherit_errexit
N=${N:-20}
ROUNDS=${ROUNDS:-5}
source "$(dirname "$0")/container_setup.sh"
mkdir -p "$W/bundle/rootfs"
tar -xf "$fixture" -C "$W/bundle/rootfs"
"$runtime" spec -b "$W/bundle"
jq '.process.terminal = false | .process.args = ["/bin/true"]
    | .linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]' \
  "$W/bundle/config.json" >"$W/c" && mv "$W/c" "$W/bundle/config.json"

tools=(strata podman runtime)
run_strata() { "$strata" run --rm --network none busybox true; }
# BASELINE=DIR: also another build's strata on the same store, taking turns (a before
# and after from one run of the script).
if [[ -n ${BASELINE:-} ]]; then
  tools+=(baseline)
  run_baseline() { "$BASELINE/src/cli/strata" run --rm --network none busybox true; }
fi
run_podman() { "${P[@]}" run --rm "${PODMAN_CREATE[@]}" busybox true; }
i=0
run_runtime() { i=$((i + 1)); "$runtime" --root "$W/rt" run -b "$W/bundle" "bench-$i"; }
for r in $(seq "$ROUNDS"); do
  for t in "${tools[@]}"; do keep_best "$t" "$(timed "run_$t")"; done
done
echo "ms per run, best of $ROUNDS rounds of $N"
print_ms "run --rm --network none true" "${tools[@]}"
awk -v p="${best[podman]}" -v s="${best[strata]}" -v r="${best[runtime]}" 'BEGIN {
  printf "podman / strata:          %6.2fx (target >= 5)\n", p / s
  printf "strata / bare runtime:    %6.2fx (target <= 2)\n", s / r }'
