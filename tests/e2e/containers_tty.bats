#!/usr/bin/env bats
# Terminals, attach and exec: run -t (a pty from the runtime's console socket, relayed by
# the monitor), the CLI's raw terminal and window size, ctrl-c as a byte on the pty, the
# detach keys, attach, exec (-i -t -d -e -u -w), their exit codes, and a client that
# never reads not stalling the log. pty_run.py gives the CLI a terminal.
load container_helpers
bats_require_minimum_version 1.5.0

PTY=$STRATA_SRC/tests/e2e/fixtures/pty_run.py

# $output without the terminal's carriage returns.
nocr() { output=${output//$'\r'/}; }

# Waits (up to 10 s) until container $1 is running.
wait_running() {
  local i
  for i in $(seq 100); do
    [[ "$(strata ps -q --no-trunc)" == *"$1"* ]] && return 0
    sleep 0.1
  done
  return 1
}

@test "run -t: the process has a pty of the terminal's size, its exit code comes back" {
  run "$PTY" --size 33 91 -- "$STRATA_BIN" run --rm -t busybox sh -c 'stty size; tty; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  nocr
  [ "$output" = $'33 91\n/dev/pts/0\nerr' ]
}

@test "run -t: the log holds the pty's output as one stream, stdout" {
  strata run -t --name t1 busybox sh -c 'echo out; echo err >&2' >/dev/null
  run strata logs t1
  [ "$status" -eq 0 ]
  [ "$output" = $'out\r\nerr\r' ]
  run jq -r .stream "$STRATA_ROOT/containers/$(strata ps -aq --no-trunc)/log"
  [ "$output" = $'stdout\nstdout' ]
}

@test "run -it: ctrl-c is a byte on the pty, the container's shell gets SIGINT from it" {
  run "$PTY" --send 'ready' '\x03' -- "$STRATA_BIN" run --rm -it busybox \
    sh -c 'trap "echo got-int; exit 7" INT; echo ready; sleep 20 & wait'
  [ "$status" -eq 7 ]
  assert_output_has "got-int"
}

@test "run -it: the terminal's typed input reaches the process, and a resize too" {
  # The WINCH trap is set before anything is typed, and the resize waits for the line
  # to be read: no order of events on a loaded machine loses the signal.
  run "$PTY" --size 10 40 --send 'first' 'typed-line\r' --resize 'got typed-line' 50 120 \
    --send 'resized' 'x\r' -- "$STRATA_BIN" run --rm -it busybox sh -c \
    'trap "echo resized" WINCH; stty size; echo first; read l; echo "got $l";
     while :; do sleep 0.1; done & pid=$!; sleep 1; stty size; read y; kill $pid; exit 0'
  [ "$status" -eq 0 ]
  assert_output_has $'10 40\r'
  assert_output_has "got typed-line"
  assert_output_has $'50 120\r'
}

@test "run -it: ctrl-p ctrl-q detaches and the container runs on; attach again, then its exit code" {
  run "$PTY" --send 'ready' '\x10\x11' -- "$STRATA_BIN" run -it --name det busybox \
    sh -c 'echo ready; read line; echo "line=$line"; exit 4'
  [ "$status" -eq 0 ]
  [[ "$output" != *"read escape sequence"* ]]
  [ "$(strata ps -q | wc -l)" -eq 1 ]
  run "$PTY" --send '' 'again\r' -- "$STRATA_BIN" attach det
  [ "$status" -eq 4 ]
  assert_output_has "line=again"
  [ "$(strata wait det)" = 4 ]
}

@test "attach --detach-keys: Docker's message and exit code 1; the container runs on" {
  strata run -dit --name d2 busybox sh -c 'while :; do echo tick; sleep 0.2; done' >/dev/null
  run "$PTY" --send 'tick' '\x01' -- "$STRATA_BIN" attach --detach-keys ctrl-a d2
  [ "$status" -eq 1 ]
  assert_output_has "read escape sequence"
  run "$PTY" --send 'tick' 'q' -- "$STRATA_BIN" attach --detach-keys q d2
  [ "$status" -eq 1 ]
  [ "$(strata ps -q | wc -l)" -eq 1 ]
}

@test "attach: bad detach keys, a stopped container and an unknown one are refused with 125" {
  strata run -dit --name d3 busybox sh >/dev/null
  run strata attach --detach-keys ctrl-pp d3
  [ "$status" -eq 125 ]
  [ "$output" = "strata: Invalid detach keys (ctrl-pp) provided: Unknown character: 'ctrl-pp'" ]
  run strata run -it --detach-keys 'ctrl-p,' busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: Invalid detach keys (ctrl-p,) provided: Unknown character: ''" ]
  strata create --name stopped busybox true >/dev/null
  run strata attach stopped
  [ "$status" -eq 125 ]
  [ "$output" = "strata: You cannot attach to a stopped container, start it first" ]
  run strata attach nosuch
  [ "$status" -eq 125 ]
  [ "$output" = "strata: No such container: nosuch" ]
}

@test "run -it and exec -it refuse a stdin that is not a terminal: Docker's message, exit 1" {
  run strata run -it busybox true </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "strata: the input device is not a TTY" ]
  [ -z "$(strata ps -aq)" ]
  strata run -d --name nt busybox sleep 100 >/dev/null
  run strata exec -it nt sh -c 'echo ran > /tmp/ran' </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "strata: the input device is not a TTY" ]
  run strata exec nt cat /tmp/ran
  [ "$status" -eq 1 ]
}

@test "attach without a tty: output and exit code; stdin passes through with -i" {
  strata run -di --name a1 busybox sh -c 'read l; echo "got $l"; exit 6' >/dev/null
  run bash -c "sleep 0.5; echo hello | '$STRATA_BIN' attach a1"
  [ "$status" -eq 6 ]
  [ "$output" = "got hello" ]
}

@test "exec: the command's output, stderr and exit code; 127 for a missing command" {
  strata run -d --name e1 busybox sleep 100 >/dev/null
  run strata exec e1 sh -c 'echo out; exit 9'
  [ "$status" -eq 9 ]
  [ "$output" = "out" ]
  run bash -c "'$STRATA_BIN' exec e1 sh -c 'echo err >&2' 2>&1 >/dev/null"
  [ "$output" = "err" ]
  run -127 strata exec e1 /no/such/cmd
  assert_output_has '"/no/such/cmd": No such file or directory'
  run -127 strata exec e1 nosuch
  assert_output_has 'exec: "nosuch": executable file not found in $PATH'
  run -126 strata exec e1 /etc/passwd
}

@test "exec -e -u -w -i, and -d returns at once" {
  strata run -d -e A=1 --name e2 busybox sleep 100 >/dev/null
  run strata exec -e FOO=bar -e A=2 -w /tmp -u nobody e2 sh -c 'echo $FOO $A $(pwd) $(id -u):$(id -g)'
  [ "$status" -eq 0 ]
  [ "$output" = "bar 2 /tmp 65534:65534" ]
  run bash -c "echo piped | '$STRATA_BIN' exec -i e2 cat"
  [ "$output" = "piped" ]
  run bash -c "echo piped | '$STRATA_BIN' exec e2 cat"
  [ "$output" = "" ]
  start=$(date +%s)
  run strata exec -d e2 sh -c 'sleep 1; echo done > /tmp/mark; sleep 3'
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  [ $(( $(date +%s) - start )) -lt 2 ]
  sleep 1.5
  [ "$(strata exec e2 cat /tmp/mark)" = "done" ]
  run strata exec -u nosuchuser e2 true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: user: unable to find user nosuchuser: no matching entries in passwd file" ]
  run strata exec -w rel e2 true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: the working directory 'rel' is invalid, it needs to be an absolute path" ]
}

@test "exec -u resolves the user in the running container's tree, not the image's" {
  strata run -d --name u1 busybox sleep 100 >/dev/null
  # Added, and changed, in the container's rw layer.
  strata exec u1 sh -c 'echo "newguy:x:1234:1234::/tmp:/bin/sh" >> /etc/passwd &&
    echo "newgrp:x:1234:" >> /etc/group && sed -i "s/^nobody:x:65534:65534:/nobody:x:4321:4321:/" /etc/passwd'
  run strata exec -u newguy u1 sh -c 'echo $(id -u):$(id -g)'
  [ "$status" -eq 0 ]
  [ "$output" = "1234:1234" ]
  run strata exec -u nobody u1 id -u
  [ "$output" = "4321" ]
  run strata exec -u nobody:newgrp u1 id -g
  [ "$output" = "1234" ]
  # A symlink to a host path is resolved inside the container's root: the host's file
  # is never read.
  echo "hostonly:x:777:777::/:/bin/sh" >"$W/hostpasswd"
  strata exec u1 ln -sf "$W/hostpasswd" /etc/passwd
  run strata exec -u hostonly u1 true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: user: unable to find user hostonly: no matching entries in passwd file" ]
  # A FIFO in its place is refused at once, not read (which would hang the CLI).
  strata exec u1 sh -c 'rm /etc/passwd && mkfifo /etc/passwd'
  run timeout 10 "$STRATA_BIN" exec -u nobody u1 true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: user: \`/etc/passwd\` is not a regular file" ]
  # A device node in its place is refused without being opened: the host driver's open
  # would run (major 240 has no driver: an open fails with ENXIO, a check does not).
  strata exec u1 sh -c 'rm /etc/passwd && mknod /etc/passwd c 240 0'
  run timeout 10 "$STRATA_BIN" exec -u nobody u1 true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: user: \`/etc/passwd\` is not a regular file" ]
  strata exec u1 sh -c 'rm /etc/passwd && echo "nobody:x:65534:65534::/:/bin/sh" > /etc/passwd && rm /etc/group && mknod /etc/group c 240 0'
  run timeout 10 "$STRATA_BIN" exec -u nobody u1 true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: user: \`/etc/group\` is not a regular file" ]
}

@test "exec: the process gets pipes, never the CLI's own stdout, stderr or stdin" {
  strata run -d --name p1 busybox sleep 100 >/dev/null
  strata exec p1 sh -c 'for f in 0 1 2; do readlink /proc/$$/fd/$f; done; [ -f /proc/self/fd/1 ] && echo regular-file; exit 0' \
    >"$W/out" 2>"$W/err"
  run cat "$W/out"
  [ "${lines[0]}" = /dev/null ]
  [[ "${lines[1]}" == pipe:* ]]
  [[ "${lines[2]}" == pipe:* ]]
  [ "${#lines[@]}" -eq 3 ]
  # A process left in the background cannot write to the CLI's file after it exits.
  strata exec p1 sh -c '(sleep 1; echo late) & echo now' >"$W/late"
  sleep 2
  [ "$(cat "$W/late")" = now ]
  # -i: stdin is a pipe too, not the CLI's terminal (TIOCSTI would type into it).
  run "$PTY" -- "$STRATA_BIN" exec -i p1 sh -c '[ -t 0 ] && echo stdin-is-a-tty || readlink /proc/self/fd/0'
  nocr
  [[ "$output" == pipe:* ]]
  # -d: /dev/null, the runtime's error file included.
  strata exec -d p1 sh -c 'echo "$(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2)" > /tmp/fds'
  local i
  for i in $(seq 50); do strata exec p1 test -s /tmp/fds && break; sleep 0.1; done
  [ "$(strata exec p1 cat /tmp/fds)" = "/dev/null /dev/null /dev/null" ]
  # -t: the process's terminal is a new pty of the container's own devpts.
  run "$PTY" -- "$STRATA_BIN" exec -t p1 sh -c 'echo "$(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1) $(ls /dev/pts)"'
  nocr
  [ "$output" = $'/dev/pts/0 /dev/pts/0 0\nptmx' ]
}

@test "exec relay: large input and output, stdin EOF, exit code, signals reach the process" {
  strata run -d --name r1 busybox sleep 100 >/dev/null
  [ "$(head -c 3000000 /dev/zero | strata exec -i r1 wc -c)" = 3000000 ]
  [ "$(strata exec r1 sh -c 'head -c 3000000 /dev/zero' | wc -c)" = 3000000 ]
  run bash -c "'$STRATA_BIN' exec r1 sh -c 'head -c 200000 /dev/zero >&2; exit 4' 2>&1 >/dev/null | wc -c"
  [ "$output" = 200000 ]
  run bash -c "printf 'a\nb\n' | '$STRATA_BIN' exec -i r1 sh -c 'cat; echo eof; exit 6'"
  [ "$status" -eq 6 ]
  [ "$output" = $'a\nb\neof' ]
  "$STRATA_BIN" exec r1 sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done' >"$W/sig" &
  local cli=$! i
  for i in $(seq 100); do grep -q ready "$W/sig" && break; sleep 0.1; done
  kill -TERM "$cli"
  local code=0
  wait "$cli" || code=$?
  [ "$code" -eq 3 ]
  [ "$(cat "$W/sig")" = $'ready\ngot-term' ]
}

@test "exec --env-file: the file's variables, then -e; a missing file is refused with 125" {
  strata run -d --name ef busybox sleep 100 >/dev/null
  printf 'A=1\n# comment\nB=2\n' >"$W/env"
  run strata exec --env-file "$W/env" -e B=3 ef sh -c 'echo $A $B'
  [ "$status" -eq 0 ]
  [ "$output" = "1 3" ]
  run strata exec --env-file "$W/nosuch" ef true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: open $W/nosuch: no such file or directory" ]
}

@test "exec -it --detach-keys: the CLI detaches and the process runs on; bad keys are refused" {
  skip "known broken: after the detach the process does not survive (the pty holder does not keep it)"
  strata run -d --name dk busybox sleep 100 >/dev/null
  run "$PTY" --send 'ready' '\x01' -- "$STRATA_BIN" exec -it --detach-keys ctrl-a dk \
    sh -c 'echo ready; sleep 2; echo survived > /tmp/after; sleep 100'
  [ "$status" -eq 0 ]
  local i
  for i in $(seq 50); do strata exec dk test -f /tmp/after && break; sleep 0.1; done
  [ "$(strata exec dk cat /tmp/after)" = survived ]
  run strata exec -it --detach-keys ctrl-pp dk true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: Invalid detach keys (ctrl-pp) provided: Unknown character: 'ctrl-pp'" ]
}

@test "exec --privileged has every capability, plain exec the container's" {
  strata run -d --name e3 busybox sleep 100 >/dev/null
  run strata exec e3 sh -c 'grep CapEff /proc/self/status'
  [ "$output" = $'CapEff:\t00000000a80425fb' ]
  run strata exec --privileged e3 sh -c 'grep CapEff /proc/self/status'
  [ "$output" != $'CapEff:\t00000000a80425fb' ]
  [ "$output" = "CapEff:$(grep CapBnd /proc/self/status | cut -d: -f2)" ]
}

@test "exec -t: a pty of the terminal's size; -it passes input; exit code" {
  strata run -d --name e4 busybox sleep 100 >/dev/null
  run "$PTY" --size 20 70 -- "$STRATA_BIN" exec -t e4 sh -c 'stty size; exit 3'
  [ "$status" -eq 3 ]
  nocr
  [ "$output" = "20 70" ]
  run "$PTY" --send 'name?' 'bob\r' -- "$STRATA_BIN" exec -it e4 sh -c 'echo name?; read n; echo "hi $n"; exit 5'
  [ "$status" -eq 5 ]
  assert_output_has "hi bob"
  run -127 "$PTY" -- "$STRATA_BIN" exec -it e4 nosuch
  run strata exec -dt e4 true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: exec -d with -t is not supported: nothing would hold the terminal" ]
}

@test "exec into a stopped container, an unknown one: 125" {
  strata create --name ex busybox true >/dev/null
  run strata exec ex true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: container $(strata ps -aq --no-trunc) is not running" ]
  run strata exec nosuch true
  [ "$status" -eq 125 ]
  [ "$output" = "strata: No such container: nosuch" ]
}

@test "runc: run -t, exec, exec -t and their exit codes" {
  run "$PTY" --size 21 71 -- "$STRATA_BIN" run --runtime runc --rm -t busybox sh -c 'stty size; exit 2'
  [ "$status" -eq 2 ]
  nocr
  [ "$output" = "21 71" ]
  strata run --runtime runc -d --name rc1 busybox sleep 100 >/dev/null
  run strata exec -e X=y rc1 sh -c 'echo $X; exit 8'
  [ "$status" -eq 8 ]
  [ "$output" = "y" ]
  run "$PTY" --size 22 72 -- "$STRATA_BIN" exec -t rc1 sh -c 'stty size; exit 3'
  [ "$status" -eq 3 ]
  nocr
  [ "$output" = "22 72" ]
  run -127 strata exec rc1 nosuch
  run "$PTY" --send 'ready' '\x10\x11' -- "$STRATA_BIN" run --runtime runc -it --name rc2 busybox sh -c 'echo ready; sleep 100'
  [ "$status" -eq 0 ]
  [ "$(strata ps -q | wc -l)" -eq 2 ]
}

@test "a client that never reads does not stall the log; the monitor drops it" {
  strata run -d --name s1 busybox sh -c 'sleep 2; yes 0123456789abcdefghij | head -n 100000; sleep 100' >/dev/null
  id=$(strata ps -q --no-trunc)
  # Connects to the attach socket (through /proc/self/fd: the path is longer than
  # sun_path holds), reads nothing for 8 s, then reads what is there: the end of the
  # stream (the monitor dropped it), not a socket still open.
  python3 -c '
import os, socket, sys, time
d = os.open(sys.argv[1], os.O_PATH)
s = socket.socket(socket.AF_UNIX)
s.connect("/proc/self/fd/%d/attach.sock" % d)
print("connected", flush=True)
time.sleep(8)
s.settimeout(2)
try:
    while s.recv(65536):
        pass
    print("dropped")
except socket.timeout:
    print("still open")' "$STRATA_RUNROOT/containers/$id" >"$W/stuck.out" 2>&1 &
  stuck=$!
  local i n=0
  for i in $(seq 100); do
    n=$(strata logs s1 | wc -c)
    [ "$n" -ge 2100000 ] && break
    sleep 0.1
  done
  wait "$stuck"
  [ "$n" -eq 2100000 ]
  [ "$(cat "$W/stuck.out")" = $'connected\ndropped' ]
}

@test "attach: stdin a container never reads does not stall its monitor (log, stop)" {
  strata run -d -i --name s busybox sh -c 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done' >/dev/null
  # 4 MiB into a stdin nobody reads: far more than the pipe holds.
  head -c 4194304 /dev/zero | timeout 30 "$STRATA_BIN" attach s >/dev/null 2>&1 &
  apid=$!
  sleep 1
  n1=$(strata logs s | wc -l)
  sleep 1
  n2=$(strata logs s | wc -l)
  echo "log lines: $n1 then $n2"
  [ "$n2" -gt $((n1 + 3)) ]
  run timeout 20 "$STRATA_BIN" stop -t 1 s
  [ "$status" -eq 0 ]
  [ "$(strata inspect -f '{{.State.Status}}' s)" = exited ]
  # The attach ends with the container.
  for _ in $(seq 50); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$apid" 2>/dev/null
}
