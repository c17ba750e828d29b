#!/usr/bin/env bats
# restart, rename, pause, unpause, top, stats, port.

load container_helpers

@test "restart stops and starts again; a created container just starts" {
  strata run -d --name r busybox sh -c 'echo run; exec sleep 1000' >/dev/null
  pid1=$(cat "$STRATA_RUNROOT/containers/$(strata ps -q --no-trunc)/pid")
  run strata restart -t 1 r
  [ "$status" -eq 0 ]
  [ "$output" = "r" ]
  [ "$(strata ps -q | wc -l)" -eq 1 ]
  pid2=$(cat "$STRATA_RUNROOT/containers/$(strata ps -q --no-trunc)/pid")
  [ "$pid1" != "$pid2" ]
  for _ in $(seq 50); do [ "$(strata logs r | wc -l)" -eq 2 ] && break; sleep 0.1; done
  [ "$(strata logs r)" = "$(printf 'run\nrun')" ]
  strata create --name c busybox sleep 1000 >/dev/null
  run strata restart c
  [ "$status" -eq 0 ]
  [ "$(strata ps -q | wc -l)" -eq 2 ]
  run strata restart nosuch
  [ "$status" -eq 125 ]
  [[ "$output" == *"No such container: nosuch"* ]]
}

@test "rename: the new name selects it, the old one is free, a taken one is refused" {
  strata run -d --name old busybox sleep 1000 >/dev/null
  strata create --name other busybox true >/dev/null
  run strata rename old new
  [ "$status" -eq 0 ]
  [[ "$(strata ps)" == *" new" ]]
  run strata stop -t 0 new
  [ "$status" -eq 0 ]
  run strata stop old
  [ "$status" -eq 125 ]
  run strata rename new other
  [ "$status" -eq 125 ]
  [[ "$output" == *'The container name "/other" is already in use'* ]]
  run strata rename new new
  [ "$status" -eq 125 ]
  [[ "$output" == *"Renaming a container with the same name as its current name"* ]]
  run strata rename new 'bad name'
  [ "$status" -eq 125 ]
  [[ "$output" == *"Invalid container name"* ]]
  strata create --name old busybox true >/dev/null
}

@test "pause freezes the processes, unpause thaws them; stop of a paused container works" {
  id=$(strata run -d --name p busybox sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/tick; sleep 0.05; done')
  sleep 0.3
  run strata pause p
  [ "$status" -eq 0 ]
  [ "$output" = "p" ]
  [[ "$(strata ps)" == *"(Paused)"*" p" ]]
  a=$(cat "$STRATA_ROOT/containers/$id/merged/tmp/tick")
  sleep 0.3
  b=$(cat "$STRATA_ROOT/containers/$id/merged/tmp/tick")
  [ "$a" = "$b" ]
  run strata pause p
  [ "$status" -eq 125 ]
  [[ "$output" == *"is already paused"* ]]
  run strata unpause p
  [ "$status" -eq 0 ]
  sleep 0.3
  c=$(cat "$STRATA_ROOT/containers/$id/merged/tmp/tick")
  [ "$c" != "$b" ]
  run strata unpause p
  [ "$status" -eq 125 ]
  [[ "$output" == *"is not paused"* ]]
  strata pause p >/dev/null
  run strata stop -t 1 p
  [ "$status" -eq 0 ]
  [[ "$(strata ps -a)" == *"Exited"*" p" ]]
  run strata pause p
  [ "$status" -eq 125 ]
  [[ "$output" == *"is not running"* ]]
}

@test "top lists the container's processes and only those" {
  strata run -d --name t busybox sh -c 'sleep 1001 & exec sleep 1000' >/dev/null
  sleep 0.3
  run strata top t
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]]
  [ "${#lines[@]}" -eq 3 ]
  [[ "$output" == *"sleep 1000"* ]]
  [[ "$output" == *"sleep 1001"* ]]
  run strata top t -o pid,comm
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^PID\ +COMMAND$ ]]
  [ "${#lines[@]}" -eq 3 ]
  run strata top t -o comm
  [ "$status" -eq 125 ]
  [[ "$output" == *"Couldn't find PID field in ps output"* ]]
  strata create --name idle busybox true >/dev/null
  run strata top idle
  [ "$status" -eq 125 ]
  [[ "$output" == *"is not running"* ]]
}

@test "stats --no-stream shows memory, its limit and pids" {
  strata run -d --name s --memory 64m busybox sh -c 'sleep 1001 & exec sleep 1000' >/dev/null
  sleep 0.3
  run strata stats --no-stream s
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]]
  [[ "${lines[1]}" =~ \ s\ +[0-9.]+%\ +[0-9.]+[KMG]?i?B\ /\ 64MiB\ +[0-9.]+%\ +0B\ /\ 0B\ +--\ +2$ ]]
  run strata stats --no-stream
  [ "${#lines[@]}" -eq 2 ]
}

@test "port: nothing is published until networking" {
  strata run -d --name n busybox sleep 1000 >/dev/null
  run strata port n
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run strata port n 80
  [ "$status" -eq 125 ]
  [[ "$output" == *"No public port '80/tcp' published for n"* ]]
}
