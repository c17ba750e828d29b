#!/usr/bin/env bats
# Bad input to the container commands: a clear error, exit 125, and nothing changed
# (no container row, no directory, no run state, no mount).

load container_helpers

# What a failed command must not have changed.
snapshot_state() {
  {
    strata ps -a --no-trunc | awk 'NR > 1 {print $1, $NF}'
    ls "$STRATA_ROOT/containers" 2>/dev/null
    ls "$STRATA_RUNROOT/containers" 2>/dev/null
    awk -v d="$BATS_TEST_TMPDIR" 'index($2, d) == 1 { print $2 }' /proc/self/mounts
  } | sort
}

# Runs a strata command that must fail with 125, an error containing $1, and no change.
fails_with() {
  local want=$1
  shift
  local before
  before=$(snapshot_state)
  run strata "$@"
  if [ "$status" -ne 125 ]; then
    echo "strata $*: exit $status, want 125; output: $output" >&2
    return 1
  fi
  assert_output_has "$want"
  [[ "$output" == "strata: "* ]] || { echo "error not prefixed: $output" >&2; return 1; }
  local after
  after=$(snapshot_state)
  if [ "$before" != "$after" ]; then
    echo "state changed: before: $before; after: $after" >&2
    return 1
  fi
}

@test "unknown image" {
  fails_with "no such image: nosuch" run --rm nosuch true
  fails_with "no such image: nosuch" create nosuch
}

@test "unknown container, for every command that takes one" {
  for cmd in start stop kill rm wait logs; do
    fails_with "No such container: nosuch" $cmd nosuch
  done
}

@test "an ambiguous ID prefix" {
  # 40 containers: two of them surely share a first hex digit.
  for _ in $(seq 40); do strata create busybox true >/dev/null; done
  prefix=$(strata ps -aq | cut -c1 | sort | uniq -d | head -1)
  [ -n "$prefix" ]
  fails_with "multiple containers found with provided prefix: $prefix" rm "$prefix"
}

@test "a name already in use" {
  strata create --name taken busybox true >/dev/null
  fails_with 'The container name "/taken" is already in use' create --name taken busybox true
  fails_with 'The container name "/taken" is already in use' run --name taken busybox true
  fails_with "Invalid container name (-bad)" create --name=-bad busybox true
}

@test "--memory abc, --memory 1, --cpus -1, --pids-limit -2" {
  fails_with 'invalid argument "abc" for "-m, --memory" flag' run --memory abc busybox true
  fails_with "Minimum memory limit allowed is 6MB" run --memory 1 busybox true
  fails_with 'invalid argument "-1" for "--cpus" flag' run --cpus -1 busybox true
  fails_with 'invalid argument "x" for "--cpus" flag' run --cpus x busybox true
  fails_with "invalid --pids-limit" run --pids-limit -2 busybox true
}

@test "rm of a running container without -f" {
  strata run -d --name up busybox sleep 1000 >/dev/null
  fails_with 'cannot remove container "/up": container is running' rm up
  run strata ps -q
  [ "${#lines[@]}" -eq 1 ]
}

@test "start of a running container" {
  strata run -d --name up busybox sleep 1000 >/dev/null
  fails_with "container up is already running" start up
}

@test "an image whose config names a user that does not exist; -u of one" {
  strata import "$BUSYBOX_TAR" ghost -c 'USER ghost' -c 'CMD ["true"]' >/dev/null
  fails_with "unable to find user ghost: no matching entries in passwd file" run --rm ghost
  fails_with "unable to find user nobody2: no matching entries in passwd file" run -u nobody2 busybox true
  fails_with "unable to find group nogroup2: no matching entries in group file" run -u 0:nogroup2 busybox true
}

@test "--runtime that does not exist" {
  fails_with "unknown or invalid runtime name: nosuch-runtime" run --runtime nosuch-runtime busybox true
  fails_with "unknown or invalid runtime name: /no/such/runtime" run --runtime /no/such/runtime busybox true
}

@test "--network other than none or host" {
  fails_with "network bridge0 not found" run --network bridge0 busybox true
}

@test "a relative working directory; no command at all" {
  fails_with "the working directory 'tmp' is invalid, it needs to be an absolute path" run -w tmp busybox true
  strata import "$BUSYBOX_TAR" nocmd >/dev/null
  fails_with "no command specified" run nocmd
}

@test "kill with an unknown signal; kill of a stopped container" {
  strata create --name idle busybox true >/dev/null
  fails_with "invalid signal: SIGNOPE" kill -s SIGNOPE idle
  fails_with "is not running" kill idle
}

@test "a flag after the image belongs to the command, not to strata" {
  run strata run --rm busybox echo --memory abc
  [ "$status" -eq 0 ]
  [ "$output" = "--memory abc" ]
}

@test "an unknown flag before the image is refused, not dropped (Docker's words)" {
  fails_with "unknown flag: --readonly" run --rm --readonly busybox true
  fails_with "unknown flag: --bogus" create --bogus busybox true
  strata run -d --name up busybox sleep 1000 >/dev/null
  fails_with "unknown flag: --bogus" exec --bogus up true
  fails_with "unknown flag: --bogus" top --bogus up
}

@test "--restart bogus, on-failure:-1, always:3, x as a count, --restart with --rm" {
  fails_with "invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'" \
    run --restart bogus busybox true
  fails_with "invalid restart policy: unknown policy 'bogus'" create --restart bogus busybox true
  fails_with "invalid restart policy: maximum retry count cannot be negative" \
    run -d --restart on-failure:-1 busybox true
  fails_with "invalid restart policy: maximum retry count can only be used with 'on-failure'" \
    run --restart always:3 busybox true
  fails_with "invalid restart policy format: maximum retry count must be an integer" \
    run --restart on-failure:x busybox true
  fails_with "Conflicting options: --restart and --rm" run --rm --restart always busybox true
}
