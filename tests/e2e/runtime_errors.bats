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
  create_fails_with 'linux.timeOffsets.monotonic.nanosecs: must be below 1000000000'
  cfg '.linux.timeOffsets = {"monotonic": {"secs": "5"}}'
  create_fails_with 'linux.timeOffsets.monotonic.secs'
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
  create_fails_with 'linux.resources.devices[0]: major and minor must be -1 (any) or a device number'
  cfg '.linux.resources.devices = {"allow": true}'
  create_fails_with 'linux.resources.devices: want an array'
}

@test "runtime errors: resources strata-runtime cannot apply are refused by name" {
  only_strata
  cfg '.linux.resources.blockIO = {"weight": 500}'
  create_fails_with 'linux.resources.blockIO: not supported by strata-runtime'
  cfg 'del(.linux.resources.blockIO) | .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 1}]'
  create_fails_with 'linux.resources.hugepageLimits: not supported by strata-runtime'
  cfg 'del(.linux.resources.hugepageLimits) | .linux.resources.cpu = {"realtimeRuntime": 1000}'
  create_fails_with 'linux.resources.cpu.realtimeRuntime: not supported by strata-runtime'
  cfg 'del(.linux.resources.cpu) | .linux.resources.memory = {"swappiness": 200}'
  create_fails_with 'linux.resources.memory.swappiness: must be 0 to 100'
  cfg 'del(.linux.resources.memory) | .linux.resources.unified = {"memory/../x": "1"}'
  create_fails_with 'linux.resources.unified.memory/../x: not a cgroup file name'
  if [[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]]; then
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
