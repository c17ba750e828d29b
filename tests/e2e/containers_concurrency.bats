#!/usr/bin/env bats
# Many containers of one image on one store at once.

load container_helpers

@test "50 run --rm at once: all succeed with their output; nothing is left" {
  for i in $(seq 50); do
    "$STRATA_BIN" run --rm busybox sh -c "echo out-$i; echo err-$i >&2; exit $((i % 4))" \
      >"$W/out.$i" 2>"$W/err.$i" &
    pids[$i]=$!
  done
  for i in $(seq 50); do
    rc=0
    wait ${pids[$i]} || rc=$?
    [ "$rc" -eq $((i % 4)) ] || { echo "run $i: exit $rc; $(cat "$W/err.$i")" >&2; false; }
    [ "$(cat "$W/out.$i")" = "out-$i" ]
    [ "$(cat "$W/err.$i")" = "err-$i" ]
  done
  [ -z "$(strata ps -aq)" ]
  [ -z "$(ls "$STRATA_ROOT/containers")" ]
  [ -z "$(ls "$STRATA_RUNROOT/containers" 2>/dev/null)" ]
  [ -z "$(ls "$STRATA_RUNROOT/locks" 2>/dev/null)" ]
  assert_no_mounts
}

@test "20 detached containers in parallel: all up, listed, stopped and removed" {
  for i in $(seq 20); do
    "$STRATA_BIN" run -d --name "d$i" busybox sleep 1000 >"$W/id.$i" 2>&1 &
    pids[$i]=$!
  done
  for i in $(seq 20); do
    wait ${pids[$i]}
    [[ "$(cat "$W/id.$i")" =~ ^[0-9a-f]{64}$ ]]
  done
  [ "$(strata ps -q | wc -l)" -eq 20 ]
  for i in $(seq 20); do
    "$STRATA_BIN" stop -t 1 "d$i" >/dev/null &
    pids[$i]=$!
  done
  for i in $(seq 20); do wait ${pids[$i]}; done
  [ -z "$(strata ps -q)" ]
  [ "$(strata ps -a | grep -c 'Exited (137)')" -eq 20 ]
  ids=$(cat "$W"/id.*)
  for i in $(seq 20); do
    "$STRATA_BIN" rm "d$i" >/dev/null &
    pids[$i]=$!
  done
  for i in $(seq 20); do wait ${pids[$i]}; done
  [ -z "$(strata ps -aq)" ]
  [ -z "$(ls "$STRATA_ROOT/containers")" ]
  assert_no_mounts
  assert_no_cgroups $ids
}

@test "rm and stop racing on the same containers" {
  for i in $(seq 5); do strata run -d --name "r$i" busybox sleep 1000 >/dev/null; done
  for i in $(seq 5); do
    "$STRATA_BIN" rm -f "r$i" >/dev/null 2>&1 &
    "$STRATA_BIN" stop -t 1 "r$i" >/dev/null 2>&1 &
    "$STRATA_BIN" rm -f "r$i" >/dev/null 2>&1 &
  done
  wait
  [ -z "$(strata ps -aq)" ]
  [ -z "$(ls "$STRATA_ROOT/containers")" ]
  assert_no_mounts
}
