#!/usr/bin/env bats
# What strata-runtime takes from config.json and applies: block IO limits on a real v1
# blkio controller, kernelTCP, the limits Docker sends, and config.json files written
# by oci::spec_to_json, which runc and crun run as well. Runtime-agnostic where the
# runtimes agree (RUNTIME=runc).

load runtime_helpers

SPEC_REWRITE=$STRATA_SRC/build/tests/fuzz/strata-spec-rewrite

v1_with() {
  [[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs && -d "/sys/fs/cgroup/$1" ]] ||
    skip "needs a cgroup v1 $1 controller"
}

# major:minor of a block device of this machine.
block_dev() {
  local d
  for d in /sys/block/vda /sys/block/sda /sys/block/nvme0n1 /sys/block/loop0; do
    [[ -f "$d/dev" ]] && { cat "$d/dev"; return; }
  done
  skip "no block device"
}

@test "runtime input: blockIO weight and throttles land in the v1 blkio files" {
  v1_with blkio
  dev=$(block_dev)
  major=${dev%:*} minor=${dev#*:}
  cfg ".linux.resources.blockIO = {\"weight\": 500,
        \"throttleReadBpsDevice\": [{\"major\": $major, \"minor\": $minor, \"rate\": 1048576}],
        \"throttleWriteBpsDevice\": [{\"major\": $major, \"minor\": $minor, \"rate\": 2097152}],
        \"throttleReadIOPSDevice\": [{\"major\": $major, \"minor\": $minor, \"rate\": 100}],
        \"throttleWriteIOPSDevice\": [{\"major\": $major, \"minor\": $minor, \"rate\": 200}]}"
  cfg '.process.args = ["/bin/sleep", "30"]'
  rt create -b "$B" "$ID"
  dir=$(cgroup_dir "$ID" blkio)
  weight=$dir/blkio.bfq.weight
  [[ -f $weight ]] || weight=$dir/blkio.weight
  [[ "$(cat "$weight")" == *500 ]]
  [ "$(cat "$dir/blkio.throttle.read_bps_device")" = "$dev 1048576" ]
  [ "$(cat "$dir/blkio.throttle.write_bps_device")" = "$dev 2097152" ]
  [ "$(cat "$dir/blkio.throttle.read_iops_device")" = "$dev 100" ]
  [ "$(cat "$dir/blkio.throttle.write_iops_device")" = "$dev 200" ]
}

@test "runtime input: a blockIO device the kernel refuses is named" {
  only_strata
  v1_with blkio
  cfg '.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": 4095, "minor": 1048575, "rate": 1}]}'
  create_fails_with 'linux.resources.blockIO.throttleReadBpsDevice[0]: write'
}

@test "runtime input: kernelTCP is set on v1, kernel is ignored with a warning" {
  only_strata  # runc 1.1 ignores both
  v1_with memory
  [[ -f /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ]] || skip "no kmem.tcp files"
  cfg '.linux.resources.memory = {"kernel": 16777216, "kernelTCP": 11534336} | .process.args = ["/bin/sleep", "30"]'
  # To a file: the created init keeps the runtime's stdout open.
  rt create -b "$B" "$ID" >"$W/create.out" 2>&1
  grep -q "linux.resources.memory.kernel: kernel memory limits are ignored" "$W/create.out"
  [ "$(cat "$(cgroup_dir "$ID" memory)/memory.kmem.tcp.limit_in_bytes")" = 11534336 ]
}

@test "runtime input: the limits Docker sends for --memory, --pids-limit and --cpus apply" {
  cfg '.linux.resources.memory = {"limit": 33554432, "swap": 67108864, "disableOOMKiller": false}
       | .linux.resources.cpu = {"shares": 0, "quota": 50000, "period": 100000}
       | .linux.resources.pids = {"limit": 20} | .linux.resources.blockIO = {"weight": 0}'
  run_sh 'if [ -f /sys/fs/cgroup/pids.max ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max
          else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us; fi'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 33554432 ]
  [ "${lines[1]}" = 20 ]
  [[ "${lines[2]}" == 50000* ]]
}

# A config.json run through parse_spec and spec_to_json (strata-spec-rewrite).
rewrite() {
  "$SPEC_REWRITE" <"$B/config.json" >"$B/config.json.new"
  mv "$B/config.json.new" "$B/config.json"
}

@test "runtime input: a config.json written by spec_to_json runs under strata-runtime, runc and crun" {
  cfg '.process.args = ["/bin/sh", "-c", "echo uid=$(id -u) host=$(hostname); cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"]
       | .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5]}
       | .hostname = "written" | .linux.resources.pids = {"limit": 42}
       | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}]'
  rewrite
  # What it wrote reads back the same.
  "$SPEC_REWRITE" <"$B/config.json" | cmp - "$B/config.json"
  for runtime in "$STRATA_SRC/build/src/runtime/strata-runtime" runc crun; do
    # crun refuses hybrid cgroup hosts: it runs with the near-empty v2 mount hidden.
    run unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; exec $runtime --root $W/state-${runtime##*/} run -b $B $ID"
    echo "$runtime: $output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "uid=1000 host=written" ]
    [ "${lines[1]}" = 42 ]
  done
}
