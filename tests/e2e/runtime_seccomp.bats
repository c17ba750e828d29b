#!/usr/bin/env bats
# linux.seccomp: actions, errno returns, argument filters, flags, and SCMP_ACT_NOTIFY
# with a real agent (tests/e2e/fixtures/seccomp_agent.py) at listenerPath.

load runtime_helpers

@test "runtime seccomp: rules with errno returns and argument filters" {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                     {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                      "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]},
                     {"names": ["no_such_syscall_at_all"], "action": "SCMP_ACT_ERRNO"}]}'
  cfg '.root.readonly = false'
  run_sh 'mkdir /tmp/x 2>&1; sleep 5 & kill -0 $! 2>&1; kill -TERM $! && echo term-ok'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"Operation not permitted"* ]]
  [[ "${lines[1]}" == *"Permission denied"* ]]
  [ "${lines[2]}" = "term-ok" ]
}

@test "runtime seccomp: default-deny with an allow list, with and without noNewPrivileges" {
  for nnp in true false; do
    cfg ".process.noNewPrivileges = $nnp | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,
          \"syscalls\": [{\"names\": [\"execve\", \"brk\", \"mmap\", \"munmap\", \"arch_prctl\", \"set_tid_address\",
            \"exit_group\", \"write\", \"writev\", \"getuid\", \"geteuid\", \"getpid\", \"rt_sigaction\", \"rt_sigprocmask\",
            \"ioctl\", \"read\", \"close\", \"fcntl\", \"prctl\", \"setgroups\", \"setresuid\", \"setresgid\", \"capset\",
            \"capget\", \"close_range\", \"openat\", \"open\", \"futex\", \"getppid\", \"stat\", \"newfstatat\", \"fstat\",
            \"uname\", \"mprotect\", \"getrandom\", \"prlimit64\", \"rseq\", \"set_robust_list\", \"seccomp\", \"poll\",
            \"fstatfs\", \"statfs\", \"sched_yield\", \"nanosleep\", \"clock_nanosleep\", \"gettid\", \"tgkill\",
            \"sigaltstack\", \"clone\", \"clone3\", \"epoll_create1\", \"epoll_ctl\", \"epoll_pwait\", \"epoll_wait\",
            \"madvise\", \"exit\", \"getdents64\", \"readlinkat\", \"dup3\", \"pipe2\", \"lseek\", \"fchdir\",
            \"chdir\", \"getcwd\", \"rt_sigreturn\", \"sched_getaffinity\", \"mincore\", \"getpgrp\", \"setsid\",
            \"execveat\", \"faccessat2\", \"access\", \"pread64\", \"socket\", \"connect\", \"sendto\",
            \"recvfrom\", \"getsockname\", \"getpeername\", \"setsockopt\", \"eventfd2\", \"fchown\", \"umask\",
            \"setuid\", \"setgid\", \"getgid\", \"getegid\"],
            \"action\": \"SCMP_ACT_ALLOW\"}]}"
    cfg '.process.args = ["/bin/echo", "allowed"]'
    run rt run -b "$B" "$ID"
    [ "$status" -eq 0 ]
    [ "$output" = "allowed" ]
  done
}

@test "runtime seccomp: a bad profile is an error naming the field" {
  only_strata
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"}]}'
  run rt run -b "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *'linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_EXPLODE"'* ]]
  [ ! -e "$STATE/$ID" ]
}

# start_agent COUNT: a seccomp agent on $W/agent.sock taking COUNT connections; it
# answers every notified call with "success" without running it.
start_agent() {
  python3 "$STRATA_SRC/tests/e2e/fixtures/seccomp_agent.py" "$W/agent.sock" "$W/agent.out" "$1" &
  AGENT=$!
  for _ in $(seq 50); do [ -e "$W/agent.sock.ready" ] && break; sleep 0.1; done
  [ -e "$W/agent.sock.ready" ]
}

notify_mkdir() {
  cfg ".root.readonly = false | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\",
        \"listenerPath\": \"$W/agent.sock\", \"listenerMetadata\": \"MKDIR=fake\",
        \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
}

@test "runtime seccomp: SCMP_ACT_NOTIFY sends the listener and the process state to the agent" {
  start_agent 1
  notify_mkdir
  run_sh 'mkdir /tmp/made && echo mkdir-ok; [ -d /tmp/made ] && echo exists || echo absent'
  [ "$status" -eq 0 ]
  # The agent answered "success" without making the directory.
  [ "${lines[0]}" = mkdir-ok ]
  [ "${lines[1]}" = absent ]
  wait "$AGENT"
  cat "$W/agent.out"
  jq -e --arg id "$ID" --arg b "$B" '.nfds == 1 and .fd == "anon_inode:seccomp notify"
      and .state.fds == ["seccompFd"] and .state.metadata == "MKDIR=fake"
      and .state.state.id == $id and .state.state.bundle == $b
      and .state.pid > 0 and .state.pid == .state.state.pid
      and (.state.ociVersion | startswith("1."))
      and ([.notified[] | select(. == 83 or . == 258)] | length) == 1' "$W/agent.out"
}

@test "runtime seccomp: an exec'd process hands its own listener to the agent" {
  start_agent 2
  notify_mkdir
  cfg '.process.args = ["/bin/sleep", "30"]'
  rt run -d -b "$B" "$ID"
  run rt exec "$ID" /bin/sh -c 'mkdir /tmp/e && echo mkdir-ok; [ -d /tmp/e ] && echo exists || echo absent'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = mkdir-ok ]
  [ "${lines[1]}" = absent ]
  rt kill "$ID" KILL
  wait "$AGENT"
  [ "$(wc -l <"$W/agent.out")" -eq 2 ]
  # The second connection is the exec's: its pid is not the init's.
  jq -se '.[1].state.pid != .[0].state.pid and .[1].state.state.pid == .[0].state.pid
          and (.[1].notified | length) == 1 and (.[0].notified | length) == 0' "$W/agent.out"
}

@test "runtime seccomp: a listenerPath nobody listens on fails create and leaves nothing" {
  notify_mkdir
  create_fails_with "linux.seccomp.listenerPath \`$W/agent.sock\`: connect: No such file or directory"
}

@test "runtime seccomp: bad notify profiles are errors naming the field" {
  only_strata
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  create_fails_with 'linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath'
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x.sock"}'
  create_fails_with 'linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action'
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x.sock",
                         "syscalls": [{"names": ["read", "sendmsg"], "action": "SCMP_ACT_NOTIFY"}]}'
  create_fails_with 'linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY cannot be used for sendmsg'
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "x"}'
  create_fails_with 'linux.seccomp.listenerMetadata: needs linux.seccomp.listenerPath'
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": 7}'
  create_fails_with 'linux.seccomp.listenerPath: want a string'
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x.sock", "flags": ["SECCOMP_FILTER_FLAG_TSYNC"],
                         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  create_fails_with 'linux.seccomp.flags: SECCOMP_FILTER_FLAG_TSYNC cannot be combined with SCMP_ACT_NOTIFY'
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 1, "value": 0, "op": 3}]}]}'
  create_fails_with 'linux.seccomp.syscalls[0].args[0].op: want a string'
}

# A default-deny profile that allows what a minimal static program needs (busybox
# echo, from strace) and what strata-runtime's init does after loading the filter (from
# strace): send its ready message, open, write and close the exec fifo, execve, and
# without noNewPrivileges, where the filter must load while CAP_SYS_ADMIN is still
# there, the user and capability changes. No close_range, no fcntl, no mmap.
MINIMAL_ALLOW='["arch_prctl", "brk", "execve", "exit_group", "getrandom", "getuid", "mprotect",
  "prlimit64", "readlink", "rseq", "set_robust_list", "set_tid_address", "write",
  "openat", "close", "prctl", "setgroups", "setresgid", "setresuid", "capset"]'
# runc (the reference, RUNTIME=runc) also needs its Go runtime's calls, its fd closing
# (fcntl, getdents64) and more: the same test runs it with those added.
RUNC_EXTRA='["capget", "setgid", "setuid", "chdir", "faccessat2", "fcntl", "fstat", "fstatfs",
  "futex", "getcwd", "getdents64", "getpid", "getppid", "epoll_ctl", "epoll_pwait", "kill",
  "nanosleep", "newfstatat", "openat2", "read", "rt_sigreturn", "sched_yield", "shutdown",
  "tgkill", "rt_sigprocmask", "sigaltstack", "gettid", "mmap", "munmap", "madvise", "clone",
  "exit"]'

minimal_profile() {
  local allow=$MINIMAL_ALLOW
  [[ "$RUNTIME_NAME" == strata-runtime ]] || allow=$(jq -cn "$MINIMAL_ALLOW + $RUNC_EXTRA")
  cfg ".process.noNewPrivileges = $1 | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ERRNO\",
        \"architectures\": [\"SCMP_ARCH_X86_64\"],
        \"syscalls\": [{\"names\": $allow, \"action\": \"SCMP_ACT_ALLOW\"}]}"
}

@test "runtime seccomp: a default-deny profile without close_range runs, with and without noNewPrivileges" {
  for nnp in true false; do
    minimal_profile $nnp
    cfg '.process.args = ["/bin/echo", "allowed"]'
    run rt run -b "$B" "$ID"
    echo "noNewPrivileges=$nnp: $output"
    [ "$status" -eq 0 ]
    [ "$output" = "allowed" ]
  done
}

@test "runtime seccomp: exec under a default-deny profile without close_range, with and without noNewPrivileges" {
  for nnp in true false; do
    cfg '.process.args = ["/bin/sleep", "60"] | del(.linux.seccomp)'
    rt run -d -b "$B" "$ID"
    # exec takes the bundle's profile.
    minimal_profile $nnp
    run rt exec "$ID" /bin/echo allowed
    echo "noNewPrivileges=$nnp: $output"
    [ "$status" -eq 0 ]
    [ "$output" = "allowed" ]
    rt delete -f "$ID"
  done
}

@test "runtime seccomp: a bad profile is refused before anything is made" {
  only_strata
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"}]}'
  # Nothing at all: no state directory, no cgroup made and removed again.
  run strace -f -qq -e trace=mkdir,mkdirat,mknodat -o "$W/trace" "$RUNTIME" --root "$STATE" create -b "$B" "$ID"
  echo "$output"
  [ "$status" -ne 0 ]
  assert_output_has 'linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_EXPLODE"'
  cat "$W/trace"
  ! grep -q 'mkdir' "$W/trace"
  [ ! -e "$STATE" ]
}
