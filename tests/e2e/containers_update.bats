#!/usr/bin/env bats
# `update`: new limits for running and stopped containers. A running one gets them in
# its cgroup at once (read here from the host: v1 files on this machine, v2's on a pure
# v2 host), a stopped one at its next start; inspect's HostConfig shows them. Bad values
# and a limit the kernel refuses change nothing.
load container_helpers

is_v2() { [[ -f /sys/fs/cgroup/cgroup.controllers ]] && [[ ! -d /sys/fs/cgroup/memory ]]; }

# cg ID V1_CONTROLLER V1_FILE V2_FILE: the content of the container's cgroup file.
cg() {
  local dir
  if is_v2; then
    dir=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$1" | head -1)
    cat "$dir/$4"
  else
    dir=$(find -L "/sys/fs/cgroup/$2" -maxdepth 3 -type d -name "$1" 2>/dev/null | head -1)
    cat "$dir/$3"
  fi
}

mem_limit() { cg "$1" memory memory.limit_in_bytes memory.max; }
pids_max() { cg "$1" pids pids.max pids.max; }

hc() { strata inspect --format "{{.HostConfig.$2}}" "$1"; }

@test "update of a running container: its cgroup and HostConfig change at once" {
  id=$(strata run -d --name up1 --memory 32m busybox sleep 1000)
  [ "$(mem_limit "$id")" = 33554432 ]
  run strata update --memory 64m --pids-limit 40 --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 \
    --memory-reservation 16m up1
  [ "$status" -eq 0 ]
  [ "$output" = up1 ]
  [ "$(mem_limit "$id")" = 67108864 ]
  [ "$(pids_max "$id")" = 40 ]
  if is_v2; then
    [ "$(cg "$id" cpu - cpu.max)" = "50000 100000" ]
    [ "$(cg "$id" memory - memory.low)" = 16777216 ]
  else
    [ "$(cg "$id" cpu cpu.cfs_quota_us -)" = 50000 ]
    [ "$(cg "$id" cpu cpu.shares -)" = 512 ]
    [ "$(cg "$id" cpuset cpuset.cpus -)" = 0 ]
    [ "$(cg "$id" memory memory.soft_limit_in_bytes -)" = 16777216 ]
  fi
  [ "$(hc up1 Memory)" = 67108864 ]
  [ "$(hc up1 PidsLimit)" = 40 ]
  [ "$(hc up1 NanoCpus)" = 500000000 ]
  [ "$(hc up1 CpuShares)" = 512 ]
  [ "$(hc up1 CpusetCpus)" = 0 ]
  [ "$(hc up1 MemoryReservation)" = 16777216 ]
  # The container keeps running, and a restart keeps the new limits.
  [ "$(strata exec up1 echo alive)" = alive ]
  strata restart -t 0 up1 >/dev/null
  [ "$(mem_limit "$id")" = 67108864 ]
  [ "$(pids_max "$id")" = 40 ]
}

@test "update of a stopped container is applied at its next start" {
  id=$(strata create --name st1 busybox sleep 1000)
  run strata update --memory 48m --pids-limit 20 st1
  [ "$status" -eq 0 ]
  [ "$output" = st1 ]
  [ "$(hc st1 Memory)" = 50331648 ]
  strata start st1 >/dev/null
  [ "$(mem_limit "$id")" = 50331648 ]
  [ "$(pids_max "$id")" = 20 ]
}

@test "update of several containers: each name printed, each changed" {
  a=$(strata run -d --name ma busybox sleep 1000)
  b=$(strata run -d --name mb busybox sleep 1000)
  run strata update --pids-limit 30 ma mb
  [ "$status" -eq 0 ]
  [ "$output" = $'ma\nmb' ]
  [ "$(pids_max "$a")" = 30 ]
  [ "$(pids_max "$b")" = 30 ]
  # One unknown among them: the others are still updated, the exit code is 125.
  run strata update --pids-limit 31 ma nosuch mb
  [ "$status" -eq 125 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  [ "$(pids_max "$a")" = 31 ]
  [ "$(pids_max "$b")" = 31 ]
}

@test "update: bad values are refused with Docker's errors, 125, and nothing changes" {
  id=$(strata run -d --name bad1 --memory 32m --pids-limit 10 busybox sleep 1000)
  refused() {
    local want=$1
    shift
    run strata update "$@"
    [ "$status" -eq 125 ] || { echo "status $status: $output" >&2; return 1; }
    [ "$output" = "strata: $want" ] || { echo "got: $output" >&2; return 1; }
    [ "$(mem_limit "$id")" = 33554432 ]
    [ "$(pids_max "$id")" = 10 ]
    [ "$(hc bad1 Memory)" = 33554432 ]
    [ "$(hc bad1 PidsLimit)" = 10 ]
  }
  refused "Minimum memory limit allowed is 6MB" --memory 1 bad1
  refused 'invalid argument "-1" for "--cpus" flag: failed to parse -1 as a rational number' \
    --cpus -1 bad1
  refused 'invalid argument "abc" for "-m, --memory" flag: invalid size: '"'abc'" --memory abc bad1
  refused "No such container: nosuch" --memory 64m nosuch
  refused "you must provide one or more flags when using this command" bad1
  refused "Minimum memory limit can not be less than memory reservation limit, see usage" \
    --memory-reservation 64m bad1
  refused "Minimum memoryswap limit should be larger than memory limit, see usage" \
    --memory 64m --memory-swap 40m bad1
}

@test "update: a memory limit below the container's usage is refused by the kernel, clearly" {
  id=$(strata run -d --name full --memory 64m busybox sh -c \
    'head -c 30000000 /dev/zero > /dev/shm/fill && echo filled && sleep 1000')
  local i
  for i in $(seq 100); do [[ "$(strata logs full)" == filled ]] && break; sleep 0.1; done
  [ "$(strata logs full)" = filled ]
  run strata update --memory 8m full
  [ "$status" -eq 125 ]
  [[ "$output" == "strata: Cannot update container $id: "*"linux.resources.memory.limit: 8388608 bytes is below the container's current memory usage ("*" bytes)" ]]
  [ "$(mem_limit "$id")" = 67108864 ]
  [ "$(hc full Memory)" = 67108864 ]
  grep -q '"limit": 67108864' "$STRATA_ROOT/containers/$id/config.json"  # put back
  [ "$(strata exec full echo alive)" = alive ]  # not OOM-killed either
}

@test "update of a restarting container records the limits; its next run gets them" {
  id=$(strata run -d --name rs --restart always busybox sh -c 'sleep 0.5; exit 1')
  local i
  for i in $(seq 100); do [ "$(strata inspect -f '{{.State.Status}}' rs)" = restarting ] && break; sleep 0.05; done
  [ "$(strata inspect -f '{{.State.Status}}' rs)" = restarting ]
  run strata update --memory 64m rs
  [ "$status" -eq 0 ]
  [ "$output" = rs ]
  [ "$(hc rs Memory)" = 67108864 ]
  for i in $(seq 100); do [ "$(strata inspect -f '{{.State.Status}}' rs)" = running ] && break; sleep 0.05; done
  [ "$(mem_limit "$id")" = 67108864 ]
  strata rm -f rs >/dev/null
}

@test "update --help names Docker's flags" {
  run strata update --help
  [ "$status" -eq 0 ]
  for f in --memory --memory-swap --memory-reservation --cpus --cpu-shares --cpuset-cpus --pids-limit; do
    [[ "$output" == *"$f"* ]]
  done
}
