# Shared set-up for the OCI runtime tests. RUNTIME picks the runtime under test (default
# strata-runtime; RUNTIME=runc runs the same tests against runc, the reference).
load helpers

RUNTIME=${RUNTIME:-$STRATA_SRC/build/src/runtime/strata-runtime}
RUNTIME_NAME=$(basename "$RUNTIME")

setup() {
  ensure_fixtures
  W=$BATS_TEST_TMPDIR
  B=$W/bundle
  STATE=$W/state
  ID=strata-test-$$-$BATS_TEST_NUMBER
  mkdir -p "$B/rootfs"
  tar -xf "$BUSYBOX_TAR" -C "$B/rootfs"
  "$STRATA_SRC/build/src/runtime/strata-runtime" spec -b "$B"
  # Non-interactive by default; tests adjust the rest with cfg.
  cfg '.process.terminal = false | .process.args = ["/bin/true"]'
}

teardown() {
  # Clean-up must not stop at the first failure: `|| true` here is deliberate.
  for id in "$ID" "$ID-a" "$ID-b"; do rt delete -f "$id" >/dev/null 2>&1 || true; done
  # What a test started, mounted or made outside the runtime (PIDS_TO_KILL,
  # MOUNTS_TO_REMOVE, DIRS_TO_REMOVE deepest first): a failing test leaves nothing behind.
  for pid in ${PIDS_TO_KILL:-}; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in ${PIDS_TO_KILL:-}; do wait "$pid" 2>/dev/null || true; done
  for m in ${MOUNTS_TO_REMOVE:-}; do umount "$m" 2>/dev/null || true; done
  for d in ${DIRS_TO_REMOVE:-}; do rmdir "$d" 2>/dev/null || true; done
  # No test may leave a cgroup behind (v1 hierarchies and the v2 one).
  local left
  left=$(find /sys/fs/cgroup -maxdepth 6 -name "$ID*" 2>/dev/null)
  [ -z "$left" ] || { echo "cgroups left behind: $left" >&2; return 1; }
}

rt() { "$RUNTIME" --root "$STATE" "$@"; }

# cfg JQ_EXPR: edits the bundle's config.json.
cfg() {
  jq "$1" "$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"
}

# run_sh SCRIPT: runs a shell script as the container's process, output in $output.
run_sh() {
  cfg ".process.args = [\"/bin/sh\", \"-c\", $(jq -Rn --arg s "$1" '$s')]"
  run rt run -b "$B" "$ID"
}

# needs_namespace TYPE: skips when the runtime under test does not list TYPE in
# `features` (runc 1.1 has no time namespaces).
needs_namespace() {
  rt features | jq -e --arg t "$1" '.linux.namespaces | index($t)' >/dev/null ||
    skip "$RUNTIME_NAME has no $1 namespaces"
}

only_strata() {
  [[ "$RUNTIME_NAME" == strata-runtime ]] || skip "checks strata-runtime's own behaviour"
}

# The cgroup directory of container $1 (default cgroupsPath: below the caller's own
# cgroup, as runc does) in the v1 hierarchy of controller $2, or in v2.
cgroup_dir() {
  local own
  if [[ "$(stat -fc %T /sys/fs/cgroup)" == cgroup2fs ]]; then
    own=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
    echo "/sys/fs/cgroup${own%/}/$1"
  else
    own=$(awk -F: -v c="$2" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' /proc/self/cgroup)
    echo "/sys/fs/cgroup/$2${own%/}/$1"
  fi
}

# Nothing of container $ID is left: state dir, cgroups, mounts, processes.
assert_nothing_left() {
  [ ! -e "$STATE/$ID" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 6 -name "$ID" 2>/dev/null)" ]
  ! grep -q "$B" /proc/self/mountinfo
}

# try_create ARGS...: `rt create ARGS` with $status and $output set as `run` sets them.
# Its output goes through a file: a created init keeps the stdio it was given, so with
# `run`'s pipe a create that wrongly succeeds would hang the test instead of failing it.
try_create() {
  status=0
  rt create "$@" >"$W/create.out" 2>&1 </dev/null 3>&- || status=$?
  output=$(cat "$W/create.out")
}

create_fails_with() {
  try_create -b "$B" "$ID"
  [ "$status" -ne 0 ]
  if [[ "$RUNTIME_NAME" == strata-runtime ]]; then
    [[ "$output" == *"$1"* ]] || { echo "want: $1" >&2; echo "got: $output" >&2; return 1; }
  fi
  assert_nothing_left
}

# in_v2 SCRIPT: runs SCRIPT (sh) in a private mount namespace where cgroup2 is mounted
# over /sys/fs/cgroup: the pure-v2 view of a fresh Debian 12 host. $R is the runtime
# command there.
in_v2() {
  unshare -m sh -c "mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup &&
    R='$RUNTIME --root $STATE'; $1"
}

# The v1 controllers mounted here (cpu, memory, ...), one per line.
v1_controllers() {
  grep ' - cgroup ' /proc/self/mountinfo | awk '{print $5}' | xargs -n1 basename
}
