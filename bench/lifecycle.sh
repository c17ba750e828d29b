#!/usr/bin/env bash
# Side-by-side with Podman (same image, both stores on one tmpfs, --network none, the
# cgroupfs manager, no events): `ps -a` over 200 created containers, `start` of a created
# container (detached, and `start -a`, which also waits for the exit), `exec CTR true`
# into a running container, and the memory of the per-container monitors (Strata's
# strata-monitor, Podman's conmon) with 100 detached `sleep` containers: VmRSS from
# /proc/PID/status and Pss from /proc/PID/smaps_rollup, summed and per monitor.
# The machine is noisy: the tools take turns in ROUNDS rounds of N operations and each
# keeps its best round. Prints ms per operation and podman / strata (above 1: Strata is
# faster or smaller).
set -euo pipefail
shopt -s inherit_errexit
N=${N:-10}
ROUNDS=${ROUNDS:-5}
PS_CONTAINERS=${PS_CONTAINERS:-200}
MEM_CONTAINERS=${MEM_CONTAINERS:-100}
source "$(dirname "$0")/container_setup.sh"

s_create() { "$strata" create --network none "$@"; }
p_create() { "${P[@]}" create "${PODMAN_CREATE[@]}" "$@"; }
ratio() { awk -v p="${best[$1]}" -v s="${best[$2]}" -v l="$3" 'BEGIN { printf "  %-30s podman / strata %6.2fx\n", l, p / s }'; }


# --- ps -a over PS_CONTAINERS created containers
for _ in $(seq "$PS_CONTAINERS"); do
  s_create busybox true >/dev/null
  p_create busybox true >/dev/null
done
for _ in $(seq "$ROUNDS"); do
  keep_best ps_strata "$(timed "$strata" ps -a)"
  keep_best ps_podman "$(timed "${P[@]}" ps -a)"
done
[[ $("$strata" ps -aq | wc -l) == "$PS_CONTAINERS" && $("${P[@]}" ps -aq | wc -l) == "$PS_CONTAINERS" ]] ||
  { echo "bench: ps -a does not list $PS_CONTAINERS containers" >&2; exit 1; }
"$strata" rm -f $("$strata" ps -aq) >/dev/null
"${P[@]}" rm -af -t 0 >/dev/null

# --- start (detached and -a) of created containers of `true`: each round creates N
# containers per tool (not timed), then times their starts.
start_round() {  # start_round TOOL FLAGS...: microseconds per start
  local tool=$1
  shift
  local ids=() t0 us
  for _ in $(seq "$N"); do
    if [[ $tool == strata ]]; then ids+=("$(s_create busybox true)"); else ids+=("$(p_create busybox true)"); fi
  done
  t0=$(now_us)
  for id in "${ids[@]}"; do
    if [[ $tool == strata ]]; then "$strata" start "$@" "$id" >/dev/null; else "${P[@]}" start "$@" "$id" >/dev/null; fi
  done
  us=$((($(now_us) - t0) / N))
  if [[ $tool == strata ]]; then "$strata" rm -f "${ids[@]}" >/dev/null; else "${P[@]}" rm -f -t 0 "${ids[@]}" >/dev/null; fi
  echo "$us"
}
for _ in $(seq "$ROUNDS"); do
  for t in strata podman; do
    keep_best "start_$t" "$(start_round $t)"
    keep_best "start_a_$t" "$(start_round $t -a)"
  done
done

# --- exec CTR true in a running container
s_ctr=$("$strata" run -d --network none busybox sleep 100000)
p_ctr=$("${P[@]}" run -d "${PODMAN_CREATE[@]}" busybox sleep 100000)
for _ in $(seq "$ROUNDS"); do
  keep_best exec_strata "$(timed "$strata" exec "$s_ctr" true)"
  keep_best exec_podman "$(timed "${P[@]}" exec "$p_ctr" true)"
done
"$strata" rm -f "$s_ctr" >/dev/null
"${P[@]}" rm -f -t 0 "$p_ctr" >/dev/null

# --- the monitors of MEM_CONTAINERS detached sleep containers
for _ in $(seq "$MEM_CONTAINERS"); do
  "$strata" run -d --network none busybox sleep 100000 >/dev/null
  "${P[@]}" run -d "${PODMAN_CREATE[@]}" busybox sleep 100000 >/dev/null
done
sleep 1  # let the monitors settle into their idle loops
# mem PIDS...: "count rss_kib pss_kib"
mem() {
  local rss=0 pss=0 n=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    rss=$((rss + v))
    v=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
    pss=$((pss + v))
    n=$((n + 1))
  done
  echo "$n $rss $pss"
}
read -r s_n s_rss s_pss < <(mem $(pgrep -f "strata-monitor [0-9a-f]{64} $W/strata "))
read -r p_n p_rss p_pss < <(mem $(pgrep -f "^/usr/bin/conmon .*$W/podman"))
for n in "$s_n" "$p_n"; do
  [[ $n == "$MEM_CONTAINERS" ]] || { echo "bench: found $s_n monitors and $p_n conmons, not $MEM_CONTAINERS each" >&2; exit 1; }
done

echo "ms per operation, best of $ROUNDS rounds of $N"
print_ms "ps -a ($PS_CONTAINERS created)" ps_strata ps_podman
print_ms "start (created, true)" start_strata start_podman
print_ms "start -a (created, true)" start_a_strata start_a_podman
print_ms "exec CTR true" exec_strata exec_podman
ratio ps_podman ps_strata "ps -a"
ratio start_podman start_strata "start"
ratio start_a_podman start_a_strata "start -a"
ratio exec_podman exec_strata "exec"
echo "monitors of $MEM_CONTAINERS detached sleep containers (KiB: sum, mean)"
awk -v n="$s_n" -v r="$s_rss" -v p="$s_pss" 'BEGIN { printf "  strata-monitor  VmRSS %7d %7.0f   Pss %7d %7.0f\n", r, r / n, p, p / n }'
awk -v n="$p_n" -v r="$p_rss" -v p="$p_pss" 'BEGIN { printf "  conmon          VmRSS %7d %7.0f   Pss %7d %7.0f\n", r, r / n, p, p / n }'
awk -v a="$p_rss" -v b="$s_rss" -v c="$p_pss" -v d="$s_pss" 'BEGIN { printf "  conmon / strata-monitor: VmRSS %.2fx, Pss %.2fx\n", a / b, c / d }'
