#!/usr/bin/env bats
# strata-runtime against the OCI runtime spec and runc's command line. The same tests
# pass with RUNTIME=runc (the reference), bar those marked only_strata.

load runtime_helpers

@test "runtime: run prints output and returns the process's exit code" {
  run_sh 'echo hello; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "hello" ]
  # run deletes the container afterwards
  run rt state "$ID"
  [ "$status" -ne 0 ]
}

@test "runtime: create, start, state, kill, delete follow runc's statuses" {
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt create -b "$B" --pid-file "$W/pid" "$ID"
  pid=$(cat "$W/pid")
  [ "$(rt state "$ID" | jq -r .status)" = created ]
  [ "$(rt state "$ID" | jq -r .pid)" = "$pid" ]
  [ "$(rt state "$ID" | jq -r .bundle)" = "$B" ]
  rt start "$ID"
  [ "$(rt state "$ID" | jq -r .status)" = running ]
  run rt start "$ID"
  [ "$status" -ne 0 ]
  run rt delete "$ID"
  [ "$status" -ne 0 ]
  rt kill "$ID" KILL
  for _ in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  [ "$(rt state "$ID" | jq -r .status)" = stopped ]
  rt delete "$ID"
  run rt state "$ID"
  [ "$status" -ne 0 ]
  [ ! -d "$STATE/$ID" ]
}

@test "runtime: list as a table and as JSON" {
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt create -b "$B" "$ID"
  run rt list
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
  [[ "${lines[1]}" =~ ^$ID\ +[0-9]+\ +created\ +$B\  ]]
  [ "$(rt list --format json | jq -r '.[0].id + " " + .[0].status')" = "$ID created" ]
  rt list -q | grep -qx "$ID"
}

@test "runtime: kill takes signal names and numbers" {
  cfg '.process.args = ["/bin/sh", "-c", "trap \"echo got-usr1; exit 0\" USR1; while :; do sleep 0.05; done"]'
  rt run -d -b "$B" "$ID" >"$W/out" 2>&1
  sleep 0.3
  rt kill "$ID" USR1
  for _ in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  [ "$(rt state "$ID" | jq -r .status)" = stopped ]
  grep -q got-usr1 "$W/out"
  run rt kill "$ID" 9
  [ "$status" -ne 0 ]
}

@test "runtime: new pid, uts, ipc, network and mount namespaces" {
  cfg '.hostname = "boxy"'
  run_sh 'echo pid=$$; hostname; ls /sys/class/net; ipcs -q 2>/dev/null | wc -l; readlink /proc/1/exe'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "pid=1" ]
  [ "${lines[1]}" = "boxy" ]
  [ "${lines[2]}" = "lo" ]
  [ "${lines[4]}" = "/bin/busybox" ]
}

@test "runtime: joining an existing network namespace by path" {
  ip netns add "strata-$$-$BATS_TEST_NUMBER"
  ip -n "strata-$$-$BATS_TEST_NUMBER" link add v0 type veth peer name v1
  cfg ".linux.namespaces |= map(if .type == \"network\" then .path = \"/run/netns/strata-$$-$BATS_TEST_NUMBER\" else . end)"
  run_sh 'ls /sys/class/net | tr "\n" " "'
  ip netns delete "strata-$$-$BATS_TEST_NUMBER"
  [ "$status" -eq 0 ]
  [ "$output" = "lo v0 v1 " ]
}

@test "runtime: user namespace with uid and gid mappings" {
  cfg '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
       | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
       | .mounts |= map(if .destination == "/sys" then {"destination":"/sys","type":"none","source":"/sys","options":["rbind","nosuid","noexec","nodev","ro"]} else . end)
       | .mounts |= map(select(.type != "cgroup"))'
  chown -R 100000:100000 "$B/rootfs"
  # The container's root (host uid 100000) must be able to reach its rootfs.
  d=$B; while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
  run_sh 'id -u; cat /proc/self/uid_map | tr -s " "'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "0" ]
  [ "${lines[1]}" = " 0 100000 65536" ]
  # An exec'd process joins the user namespace and the container's cgroups.
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID"
  # (Inside the container's cgroup namespace its own cgroups all read "/".)
  run rt exec "$ID" /bin/sh -c 'id -u; grep -vc ":/$" /proc/self/cgroup'
  echo "$output"
  [ "$status" -eq 1 ]  # grep -vc found no line to count
  [ "${lines[0]}" = "0" ]
  [ "${lines[1]}" = "0" ]
}

@test "runtime: a read-only rootfs refuses writes; a writable one takes them" {
  run_sh 'touch /newfile'
  [ "$status" -ne 0 ]
  cfg '.root.readonly = false'
  run_sh 'touch /newfile && echo ok'
  [ "$output" = "ok" ]
  [ -f "$B/rootfs/newfile" ]
}

@test "runtime: bind mounts (ro and rw, directory and file) and tmpfs options" {
  mkdir -p "$W/data" && echo content >"$W/data/f" && echo single >"$W/file"
  cfg ".mounts += [{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"$W/data\",\"options\":[\"rbind\",\"ro\"]},
                   {\"destination\":\"/rw\",\"type\":\"bind\",\"source\":\"$W/data\",\"options\":[\"bind\"]},
                   {\"destination\":\"/etc/single\",\"type\":\"bind\",\"source\":\"$W/file\",\"options\":[\"bind\",\"ro\"]},
                   {\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"size=1m\",\"mode=700\",\"noexec\"]}]"
  run_sh 'cat /ro/f; touch /ro/x 2>/dev/null || echo ro-refused; touch /rw/y && echo rw-ok; cat /etc/single;
          stat -c %a /scratch; grep " /scratch " /proc/mounts | grep -o "noexec" | head -1'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "content" ]
  [ "${lines[1]}" = "ro-refused" ]
  [ "${lines[2]}" = "rw-ok" ]
  [ "${lines[3]}" = "single" ]
  [ "${lines[4]}" = "700" ]
  [ "${lines[5]}" = "noexec" ]
  [ -f "$W/data/y" ]
}

@test "runtime: a mount point path through a symlink stays inside the rootfs" {
  mkdir -p "$W/host-target"
  ln -s "$W/host-target" "$B/rootfs/escape"
  cfg '.mounts += [{"destination":"/escape/m","type":"tmpfs","source":"tmpfs","options":["size=1m"]}]'
  # /escape resolves inside the rootfs: the tmpfs lands on <rootfs>$W/host-target/m.
  run_sh 'grep -c " '"$W"'/host-target/m tmpfs " /proc/mounts'
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
  [ ! -e "$W/host-target/m" ]
  [ -d "$B/rootfs$W/host-target/m" ]
}

@test "runtime: masked paths are empty and read-only paths refuse writes" {
  # /proc/timer_list and /proc/keys are in the default masked paths and exist here.
  [ -n "$(head -c 16 /proc/timer_list)" ]
  run_sh 'wc -c < /proc/timer_list; cat /proc/keys | wc -c; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo ro'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "0" ]
  [ "${lines[1]}" = "0" ]
  [ "${lines[2]}" = "0" ]
  [ "${lines[3]}" = "ro" ]
}

@test "runtime: default devices, /dev symlinks and linux.devices" {
  cfg '.linux.devices = [{"path":"/dev/mydev","type":"c","major":1,"minor":7,"fileMode":432,"uid":0,"gid":0}]'
  run_sh 'for d in null zero full random urandom tty mydev; do stat -c "%n %t:%T %a" /dev/$d; done; readlink /dev/fd; readlink /dev/ptmx'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/dev/null 1:3 666" ]
  [ "${lines[5]}" = "/dev/tty 5:0 666" ]
  [ "${lines[6]}" = "/dev/mydev 1:7 660" ]
  [ "${lines[7]}" = "/proc/self/fd" ]
  [ "${lines[8]}" = "pts/ptmx" ]
}

@test "runtime: process env, cwd, user, groups, umask" {
  mkdir -p "$B/rootfs/work"
  cfg '.process.env += ["FOO=bar"] | .process.cwd = "/work" | .process.user = {"uid":1000,"gid":1001,"additionalGids":[5,7],"umask":63}'
  run_sh 'echo $FOO; pwd; id -u; id -g; id -G; umask'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "bar" ]
  [ "${lines[1]}" = "/work" ]
  [ "${lines[2]}" = "1000" ]
  [ "${lines[3]}" = "1001" ]
  [ "${lines[4]}" = "1001 5 7" ]
  [ "${lines[5]}" = "0077" ]
}

@test "runtime: capabilities, rlimits, noNewPrivileges and oomScoreAdj" {
  cfg '.process.capabilities = {"bounding":["CAP_CHOWN","CAP_KILL"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN","CAP_KILL"],"inheritable":[]}
       | .process.rlimits = [{"type":"RLIMIT_NOFILE","soft":512,"hard":1000},{"type":"RLIMIT_CORE","soft":0,"hard":0}]
       | .process.noNewPrivileges = true | .process.oomScoreAdj = 300'
  run_sh 'grep -E "^Cap(Eff|Prm|Bnd)|NoNewPrivs" /proc/self/status | tr -s "\t" " "; ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "CapPrm: 0000000000000021" ]
  # Exec as root raises effective to permitted (capabilities(7)), in runc as here.
  [ "${lines[1]}" = "CapEff: 0000000000000021" ]
  [ "${lines[2]}" = "CapBnd: 0000000000000021" ]
  [ "${lines[3]}" = "NoNewPrivs: 1" ]
  [ "${lines[4]}" = "512" ]
  [ "${lines[5]}" = "1000" ]
  [ "${lines[6]}" = "300" ]
}

@test "runtime: hostname and namespaced sysctls, written before /proc/sys turns read-only" {
  host_msgmax=$(cat /proc/sys/kernel/msgmax)
  cfg '.hostname = "h1" | .linux.sysctl = {"net.ipv4.ip_forward":"1","kernel.msgmax":"4096"}'
  run_sh 'hostname; cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/kernel/msgmax'
  [ "$status" -eq 0 ]
  [ "$output" = "h1
1
4096" ]
  [ "$(cat /proc/sys/kernel/msgmax)" = "$host_msgmax" ]
}

@test "runtime: domainname (runtime-spec 1.1)" {
  only_strata   # runc 1.1 predates the field
  cfg '.domainname = "example.org"'
  run_sh 'cat /proc/sys/kernel/domainname'
  [ "$output" = "example.org" ]
}

@test "runtime: a memory limit bites: allocating past it is OOM-killed" {
  cfg '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  run_sh 'dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null; echo small=$?; dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo big=$?'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "small=0" ]
  [ "${lines[-1]}" = "big=137" ]   # SIGKILL from the OOM killer
}

@test "runtime: a pids limit bites: forking past it is refused" {
  cfg '.linux.resources.pids = {"limit": 8}'
  run_sh 'for i in $(seq 20); do sleep 5 & done; echo done'
  assert_output_has "can't fork: Resource temporarily unavailable"
}

@test "runtime: cpu shares, quota, period and cpuset land in the cgroup" {
  cfg ".linux.cgroupsPath = \"/strata-test/$ID\" | .linux.resources.cpu = {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\", \"mems\": \"0\"}
       | .process.args = [\"/bin/sleep\", \"60\"]"
  rt create -b "$B" "$ID"
  # runc leaves the parent it made; strata removes it with the container.
  for d in /sys/fs/cgroup/*/strata-test; do DIRS_TO_REMOVE="${DIRS_TO_REMOVE:-} $d"; done
  if [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; then
    [ "$(cat "/sys/fs/cgroup/strata-test/$ID/cpu.max")" = "50000 100000" ]
  else
    [ "$(cat "/sys/fs/cgroup/cpu/strata-test/$ID/cpu.shares")" = 512 ]
    [ "$(cat "/sys/fs/cgroup/cpu/strata-test/$ID/cpu.cfs_quota_us")" = 50000 ]
    [ "$(cat "/sys/fs/cgroup/cpuset/strata-test/$ID/cpuset.cpus")" = 0 ]
  fi
  rt delete -f "$ID"
  [ ! -d "/sys/fs/cgroup/cpu/strata-test/$ID" ]
}

@test "runtime: pause and resume freeze the container" {
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID"
  rt pause "$ID"
  [ "$(rt state "$ID" | jq -r .status)" = paused ]
  rt resume "$ID"
  [ "$(rt state "$ID" | jq -r .status)" = running ]
}

@test "runtime: delete --force cleans up a running container, its cgroup and state" {
  cfg '.process.args = ["/bin/sh", "-c", "sleep 60 & sleep 60"]'
  rt run -d -b "$B" "$ID"
  pid=$(rt state "$ID" | jq -r .pid)
  rt delete --force "$ID"
  [ ! -d "$STATE/$ID" ]
  [ ! -d "$(cgroup_dir "$ID" memory)" ]
  # Gone, or a zombie awaiting whichever reaper it was handed to.
  [ ! -e "/proc/$pid/status" ] || [ "$(awk '/^State/ {print $2}' "/proc/$pid/status")" = Z ]
}

@test "runtime: no host file descriptor leaks into the container" {
  exec 7</etc/hostname
  run_sh 'ls /proc/self/fd | tr "\n" " "'
  exec 7<&-
  [ "$status" -eq 0 ]
  [ "$output" = "0 1 2 3 " ]   # 3 is ls's own directory fd
}

@test "runtime: --preserve-fds passes extra descriptors" {
  echo passed >"$W/extra"
  cfg '.process.args = ["/bin/sh", "-c", "cat <&3"]'
  run rt run --preserve-fds 1 -b "$B" "$ID" 3<"$W/extra"
  [ "$status" -eq 0 ]
  [ "$output" = "passed" ]
}

@test "runtime: the init runs from a read-only overlay view of the runtime (CVE-2019-5736)" {
  only_strata
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt create -b "$B" --pid-file "$W/pid" "$ID"
  exe=/proc/$(cat "$W/pid")/exe
  # A detached overlay of the binary's directory: its path is relative to that mount.
  [[ "$(readlink "$exe")" == "/strata-runtime" ]]
  [[ "$(stat -L -f -c %T "$exe")" == overlayfs ]]
  cmp "$exe" "$RUNTIME"
  run sh -c "echo x >> $exe"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
}

@test "runtime: the init runs from a sealed memfd copy when asked (CVE-2019-5736)" {
  only_strata
  cfg '.process.args = ["/bin/sleep", "60"]'
  STRATA_RUNTIME_SEAL=memfd rt create -b "$B" --pid-file "$W/pid" "$ID"
  [[ "$(readlink "/proc/$(cat "$W/pid")/exe")" == "/memfd:strata-runtime (deleted)" ]]
  run sh -c "echo x >> /proc/$(cat "$W/pid")/exe"
  [ "$status" -ne 0 ]
}

@test "runtime: spec writes a valid default config and features describes the runtime" {
  mkdir "$W/s" && cd "$W/s"
  rt spec
  jq -e '.ociVersion and .process.args == ["sh"] and .root.path == "rootfs"' config.json
  run rt spec
  [ "$status" -ne 0 ]
  rt features | jq -e '.ociVersionMin and (.linux.namespaces | index("pid"))
                      and (.linux.seccomp.actions | index("SCMP_ACT_NOTIFY"))'
}

@test "runtime: a terminal process gets a pty whose master goes to the console socket" {
  python3 "$STRATA_SRC/tests/e2e/fixtures/recvtty.py" "$W/console.sock" "$W/tty.out" &
  receiver=$!
  for _ in $(seq 50); do [ -e "$W/console.sock.ready" ] && break; sleep 0.1; done
  cfg '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}
       | .process.args = ["/bin/sh", "-c", "tty; stty size; [ -c /dev/console ] && echo console-ok"]'
  # runc takes a console socket only with -d.
  run rt run -d --console-socket "$W/console.sock" -b "$B" "$ID"
  [ "$status" -eq 0 ]
  for _ in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  # The receiver writes as it reads and stops at the pty's EIO once the last process
  # holding the other end is gone; runtimes that keep a copy make it wait: stop it.
  sleep 0.3
  kill "$receiver" 2>/dev/null || ! kill -0 "$receiver" 2>/dev/null
  wait "$receiver" || [ "$?" -eq 143 ]  # SIGTERM
  grep -q "^name=/dev/ptmx" "$W/tty.out" || [[ "$RUNTIME_NAME" != strata-runtime ]]
  grep -q "/dev/pts/0" "$W/tty.out"
  grep -q "30 100" "$W/tty.out"
  grep -q "console-ok" "$W/tty.out"
}

@test "runtime: exec runs in the container's namespaces and cgroup" {
  cfg '.process.args = ["/bin/sleep", "60"] | .hostname = "exec-host"'
  rt run -d -b "$B" "$ID"
  run rt exec "$ID" sh -c 'echo pid=$$; hostname; ls /sys/class/net'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" != "pid=1" ]
  [ "${lines[1]}" = "exec-host" ]
  [ "${lines[2]}" = "lo" ]
  run rt exec "$ID" sh -c 'exit 7'
  [ "$status" -eq 7 ]
  init=$(rt state "$ID" | jq -r .pid)
  rt exec -d --pid-file "$W/exec.pid" "$ID" sleep 30
  [ "$(cat "/proc/$(cat "$W/exec.pid")/cgroup" | grep memory)" = "$(grep memory "/proc/$init/cgroup")" ]
}

@test "runtime: exec --user, --env, --cwd and --process" {
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID"
  run rt exec --user 1000:1000 --env FOO=bar --cwd /tmp "$ID" sh -c 'id -u; id -g; echo $FOO; pwd'
  [ "$status" -eq 0 ]
  [ "$output" = "1000
1000
bar
/tmp" ]
  echo '{"args":["/bin/sh","-c","echo from-process-file; id -u"],"cwd":"/","user":{"uid":42,"gid":42},"env":["PATH=/bin"]}' >"$W/process.json"
  run rt exec --process "$W/process.json" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "from-process-file
42" ]
  # 2^32 once wrapped to uid 0; ids out of range or not numbers are refused (runc 1.1
  # takes some of these: checked for strata-runtime only).
  [[ "$RUNTIME_NAME" == strata-runtime ]] || return 0
  for bad in 4294967296 4294967295 0:4294967296 -1 1:2:3 root; do
    run rt exec --user "$bad" "$ID" id -u
    [ "$status" -ne 0 ]
    [[ "$output" == *"want UID[:GID]"* ]]
  done
}

@test "runtime: exec of a missing binary is a clear error; exec into a stopped container fails" {
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID"
  run rt exec "$ID" no-such-program
  [ "$status" -ne 0 ]
  [[ "$output" == *no-such-program*'executable file not found in $PATH'* ]]
  rt kill "$ID" KILL
  for _ in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  run rt exec "$ID" true
  [ "$status" -ne 0 ]
}

# A hook that records its stage and the state it got on stdin.
hook() {
  printf '{"path":"/bin/sh","args":["sh","-c","cat > %s/%s.json; echo %s >> %s/order"]}' "$W" "$1" "$1" "$W"
}

@test "runtime: hooks run in order with the container state on stdin" {
  cfg ".root.readonly = false | .process.args = [\"/bin/true\"] | .hooks = {
        \"prestart\": [$(hook prestart)], \"createRuntime\": [$(hook createRuntime)],
        \"createContainer\": [$(hook createContainer)],
        \"startContainer\": [{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > /tmp/startContainer.json\"]}],
        \"poststart\": [$(hook poststart)], \"poststop\": [$(hook poststop)]}"
  rt create -b "$B" --pid-file "$W/pid" "$ID"
  [[ "$(cat "$W/order" | tr '\n' ' ')" == "prestart createRuntime createContainer "* ]]
  # runtime-spec: poststart comes after start (runc 1.1 runs it at create).
  if [[ "$RUNTIME_NAME" == strata-runtime ]]; then [ ! -e "$W/poststart.json" ]; fi
  [ "$(jq -r .id "$W/prestart.json")" = "$ID" ]
  [ "$(jq -r .pid "$W/createRuntime.json")" = "$(cat "$W/pid")" ]
  [ "$(jq -r .bundle "$W/createContainer.json")" = "$B" ]
  rt start "$ID"
  for _ in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  [ "$(jq -r .id "$B/rootfs/tmp/startContainer.json")" = "$ID" ]
  rt delete "$ID"
  grep -qx poststart "$W/order"
  [ "$(tail -1 "$W/order")" = poststop ]
  [ "$(jq -r .status "$W/poststop.json")" = stopped ]
}

@test "runtime: a failing or hanging createRuntime hook fails create and leaves nothing" {
  cfg '.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}'
  try_create -b "$B" "$ID"
  [ "$status" -ne 0 ]
  [ ! -e "$STATE/$ID" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 6 -name "$ID" 2>/dev/null)" ]
  cfg '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}'
  SECONDS=0
  try_create -b "$B" "$ID"
  [ "$status" -ne 0 ]
  [ "$SECONDS" -lt 10 ]
  [ ! -e "$STATE/$ID" ]
}

@test "runtime: hook failures name the hook" {
  only_strata
  cfg '.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}'
  try_create -b "$B" "$ID"
  [[ "$output" == *'createRuntime hook: hook `/bin/sh`: exited with status 3'* ]]
  cfg '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}'
  try_create -b "$B" "$ID"
  [[ "$output" == *'prestart hook: hook `/bin/sleep`: timed out after 1 s'* ]]
}

# big_annotations N SIZE: N annotations of SIZE bytes each.
big_annotations() {
  cfg ".annotations = ([range($1)] | map({key: \"org.example.a\\(.)\", value: (\"x\" * $2)}) | from_entries)"
}

@test "runtime: hooks get the whole state JSON with 300 KB of annotations" {
  # The state went to the init in one socket message: create failed with "Message too
  # long" (and 100 KB reached the hooks truncated).
  big_annotations 3000 100  # a state JSON of about 360 KB
  cfg ".root.readonly = false | .hooks = {
        \"createContainer\": [{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > $W/createContainer.json\"]}],
        \"startContainer\": [{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > /tmp/startContainer.json\"]}]}"
  try_create -b "$B" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  rt start "$ID"
  for _ in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  for f in "$W/createContainer.json" "$B/rootfs/tmp/startContainer.json"; do
    wc -c "$f"
    [ "$(stat -c %s "$f")" -gt 300000 ]
    jq -e --arg id "$ID" '.id == $id and (.annotations | length) == 3000 and
      .annotations["org.example.a2999"] == ("x" * 100)' "$f"
  done
  [ "$(rt state "$ID" | jq '.annotations | length')" = 3000 ]
  rt delete "$ID"
}

@test "runtime: a state JSON over 4 MiB is refused naming the annotations, before anything is made" {
  only_strata
  big_annotations 50 100000  # about 5 MB
  create_fails_with "annotations: the container state would be"
  [[ "$output" == *"at most 4194304 bytes"* ]]
}

@test "runtime: a hook's timeout holds while its stdin is full (a hook that never reads)" {
  # The state was written to the hook's stdin before the timeout was counted: a hook
  # that never reads a state bigger than the socket's buffer hung create for ever.
  big_annotations 100 10000  # a state JSON of about 1 MB
  for stage in createRuntime createContainer; do
    cfg ".hooks = {\"$stage\": [{\"path\": \"/bin/sh\", \"timeout\": 1,
          \"args\": [\"sh\", \"-c\", \"echo \$\$ > $W/hook.pid; exec sleep 1000\"]}]}"
    rm -f "$W/hook.pid"
    SECONDS=0
    status=0
    timeout 30 "$RUNTIME" --root "$STATE" create -b "$B" "$ID" >"$W/create.out" 2>&1 </dev/null 3>&- || status=$?
    took=$SECONDS
    output=$(cat "$W/create.out")
    # createRuntime's hook is a host process (createContainer's dies with the init's
    # pid namespace).
    [ "$stage" = createContainer ] || PIDS_TO_KILL="${PIDS_TO_KILL:-} $(cat "$W/hook.pid" 2>/dev/null)"
    echo "$stage: status $status after $took s: $output"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [ "$took" -lt 5 ]
    if [[ "$RUNTIME_NAME" == strata-runtime ]]; then
      assert_output_has "$stage hook: hook \`/bin/sh\`: timed out after 1 s"
    fi
    [ ! -e "$STATE/$ID" ]
  done
}

@test "runtime: --no-pivot runs the container from a moved rootfs" {
  cfg '.process.args = ["/bin/sh", "-c", "ls /bin/busybox && cat /proc/self/mountinfo | wc -l"]'
  run rt run --no-pivot -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/bin/busybox" ]
}

@test "runtime: kill --all signals every process in the container" {
  # No pid namespace: killing the init alone would leave the others running.
  cfg '.linux.namespaces |= map(select(.type != "pid")) | .process.args = ["/bin/sh", "-c", "sleep 100 & sleep 100 & sleep 100"]'
  rt run -d -b "$B" "$ID"
  sleep 0.3
  procs=$(cat "$(cgroup_dir "$ID" pids)/cgroup.procs" | wc -l)
  [ "$procs" -ge 3 ]
  rt kill --all "$ID" KILL
  for _ in $(seq 50); do
    [ "$(grep -c . "$(cgroup_dir "$ID" pids)/cgroup.procs")" -eq 0 ] && break
    sleep 0.1
  done
  [ "$(grep -c . "$(cgroup_dir "$ID" pids)/cgroup.procs")" -eq 0 ]
}

@test "runtime: joining an existing pid namespace by path" {
  cfg '.process.args = ["/bin/sleep", "100"]'
  rt run -d -b "$B" "$ID-a"
  init=$(rt state "$ID-a" | jq -r .pid)
  cfg ".process.args = [\"/bin/sh\", \"-c\", \"ps -o comm | grep -c sleep\"]
       | .linux.namespaces |= map(if .type == \"pid\" then .path = \"/proc/$init/ns/pid\" else . end)"
  run rt run -b "$B" "$ID"
  rt delete -f "$ID-a"
  [ "$status" -eq 0 ]
  [ "$output" = "1" ]
}

@test "runtime: joining an existing user namespace by path" {
  # The mappings stay in the config: runc 1.1 wants them even for a joined namespace
  # (they are not written: a joined namespace has its own).
  userns_cfg='.linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
    | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
    | .mounts |= map(if .destination == "/sys" then {"destination":"/sys","type":"none","source":"/sys","options":["rbind","nosuid","noexec","nodev","ro"]} else . end)
    | .mounts |= map(select(.type != "cgroup"))'
  chown -R 100000:100000 "$B/rootfs"
  d=$B; while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
  cfg ".linux.namespaces += [{\"type\":\"user\"}] | $userns_cfg | .process.args = [\"/bin/sleep\", \"100\"]"
  rt run -d -b "$B" "$ID-a"
  init=$(rt state "$ID-a" | jq -r .pid)
  cfg ".linux.namespaces |= map(if .type == \"user\" then .path = \"/proc/$init/ns/user\" else . end)
       | .process.args = [\"/bin/sh\", \"-c\", \"id -u; cat /proc/self/uid_map | tr -s ' '\"]"
  run rt run -b "$B" "$ID"
  rt delete -f "$ID-a"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "0" ]
  [ "${lines[1]}" = " 0 100000 65536" ]
}

@test "runtime: rootless: a user namespace set up by a parent that is not root" {
  id strata-rootless >/dev/null 2>&1 || useradd -M -s /bin/sh strata-rootless
  d=$W; while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
  cp "$RUNTIME" "$W/runtime" && chmod 755 "$W/runtime"
  rm "$B/config.json"
  "$STRATA_SRC/build/src/runtime/strata-runtime" spec --rootless -b "$B"
  # The mappings name the unprivileged user's own uid and gid.
  uid=$(id -u strata-rootless) gid=$(id -g strata-rootless)
  cfg ".process.terminal = false | .process.args = [\"/bin/sh\", \"-c\", \"id -u; cat /proc/self/uid_map | tr -s ' '\"]
       | .linux.uidMappings[0].hostID = $uid | .linux.gidMappings[0].hostID = $gid"
  chown -R strata-rootless "$W/bundle"
  mkdir -p "$W/rl-state" && chown strata-rootless "$W/rl-state"
  run su strata-rootless -s /bin/sh -c "XDG_RUNTIME_DIR=$W/rl-state '$W/runtime' --root '$W/rl-state' run -b '$B' rl-$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "0" ]
  [ "${lines[1]}" = " 0 $uid 1" ]
  # A time namespace belongs to the runtime's own user namespace: not for a rootless one.
  if [[ "$RUNTIME_NAME" == strata-runtime ]]; then
    cfg '.linux.namespaces += [{"type": "time"}]'
    run su strata-rootless -s /bin/sh -c "XDG_RUNTIME_DIR=$W/rl-state '$W/runtime' --root '$W/rl-state' run -b '$B' rl-$ID"
    [ "$status" -ne 0 ]
    [[ "$output" == *"linux.namespaces: new time namespace: Operation not permitted"* ]]
    [ ! -e "$W/rl-state/rl-$ID" ]
  fi
}

@test "runtime: on a pure cgroup v2 host (cgroup2 over /sys/fs/cgroup, private mount ns)" {
  # This machine's controllers are bound to v1, so the v2 hierarchy has none: this
  # checks detection, placement, freeze and clean-up on v2, not v2 limits.
  cfg '.process.args = ["/bin/sleep", "30"] | .mounts |= map(select(.type != "cgroup"))'
  run unshare -m sh -c "mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup &&
    R='$RUNTIME --root $STATE'; \$R run -d -b '$B' '$ID' && cat '/sys/fs/cgroup/$ID/cgroup.procs' | wc -l &&
    \$R exec '$ID' grep '^0::' /proc/self/cgroup &&
    \$R pause '$ID' && \$R state '$ID' | jq -r .status && \$R resume '$ID' && \$R state '$ID' | jq -r .status &&
    \$R delete -f '$ID' && test ! -e '/sys/fs/cgroup/$ID' && echo cleaned"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1" ]
  # The exec'd process is in the container's cgroup (the root of its cgroup namespace).
  [ "${lines[1]}" = "0::/" ]
  [ "${lines[2]}" = "paused" ]
  [ "${lines[3]}" = "running" ]
  [ "${lines[4]}" = "cleaned" ]
}

@test "runtime: memory limit, reservation and swap land in the cgroup" {
  [[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]] || skip "checks the v1 files"
  [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || skip "no swap accounting"
  cfg '.process.args = ["/bin/sleep", "60"] | .linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728}'
  rt create -b "$B" "$ID"
  dir=$(cgroup_dir "$ID" memory)
  [ "$(cat "$dir/memory.limit_in_bytes")" = 67108864 ]
  [ "$(cat "$dir/memory.soft_limit_in_bytes")" = 33554432 ]
  [ "$(cat "$dir/memory.memsw.limit_in_bytes")" = 134217728 ]
}

# Device access through nodes the container makes itself (CAP_MKNOD): /dev/kmsg (1:11)
# is not on the default allow list, /dev/null (1:3) is. Opening kmsg write-only needs
# no other privilege, so only the devices cgroup can refuse it.
DEVICE_PROBE='rm -f /tmp/kmsg /tmp/null; mknod /tmp/kmsg c 1 11 && mknod /tmp/null c 1 3 && echo mknod-ok
  (exec 3>/tmp/kmsg) 2>/dev/null && echo kmsg-open || echo kmsg-denied
  (exec 3>/tmp/null) && echo null-open'
MKNOD_CAPS='.root.readonly = false | .process.capabilities.bounding += ["CAP_MKNOD"]
  | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'

@test "runtime: linux.resources.devices rules deny and allow device access (cgroup v1 or v2)" {
  cfg "$MKNOD_CAPS | .linux.resources.devices = [{\"allow\": false, \"access\": \"rwm\"}]"
  run_sh "$DEVICE_PROBE"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'mknod-ok\nkmsg-denied\nnull-open')" ]
  # A rule for it lets it in (write only is enough for this open).
  cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
  run_sh "$DEVICE_PROBE"
  [ "$output" = "$(printf 'mknod-ok\nkmsg-open\nnull-open')" ]
  # Without rules only the default devices are allowed (runc's secure default) ...
  cfg 'del(.linux.resources.devices)'
  run_sh "$DEVICE_PROBE"
  [ "$output" = "$(printf 'mknod-ok\nkmsg-denied\nnull-open')" ]
  # ... and a rule allowing all lets kmsg in: the refusals were the devices cgroup's.
  cfg '.linux.resources.devices = [{"allow": true, "access": "rwm"}]'
  run_sh "$DEVICE_PROBE"
  [ "$output" = "$(printf 'mknod-ok\nkmsg-open\nnull-open')" ]
}

@test "runtime: v1 devices cgroup lists the default devices and linux.devices" {
  [[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]] || skip "checks the v1 files"
  cfg '.process.args = ["/bin/sleep", "60"] | .linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
  rt create -b "$B" "$ID"
  list=$(cat "$(cgroup_dir "$ID" devices)/devices.list")
  echo "$list"
  ! grep -q '^a ' <<<"$list"
  for rule in 'c 1:3 rwm' 'c 5:2 rwm' 'c 136:\* rwm' 'c \*:\* m'; do
    grep -q "^$rule\$" <<<"$list"
  done
  # runc 1.1 leaves linux.devices nodes to resources.devices rules; strata allows them.
  [[ "$RUNTIME_NAME" != strata-runtime ]] || grep -q '^c 10:229 rwm$' <<<"$list"
}

@test "runtime: device rules on a pure cgroup v2 host are a BPF program (private mount ns)" {
  cfg "$MKNOD_CAPS | .mounts |= map(select(.type != \"cgroup\"))"
  cfg ".process.args = [\"/bin/sh\", \"-c\", $(jq -Rn --arg s "$DEVICE_PROBE" '$s')]"
  v2_run() {
    unshare -m sh -c "mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup &&
      $RUNTIME --root $STATE run -b '$B' '$ID'"
  }
  run v2_run
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'mknod-ok\nkmsg-denied\nnull-open')" ]
  # A write-only rule covers a write-only open, not a read-write one.
  cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
  run v2_run
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'mknod-ok\nkmsg-open\nnull-open')" ]
  # (CAP_SYSLOG: opening kmsg for reading needs it when dmesg_restrict is set.)
  cfg ".process.args[2] |= sub(\"exec 3>/tmp/kmsg\"; \"exec 3<>/tmp/kmsg\")
       | .process.capabilities[] += [\"CAP_SYSLOG\"]"
  run v2_run
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'mknod-ok\nkmsg-denied\nnull-open')" ]
  cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rw"}]'
  run v2_run
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'mknod-ok\nkmsg-open\nnull-open')" ]
}

@test "runtime: memory swappiness, the OOM killer switch and cpu burst land in the v1 cgroup" {
  [[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]] || skip "checks the v1 files"
  cfg '.process.args = ["/bin/sleep", "60"] | .linux.resources.memory = {"swappiness": 10, "disableOOMKiller": true}
       | .linux.resources.cpu = {"quota": 50000, "period": 100000, "burst": 20000}'
  rt create -b "$B" "$ID"
  [ "$(cat "$(cgroup_dir "$ID" memory)/memory.swappiness")" = 10 ]
  grep -qx "oom_kill_disable 1" "$(cgroup_dir "$ID" memory)/memory.oom_control"
  # runc 1.1 has no cpu burst.
  [[ "$RUNTIME_NAME" != strata-runtime ]] || [ "$(cat "$(cgroup_dir "$ID" cpu)/cpu.cfs_burst_us")" = 20000 ]
}

@test "runtime: linux.resources.unified writes cgroup v2 files (private mount ns)" {
  cfg '.process.args = ["/bin/cat", "/sys/fs/cgroup/cgroup.max.depth"] | .mounts |= map(select(.type != "cgroup"))
       | .mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"]}]
       | .linux.resources.unified = {"cgroup.max.depth": "3"}'
  run unshare -m sh -c "mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup &&
    $RUNTIME --root $STATE run -b '$B' '$ID'"
  [ "$status" -eq 0 ]
  [ "$output" = 3 ]
  cfg '.linux.resources.unified = {"nosuch.file": "1"}'
  run unshare -m sh -c "mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup &&
    $RUNTIME --root $STATE run -b '$B' '$ID'"
  [ "$status" -ne 0 ]
  if [[ "$RUNTIME_NAME" == strata-runtime ]]; then [[ "$output" == *"linux.resources.unified.nosuch.file"* ]]; fi
}

@test "runtime: events --stats reports the cgroup's cpu, memory and pids counters as runc does" {
  cfg '.process.args = ["/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 60"]
       | .linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 100}'
  rt run -d -b "$B" "$ID"
  sleep 0.5
  rt events --stats "$ID" | tee "$W/stats.json"
  jq -e --arg id "$ID" '.type == "stats" and .id == $id
      and .data.memory.usage.limit == 67108864 and .data.memory.usage.usage > 0
      and .data.pids.current >= 1 and .data.pids.limit == 100
      and .data.cpu.usage.total > 0 and (.data.memory.raw | type) == "object"' "$W/stats.json"
}

@test "runtime: events streams stats every interval and reports an OOM kill" {
  cfg '.process.args = ["/bin/sh", "-c", "sleep 1; tail /dev/zero; sleep 2"]
       | .linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
  rt run -d -b "$B" "$ID"
  run timeout 8 "$RUNTIME" --root "$STATE" events --interval 500ms "$ID"
  echo "$output"
  # strata's stream ends by itself when the container stops (runc 1.1's goes on).
  [[ "$RUNTIME_NAME" != strata-runtime ]] || [ "$status" -eq 0 ]
  [ "$(grep -c '"type":"stats"' <<<"$output")" -ge 3 ]
  grep -q "{\"id\":\"$ID\",\"type\":\"oom\"}\|{\"type\":\"oom\",\"id\":\"$ID\"}" <<<"$output"
}

@test "runtime: events refuses a stopped container and a bad interval" {
  only_strata
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID"
  run rt events --interval 5parsecs "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *'--interval "5parsecs": want a duration'* ]]
  rt kill "$ID" KILL
  sleep 0.3
  run rt events --stats "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"container \"$ID\" is not running"* ]]
}

@test "runtime: joining an existing mount namespace by path" {
  # A mount namespace kept alive by a bind mount on a file, with the host's paths.
  mkdir -p "$W/nsdir" && mount --bind "$W/nsdir" "$W/nsdir" && mount --make-private "$W/nsdir"
  touch "$W/nsdir/mnt"
  unshare --mount="$W/nsdir/mnt" --propagation private true
  cfg ".process.args = [\"/bin/sh\", \"-c\", \"ls /bin/busybox\"]
       | .linux.namespaces |= map(if .type == \"mount\" then .path = \"$W/nsdir/mnt\" else . end)"
  run rt run -b "$B" "$ID"
  host_mounts_ok=1
  grep -q "$B/rootfs" /proc/self/mountinfo && host_mounts_ok=0
  umount "$W/nsdir/mnt"; umount "$W/nsdir"
  [ "$status" -eq 0 ]
  [ "$output" = "/bin/busybox" ]
  [ "$host_mounts_ok" -eq 1 ]   # the container's mounts stayed in the joined namespace
}

@test "runtime: a time namespace with monotonic and boottime offsets" {
  needs_namespace time
  cfg '.linux.namespaces += [{"type": "time"}]
       | .linux.timeOffsets = {"boottime": {"secs": 31536000, "nanosecs": 0}, "monotonic": {"secs": 86400, "nanosecs": 5}}'
  run_sh "tr -s ' ' </proc/self/timens_offsets; cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "monotonic 86400 5" ]
  [ "${lines[1]}" = "boottime 31536000 0" ]
  host_uptime=$(cut -d. -f1 /proc/uptime)
  [ "${lines[2]}" -ge $((31536000 + host_uptime)) ]
  [ "${lines[3]}" != "$(readlink /proc/self/ns/time)" ]
}

@test "runtime: joining a time namespace by path; exec enters it too" {
  needs_namespace time
  cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 31536000}}
       | .process.args = ["/bin/sleep", "100"]'
  rt run -d -b "$B" "$ID"
  init=$(rt state "$ID" | jq -r .pid)
  run rt exec "$ID" cut -d. -f1 /proc/uptime
  [ "$status" -eq 0 ]
  [ "$output" -ge 31536000 ]
  cfg "del(.linux.timeOffsets) | .linux.namespaces |= map(if .type == \"time\" then .path = \"/proc/$init/ns/time\" else . end)
       | .process.args = [\"/bin/readlink\", \"/proc/self/ns/time\"]"
  run rt run -b "$B" "$ID-b"
  [ "$status" -eq 0 ]
  [ "$output" = "$(readlink "/proc/$init/ns/time")" ]
}

@test "runtime: linux.personality LINUX32 makes uname report a 32-bit machine" {
  only_strata  # runc 1.1 ignores linux.personality
  [ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host"
  cfg '.linux.personality = {"domain": "LINUX32"} | .process.args = ["/bin/uname", "-m"]'
  run rt run -b "$B" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = i686 ]
}

@test "runtime: a corrupt state.json is an error naming the file; delete -f still cleans up" {
  only_strata  # checks strata-runtime's state file
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt create -b "$B" --pid-file "$W/pid" "$ID"
  pid=$(cat "$W/pid")
  # Hand-edited: the pid as a string, an annotation that is not one.
  jq '.pid = "12" | .annotations = {"a": 5}' "$STATE/$ID/state.json" >"$W/state.json"
  cp "$W/state.json" "$STATE/$ID/state.json"
  run rt state "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  assert_output_has "$STATE/$ID/state.json: pid: want an integer"
  run rt delete "$ID"
  [ "$status" -eq 1 ]
  assert_output_has "$STATE/$ID/state.json: pid: want an integer"
  # The recorded cgroup still finds the init.
  run rt delete -f "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$STATE/$ID" ]
  for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
  [ ! -e "/proc/$pid" ] || [ "$(awk '/^State/ {print $2}' "/proc/$pid/status")" = Z ]
  # Not JSON at all.
  rt create -b "$B" "$ID"
  cp "$STATE/$ID/state.json" "$W/good.json"
  echo '{"pid": ' >"$STATE/$ID/state.json"
  run rt state "$ID"
  [ "$status" -eq 1 ]
  assert_output_has "$STATE/$ID/state.json: not valid JSON"
  cp "$W/good.json" "$STATE/$ID/state.json"
  rt delete -f "$ID"
  # A state file that names nothing at all: delete -f removes the directory.
  mkdir "$STATE/$ID-b" && echo garbage >"$STATE/$ID-b/state.json"
  run rt delete -f "$ID-b"
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$STATE/$ID-b" ]
}

@test "runtime: exec never joins a process that took the init's pid" {
  only_strata  # runc 1.1 joins /proc/<pid>/ns/* by number
  # In a pid namespace of its own, ns_last_pid hands the dead init's pid to a sleep
  # started outside the container while exec waits on its config.json (a fifo here).
  cfg '.process.args = ["/bin/sleep", "60"] | .hostname = "in-container"'
  run unshare -pf --mount-proc sh -c "
    R='$RUNTIME --root $STATE'
    \$R run -d -b '$B' '$ID' || exit 1
    pid=\$(\$R state '$ID' | jq -r .pid)
    mv '$B/config.json' '$W/config.json' && mkfifo '$B/config.json'
    \$R exec '$ID' /bin/hostname >'$W/exec.out' 2>&1 &
    exec_pid=\$!
    sleep 0.3
    kill -9 \$pid
    while [ -e /proc/\$pid ]; do sleep 0.05; done
    echo \$((pid - 1)) >/proc/sys/kernel/ns_last_pid
    sleep 30 &
    [ \$! -eq \$pid ] || { echo \"pid \$pid not reused (\$!)\"; exit 1; }
    cat '$W/config.json' >'$B/config.json'
    wait \$exec_pid
    echo exec=\$?
    kill \$!
    rm '$B/config.json' && mv '$W/config.json' '$B/config.json'
    \$R delete -f '$ID'"
  echo "$output"
  cat "$W/exec.out"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = exec=1 ]
  ! grep -qx "$(hostname)" "$W/exec.out"
  grep -q "the container's init exited" "$W/exec.out"
}
