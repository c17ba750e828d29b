#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine (as root): installs what the tests
# need, builds, makes the busybox fixture, and runs unit and end-to-end tests with ctest.
# Extra arguments go to ctest (e.g. -R Extract, -L e2e). Slow scenarios (debootstrap)
# run only with STRATA_SLOW_TESTS=1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" --test
slow=OFF
[[ "${STRATA_SLOW_TESTS:-0}" == 1 ]] && slow=ON
cmake -S "$top" -B "$top/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_WERROR=ON \
  -DSTRATA_SLOW_TESTS=$slow >/dev/null
"$top/scripts/build.sh"
mkdir -p "$top/build/fixtures"
[[ -f "$top/build/fixtures/busybox.tar" ]] ||
  "$top/scripts/make-busybox-rootfs.sh" "$top/build/fixtures/busybox.tar"
cd "$top/build"
exec ctest --output-on-failure -j2 "$@"
