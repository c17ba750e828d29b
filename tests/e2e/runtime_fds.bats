#!/usr/bin/env bats
# File descriptors (CVE-2024-21626 class): a container gets stdio and the preserved fds
# and nothing else of the runtime; preserved fds that are not open are refused, so no
# fd the runtime opens (a cgroup directory, the exec fifo, a /proc/<pid>/fd directory
# of the host) can take their numbers. Checked on cgroup v1 and v2.
# bats keeps fd 3 open for its own output: every test names fds 3-5 explicitly.

load runtime_helpers

# Prints, for each fd 0-5 that is open in the container, "N -> target" (targets outside
# the rootfs end in the host file's name), then every fd number open in the shell.
FD_PROBE='for fd in 3 4 5; do [ -e /proc/self/fd/$fd ] && echo "$fd -> $(readlink /proc/self/fd/$fd)"; done
  for fd in 3 4 5; do [ -e /proc/self/fd/$fd ] && eval "read -r line <&$fd" && echo "$fd: $line"; done
  echo fds: $(ls /proc/self/fd)'

make_fd_files() {
  for n in 3 4 5 7; do echo "content-$n" >"$W/pf$n"; done
}

# check_fd_probe: the output of FD_PROBE for fds 3, 4 and 5 preserved.
check_fd_probe() {
  echo "$output"
  [[ "${lines[0]}" == "3 -> "*/pf3 ]]
  [[ "${lines[1]}" == "4 -> "*/pf4 ]]
  [[ "${lines[2]}" == "5 -> "*/pf5 ]]
  [ "${lines[3]}" = "3: content-3" ]
  [ "${lines[4]}" = "4: content-4" ]
  [ "${lines[5]}" = "5: content-5" ]
  # 0-2 stdio, 3-5 preserved, 6 is ls's own directory fd; fd 7 of the caller is not there.
  [ "${lines[6]}" = "fds: 0 1 2 3 4 5 6" ]
}

@test "runtime fds: the container sees stdio and the preserved fds, each the caller's file (v1)" {
  make_fd_files
  cfg ".process.args = [\"/bin/sh\", \"-c\", $(jq -Rn --arg s "$FD_PROBE" '$s')]"
  run rt run --preserve-fds 3 -b "$B" "$ID" 3<"$W/pf3" 4<"$W/pf4" 5<"$W/pf5" 7<"$W/pf7" </dev/null
  [ "$status" -eq 0 ]
  check_fd_probe
}

@test "runtime fds: the container sees stdio and the preserved fds, each the caller's file (v2)" {
  make_fd_files
  cfg ".process.args = [\"/bin/sh\", \"-c\", $(jq -Rn --arg s "$FD_PROBE" '$s')]
       | .mounts |= map(select(.type != \"cgroup\"))"
  run in_v2 "\$R run --preserve-fds 3 -b '$B' '$ID' 3<'$W/pf3' 4<'$W/pf4' 5<'$W/pf5' 7<'$W/pf7' </dev/null"
  [ "$status" -eq 0 ]
  check_fd_probe
}

@test "runtime fds: exec --preserve-fds passes exactly the caller's files" {
  make_fd_files
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID" 3<&- 4<&- 5<&-
  run rt exec --preserve-fds 3 "$ID" /bin/sh -c "$FD_PROBE" 3<"$W/pf3" 4<"$W/pf4" 5<"$W/pf5" 7<"$W/pf7" </dev/null
  [ "$status" -eq 0 ]
  check_fd_probe
}

@test "runtime fds: preserved fds that are not open are refused, naming them (v1)" {
  only_strata  # runc hands over whatever holds those numbers by then
  echo x >"$W/pf3"
  cfg ".process.args = [\"/bin/sh\", \"-c\", $(jq -Rn --arg s "$FD_PROBE" '$s')]"
  run rt run --preserve-fds 3 -b "$B" "$ID" 3<"$W/pf3" 4<&- 5<&-
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "--preserve-fds 3: fds 4, 5 are not open"
  assert_nothing_left
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID" 3<&- 4<&- 5<&-
  run rt exec --preserve-fds 2 "$ID" /bin/true 3<&- 4<&-
  [ "$status" -ne 0 ]
  assert_output_has "--preserve-fds 2: fds 3, 4 are not open"
}

@test "runtime fds: preserved fds that are not open are refused on a pure v2 host" {
  only_strata
  # Before the fix, fd 3 was the host's cgroup directory, 4 the exec fifo and 5 a host
  # /proc/<pid>/fd directory, from which `..` reaches the host's /proc and root.
  cfg ".process.args = [\"/bin/sh\", \"-c\", $(jq -Rn --arg s "$FD_PROBE" '$s')]
       | .mounts |= map(select(.type != \"cgroup\"))"
  run in_v2 "\$R run --preserve-fds 3 -b '$B' '$ID' 3<&- 4<&- 5<&-"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has "--preserve-fds 3: fds 3, 4, 5 are not open"
  [ ! -e "$STATE/$ID" ]
}

@test "runtime fds: a closed stdin, stdout or stderr of the caller becomes /dev/null" {
  only_strata  # the runtime's own files must not take those numbers either
  cfg ".process.args = [\"/bin/sh\", \"-c\", \"readlink /proc/self/fd/0; echo fds: \$(ls /proc/self/fd)\"]"
  # Not through `run`, which gives the command a stdin of its own.
  rt run -b "$B" "$ID" <&- 3<&- >"$W/out"
  cat "$W/out"
  [ "$(sed -n 1p "$W/out")" = /dev/null ]
  [ "$(sed -n 2p "$W/out")" = "fds: 0 1 2 3" ]
}

@test "runtime fds: until execve the init is not dumpable: its host fds, root and cwd are closed to the container" {
  # A created container's init holds host fds (/proc/self/fd of the host's procfs, the
  # exec fifo) and, before pivot_root, the host's root. A process exec'd into it (or
  # sharing its pid namespace) must not follow /proc/1/fd/N, /proc/1/root or cwd (the
  # reviewer's way to the host: /proc/1/fd/N/../.. was the host's /proc).
  only_strata  # runc 1.1's init is dumpable there (its root is the container's by then)
  cfg '.process.args = ["/bin/sleep", "60"]'
  try_create -b "$B" "$ID"
  [ "$status" -eq 0 ]
  probe='n=0; for f in /proc/1/fd/*; do readlink "$f" >/dev/null 2>&1 && n=$((n + 1)); done; echo "fds followed: $n"
    for p in root cwd; do ls /proc/1/$p/ >/dev/null 2>&1 && echo "$p open" || echo "$p closed"; done'
  run rt exec "$ID" sh -c "$probe"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "fds followed: 0
root closed
cwd closed" ]
  # Once the program runs (execve resets it), the container's own root sees its init.
  rt start "$ID"
  run rt exec "$ID" sh -c "$probe"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" != "fds followed: 0" ]
  [ "${lines[1]}" = "root open" ]
}
