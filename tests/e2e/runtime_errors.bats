#!/usr/bin/env bats
# Bad bundles get a clear error naming the field and leave no cgroup, mount or state
# directory behind; delete --force cleans up after a runtime killed at any point.

load runtime_helpers

@test "runtime errors: malformed config.json" {
  echo '{"ociVersion": "1.0.0", "process": ' >"$B/config.json"
  create_fails_with "config.json: not valid JSON"
}

@test "runtime errors: a missing binary fails at create, as runc's message says" {
  cfg '.process.args = ["/bin/no-such-program"]'
  create_fails_with 'exec: "/bin/no-such-program": No such file or directory'
  cfg '.process.args = ["no-such-program"]'
  run rt create -b "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *no-such-program*'executable file not found in $PATH'* ]]
  assert_nothing_left
}

@test "runtime errors: an unknown namespace" {
  cfg '.linux.namespaces += [{"type": "nosuchns"}]'
  create_fails_with 'linux.namespaces[6].type: unknown namespace "nosuchns"'
}

@test "runtime errors: a bad uid mapping" {
  cfg '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 0}]
       | .linux.gidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]'
  create_fails_with 'linux.uidMappings[0].size: must be at least 1'
}

@test "runtime errors: a namespace path that does not exist" {
  cfg '.linux.namespaces |= map(if .type == "network" then .path = "/run/netns/no-such-ns" else . end)'
  create_fails_with 'network namespace path `/run/netns/no-such-ns`: No such file or directory'
}

@test "runtime errors: an unsupported feature is refused by name" {
  only_strata
  run rt --systemd-cgroup create -b "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--systemd-cgroup: systemd cgroup management is not supported"* ]]
  cfg '.linux.cgroupsPath = "system.slice:strata:x"'
  create_fails_with 'systemd slices need --systemd-cgroup, which is not supported'
  cfg '.linux.cgroupsPath = "" | .linux.personality = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}'
  create_fails_with 'linux.personality.flags: no personality flags are supported'
}

@test "runtime errors: bad time offsets and personalities are named" {
  only_strata
  cfg '.linux.timeOffsets = {"boottime": {"secs": 5}}'
  create_fails_with 'linux.timeOffsets: offsets need a new time namespace'
  cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"realtime": {"secs": 5}}'
  create_fails_with 'linux.timeOffsets.realtime: unknown clock (want monotonic or boottime)'
  cfg '.linux.timeOffsets = {"monotonic": {"secs": 5, "nanosecs": 1000000000}}'
  create_fails_with 'linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range (0 to 999999999)'
  cfg '.linux.timeOffsets = {"monotonic": {"secs": "5"}}'
  create_fails_with 'linux.timeOffsets.monotonic.secs: want an integer, got a string'
  cfg 'del(.linux.timeOffsets) | .linux.personality = {"domain": "WINDOWS"}'
  create_fails_with 'linux.personality.domain: unknown domain "WINDOWS" (want LINUX or LINUX32)'
}

@test "runtime errors: --log with --log-format json records the error as runc does" {
  cfg '.process.args = ["no-such-program"]'
  run rt --log "$W/log.json" --log-format json create -b "$B" "$ID"
  [ "$status" -ne 0 ]
  jq -e 'select(.level == "error") | .msg | test("executable file not found")' "$W/log.json"
  run rt --log "$W/log.txt" create -b "$B" "$ID"
  grep -q 'level=error msg=".*executable file not found' "$W/log.txt"
}

@test "runtime errors: an unknown ociVersion" {
  only_strata  # runc 1.1 does not check ociVersion (it would create the container)
  cfg '.ociVersion = "2.0.0"'
  create_fails_with 'ociVersion "2.0.0": supported versions are 1.0.0 to 1.3.x'
}

@test "runtime errors: a failing mount is named and undone" {
  cfg '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
  create_fails_with 'mount /x: nosuchfs'
}

@test "runtime errors: an existing container id" {
  cfg '.process.args = ["/bin/sleep", "30"]'
  rt create -b "$B" "$ID"
  run rt create -b "$B" "$ID"
  [ "$status" -ne 0 ]
  if [[ "$RUNTIME_NAME" == strata-runtime ]]; then [[ "$output" == *"container with id exists: $ID"* ]]; fi
  [ "$(rt state "$ID" | jq -r .status)" = created ]
}

@test "runtime errors: delete --force cleans up after create killed with kill -9 at any point" {
  only_strata  # runc 1.1 can leave its state directory or cgroup behind here
  cfg '.process.args = ["/bin/sleep", "30"]'
  for delay in 0 0.002 0.005 0.01 0.02 0.04; do
    # The binary itself in the background ($! of a function would be a subshell).
    "$RUNTIME" --root "$STATE" create -b "$B" "$ID" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" || true
    run rt delete --force "$ID"
    [ "$status" -eq 0 ]
    assert_nothing_left
  done
}

@test "runtime errors: bad device cgroup rules are named" {
  only_strata
  cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "x", "access": "rwm"}]'
  create_fails_with 'linux.resources.devices[1].type: unknown device type "x" (want a, c or b)'
  cfg '.linux.resources.devices = [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwx"}]'
  create_fails_with 'linux.resources.devices[0].access: "rwx": want some of r, w, m'
  cfg '.linux.resources.devices = [{"type": "c", "major": 1, "minor": 3}]'
  create_fails_with 'linux.resources.devices[0].allow: missing'
  cfg '.linux.resources.devices = [{"allow": true, "type": "c", "major": -7}]'
  create_fails_with 'linux.resources.devices[0].major: -7 is out of range (-1 to 4095)'
  cfg '.linux.resources.devices = {"allow": true}'
  create_fails_with 'linux.resources.devices: want an array, got object'
}

@test "runtime errors: resources strata-runtime cannot apply are refused by name" {
  only_strata
  v2=false
  [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]] && v2=true
  if ! $v2 && [[ ! -d /sys/fs/cgroup/hugetlb ]]; then
    cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 1}]'
    create_fails_with 'linux.resources.hugepageLimits[0]: no hugetlb cgroup controller on this host'
  fi
  cfg 'del(.linux.resources.hugepageLimits) | .linux.resources.hugepageLimits = [{"pageSize": "../x", "limit": 1}]'
  create_fails_with 'linux.resources.hugepageLimits[0].pageSize: "../x": want a page size such as 2MB'
  if ! $v2 && [[ ! -d /sys/fs/cgroup/net_cls ]]; then
    cfg 'del(.linux.resources.hugepageLimits) | .linux.resources.network = {"classID": 5}'
    create_fails_with 'linux.resources.network.classID: no net_cls cgroup controller on this host'
  fi
  cfg 'del(.linux.resources.hugepageLimits) | del(.linux.resources.network) | .linux.resources.memory = {"swappiness": 200}'
  create_fails_with 'linux.resources.memory.swappiness: 200 is out of range (0 to 100)'
  cfg 'del(.linux.resources.memory) | .linux.resources.unified = {"memory/../x": "1"}'
  create_fails_with 'linux.resources.unified.memory/../x: not a cgroup file name'
  if ! $v2; then
    cfg '.linux.resources.unified = {"memory.max": "1M"}'
    create_fails_with 'linux.resources.unified: needs cgroup v2 (this host uses v1)'
  fi
  cfg 'del(.linux.resources.unified) | .linux.intelRdt = {"closID": "guaranteed_group"}'
  create_fails_with 'linux.intelRdt: not supported by strata-runtime'
  cfg 'del(.linux.intelRdt)'
  # Empty objects ask for nothing and are accepted (some engines write them).
  cfg 'del(.linux.resources.unified) | .linux.resources.blockIO = {} | .linux.resources.network = {}'
  rt create -b "$B" "$ID"
}

@test "runtime errors: the zero values Docker sends are accepted as unset" {
  # dockerd sends these for every container; strata-runtime refused blockIO before.
  cfg '.linux.resources.blockIO = {"weight": 0} | .linux.resources.cpu = {"shares": 0}
       | .linux.resources.memory = {"disableOOMKiller": false} | .linux.resources.pids = {"limit": 0}'
  run_sh 'cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/cpu.weight'
  [ "$status" -eq 0 ]
  # Zero means unset: the kernel's default, not the minimum shares (2) or weight (1).
  [[ "$output" == 1024 || "$output" == 100 ]] || { echo "got: $output" >&2; return 1; }
}

# Each line: a jq edit of config.json, then (after a tab) the error strata-runtime gives.
# runc refuses all of these too (Go's JSON decoder checks types and integer widths).
HOSTILE_TYPES='.process.user.uid = 4294967296	process.user.uid: 4294967296 is out of range (0 to 4294967294)
.process.user.uid = "0"	process.user.uid: want an integer, got a string
.process.user.additionalGids = [-1]	process.user.additionalGids[0]: -1 is out of range (0 to 4294967294)
.process.args = "sh"	process.args: want an array, got string
.process.env = [1]	process.env[0]: want a string, got number
.process.rlimits[0].soft = 1.5	process.rlimits[0].soft: 1.5 is not an integer
.process.rlimits[0].hard = 99999999999999999999	process.rlimits[0].hard: 1e+20 is not an integer
.process.capabilities.bounding = [5]	process.capabilities.bounding[0]: want a string, got number
.hostname = 5	hostname: want a string, got number
.mounts[0].options = "ro"	mounts[0].options: want an array, got string
.linux.namespaces = {"type": "pid"}	linux.namespaces: want an array, got object
.linux.resources.memory = {"limit": "1M"}	linux.resources.memory.limit: want an integer, got a string
.linux.resources.pids = {"limit": 1.5}	linux.resources.pids.limit: 1.5 is not an integer
.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": "1", "op": "SCMP_CMP_EQ"}]}]}	linux.seccomp.syscalls[0].args[0].value: want an integer, got a string
.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": "1"}	linux.seccomp.defaultErrnoRet: want an integer, got a string
.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "getpid", "action": "SCMP_ACT_ERRNO"}]}	linux.seccomp.syscalls[0].names: want an array, got string'

# Out of range for what the kernel takes, though runc 1.1 passes them on.
HOSTILE_RANGES='.process.user.umask = 512	process.user.umask: 512 is out of range (0 to 511)
.linux.devices = [{"path": "/dev/x", "type": "c", "major": 4096, "minor": 0}]	linux.devices[0].major: 4096 is out of range (0 to 4095)
.hooks = {"prestart": [{"path": "/bin/true", "timeout": 0}]}	hooks.prestart[0].timeout: 0 is out of range (1 to 2147483647)
.linux.resources.pids = {"limit": -2}	linux.resources.pids.limit: -2 is out of range (-1 to 9223372036854775807)
.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 65536}]}	linux.seccomp.syscalls[0].errnoRet: 65536 is out of range (0 to 65535)'

# create_fails_with, with the output in a file: a create that wrongly succeeds leaves an
# init holding its stdout, on which `run` would wait forever.
refused_with() {
  local status=0
  rt create -b "$B" "$ID" >"$W/create.out" 2>&1 </dev/null || status=$?
  output=$(cat "$W/create.out")
  if [ "$status" -eq 0 ]; then
    rt delete -f "$ID" >/dev/null 2>&1
    echo "create succeeded; want: $1" >&2
    return 1
  fi
  if [[ "$RUNTIME_NAME" == strata-runtime && "$output" != *"$1"* ]]; then
    echo "want: $1" >&2
    echo "got: $output" >&2
    return 1
  fi
  assert_nothing_left
}

# Runs every case of table $1 from a fresh config: each must fail naming the field and
# leave no state directory, cgroup or mount behind.
run_table() {
  local failed=0
  cp "$B/config.json" "$W/config.orig"
  while IFS=$'\t' read -r edit want; do
    cp "$W/config.orig" "$B/config.json"
    cfg "$edit"
    refused_with "$want" || { echo "case: $edit" >&2; failed=$((failed + 1)); }
  done <<<"$1"
  [ "$failed" -eq 0 ]
}

@test "runtime errors: hostile JSON types anywhere are refused by name, nothing left behind" {
  cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}]'
  run_table "$HOSTILE_TYPES"
}

@test "runtime errors: integers out of their field's range are refused by name" {
  only_strata
  run_table "$HOSTILE_RANGES"
}

# The host's value of sysctl $1 (a dotted key).
host_sysctl() { cat "/proc/sys/${1//.//}"; }

@test "runtime errors: sysctls no namespace of the container isolates are refused; the host keeps its value" {
  for key in vm.swappiness kernel.core_pattern; do
    before=$(host_sysctl "$key")
    value=17
    [[ "$key" == kernel.core_pattern ]] && value=strata-test-core
    cfg ".linux.sysctl = {\"$key\": \"$value\"}"
    refused_with "linux.sysctl.$key: not isolated by a namespace: it would be set on the host"
    [ "$(host_sysctl "$key")" = "$before" ]
  done
  before=$(host_sysctl net.ipv4.ip_forward)
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "'$((1 - before))'"} | .linux.namespaces |= map(select(.type != "network"))'
  refused_with "linux.sysctl.net.ipv4.ip_forward: needs a network namespace (it would be set on the host's)"
  [ "$(host_sysctl net.ipv4.ip_forward)" = "$before" ]
}

@test "runtime errors: net sysctls in a joined network namespace that is the host's are refused" {
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
       | .linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/net" else . end)'
  refused_with 'linux.sysctl.net.ipv4.ip_forward: the network namespace `/proc/self/ns/net` is the host'"'"'s'
}

@test "runtime errors: sysctls a namespace of the container isolates are set inside it" {
  cfg '.linux.sysctl = {"kernel.shmmni": "1234", "net.ipv4.ip_forward": "1", "fs.mqueue.msg_max": "20"}'
  run_sh 'cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_forward /proc/sys/fs/mqueue/msg_max'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1234 ]
  [ "${lines[1]}" = 1 ]
  [ "${lines[2]}" = 20 ]
  [ "$(cat /proc/sys/kernel/shmmni)" != 1234 ]
}
