#!/usr/bin/env bats
# Restart policies (--restart), applied by the monitor with Docker's back-off; stop, kill,
# rm -f and a killed monitor during the back-off; OOM kills recorded; `start --all` after
# a simulated reboot brings back exactly the containers Docker would.

load container_helpers

# Prints "STATUS RESTARTCOUNT EXITCODE" of container $1.
state_of() {
  strata inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "$1"
}

# Waits (up to 20 s) until container $1 is waiting to restart for at least the $2-th time.
wait_restarting() {
  local s
  for _ in $(seq 400); do
    s=$(state_of "$1")
    set -- "$1" "$2" $s
    if [ "$3" = restarting ] && [ "$4" -ge "$2" ]; then return 0; fi
    sleep 0.05
  done
  echo "container $1 never restarting ($2): $s" >&2
  return 1
}

# Waits (up to 20 s) until container $1 has exited for good (its monitor gone).
wait_exited() {
  for _ in $(seq 400); do
    [[ "$(state_of "$1")" == exited* ]] && return 0
    sleep 0.05
  done
  echo "container $1 still $(state_of "$1")" >&2
  return 1
}

monitor_pid() {
  pgrep -f "strata-monitor $1 " | head -1
}

now_ms() { date +%s%3N; }

@test "on-failure:2 of exit 3: two restarts in the same rw layer, then exited (3)" {
  id=$(strata run -d --restart on-failure:2 --name f busybox \
    sh -c 'echo x >> /runs; echo "run $(wc -l < /runs)"; exit 3')
  # wait returns at each exit, as Docker's does (the policy goes on).
  run strata wait f
  [ "$status" -eq 0 ]
  [ "$output" = 3 ]
  [[ "$(state_of f)" != exited* ]]
  wait_exited f
  [ "$(state_of f)" = "exited 2 3" ]
  run strata inspect -f '{{json .HostConfig.RestartPolicy}} {{.State.Restarting}} {{.State.Running}}' f
  [ "$output" = '{"Name":"on-failure","MaximumRetryCount":2} false false' ]
  # One log across the runs; each run saw the files of the one before.
  [ "$(strata logs f)" = "$(printf 'run 1\nrun 2\nrun 3')" ]
  [[ "$(strata ps -a)" == *"Exited (3) "*" f" ]]
  assert_no_mounts
  assert_no_cgroups "$id"
  [ ! -e "$STRATA_RUNROOT/containers/$id" ]
  # A user's start begins a new series: the count starts again from 0.
  strata start f
  wait_exited f
  [ "$(state_of f)" = "exited 2 3" ]
  [ "$(strata logs f | wc -l)" -eq 6 ]
}

@test "a process that exits 0 under on-failure is not restarted" {
  strata run -d --restart on-failure --name ok busybox echo once >/dev/null
  run strata wait ok
  [ "$output" = 0 ]
  sleep 0.3
  [ "$(state_of ok)" = "exited 0 0" ]
  [ "$(strata logs ok)" = once ]
}

@test "an attached run returns the first exit code while the policy restarts it" {
  run strata run --name att --restart on-failure:1 busybox sh -c 'echo hi; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = hi ]
  wait_exited att
  [ "$(state_of att)" = "exited 1 4" ]
}

@test "always restarts until stopped; stop ends it for good" {
  id=$(strata run -d --restart always --name a busybox sh -c 'echo up; exit 1')
  wait_restarting a 3
  run strata stop -t 1 a
  [ "$status" -eq 0 ]
  read -r st count code < <(state_of a)
  [ "$st" = exited ]
  [ "$count" -ge 3 ]
  sleep 1
  [ "$(state_of a)" = "$st $count $code" ]
  [ -z "$(monitor_pid "$id")" ]
  assert_no_mounts
  assert_no_cgroups "$id"
  # The next start applies the policy again.
  strata start a
  wait_restarting a 1
  strata rm -f a
}

@test "unless-stopped and always: a user stop or kill is not undone by the policy" {
  strata run -d --restart unless-stopped --name u busybox sleep 1000 >/dev/null
  strata run -d --restart always --name al busybox sleep 1000 >/dev/null
  run strata stop -t 1 u
  [ "$status" -eq 0 ]
  run strata kill al
  [ "$status" -eq 0 ]
  wait_exited al
  sleep 0.5
  [ "$(state_of u)" = "exited 0 137" ]  # sleep as PID 1 ignores SIGTERM: killed after 1 s
  [ "$(state_of al)" = "exited 0 137" ]
  [ -z "$(strata ps -q)" ]
}

@test "kill -s with a custom stop signal: another signal keeps the policy, the stop signal ends it" {
  # moby's killWithSignal: with a StopSignal of its own, only that signal (or KILL)
  # cancels the restart policy.
  strata run -d --restart always --stop-signal USR2 --name ks busybox \
    sh -c 'trap "exit 3" USR1; trap "exit 4" USR2; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  run strata kill -s USR1 ks
  [ "$status" -eq 0 ]
  wait_restarting ks 1
  for _ in $(seq 100); do [[ "$(state_of ks)" == running* ]] && break; sleep 0.05; done
  read -r st count code < <(state_of ks)
  [ "$st $count $code" = "running 1 0" ]  # a running container shows 0, as Docker
  sleep 0.3
  run strata kill -s USR2 ks
  [ "$status" -eq 0 ]
  wait_exited ks
  sleep 0.5
  [ "$(state_of ks)" = "exited 1 4" ]
  # Without a StopSignal of its own, any signal ends the policy (as Docker).
  strata run -d --restart always --name kn busybox \
    sh -c 'trap "exit 3" USR1; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  strata kill -s USR1 kn
  wait_exited kn
  sleep 0.5
  [ "$(state_of kn)" = "exited 0 3" ]
}

@test "a process killed from outside is restarted, with a new pid" {
  id=$(strata run -d --restart always --name k busybox sleep 1000)
  pid=$(cat "$STRATA_RUNROOT/containers/$id/pid")
  kill -9 "$pid"
  for _ in $(seq 100); do
    read -r st count _ < <(state_of k)
    [ "$st" = running ] && [ "$count" -eq 1 ] && break
    sleep 0.05
  done
  [ "$(state_of k)" = "running 1 0" ]
  newpid=$(strata inspect -f '{{.State.Pid}}' k)
  [ "$newpid" != "$pid" ]
  [ "$newpid" = "$(cat "$STRATA_RUNROOT/containers/$id/pid")" ]
  kill -0 "$newpid"
}

@test "stop during the back-off ends it at once, without a restart" {
  id=$(strata run -d --restart always --name b busybox sh -c 'exit 1')
  # The 6th wait is 3.2 s (100 ms doubled five times).
  wait_restarting b 6
  run strata ps
  [[ "$output" == *"Restarting (1) "*" b" ]]
  run strata inspect -f '{{.State.Restarting}} {{.State.Running}} {{.State.Pid}}' b
  [ "$output" = "true true 0" ]
  t0=$(now_ms)
  run strata stop b
  [ "$status" -eq 0 ]
  [ $(($(now_ms) - t0)) -lt 2000 ]
  [ "$(state_of b)" = "exited 6 1" ]
  sleep 3.5  # past the back-off: nothing starts it
  [ "$(state_of b)" = "exited 6 1" ]
  [ -z "$(monitor_pid "$id")" ]
  assert_no_mounts
  assert_no_cgroups "$id"
}

@test "kill during the back-off ends it too" {
  strata run -d --restart always --name kb busybox sh -c 'exit 2' >/dev/null
  wait_restarting kb 5
  t0=$(now_ms)
  run strata kill kb
  [ "$status" -eq 0 ]
  wait_exited kb
  [ $(($(now_ms) - t0)) -lt 1500 ]
  read -r st count code < <(state_of kb)
  [ "$st $code" = "exited 2" ]
  sleep 2
  [ "$(state_of kb)" = "$st $count $code" ]
}

@test "kill -9 of the monitor during the back-off: exited with the last code, nothing leaks" {
  id=$(strata run -d --restart always --name m busybox sh -c 'exit 5')
  wait_restarting m 4
  mon=$(monitor_pid "$id")
  [ -n "$mon" ]
  kill -9 "$mon"
  for _ in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.05; done
  read -r st count code < <(state_of m)
  [ "$st $code" = "exited 5" ]
  [ "$count" -ge 4 ]
  [[ "$(strata ps -a)" == *"Exited (5) "*" m" ]]
  assert_no_mounts
  assert_no_cgroups "$id"
  [ ! -e "$STRATA_RUNROOT/containers/$id" ]
  sleep 1
  [ "$(state_of m)" = "$st $count $code" ]
  run strata start m
  [ "$status" -eq 0 ]
}

@test "rm of a restarting container needs -f; rm -f removes it and everything it had" {
  id=$(strata run -d --restart always --name r busybox sh -c 'exit 1')
  wait_restarting r 4
  run strata rm r
  [ "$status" -eq 125 ]
  [[ "$output" == *'cannot remove container "/r": container is restarting: stop the container before removing or force remove'* ]]
  run strata rm -f r
  [ "$status" -eq 0 ]
  [ -z "$(strata ps -aq)" ]
  for _ in $(seq 50); do [ -z "$(monitor_pid "$id")" ] && break; sleep 0.05; done
  [ -z "$(monitor_pid "$id")" ]
  [ ! -e "$STRATA_ROOT/containers/$id" ]
  assert_no_mounts
  assert_no_cgroups "$id"
}

@test "an OOM kill is recorded as State.OOMKilled; a plain kill is not" {
  id=$(strata run -d --memory 8m --name oom busybox sh -c 'x=a; while :; do x=$x$x; done')
  run strata wait oom
  [ "$output" = 137 ]
  run strata inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom
  [ "$output" = "true 137" ]
  strata run -d --memory 8m --name killed busybox sleep 1000 >/dev/null
  strata kill killed
  strata wait killed >/dev/null
  run strata inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' killed
  [ "$output" = "false 137" ]
  # With a restart policy the OOM kill of each run is there while it waits to restart.
  strata run -d --memory 8m --restart always --name oomr busybox \
    sh -c 'x=a; while :; do x=$x$x; done' >/dev/null
  wait_restarting oomr 2
  run strata inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oomr
  [ "$output" = "true 137" ]
  strata rm -f oomr
  assert_no_cgroups "$id"
}

@test "a reboot: start --all brings back always, unless-stopped not stopped, crashed on-failure" {
  strata run -d --restart always --name a busybox sleep 1000 >/dev/null
  strata run -d --restart unless-stopped --name b busybox sleep 1000 >/dev/null
  strata run -d --restart unless-stopped --name c busybox sleep 1000 >/dev/null
  strata run -d --restart always --name d busybox sleep 1000 >/dev/null
  strata run -d --name e busybox sleep 1000 >/dev/null
  strata run -d --restart on-failure:3 --name f busybox sleep 1000 >/dev/null
  strata run -d --restart on-failure --name g busybox true >/dev/null
  strata create --restart always --name h busybox sleep 1000 >/dev/null
  strata stop -t 0 c d >/dev/null
  strata wait g >/dev/null
  ids=$(strata ps -q --no-trunc)
  simulate_reboot $ids
  [ -z "$(strata ps -q)" ]
  name_of() { strata inspect -f '{{.Name}}' "$1"; }
  run strata start --all --filter restart-policy=unless-stopped
  [ "$status" -eq 0 ]
  [ "$(for id in $output; do name_of "$id"; done)" = "/b" ]
  run strata start --all
  [ "$status" -eq 0 ]
  [ "$(for id in $output; do name_of "$id"; done | sort | tr '\n' ' ')" = "/a /d /f " ]
  [ "$(strata ps --format '{{.Names}}' | sort | tr '\n' ' ')" = "a b d f " ]
  # Nothing left to start: a second run starts nothing.
  run strata start --all
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  strata rm -f a b c d e f g h >/dev/null
  assert_no_mounts
  assert_no_cgroups $ids
}

@test "start --all: bad filters are refused, arguments with --all too" {
  run strata start --all --filter status=exited
  [ "$status" -eq 125 ]
  assert_output_has "invalid filter 'status': start --all takes restart-policy="
  run strata start --all --filter restart-policy=sometimes
  [ "$status" -eq 125 ]
  assert_output_has "invalid filter 'restart-policy=sometimes'"
  run strata start --all somename
  [ "$status" -eq 125 ]
  run strata start
  [ "$status" -eq 125 ]
  assert_output_has '"start" requires at least 1 argument'
}
