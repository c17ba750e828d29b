#!/usr/bin/env bash
# Turns Debian's busybox-static package into a minimal rootfs tarball, the base image of
# the demo and the test fixture. Reproducible: fixed owners, times and entry order.
# Usage: make-busybox-rootfs.sh OUT.tar
set -euo pipefail
out=${1:?usage: make-busybox-rootfs.sh OUT.tar}
busybox=/bin/busybox
if ! "$busybox" --list >/dev/null 2>&1 || ! { ldd "$busybox" 2>&1 || true; } | grep -q "not a dynamic"; then
  echo "make-busybox-rootfs: $busybox is not a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root,var/tmp,home}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [[ "$applet" == busybox ]] || ln -s busybox "$root/bin/$applet"
done
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@1700000000 \
  --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$root" -cf "$out.tmp" .
mv "$out.tmp" "$out"
