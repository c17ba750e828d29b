#!/usr/bin/env bats
# create/run flags: environment files, hosts and DNS, limits, capabilities, seccomp,
# devices, --privileged, --read-only, --init and log rotation, each checked inside a
# real container; and every bad value refused with exit 125 and nothing created.

load container_helpers

# The recorded HostConfig (field $1) of container $2, or of the only one.
host_config() {
  sqlite3 -cmd ".timeout 10000" "$STRATA_ROOT/strata.db" "SELECT config FROM containers WHERE id LIKE '${2:-}%'" | jq -c ".HostConfig$1"
}

config_json() { cat "$STRATA_ROOT/containers/$(strata ps -aq --no-trunc)/config.json"; }

@test "flags: --env-file reads K=V, skips comments and blanks, bare K from the caller, -e wins" {
  printf '# a comment\n\nA=1\n  B=two words \nFROM_CALLER\nUNSET_HERE\nC=file\n' >"$W/env1"
  printf 'D=4\n' >"$W/env2"
  FROM_CALLER=yes run strata run --rm --env-file "$W/env1" --env-file "$W/env2" -e C=flag \
    busybox sh -c 'echo "A=$A|B=$B|F=$FROM_CALLER|U=${UNSET_HERE-unset}|C=$C|D=$D"'
  [ "$status" -eq 0 ]
  [ "$output" = "A=1|B=two words |F=yes|U=unset|C=flag|D=4" ]
}

@test "flags: --env-file errors name the file (and the line)" {
  refused "open $W/nope: no such file or directory" --env-file "$W/nope" busybox true
  printf 'A=1\na b=2\n' >"$W/bad"
  refused "$W/bad:2: variable 'a b' contains whitespaces" --env-file "$W/bad" busybox true
  printf '=x\n' >"$W/bad2"
  refused "$W/bad2:1: no variable name on line '=x'" --env-file "$W/bad2" busybox true
}

@test "flags: --add-host and --dns* land in /etc/hosts and /etc/resolv.conf" {
  run strata run --rm --add-host db:10.0.0.5 --add-host v6=[2001:db8::1] --add-host old:::1 \
    --dns 192.0.2.53 --dns 2001:db8::53 --dns-search example.com --dns-search corp \
    --dns-option ndots:2 busybox sh -c 'tail -n 3 /etc/hosts; cat /etc/resolv.conf'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(printf '10.0.0.5\tdb')" ]
  [ "${lines[1]}" = "$(printf '2001:db8::1\tv6')" ]
  [ "${lines[2]}" = "$(printf '::1\told')" ]
  [[ "$output" == *$'nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch example.com corp\noptions ndots:2'* ]]
  [ "$(grep -c nameserver <<<"$output")" -eq 2 ]
}

@test "flags: --add-host and --dns are recorded in HostConfig as Docker records them" {
  strata create --add-host db=10.0.0.5 --dns 192.0.2.53 busybox true >/dev/null
  [ "$(host_config .ExtraHosts)" = '["db:10.0.0.5"]' ]
  [ "$(host_config .Dns)" = '["192.0.2.53"]' ]
}

@test "flags: bad --add-host and --dns values are refused" {
  refused 'invalid IP address in add-host: "x"' --add-host db:x busybox true
  refused 'bad format for add-host: "justaname"' --add-host justaname busybox true
  refused 'add-host: host-gateway needs a bridge network, which Strata does not have yet' \
    --add-host gw:host-gateway busybox true
  refused 'invalid argument "1.2.3" for "--dns" flag: 1.2.3 is not an ip address' --dns 1.2.3 busybox true
}

@test "flags: --ulimit sets soft and hard limits" {
  run strata run --rm --ulimit nofile=512:1024 --ulimit core=0 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
  [ "$status" -eq 0 ]
  [ "$output" = $'512\n1024\n0' ]
}

@test "flags: bad --ulimit values are refused, a hard limit above the host's too" {
  refused 'invalid argument "bogus=1" for "--ulimit" flag: invalid ulimit type: bogus' --ulimit bogus=1 busybox true
  refused 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile' --ulimit nofile busybox true
  refused 'invalid argument "nofile=x" for "--ulimit" flag: invalid ulimit soft value: x' --ulimit nofile=x busybox true
  refused 'invalid argument "nofile=10:5" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 10 > 5' \
    --ulimit nofile=10:5 busybox true
  local hard
  hard=$(ulimit -Hn)
  refused "invalid argument \"nofile=1:$((hard + 1))\" for \"--ulimit\" flag: ulimit nofile: hard limit $((hard + 1)) is above the host's hard limit $hard (raising it needs CAP_SYS_RESOURCE)" \
    --ulimit "nofile=1:$((hard + 1))" busybox true
}

@test "flags: --memory-swap, --memory-reservation, --cpu-shares and --cpuset-cpus reach the cgroup" {
  id=$(strata run -d --memory 64m --memory-swap 128m --memory-reservation 32m --cpu-shares 512 \
    --cpuset-cpus 0 busybox sleep 300)
  if [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; then
    cg=/sys/fs/cgroup/strata/$id
    [ "$(cat "$cg/memory.low")" = 33554432 ]
    [ "$(cat "$cg/memory.swap.max")" = 67108864 ]
    [ "$(cat "$cg/cpuset.cpus")" = 0 ]
  else
    [ "$(cat /sys/fs/cgroup/memory/strata/$id/memory.soft_limit_in_bytes)" = 33554432 ]
    [ "$(cat /sys/fs/cgroup/memory/strata/$id/memory.limit_in_bytes)" = 67108864 ]
    if [[ -f /sys/fs/cgroup/memory/strata/$id/memory.memsw.limit_in_bytes ]]; then
      [ "$(cat /sys/fs/cgroup/memory/strata/$id/memory.memsw.limit_in_bytes)" = 134217728 ]
    fi
    [ "$(cat /sys/fs/cgroup/cpu/strata/$id/cpu.shares)" = 512 ]
    [ "$(cat /sys/fs/cgroup/cpuset/strata/$id/cpuset.cpus)" = 0 ]
  fi
  [ "$(host_config '|[.MemorySwap,.MemoryReservation,.CpuShares,.CpusetCpus]')" = '[134217728,33554432,512,"0"]' ]
  strata rm -f "$id" >/dev/null
}

@test "flags: bad limits are refused (--memory, --cpus, --memory-swap, --cpuset-cpus)" {
  refused "invalid argument \"abc\" for \"-m, --memory\" flag: invalid size: 'abc'" --memory abc busybox true
  refused "Minimum memory limit allowed is 6MB" --memory 1 busybox true
  refused 'invalid argument "-1" for "--cpus" flag: failed to parse -1 as a rational number' --cpus -1 busybox true
  refused "You should always set the Memory limit when using Memoryswap limit, see usage" --memory-swap 1g busybox true
  refused "Minimum memoryswap limit should be larger than memory limit, see usage" -m 64m --memory-swap 32m busybox true
  refused "Minimum memory limit can not be less than memory reservation limit, see usage" -m 64m --memory-reservation 128m busybox true
  refused "Invalid value abc for cpuset cpus" --cpuset-cpus abc busybox true
  online=$(cat /sys/devices/system/cpu/online)
  refused "Requested CPUs are not available - requested 0-999, available: $online" --cpuset-cpus 0-999 busybox true
}

@test "flags: capabilities: Docker's default set, --cap-add, --cap-drop, ALL, any spelling" {
  run strata run --rm busybox grep CapEff /proc/self/status
  [ "$output" = "CapEff:	00000000a80425fb" ]
  run strata run --rm --cap-drop ALL --cap-add chown busybox grep CapEff /proc/self/status
  [ "$output" = "CapEff:	0000000000000001" ]
  run strata run --rm --cap-add CAP_SYS_ADMIN --cap-drop net_raw busybox grep CapEff /proc/self/status
  [ "$output" = "CapEff:	00000000a82405fb" ]
  run strata run --rm --cap-add all busybox grep CapEff /proc/self/status
  [ "$output" = "CapEff:	$(grep CapBnd /proc/self/status | cut -f2)" ]
  refused 'unknown capability: "CAP_BOGUS"' --cap-add bogus busybox true
  refused 'unknown capability: "CAP_NOPE"' --cap-drop CAP_NOPE busybox true
}

@test "flags: the default seccomp profile blocks unshare and mount; unconfined allows them" {
  run strata run --rm busybox grep Seccomp: /proc/self/status
  [ "$output" = "Seccomp:	2" ]
  run strata run --rm busybox unshare -U true
  [ "$status" -ne 0 ]
  assert_output_has "Operation not permitted"
  run strata run --rm --security-opt seccomp=unconfined busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U echo in-userns'
  [ "$status" -eq 0 ]
  [ "$output" = $'Seccomp:\t0\nin-userns' ]
  # With CAP_SYS_ADMIN the profile lets mount through, as Docker's does.
  run strata run --rm --cap-add SYS_ADMIN busybox sh -c 'mkdir /m && mount -t tmpfs none /m && echo mounted'
  [ "$status" -eq 0 ]
  [ "$output" = "mounted" ]
  [ "$(config_json 2>/dev/null | jq -r .linux.seccomp.defaultAction)" = "" ]
}

@test "flags: the generated profile is Docker's, for this arch, and runs under runc and crun" {
  strata create busybox true >/dev/null
  run bash -c "cat $STRATA_ROOT/containers/*/config.json | jq -c '.linux.seccomp | [.defaultAction, .defaultErrnoRet, .architectures]'"
  [ "$output" = '["SCMP_ACT_ERRNO",1,["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]]' ]
  # Without CAP_SYS_ADMIN: clone without namespace flags only, clone3 gives ENOSYS.
  run bash -c "cat $STRATA_ROOT/containers/*/config.json | jq -cS '.linux.seccomp.syscalls[] | select(.names == [\"clone3\"])'"
  [ "$output" = '{"action":"SCMP_ACT_ERRNO","errnoRet":38,"names":["clone3"]}' ]
  for rt in runc crun; do
    # crun refuses hybrid cgroup hosts: it runs with the near-empty v2 mount hidden (as in
    # runtime_input.bats).
    run unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; exec $STRATA_BIN run --rm --runtime $rt busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U true 2>&1; echo rc=\$?'"
    echo "$rt: $output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Seccomp:	2" ]
    [[ "${lines[1]}" == *"Operation not permitted"* ]]
    [ "${lines[2]}" = "rc=1" ]
  done
}

@test "flags: --security-opt seccomp=FILE takes a Docker-format profile" {
  cat >"$W/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
              {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}
JSON
  run strata run --rm --security-opt seccomp="$W/profile.json" busybox sh -c 'mkdir /x 2>&1; pwd'
  [ "$status" -eq 0 ]
  [ "$output" = $'mkdir: can\'t create directory \'/x\': Permission denied\n/' ]
}

@test "flags: --security-opt no-new-privileges sets NoNewPrivs" {
  run strata run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
  [ "$output" = "NoNewPrivs:	1" ]
  run strata run --rm --security-opt no-new-privileges=false busybox grep NoNewPrivs /proc/self/status
  [ "$output" = "NoNewPrivs:	0" ]
}

@test "flags: bad --security-opt values and seccomp files are refused" {
  refused 'Invalid --security-opt: "bogus"' --security-opt bogus busybox true
  refused 'invalid --security-opt 2: "no-new-privileges=maybe"' --security-opt no-new-privileges=maybe busybox true
  refused "opening seccomp profile ($W/none.json) failed: open $W/none.json: no such file or directory" \
    --security-opt seccomp="$W/none.json" busybox true
  echo '{"defaultAction": "SCMP_ACT_BOGUS"}' >"$W/bad.json"
  run strata create --security-opt seccomp="$W/bad.json" busybox true
  [ "$status" -eq 125 ]
  assert_output_has "seccomp profile ($W/bad.json): "
  assert_output_has "SCMP_ACT_BOGUS"
  echo '{not json' >"$W/bad2.json"
  run strata create --security-opt seccomp="$W/bad2.json" busybox true
  [ "$status" -eq 125 ]
  assert_output_has "seccomp profile ($W/bad2.json): "
  [ -z "$(strata ps -aq)" ]
}

@test "flags: --privileged: all caps, no seccomp, no masked paths, host devices, writable /sys" {
  run strata run --rm --privileged busybox sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; ls /dev/loop0; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1; wc -c </proc/timer_list | tr -d " " | grep -qv "^0$" && echo timer_list-visible'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "CapEff:	$(grep CapBnd /proc/self/status | cut -f2)" ]
  [ "${lines[1]}" = "Seccomp:	0" ]
  [ "${lines[2]}" = "/dev/loop0" ]
  [ "${lines[3]}" = "rw" ]
  [ "${lines[4]}" = "timer_list-visible" ]
  # Without it: no loop device, /sys read-only.
  run strata run --rm busybox sh -c 'ls /dev/loop0 2>&1; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1'
  [[ "${lines[0]}" == *"No such file or directory"* ]]
  [ "${lines[1]}" = "ro" ]
}

@test "flags: --device adds a host device at its path or another, with cgroup access" {
  run strata run --rm --device /dev/loop0 --device /dev/null:/dev/mynull:rw busybox sh -c 'stat -c "%F %t,%T" /dev/loop0 /dev/mynull; echo x >/dev/mynull && echo wrote'
  [ "$status" -eq 0 ]
  [ "$output" = $'block special file 7,0\ncharacter special file 1,3\nwrote' ]
  id=$(strata create --device /dev/null:/dev/mynull:rw busybox true)
  [ "$(host_config .Devices "$id")" = '[{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rw"}]' ]
}

@test "flags: a missing --device or a bad mode is refused" {
  refused 'error gathering device information while adding custom device "/dev/nope": no such file or directory' \
    --device /dev/nope busybox true
  refused 'bad mode specified: rwx' --device /dev/null:/dev/n:rwx busybox true
}

@test "flags: --read-only makes / read-only" {
  run strata run --rm --read-only busybox sh -c 'touch /x 2>&1; echo rc=$?'
  [ "$output" = $'touch: /x: Read-only file system\nrc=1' ]
  [ "$(strata create --read-only busybox true >/dev/null; host_config .ReadonlyRootfs)" = true ]
}

@test "flags: --init runs tini as PID 1 at /sbin/docker-init and reaps orphans" {
  run strata run --rm --init busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; touch /sbin/docker-init 2>&1 || echo rc=$?'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; touch /sbin/docker-init 2>&1 || echo rc=\$? " ]
  [ "${lines[1]}" = "touch: /sbin/docker-init: Read-only file system" ]
  [ "${lines[2]}" = "rc=1" ]
  # An orphan that exits is reaped by tini; with sleep as PID 1 (no init) it stays a zombie.
  for init in --init ""; do
    id=$(strata run -d $init busybox sh -c 'sh -c "sleep 0.2 &"; exec sleep 300')
    sleep 1.5
    # Zombies leave the cgroup's list: look at the children of the processes in it.
    zombies=0
    procs=$(cat /sys/fs/cgroup/pids/strata/$id/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup/strata/$id/cgroup.procs)
    for pid in $procs; do
      for child in $(cat /proc/$pid/task/*/children); do
        [[ "$(awk '{print $3}' /proc/$child/stat)" == Z ]] && zombies=$((zombies + 1))
      done
    done
    echo "init=[$init] zombies=$zombies"
    if [[ -n "$init" ]]; then [ "$zombies" -eq 0 ]; else [ "$zombies" -eq 1 ]; fi
    strata rm -f "$id" >/dev/null
  done
}

@test "flags: with --init, stop's signal reaches the app and its exit code is the container's" {
  id=$(strata run -d --init busybox sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done')
  for _ in $(seq 50); do [[ "$(strata logs "$id")" == *ready* ]] && break; sleep 0.1; done
  strata stop -t 10 "$id" >/dev/null
  [ "$(strata wait "$id")" = 7 ]
  run strata logs "$id"
  [ "$output" = $'ready\ngot-term' ]
}

@test "flags: --log-opt max-size and max-file rotate the log as asked" {
  id=$(strata run -d --log-opt max-size=1k --log-opt max-file=2 busybox sh -c 'for i in $(seq 200); do echo line-$i-padding-padding; done')
  [ "$(strata wait "$id")" = 0 ]
  [ "$(host_config .LogConfig "$id")" = '{"Type":"json-file","Config":{"max-size":"1k","max-file":"2"}}' ]
  d=$STRATA_ROOT/containers/$id
  [ -f "$d/log" ] && [ -f "$d/log.1" ] && [ ! -e "$d/log.2" ]
  [ "$(stat -c %s "$d/log")" -le 1024 ]
  run strata logs "$id"
  [ "${lines[-1]}" = "line-200-padding-padding" ]
}

@test "flags: bad --log-opt values are refused" {
  refused "invalid log-opt max-size: invalid size: 'lots'" --log-opt max-size=lots busybox true
  refused 'invalid log-opt max-file: "0" (want a number from 1 to 1000)' --log-opt max-file=0 busybox true
  refused "unknown log opt 'color' for json-file log driver" --log-opt color=red busybox true
  refused 'invalid key value pair format in log-opt: "max-size"' --log-opt max-size busybox true
}

@test "flags: config.json of a default and of a --privileged container is valid against the OCI schema" {
  strata create --name plain busybox true >/dev/null
  strata create --name priv --privileged --init --ulimit nofile=100:200 --device /dev/null:/dev/n \
    --read-only --cpuset-cpus 0 --memory 64m --memory-swap 128m busybox true >/dev/null
  for id in $(strata ps -aq --no-trunc); do
    run python3 "$STRATA_SRC/tests/e2e/fixtures/validate_spec.py" "$STRATA_ROOT/containers/$id/config.json"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
  done
}
