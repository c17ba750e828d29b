#!/usr/bin/env bats
# Slow, opt-in (STRATA_SLOW_TESTS=1): a real Debian base image from debootstrap.

load ../helpers

@test "slow: a debootstrap minbase rootfs imports, saves and loads" {
  debootstrap --variant=minbase bookworm "$W/rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
  tar --numeric-owner -C "$W/rootfs" -cf "$W/debian.tar" .
  strata import "$W/debian.tar" debian:bookworm -c 'CMD ["bash"]' >/dev/null
  layer=$(ls "$STRATA_ROOT/layers")
  [ -x "$STRATA_ROOT/layers/$layer/diff/usr/bin/apt-get" ]
  [ "$(stat -c %a "$STRATA_ROOT/layers/$layer/diff/usr/bin/passwd")" = 4755 ]
  strata save -o "$W/debian-image.tar" debian:bookworm
  STRATA_ROOT=$W/other strata load -i "$W/debian-image.tar"
  [ "$(STRATA_ROOT=$W/other strata images -q)" = "$(strata images -q)" ]
}
