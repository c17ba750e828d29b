#!/usr/bin/env bats
# Podman drives strata-runtime as its OCI runtime (podman --runtime PATH).
# On this host Podman needs cgroupfs and explicit ulimits (root lacks CAP_SYS_RESOURCE).

load helpers

RUNTIME_BIN=${STRATA_RUNTIME_BIN:-$STRATA_SRC/build/src/runtime/strata-runtime}

setup_file() {
  ensure_fixtures
  P_ROOT=$BATS_FILE_TMPDIR/podman
  export P_ROOT
  podman_ import "$BUSYBOX_TAR" localhost/busybox:latest >/dev/null
}

podman_() {
  podman --root "$P_ROOT/storage" --runroot "$P_ROOT/run" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file --runtime "$RUNTIME_BIN" "$@"
}

U=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

@test "podman: run --rm through strata-runtime" {
  run podman_ run --rm "${U[@]}" localhost/busybox sh -c 'echo hello; hostname | wc -c'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "hello" ]
  run podman_ run --rm "${U[@]}" localhost/busybox sh -c 'exit 5'
  [ "$status" -eq 5 ]
}

@test "podman: -d, exec, stop and rm" {
  name=strata-p-$$
  podman_ run -d "${U[@]}" --name "$name" localhost/busybox sleep 300
  run podman_ exec "$name" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "in-exec" ]
  [ "${lines[1]}" = "sleep 300 " ]
  run podman_ inspect "$name" --format '{{.State.Status}}'
  [ "$status" -eq 0 ]
  [ "$output" = "running" ]
  podman_ stop -t 1 "$name"
  run podman_ inspect "$name" --format '{{.State.Status}}'
  [ "$status" -eq 0 ]
  [ "$output" = "exited" ]
  podman_ rm "$name"
}

@test "podman: -t and exec -t get a pty" {
  run podman_ run --rm -t "${U[@]}" localhost/busybox tty
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  name=strata-pt-$$
  podman_ run -d "${U[@]}" --name "$name" localhost/busybox sleep 300
  run podman_ exec -t "$name" tty
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/"* ]]
  # exec's pty is not bound on the container's /dev/console (as in runc): nothing is
  # mounted there in a container started without -t.
  run podman_ exec "$name" awk '$5 == "/dev/console"' /proc/self/mountinfo
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  podman_ rm -f -t 0 "$name"
}

@test "podman: -it reads stdin through the container's pty" {
  # script(1) gives podman the terminal -it wants; the line typed is echoed by the pty.
  cat >"$BATS_TEST_TMPDIR/it.sh" <<EOF
podman --root '$P_ROOT/storage' --runroot '$P_ROOT/run' --storage-driver vfs --cgroup-manager cgroupfs \\
  --events-backend file --runtime '$RUNTIME_BIN' run --rm -it ${U[*]} localhost/busybox \\
  sh -c 'tty; read x; echo got:\$x'
EOF
  run bash -c "printf 'typed-line\\n' | timeout 60 script -qec 'bash $BATS_TEST_TMPDIR/it.sh' /dev/null"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"got:typed-line"* ]]
}

@test "podman: --memory and --pids-limit bite" {
  run podman_ run --rm "${U[@]}" --memory 32m localhost/busybox sh -c \
    'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo dd=$?'
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "dd=137" ]
  run podman_ run --rm "${U[@]}" --pids-limit 5 localhost/busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; echo x'
  echo "$output"
  # The shell gives up at the fork the limit refuses.
  [ "$status" -eq 2 ]
  [[ "$output" == *"can't fork"* ]]
}
