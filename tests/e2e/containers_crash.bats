#!/usr/bin/env bats
# Crashes and reboots: a monitor or a CLI killed with SIGKILL, or the run state and
# mounts gone as after a reboot. The next command notices, shows the container as
# exited (exit code unknown where none was recorded: 255, as Docker shows it), and start, rm -f and a new
# run work; nothing is left half-written.

load container_helpers

monitor_pid() {
  local id=$1
  pgrep -f "strata-monitor $id " | head -1
}

init_pid() {
  cat "$STRATA_RUNROOT/containers/$1/pid"
}

@test "kill -9 of a monitor: the container shows exited, start and rm work again" {
  id=$(strata run -d --name m busybox sleep 1000)
  mon=$(monitor_pid "$id")
  [ -n "$mon" ]
  init=$(init_pid "$id")
  kill -9 "$mon"
  for _ in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.05; done
  run strata ps -a
  [ "$status" -eq 0 ]
  [[ "$output" == *"Exited (255) "*" m"* ]]
  # What the monitor left is undone: the container's processes, its mount, its run dir.
  for _ in $(seq 50); do kill -0 "$init" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$init" 2>/dev/null
  assert_no_mounts
  [ ! -e "$STRATA_RUNROOT/containers/$id" ]
  run strata start m
  [ "$status" -eq 0 ]
  [ -n "$(strata ps -q)" ]
  run strata rm -f m
  [ "$status" -eq 0 ]
  [ -z "$(strata ps -aq)" ]
  assert_no_mounts
  assert_no_cgroups "$id"
}

@test "kill -9 of an attached run: the container keeps running under its monitor" {
  "$STRATA_BIN" run --name att busybox sh -c 'echo up; exec sleep 1000' >"$W/out" &
  pid=$!
  for _ in $(seq 100); do [[ "$(cat "$W/out")" == up ]] && break; sleep 0.05; done
  kill -9 $pid
  wait $pid || true
  run strata ps
  [[ "$output" == *" Up "*" att" ]]
  run strata stop -t 1 att
  [ "$status" -eq 0 ]
  run strata ps -a
  [[ "$output" == *"Exited (137) "*" att" ]]
}

@test "kill -9 of run --rm before the container starts, at several points" {
  # strace stops the CLI with SIGKILL at its nth write to the store's database or its
  # nth process spawn: each point leaves a store the next commands can use.
  for point in "pwrite64:when=1" "pwrite64:when=3" "clone3:when=1" "clone:when=1" "clone:when=2"; do
    sc=${point%%:*}
    run strace -f -qq -o /dev/null -e trace=$sc -e inject=$point:signal=SIGKILL \
      "$STRATA_BIN" run --rm busybox echo hi
    run strata ps -a
    [ "$status" -eq 0 ]
    ids=$(strata ps -aq)
    if [ -n "$ids" ]; then
      run strata rm -f $ids
      [ "$status" -eq 0 ]
    fi
    [ -z "$(strata ps -aq)" ]
    run strata run --rm busybox echo again
    [ "$status" -eq 0 ]
    [ "$output" = "again" ]
    assert_no_mounts
  done
  run strata image prune -af
  [ "$status" -eq 0 ]
}

@test "kill -9 of rm at several points: the next rm -f finishes the job" {
  for n in 1 2 3 4 6 8; do
    id=$(strata run -d busybox sleep 1000)
    run strace -f -qq -o /dev/null -e trace=unlinkat,umount2,rmdir,kill \
      -e inject=unlinkat,umount2,rmdir,kill:signal=SIGKILL:when=$n "$STRATA_BIN" rm -f "$id"
    run strata ps -a --no-trunc
    [ "$status" -eq 0 ]
    if [[ "$output" == *"$id"* ]]; then
      run strata rm -f "$id"
      [ "$status" -eq 0 ]
    fi
    [ -z "$(strata ps -aq)" ]
    [ ! -e "$STRATA_ROOT/containers/$id" ]
    for _ in $(seq 50); do [ -z "$(monitor_pid "$id")" ] && break; sleep 0.05; done
    [ -z "$(monitor_pid "$id")" ]
    assert_no_mounts
    assert_no_cgroups "$id"
  done
}

@test "a reboot: monitors and processes gone, run state and mounts cleared" {
  a=$(strata run -d --name a busybox sleep 1000)
  b=$(strata run -d --name b busybox sleep 1000)
  strata create --name c busybox sleep 1000 >/dev/null
  simulate_reboot "$a" "$b"
  run strata ps -a
  [ "$status" -eq 0 ]
  [[ "$output" == *"Exited (255) "*" a"* ]]
  [[ "$output" == *"Exited (255) "*" b"* ]]
  [[ "$output" == *"Created "*" c"* ]]
  run strata start a b c
  [ "$status" -eq 0 ]
  [ "$(strata ps -q | wc -l)" -eq 3 ]
  run strata rm -f a b c
  [ "$status" -eq 0 ]
  [ -z "$(strata ps -aq)" ]
  assert_no_mounts
  assert_no_cgroups "$a" "$b"
}
