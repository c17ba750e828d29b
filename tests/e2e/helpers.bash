# Shared set-up for the end-to-end tests: each test gets its own store root, and the
# busybox rootfs fixture is made once (from Debian's busybox-static) if missing.
STRATA_SRC=${STRATA_SRC:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
STRATA_BIN=${STRATA_BIN:-$STRATA_SRC/build/src/cli/strata}
STRATA_FIXTURES=${STRATA_FIXTURES:-$STRATA_SRC/build/fixtures}
BUSYBOX_TAR=$STRATA_FIXTURES/busybox.tar
MKARCHIVE=$STRATA_SRC/tests/e2e/fixtures/mkarchive.py

ensure_fixtures() {
  if [[ ! -f "$BUSYBOX_TAR" ]]; then
    mkdir -p "$STRATA_FIXTURES"
    "$STRATA_SRC/scripts/make-busybox-rootfs.sh" "$BUSYBOX_TAR"
  fi
}

setup() {
  ensure_fixtures
  export STRATA_ROOT=$BATS_TEST_TMPDIR/root
  W=$BATS_TEST_TMPDIR
}

strata() { "$STRATA_BIN" "$@"; }

# Everything the store holds: files under blobs/, layers/ and tmp/, and every table row.
store_state() {
  (
    cd "$STRATA_ROOT" || exit 1
    find blobs layers l tmp -mindepth 1 -maxdepth 3 2>/dev/null | sort
    for t in $(sqlite3 strata.db "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"); do
      echo "-- $t"
      sqlite3 strata.db "SELECT * FROM $t ORDER BY 1"
    done
  )
}

import_busybox() {
  strata import "$BUSYBOX_TAR" "${1:-busybox:latest}" -c 'CMD ["/bin/sh"]' >/dev/null
}

# Fails with a message unless $output contains $1.
assert_output_has() {
  if [[ "$output" != *"$1"* ]]; then
    echo "expected output to contain: $1" >&2
    echo "actual output: $output" >&2
    return 1
  fi
}

# A tree file by file: path, type, mode, owner, link target, size and sha256 of each
# regular file. Equal listings mean the same content (times and directory sizes, which
# depend on the file system, are not compared).
tree_digest() {
  (
    cd "$1" || exit 1
    find . -mindepth 1 \( -type l -printf '%p l %U:%G -> %l\n' \) -o \( -type f -printf '%p f %m %U:%G %s\n' \) \
      -o -printf '%p %y %m %U:%G\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  )
}

# Extracts a tar with GNU tar (as root: owners, modes, xattrs kept), the reference view
# our unpacker is compared with.
gnu_extract() {
  mkdir -p "$2"
  tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$1" -C "$2"
}

# The layer directory of an image's only (or `$2`-th) layer.
layer_dir_of() {
  local diff
  diff=$(strata inspect "$1" --format '{{json .RootFS.Layers}}' | jq -r ".[${2:-0}]")
  echo "$STRATA_ROOT/layers/${diff#sha256:}/diff"
}

# Runs `strata ARGS...` in the background and SIGKILLs it after a random delay of up to
# MAX hundredths of a second, then reaps it: it must have been killed or have succeeded.
# Counts the kills in $KILLED.
strata_killed_within() {
  local max=$1 pid rc=0
  shift
  "$STRATA_BIN" "$@" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v r="$RANDOM" -v m="$max" 'BEGIN { printf "%.2f", (r % m) / 100 }')"
  kill -9 "$pid" 2>/dev/null || echo "strata $1 ended before the signal" >&2
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 137 ]; then
    echo "strata $1 exited $rc" >&2
    return 1
  fi
  if [ "$rc" -eq 137 ]; then KILLED=$((KILLED + 1)); fi
}
