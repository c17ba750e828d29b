#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root): installs build dependencies,
# builds Strata, makes a busybox base image from Debian's busybox-static package, and
# shows the image store and a container at work. Uses $STRATA_ROOT (default /var/lib/strata).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" strata
strata=$top/build/src/cli/strata
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

"$top/scripts/make-busybox-rootfs.sh" "$work/busybox.tar"
step "$strata" import "$work/busybox.tar" busybox:latest -c 'CMD ["/bin/sh"]' -m "busybox-static rootfs"
step "$strata" tag busybox demo/busybox:1
step "$strata" images
step "$strata" history busybox
step "$strata" image inspect --format '{{.Id}} layers={{json .RootFS.Layers}} cmd={{json .Config.Cmd}}' busybox
step "$strata" import --compression zstd "$work/busybox.tar" busybox:zstd
echo "# Both images share one unpacked layer:"
step ls "${STRATA_ROOT:-/var/lib/strata}/layers"
step "$strata" save -o "$work/busybox-image.tar" busybox
step tar tf "$work/busybox-image.tar"
STRATA_ROOT=$work/second-store step "$strata" load -i "$work/busybox-image.tar"
STRATA_ROOT=$work/second-store step "$strata" images --no-trunc
echo "# A container: the image's layers under a copy-on-write layer of its own"
step "$strata" run --rm busybox sh -c 'echo hello from $(hostname); cat /proc/self/cgroup | head -1'
"$strata" rm -f demo-box >/dev/null 2>&1 || true
step "$strata" run -d --name demo-box --memory 64m busybox sh -c 'echo started; touch /made-here; exec sleep 1000'
step "$strata" ps
step "$strata" exec demo-box ps
step "$strata" diff demo-box
step "$strata" logs demo-box
step "$strata" stop -t 1 demo-box
step "$strata" rm demo-box
step "$strata" system df
step "$strata" rmi busybox:zstd demo/busybox:1
