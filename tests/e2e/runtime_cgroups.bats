#!/usr/bin/env bats
# A container's cgroups are its own: a cgroup that already holds processes is refused
# (its processes would be killed with the container's), only the directories the
# container made are removed, and a half-made set is undone. v1 on this host; v2 in a
# private mount namespace with cgroup2 over /sys/fs/cgroup.

load runtime_helpers

is_v2() { [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; }

# premake NAME: makes /sys/fs/cgroup/<controller>/NAME in every v1 hierarchy (removed
# again in teardown, deepest first).
premake() {
  for c in $(v1_controllers); do
    mkdir "/sys/fs/cgroup/$c/$1"
    DIRS_TO_REMOVE="/sys/fs/cgroup/$c/$1 ${DIRS_TO_REMOVE:-}"
  done
}

@test "runtime cgroups: a cgroupsPath that already holds a process is refused and the process lives (v1)" {
  only_strata  # runc 1.1 joins a cgroup whatever it holds
  ! is_v2 || skip "checks the v1 hierarchies"
  premake "$ID-pre"
  sleep 300 3>&- &
  PIDS_TO_KILL=$!
  # In one hierarchy only: every controller's directory must be checked.
  echo "$PIDS_TO_KILL" >"/sys/fs/cgroup/devices/$ID-pre/cgroup.procs"
  cfg ".linux.cgroupsPath = \"/$ID-pre\" | .process.args = [\"/bin/sleep\", \"60\"]"
  try_create -b "$B" "$ID"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "container's cgroup is not empty: /sys/fs/cgroup/devices/$ID-pre holds 1 process"
  [ ! -e "$STATE/$ID" ]
  kill -0 "$PIDS_TO_KILL"
  for c in $(v1_controllers); do [ -d "/sys/fs/cgroup/$c/$ID-pre" ]; done
  grep -qx "$PIDS_TO_KILL" "/sys/fs/cgroup/devices/$ID-pre/cgroup.procs"
}

@test "runtime cgroups: a cgroupsPath that already holds a process is refused and the process lives (v2)" {
  only_strata
  cfg ".linux.cgroupsPath = \"/$ID-pre\" | .process.args = [\"/bin/sleep\", \"60\"] | .mounts |= map(select(.type != \"cgroup\"))"
  run in_v2 "mkdir /sys/fs/cgroup/$ID-pre && { sleep 300 </dev/null >/dev/null 2>&1 & p=\$!; } && echo \$p > /sys/fs/cgroup/$ID-pre/cgroup.procs &&
    { \$R create -b '$B' '$ID' </dev/null >'$W/create.out' 2>&1 3>&-; echo create=\$?; } && kill -0 \$p && echo alive &&
    test -d /sys/fs/cgroup/$ID-pre && echo kept && test ! -e '$STATE/$ID' && echo no-state;
    kill -9 \$p; wait \$p 2>/dev/null; \$R delete -f '$ID' >/dev/null 2>&1; rmdir /sys/fs/cgroup/$ID-pre"
  echo "$output"
  grep -F "container's cgroup is not empty: /sys/fs/cgroup/$ID-pre holds 1 process" "$W/create.out"
  [ "${lines[-4]}" = create=1 ]
  [ "${lines[-3]}" = alive ]
  [ "${lines[-2]}" = kept ]
  [ "${lines[-1]}" = no-state ]
}

@test "runtime cgroups: delete leaves a pre-made parent cgroup in place (v1)" {
  ! is_v2 || skip "checks the v1 hierarchies"
  cfg ".process.args = [\"/bin/sleep\", \"60\"] | .linux.cgroupsPath = \"/$ID-parent/$ID\""
  premake "$ID-parent"
  rt create -b "$B" "$ID"
  for c in $(v1_controllers); do [ -d "/sys/fs/cgroup/$c/$ID-parent/$ID" ]; done
  rt delete -f "$ID"
  for c in $(v1_controllers); do
    [ -d "/sys/fs/cgroup/$c/$ID-parent" ]
    [ ! -e "/sys/fs/cgroup/$c/$ID-parent/$ID" ]
  done
}

@test "runtime cgroups: delete removes the parents the container made, not a pre-made leaf (v1)" {
  only_strata  # runc 1.1 leaves parents it made and removes a leaf it did not make
  ! is_v2 || skip "checks the v1 hierarchies"
  cfg '.process.args = ["/bin/sleep", "60"]'
  premake "$ID-parent"
  cfg ".linux.cgroupsPath = \"/$ID-parent/$ID-made/$ID\""
  rt create -b "$B" "$ID"
  for c in $(v1_controllers); do [ -d "/sys/fs/cgroup/$c/$ID-parent/$ID-made/$ID" ]; done
  rt delete -f "$ID"
  for c in $(v1_controllers); do [ ! -e "/sys/fs/cgroup/$c/$ID-parent/$ID-made" ]; done
  # A pre-made, empty leaf is joined and left in place.
  premake "$ID-parent/$ID-leaf"
  cfg ".linux.cgroupsPath = \"/$ID-parent/$ID-leaf\""
  rt create -b "$B" "$ID"
  pid=$(rt state "$ID" | jq -r .pid)
  grep -qx "$pid" "/sys/fs/cgroup/pids/$ID-parent/$ID-leaf/cgroup.procs"
  rt delete -f "$ID"
  for c in $(v1_controllers); do [ -d "/sys/fs/cgroup/$c/$ID-parent/$ID-leaf" ]; done
  [ -z "$(cat "/sys/fs/cgroup/pids/$ID-parent/$ID-leaf/cgroup.procs")" ]
}

@test "runtime cgroups: a half-made v1 set is undone when one controller fails" {
  only_strata  # checks strata-runtime's message; runc leaves the made directories
  ! is_v2 || skip "checks the v1 hierarchies"
  # In the memory hierarchy `memory.limit_in_bytes` is a file in every cgroup, so that
  # controller fails after blkio, cpu, cpuacct, cpuset, devices and freezer were made.
  cfg ".linux.cgroupsPath = \"/$ID-x/memory.limit_in_bytes\""
  try_create -b "$B" "$ID"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "/sys/fs/cgroup/memory/$ID-x/memory.limit_in_bytes"
  for c in $(v1_controllers); do [ ! -e "/sys/fs/cgroup/$c/$ID-x" ]; done
  [ ! -e "$STATE/$ID" ]
}

@test "runtime cgroups: a half-made v2 path is undone when a deeper level fails" {
  only_strata
  # cgroup.max.depth 1 on a pre-made parent: its child can be made, a grandchild not.
  cfg ".linux.cgroupsPath = \"/$ID-p/$ID-mid/$ID\" | .mounts |= map(select(.type != \"cgroup\"))"
  run in_v2 "mkdir /sys/fs/cgroup/$ID-p && echo 1 > /sys/fs/cgroup/$ID-p/cgroup.max.depth &&
    { \$R create -b '$B' '$ID' </dev/null >'$W/create.out' 2>&1 3>&-; echo create=\$?; } &&
    { test ! -e /sys/fs/cgroup/$ID-p/$ID-mid && echo undone; } ; test -d /sys/fs/cgroup/$ID-p && echo kept;
    rmdir /sys/fs/cgroup/$ID-p/$ID-mid 2>/dev/null; rmdir /sys/fs/cgroup/$ID-p"
  echo "$output"
  grep -F "/sys/fs/cgroup/$ID-p/$ID-mid/$ID" "$W/create.out"
  [ "${lines[-3]}" = create=1 ]
  [ "${lines[-2]}" = undone ]
  [ "${lines[-1]}" = kept ]
  [ ! -e "$STATE/$ID" ]
}

@test "runtime cgroups: kill --all and delete signal only the container's processes" {
  # No pid namespace: the init's death does not take the others along.
  cfg '.linux.namespaces |= map(select(.type != "pid")) | .process.args = ["/bin/sh", "-c", "sleep 100 & sleep 100"]'
  sleep 300 3>&- &
  PIDS_TO_KILL=$!
  rt run -d -b "$B" "$ID"
  sleep 0.3
  rt kill --all "$ID" KILL
  for _ in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  [ "$(rt state "$ID" | jq -r .status)" = stopped ]
  rt delete -f "$ID"
  kill -0 "$PIDS_TO_KILL"
}

@test "runtime cgroups: a limit this cgroup version cannot apply is refused before anything is made" {
  only_strata
  # v2 (a private cgroup2 mount): kernelTCP; v1 (this host's hierarchies): unified.
  cfg '.linux.resources.memory = {"kernelTCP": 1048576}'
  run in_v2 "strace -f -qq -e trace=mkdir,mkdirat -o '$W/trace2' \$R create -b '$B' '$ID' </dev/null 3>&-"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "linux.resources.memory.kernelTCP: cgroup v2 has no TCP memory limit"
  ! grep mkdir "$W/trace2"
  if ! is_v2; then
    cfg '.linux.resources.memory = {} | .linux.resources.unified = {"memory.high": "1000000"}'
    run strace -f -qq -e trace=mkdir,mkdirat -o "$W/trace1" "$RUNTIME" --root "$STATE" create -b "$B" "$ID"
    echo "$output"
    [ "$status" -ne 0 ]
    assert_output_has "linux.resources.unified: needs cgroup v2 (this host uses v1)"
    ! grep mkdir "$W/trace1"
  fi
  [ ! -e "$STATE" ]
}

@test "runtime cgroups: a cgroupsPath whose child cgroup holds a process is refused (v1)" {
  only_strata  # runc 1.1 joins a cgroup whatever it holds
  ! is_v2 || skip "checks the v1 hierarchies"
  # The container's limits, freezer and kill --all would reach everything below it.
  premake "$ID-pre"
  mkdir "/sys/fs/cgroup/freezer/$ID-pre/child"
  DIRS_TO_REMOVE="/sys/fs/cgroup/freezer/$ID-pre/child ${DIRS_TO_REMOVE:-}"
  sleep 300 3>&- &
  PIDS_TO_KILL=$!
  echo "$PIDS_TO_KILL" >"/sys/fs/cgroup/freezer/$ID-pre/child/cgroup.procs"
  cfg ".linux.cgroupsPath = \"/$ID-pre\" | .process.args = [\"/bin/sleep\", \"60\"]"
  try_create -b "$B" "$ID"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "container's cgroup is not empty: /sys/fs/cgroup/freezer/$ID-pre holds 1 process"
  [ "$(cat "/sys/fs/cgroup/freezer/$ID-pre/child/freezer.state")" = THAWED ]
  kill -0 "$PIDS_TO_KILL"
  [ ! -e "$STATE/$ID" ]
}

@test "runtime cgroups: a cgroupsPath naming the root cgroup, or with . or .., is refused" {
  only_strata
  for path in / // /. /a/./b /a/../b ..; do
    cfg ".linux.cgroupsPath = \"$path\""
    try_create -b "$B" "$ID"
    echo "$path: $output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"linux.cgroupsPath \"$path\": "* ]]
    [ ! -e "$STATE/$ID" ]
  done
}

@test "runtime cgroups: a cgroup another container records is refused, so deleting one spares the other" {
  only_strata  # runc 1.1 lets a second container join the first one's cgroup
  cfg ".linux.cgroupsPath = \"/$ID-shared\" | .process.args = [\"/bin/true\"]"
  rt create -b "$B" "$ID-a" </dev/null >/dev/null 2>&1 3>&-
  rt start "$ID-a"
  for _ in $(seq 50); do [ "$(rt state "$ID-a" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  # $ID-a is stopped and its (empty) cgroup is still there: $ID-b may not take it.
  cfg ".linux.cgroupsPath = \"/$ID-shared\" | .process.args = [\"/bin/sleep\", \"60\"]"
  try_create -b "$B" "$ID-b"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "linux.cgroupsPath: cgroup \`"
  assert_output_has "$ID-shared\` is container $ID-a's"
  rt delete "$ID-a"
}

@test "runtime cgroups: a hand-edited state.json naming a hierarchy's root is not followed by delete" {
  only_strata
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt create -b "$B" "$ID" </dev/null >/dev/null 2>&1 3>&-
  cg=$(jq -r '.cgroup.v1Dirs.pids // .cgroup.v2Dir' "$STATE/$ID/state.json")
  [ -d "$cg" ]
  cp "$STATE/$ID/state.json" "$W/state.json"
  # The pids hierarchy's root, and a made directory outside the container's path.
  if is_v2; then
    jq '.cgroup.v2Dir = "/sys/fs/cgroup"' "$W/state.json" >"$STATE/$ID/state.json"
  else
    jq '.cgroup.v1Dirs.pids = "/sys/fs/cgroup/pids" | .cgroup.created += ["/sys/fs/cgroup/pids/elsewhere"]' \
      "$W/state.json" >"$STATE/$ID/state.json"
  fi
  run rt delete -f "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_output_has "not below a cgroup hierarchy's root"
  [ ! -e "$STATE/$ID" ]
  # Nothing outside was touched (the init, found by its pidfd, was killed); the
  # container's own cgroup stays, as the state lied about where it is: put the true
  # state back and delete for real.
  [ -d "$cg" ]
  mkdir "$STATE/$ID"
  cp "$W/state.json" "$STATE/$ID/state.json"
  rt delete -f "$ID"
  [ ! -d "$cg" ]
}

@test "runtime cgroups: parallel creates with one cgroupsPath: exactly one gets the cgroup" {
  only_strata  # runc 1.1 lets both join it
  # The check that no other container records the cgroup and the state file that
  # records it are one step under a lock on the state root: never both.
  cfg ".linux.cgroupsPath = \"/$ID-race\" | .process.args = [\"/bin/sleep\", \"60\"]"
  for round in $(seq 15); do
    rt create -b "$B" "$ID-a" </dev/null >"$W/a.out" 2>&1 3>&- &
    a=$!
    rt create -b "$B" "$ID-b" </dev/null >"$W/b.out" 2>&1 3>&- &
    b=$!
    made=""
    wait "$a" && made+=a
    wait "$b" && made+=b
    echo "round $round: made [$made]"
    cat "$W/a.out" "$W/b.out"
    [ "${#made}" -eq 1 ]
    loser=$([ "$made" = a ] && echo b || echo a)
    grep -E "is container $ID-$made's|container's cgroup is not empty" "$W/$loser.out"
    [ ! -e "$STATE/$ID-$loser" ]
    rt delete -f "$ID-$made"
    [ -z "$(find /sys/fs/cgroup -maxdepth 6 -name "$ID-race" 2>/dev/null)" ]
  done
}

@test "runtime cgroups: a cgroupsPath below or above another container's cgroup is refused" {
  only_strata  # runc 1.1 nests them
  # Nested, `pause` of the outer would freeze the inner, and its kill --all and
  # delete would reach the inner's processes.
  cfg ".linux.cgroupsPath = \"/$ID-outer\" | .process.args = [\"/bin/sleep\", \"60\"]"
  rt create -b "$B" "$ID-a" </dev/null >/dev/null 2>&1 3>&-
  cfg ".linux.cgroupsPath = \"/$ID-outer/inner\""
  try_create -b "$B" "$ID-b"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "$ID-outer/inner\` is below container $ID-a's cgroup \`"
  [ ! -e "$STATE/$ID-b" ]
  rt delete -f "$ID-a"
  # Above a stopped container's cgroup (empty, so the not-empty check lets it pass).
  cfg ".linux.cgroupsPath = \"/$ID-x/inner\" | .process.args = [\"/bin/true\"]"
  rt create -b "$B" "$ID-a" </dev/null >/dev/null 2>&1 3>&-
  rt start "$ID-a"
  for _ in $(seq 50); do [ "$(rt state "$ID-a" | jq -r .status)" = stopped ] && break; sleep 0.1; done
  cfg ".linux.cgroupsPath = \"/$ID-x\" | .process.args = [\"/bin/sleep\", \"60\"]"
  try_create -b "$B" "$ID-b"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "$ID-x\` is above container $ID-a's cgroup \`"
  [ ! -e "$STATE/$ID-b" ]
  rt delete "$ID-a"
  # Siblings and a shared prefix of the name are not nested.
  cfg ".linux.cgroupsPath = \"/$ID-x/inner\""
  rt create -b "$B" "$ID-a" </dev/null >/dev/null 2>&1 3>&-
  cfg ".linux.cgroupsPath = \"/$ID-x/inner2\""
  rt create -b "$B" "$ID-b" </dev/null >/dev/null 2>&1 3>&-
  # ($ID-a made $ID-x; it stays if $ID-b is still below it.)
  rt delete -f "$ID-b"
  rt delete -f "$ID-a"
}

# dead PID: gone, or a zombie waiting for its new parent.
dead() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# The shell the next two tests run: a container without a pid namespace whose
# background sleep (its init's child) the test moves into a child cgroup.
CHILD_CGROUP_ARGS='.linux.namespaces |= map(select(.type != "pid")) | .process.args = ["/bin/sh", "-c", "sleep 1000 & exec sleep 1001"]'

# init_and_child: sets INIT and BG once the init has exec'd sleep 1001 and forked sleep 1000.
init_and_child() {
  INIT=$(rt state "$ID" | jq -r .pid)
  for _ in $(seq 50); do
    BG=$(tr -d ' \n' <"/proc/$INIT/task/$INIT/children" 2>/dev/null || true)
    [ -n "$BG" ] && [ "$(cat "/proc/$INIT/comm")" = sleep ] && return 0
    sleep 0.1
  done
  return 1
}

@test "runtime cgroups: kill --all and delete -f reach a child cgroup made inside the container's (v1)" {
  ! is_v2 || skip "checks the v1 hierarchies"
  cfg ".linux.cgroupsPath = \"/$ID\" | $CHILD_CGROUP_ARGS"
  rt run -d -b "$B" "$ID" </dev/null >/dev/null 2>&1 3>&-
  init_and_child
  PIDS_TO_KILL="$INIT $BG"
  # The background sleep leaves the leaf for a child cgroup in every hierarchy.
  for c in $(v1_controllers); do
    d=/sys/fs/cgroup/$c/$ID
    mkdir "$d/child"
    DIRS_TO_REMOVE="$d/child $d ${DIRS_TO_REMOVE:-}"
    if [ "$c" = cpuset ]; then
      cat "$d/cpuset.cpus" >"$d/child/cpuset.cpus"
      cat "$d/cpuset.mems" >"$d/child/cpuset.mems"
    fi
    echo "$BG" >"$d/child/cgroup.procs"
  done
  [ -z "$(grep -x "$BG" /sys/fs/cgroup/pids/$ID/cgroup.procs)" ]
  rt kill --all "$ID" KILL
  for _ in $(seq 50); do dead "$INIT" && dead "$BG" && break; sleep 0.1; done
  dead "$INIT"
  dead "$BG"
  rt delete -f "$ID"
  [ -z "$(find /sys/fs/cgroup -maxdepth 6 -name "$ID" 2>/dev/null)" ]
}

@test "runtime cgroups: kill --all and delete -f reach a child cgroup made inside the container's (v2)" {
  cfg ".linux.cgroupsPath = \"/$ID\" | .mounts |= map(select(.type != \"cgroup\")) | $CHILD_CGROUP_ARGS"
  cat >"$W/v2.sh" <<EOS
dead() { [ ! -e "/proc/\$1" ] || [ "\$(awk '{print \$3}' "/proc/\$1/stat" 2>/dev/null)" = Z ]; }
\$R run -d -b '$B' '$ID' </dev/null >/dev/null 2>&1 3>&- || echo run-failed
init=\$(\$R state '$ID' | jq -r .pid)
for _ in \$(seq 50); do
  bg=\$(tr -d ' \n' </proc/\$init/task/\$init/children 2>/dev/null)
  [ -n "\$bg" ] && [ "\$(cat /proc/\$init/comm)" = sleep ] && break
  sleep 0.1
done
echo "pids \$init \$bg"
mkdir /sys/fs/cgroup/$ID/child && echo \$bg >/sys/fs/cgroup/$ID/child/cgroup.procs && echo moved
\$R kill --all '$ID' KILL && echo killed
for _ in \$(seq 50); do dead \$init && dead \$bg && break; sleep 0.1; done
dead \$init && dead \$bg && echo both-dead
\$R delete -f '$ID' && echo deleted
test ! -e /sys/fs/cgroup/$ID && echo no-cgroup
# Only on failure is anything left: the test's own two processes and directories.
kill -9 \$init \$bg 2>/dev/null; sleep 0.2; rmdir /sys/fs/cgroup/$ID/child /sys/fs/cgroup/$ID 2>/dev/null
\$R delete -f '$ID' >/dev/null 2>&1
true
EOS
  run in_v2 ". '$W/v2.sh'"
  echo "$output"
  [ "$status" -eq 0 ]
  steps=$(grep -xE 'moved|killed|both-dead|deleted|no-cgroup' <<<"$output" | tr '\n' ' ')
  [ "$steps" = "moved killed both-dead deleted no-cgroup " ]
}
