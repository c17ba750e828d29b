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
    find blobs layers tmp -mindepth 1 -maxdepth 3 2>/dev/null | sort
    for t in images tags layers blobs image_layers; do
      sqlite3 strata.db "SELECT * FROM $t ORDER BY 1" 2>/dev/null
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
