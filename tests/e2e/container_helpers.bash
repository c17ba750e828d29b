# Shared set-up for the container tests: a store and a run root per test (never the
# host's /run/strata), busybox imported, and a teardown that removes every container the
# test left and then checks that nothing is left behind: no mount under the test's
# directory, no monitor alive, no cgroup named after one of its containers.
load helpers

setup() {
  ensure_fixtures
  export STRATA_ROOT=$BATS_TEST_TMPDIR/root
  export STRATA_RUNROOT=$BATS_TEST_TMPDIR/run
  W=$BATS_TEST_TMPDIR
  import_busybox
}

teardown() {
  local ids
  ids=$(strata ps -aq --no-trunc 2>/dev/null) || true
  [[ -z "$ids" ]] || strata rm -f $ids >/dev/null 2>&1 || true
  # Monitors of this test's containers hold their lock files open: kill any still alive.
  local pid
  for pid in $(pgrep -f "strata-monitor .* $STRATA_ROOT " 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  while read -r _ mnt _; do
    [[ "$mnt" == "$BATS_TEST_TMPDIR"* ]] && umount -l "$mnt" 2>/dev/null
  done </proc/self/mounts
  return 0
}

# Fails unless no mount is left under the test's directory.
assert_no_mounts() {
  local left
  left=$(awk -v d="$BATS_TEST_TMPDIR" 'index($2, d) == 1 { print $2 }' /proc/self/mounts)
  if [[ -n "$left" ]]; then
    echo "mounts left: $left" >&2
    return 1
  fi
}

# Fails unless no container's cgroup (…/strata/<id>) is left for the given ids.
assert_no_cgroups() {
  local id left=""
  for id in "$@"; do
    # find's status is not the answer: it fails when another test's cgroup vanishes
    # while it walks the tree. What it prints is.
    left+=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" 2>/dev/null | sort)
  done
  if [[ -n "$left" ]]; then
    echo "cgroups left: $left" >&2
    return 1
  fi
}

# A simulated host reboot for the containers with the given ids: their monitors and
# processes killed, every mount under the test's directory gone, the run root cleared.
simulate_reboot() {
  local id
  for id in "$@"; do
    kill -9 "$(pgrep -f "strata-monitor $id " | head -1)" "$(cat "$STRATA_RUNROOT/containers/$id/pid")"
  done
  sleep 0.2
  while read -r _ mnt _; do
    [[ "$mnt" == "$BATS_TEST_TMPDIR"* ]] && umount -l "$mnt"
  done </proc/self/mounts
  rm -rf "$STRATA_RUNROOT"
}

# A refused create (containers_flags.bats, containers_health.bats): exit 125, the exact
# error, no container left.
refused() {
  local want=$1
  shift
  run strata create "$@"
  echo "$output"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: $want" ]
  [ -z "$(strata ps -aq)" ]
  [ -z "$(ls "$STRATA_ROOT/containers" 2>/dev/null)" ]
}
