#!/usr/bin/env bats
# `strata-runtime update` (runc's command line): new limits written into a live
# container's cgroup, from flags or a linux.resources object (a file or stdin); only what
# is given changes. A bad value, a stopped or unknown container: an error, exit 1, and
# nothing changed. RUNTIME=runc runs the same checks against runc.
load runtime_helpers

is_v2() { [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; }

# The container's cgroup file: v1 controller $1's $2, or v2's $3.
cgfile() {
  if is_v2; then cat "$(cgroup_dir "$ID" -)/$3"; else cat "$(cgroup_dir "$ID" "$1")/$2"; fi
}

create_sleeper() {
  cfg '.process.args = ["/bin/sleep", "100"] | .linux.resources = {"memory": {"limit": 33554432}, "pids": {"limit": 10}}'
  try_create -b "$B" "$ID"
  [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

@test "runtime update: flags change the live cgroup, what is not given stays" {
  create_sleeper
  rt start "$ID"
  [ "$(cgfile memory memory.limit_in_bytes memory.max)" = 33554432 ]
  rt update --memory 64m --pids-limit 20 "$ID"
  [ "$(cgfile memory memory.limit_in_bytes memory.max)" = 67108864 ]
  [ "$(cgfile pids pids.max pids.max)" = 20 ]
  rt update --cpu-quota 50000 --cpu-period 100000 "$ID"
  if is_v2; then
    [ "$(cgfile - - cpu.max)" = "50000 100000" ]
  else
    [ "$(cgfile cpu cpu.cfs_quota_us -)" = 50000 ]
  fi
  [ "$(cgfile memory memory.limit_in_bytes memory.max)" = 67108864 ]
  [ "$(rt state "$ID" | jq -r .status)" = running ]
}

@test "runtime update --resources: a linux.resources object from a file or stdin" {
  create_sleeper
  echo '{"memory": {"limit": 50331648}, "pids": {"limit": 15}}' >"$W/res.json"
  rt update --resources "$W/res.json" "$ID"
  [ "$(cgfile memory memory.limit_in_bytes memory.max)" = 50331648 ]
  [ "$(cgfile pids pids.max pids.max)" = 15 ]
  echo '{"pids": {"limit": 16}}' | rt update -r - "$ID"
  [ "$(cgfile pids pids.max pids.max)" = 16 ]
  [ "$(cgfile memory memory.limit_in_bytes memory.max)" = 50331648 ]
}

@test "runtime update: bad input, a stopped or unknown container fail and change nothing" {
  only_strata
  create_sleeper
  run rt update --memory lots "$ID"
  [ "$status" -eq 1 ]
  [ "$output" = 'strata-runtime: invalid value "lots" for flag --memory' ]
  echo '{"memory": {"limit": "64m"}}' >"$W/bad.json"
  run rt update -r "$W/bad.json" "$ID"
  [ "$status" -eq 1 ]
  assert_output_has "linux.resources.memory.limit"
  echo '[1]' >"$W/array.json"
  run rt update -r "$W/array.json" "$ID"
  [ "$status" -eq 1 ]
  [ "$output" = "strata-runtime: resources: want a JSON object" ]
  [ "$(cgfile memory memory.limit_in_bytes memory.max)" = 33554432 ]
  run rt update --memory 64m nosuch
  [ "$status" -eq 1 ]
  rt kill "$ID" KILL
  local i
  for i in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  run rt update --memory 64m "$ID"
  [ "$status" -eq 1 ]
  [ "$output" = "strata-runtime: cannot update container $ID: it is stopped" ]
}

@test "runtime update (v1): a memory limit below the usage is refused by name; raising memory above the memsw in force works" {
  only_strata
  ! is_v2 || skip "checks the v1 memory files"
  [ -f "$(dirname "$(cgroup_dir x memory)")/memory.memsw.limit_in_bytes" ] || skip "no swap accounting on this host"
  cfg '.process.args = ["/bin/sh", "-c", "head -c 20000000 /dev/zero > /dev/shm/f; sleep 100"] | .linux.resources = {"memory": {"limit": 33554432, "swap": 33554432}}'
  try_create -b "$B" "$ID"
  rt start "$ID"
  local i
  for i in $(seq 50); do [ "$(cgfile memory memory.usage_in_bytes -)" -gt 20000000 ] && break; sleep 0.1; done
  run rt update --memory 4m "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == "strata-runtime: linux.resources.memory.limit: 4194304 bytes is below the container's current memory usage ("*" bytes)" ]]
  [ "$(cgfile memory memory.limit_in_bytes -)" = 33554432 ]
  rt update --memory 64m --memory-swap 128m "$ID"
  [ "$(cgfile memory memory.limit_in_bytes -)" = 67108864 ]
  [ "$(cgfile memory memory.memsw.limit_in_bytes -)" = 134217728 ]
  rt update --memory 40m --memory-swap 40m "$ID"
  [ "$(cgfile memory memory.limit_in_bytes -)" = 41943040 ]
  [ "$(cgfile memory memory.memsw.limit_in_bytes -)" = 41943040 ]
}
