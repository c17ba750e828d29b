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

@test "run -it and exec -it refuse a stdin that is not a terminal" {
  run strata run -it busybox true </dev/null
  [ "$status" -eq 125 ]
  [ "$output" = "strata: the input device is not a TTY" ]
  [ -z "$(strata ps -aq)" ]
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
