#!/usr/bin/env bats
# Docker drives strata-runtime: a private dockerd (Debian's docker.io, its own data
# root, exec root, socket, containerd and cgroup parent; no iptables, no bridge) with
# strata-runtime registered as the runtime "strata". containerd's runc shim is what
# calls the runtime, so this covers containerd too. Everything the daemon made is
# removed in teardown_file: containers, the daemon (by its pid), mounts, cgroups.

load helpers

RUNTIME_BIN=${STRATA_RUNTIME_BIN:-$STRATA_SRC/build/src/runtime/strata-runtime}
DOCKER_CLI=/usr/bin/docker  # Debian's, matching its dockerd (not a newer one in PATH)

setup_file() {
  ensure_fixtures
  command -v dockerd >/dev/null || skip "dockerd is not installed (scripts/install-deps.sh --test)"
  # Short: the daemon's sockets live below it (sun_path holds 108 bytes).
  D=$(mktemp -d /tmp/strata-dk.XXXXXX)
  CG_PARENT=strata-docker-test-$$
  export D CG_PARENT
  echo '{}' >"$D/daemon.json"
  dockerd --config-file "$D/daemon.json" --data-root "$D/data" --exec-root "$D/exec" \
    --pidfile "$D/docker.pid" -H "unix://$D/docker.sock" --iptables=false --ip6tables=false \
    --bridge=none --ip-masq=false --userland-proxy=false --storage-driver vfs \
    --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$CG_PARENT" \
    --containerd-namespace "strata-test-$$" --containerd-plugins-namespace "strata-test-$$-p" \
    --add-runtime "strata=$RUNTIME_BIN" >"$D/dockerd.log" 2>&1 &
  echo $! >"$D/dockerd.bgpid"
  for _ in $(seq 1 150); do
    docker_ info >/dev/null 2>&1 && break
    sleep 0.2
  done
  docker_ info >/dev/null 2>&1 || { tail -20 "$D/dockerd.log" >&3; return 1; }
  docker_ import "$BUSYBOX_TAR" busybox:latest >/dev/null
}

teardown_file() {
  [[ -n "${D:-}" ]] || return 0
  local ids
  ids=$(docker_ ps -aq 2>/dev/null) && [[ -n "$ids" ]] && docker_ rm -f $ids >/dev/null 2>&1
  local pid
  pid=$(cat "$D/dockerd.bgpid" 2>/dev/null)
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  fi
  # The daemon's own containerd goes with it; its mounts (network namespace files,
  # the shm of each container) must not outlive the directory.
  awk -v d="$D" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  find /sys/fs/cgroup -depth -type d -path "*/$CG_PARENT*" -exec rmdir {} \; 2>/dev/null
  rm -rf "$D"
}

docker_() { "$DOCKER_CLI" -H "unix://$D/docker.sock" "$@"; }
run_strata() { docker_ run --runtime strata "$@"; }

# The container's cgroup directory for controller $2 (v1) of container $1.
ctr_cgroup() {
  local id
  id=$(docker_ inspect -f '{{.Id}}' "$1")
  if [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; then
    echo "/sys/fs/cgroup/$CG_PARENT/$id"
  else
    echo "/sys/fs/cgroup/$2/$CG_PARENT/$id"
  fi
}

@test "docker: run --rm through strata-runtime, output and exit code" {
  run run_strata --rm busybox sh -c 'echo hello from strata; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "hello from strata" ]
}

@test "docker: -d, exec, exec -t and stop" {
  name=strata-d-$$
  run_strata -d --name "$name" busybox sleep 300
  run docker_ exec "$name" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "in-exec" ]
  [ "${lines[1]}" = "sleep 300 " ]
  # -t wants a terminal on the client side: script(1) gives it one.
  run timeout 60 script -qec "$DOCKER_CLI -H unix://$D/docker.sock exec -t $name tty" /dev/null
  [[ "$output" == *"/dev/pts/"* ]]
  [ "$(docker_ inspect -f '{{.State.Status}}' "$name")" = running ]
  # strata-runtime made it: its state file (runc's has no "cgroup" member) names the
  # init that Docker reports.
  id=$(docker_ inspect -f '{{.Id}}' "$name")
  state=$(find "$D/exec" -path "*/$id/state.json" | head -1)
  [ -n "$state" ]
  jq -e '.cgroup.v1Dirs or .cgroup.v2Dir' "$state"
  pid=$(docker_ inspect -f '{{.State.Pid}}' "$name")
  [ "$(jq .pid "$state")" = "$pid" ]
  [ "$(cat "/proc/$pid/cmdline" | tr '\0' ' ')" = "sleep 300 " ]
  docker_ stop -t 1 "$name"
  [ "$(docker_ inspect -f '{{.State.Status}}' "$name")" = exited ]
  docker_ rm "$name"
}

@test "docker: -i passes stdin" {
  run bash -c "printf 'typed-line\n' | $DOCKER_CLI -H unix://$D/docker.sock run --rm -i --runtime strata busybox sh -c 'read x; echo got:\$x'"
  [ "$status" -eq 0 ]
  [ "$output" = "got:typed-line" ]
}

@test "docker: -t gets the container's pty" {
  run timeout 60 script -qec "$DOCKER_CLI -H unix://$D/docker.sock run --rm -t --runtime strata busybox tty" /dev/null
  [[ "$output" == *"/dev/pts/0"* ]]
}

@test "docker: --memory, --pids-limit and --cpus land in the container's cgroup" {
  name=strata-l-$$
  run_strata -d --name "$name" --memory 32m --pids-limit 20 --cpus 0.5 busybox sleep 300
  if [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; then
    [ "$(cat "$(ctr_cgroup "$name")/memory.max")" = 33554432 ]
    [ "$(cat "$(ctr_cgroup "$name")/pids.max")" = 20 ]
    [ "$(cat "$(ctr_cgroup "$name")/cpu.max")" = "50000 100000" ]
  else
    [ "$(cat "$(ctr_cgroup "$name" memory)/memory.limit_in_bytes")" = 33554432 ]
    [ "$(cat "$(ctr_cgroup "$name" pids)/pids.max")" = 20 ]
    [ "$(cat "$(ctr_cgroup "$name" cpu)/cpu.cfs_quota_us")" = 50000 ]
    [ "$(cat "$(ctr_cgroup "$name" cpu)/cpu.cfs_period_us")" = 100000 ]
    # Docker's cpu.shares 0 means unset: the default, not the minimum.
    [ "$(cat "$(ctr_cgroup "$name" cpu)/cpu.shares")" = 1024 ]
  fi
  # And they bite: a 64 MiB allocation is killed, a ninth process cannot fork.
  run docker_ exec "$name" sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo dd=$?'
  [ "${lines[-1]}" = "dd=137" ]
  docker_ rm -f "$name" >/dev/null
  run run_strata --rm --pids-limit 5 busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; echo x'
  [[ "$output" == *"can't fork"* ]]
}

@test "docker: --cap-drop ALL leaves no capability" {
  run run_strata --rm --cap-drop ALL busybox grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "CapPrm:	0000000000000000" ]
  [ "${lines[1]}" = "CapEff:	0000000000000000" ]
  [ "${lines[2]}" = "CapBnd:	0000000000000000" ]
  # Docker's default set, for contrast.
  run run_strata --rm busybox grep '^CapEff:' /proc/self/status
  [ "$output" = "CapEff:	00000000a80425fb" ]
}
