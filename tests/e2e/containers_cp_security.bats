#!/usr/bin/env bats
# `cp` against a hostile running container (CVE-2018-15664 class): names swapped for
# symlinks or FIFOs while the engine works in the container's tree, whiteout names, and
# cp through the container's volumes, bind mounts and tmpfs mounts (docs/SECURITY.md,
# docs/CONTAINERS.md "Filesystem operations").

load container_helpers

# A static build of tests/e2e/fixtures/cp_swapper.c at $W/swapper.
build_swapper() {
  gcc -static -O2 -o "$W/swapper" "$STRATA_SRC/tests/e2e/fixtures/cp_swapper.c"
}

# A tar of COUNT fifo entries all named NAME with mode MODE (each one makes the
# extractor remove what is there, mknod, chown, chmod and set times again).
fifo_tar() {
  python3 - "$1" "$2" "$3" "$4" <<'EOF'
import sys, tarfile
out, name, count, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4], 8)
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for _ in range(count):
        i = tarfile.TarInfo(name)
        i.type = tarfile.FIFOTYPE
        i.mode = mode
        t.addfile(i)
EOF
}

@test "cp into a running container: a node swapped for a symlink to a host file never has the tar's mode set on that file" {
  build_swapper
  victim=$W/victim
  echo secret >"$victim"
  chmod 0600 "$victim"
  fifo_tar "$W/fifos.tar" p 400 0777
  strata run -d --name c busybox sh -c 'mkdir /d && sleep 1000' >/dev/null
  strata cp "$W/swapper" c:/swapper
  # Inside the container /d/p keeps being replaced by a symlink to the host's victim
  # path: a chmod by name from the engine would follow it to the host's file.
  strata exec -d c /swapper /d p link "$victim"
  end=$((SECONDS + 8))
  runs=0
  while ((SECONDS < end)); do
    run strata cp - c:/d <"$W/fifos.tar"   # fails when the swap wins: that is fine
    runs=$((runs + 1))
    [ "$(stat -c %a "$victim")" = 600 ]
  done
  echo "cp runs: $runs" >&2
  [ "$runs" -gt 5 ]
  [ "$(cat "$victim")" = secret ]
  strata rm -f c >/dev/null
  assert_no_mounts
}

@test "cp out of a running container: a file swapped for a FIFO is refused, never blocks the copy" {
  build_swapper
  strata run -d --name c busybox sh -c 'mkdir /d && sleep 1000' >/dev/null
  strata cp "$W/swapper" c:/swapper
  strata exec -d c /swapper /d f fifo
  sleep 0.2
  mkdir "$W/out"
  for i in $(seq 1 40); do
    # A file and the directory holding it: both open the file the walk saw.
    run timeout 20 "$STRATA_BIN" cp c:/d/f "$W/out/f$i"
    [ "$status" -ne 124 ]
    [ "$status" -eq 0 ] || [[ "$output" == *"replaced while being archived"* ]] || [[ "$output" == *"Could not find"* ]]
    run timeout 20 "$STRATA_BIN" cp c:/d "$W/out/d$i"
    [ "$status" -ne 124 ]
  done
  strata rm -f c >/dev/null
}

@test "cp copies files named .wh.* as they are, both ways" {
  strata run --name c busybox sh -c 'mkdir /d && echo keep >/d/foo && echo theirs >/d/.wh.foo && echo bar >/d/bar' >/dev/null
  # Out: .wh.foo is a file beside foo, not a whiteout that deletes it.
  strata cp c:/d "$W/out"
  [ "$(cat "$W/out/foo")" = keep ]
  [ "$(cat "$W/out/.wh.foo")" = theirs ]
  strata cp c:/d - | tar -tf - | grep -qx 'd/.wh.foo'
  # In, from a directory and from a tar stream: bar stays, the .wh. files arrive.
  mkdir "$W/in"
  echo mine >"$W/in/.wh.bar"
  strata cp "$W/in/." c:/d
  tar -C "$W/in" -cf - .wh.bar | strata cp - c:/tmp
  [ "$(strata cp c:/d/bar - | tar -xOf -)" = bar ]
  [ "$(strata cp c:/d/.wh.bar - | tar -xOf -)" = mine ]
  [ "$(strata cp c:/tmp/.wh.bar - | tar -xOf -)" = mine ]
  id=$(strata ps -aq --no-trunc)
  [ -f "$STRATA_ROOT/containers/$id/upper/d/.wh.bar" ]
  [ -f "$STRATA_ROOT/containers/$id/upper/d/bar" ]
}

@test "cp reaches a container's named volume, running and stopped, not the layer below it" {
  strata run -d --name r -v vol:/data busybox sleep 1000 >/dev/null
  echo in >"$W/f"
  strata cp "$W/f" r:/data/
  [ "$(strata exec r cat /data/f)" = in ]
  [ "$(cat "$STRATA_ROOT/volumes/vol/_data/f")" = in ]
  rid=$(strata inspect -f '{{.Id}}' r)
  [ ! -e "$STRATA_ROOT/containers/$rid/upper/data/f" ]
  strata exec r sh -c 'echo out >/data/g'
  strata cp r:/data/g "$W/g"
  [ "$(cat "$W/g")" = out ]
  # A stopped container: the volume is mounted for the copy, then gone again.
  strata create --name s -v vol:/data busybox cat /data/f /data/h >/dev/null
  echo stopped >"$W/h"
  strata cp "$W/h" s:/data/h
  [ "$(strata cp s:/data/f - | tar -xOf -)" = in ]
  run strata start -a s
  [ "$status" -eq 0 ]
  [ "$output" = "in
stopped" ]
  sid=$(strata inspect -f '{{.Id}}' s)
  [ ! -e "$STRATA_ROOT/containers/$sid/upper/data/h" ]
  strata rm -f r >/dev/null
  assert_no_mounts
}

@test "cp through bind mounts: rw writes reach the host directory, ro is refused with Docker's error" {
  mkdir "$W/rw" "$W/ro"
  echo host >"$W/ro/there"
  strata create --name c -v "$W/rw:/rw" -v "$W/ro:/ro:ro" busybox true >/dev/null
  echo x >"$W/f"
  strata cp "$W/f" c:/rw/
  [ "$(cat "$W/rw/f")" = x ]
  [ "$(strata cp c:/ro/there - | tar -xOf -)" = host ]
  run strata cp "$W/f" c:/ro/
  [ "$status" -eq 125 ]
  [ "$output" = "strata: mounted volume is marked read-only" ]
  run bash -c "tar -C '$W' -cf - f | '$STRATA_BIN' cp - c:/ro/"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: mounted volume is marked read-only" ]
  # Through a symlink to the read-only mount: the mount itself refuses it.
  strata rm c >/dev/null
  strata run --name l -v "$W/ro:/ro:ro" busybox ln -s /ro /link >/dev/null
  run strata cp "$W/f" l:/link/
  [ "$status" -eq 125 ]
  [[ "$output" == *"Read-only file system"* ]]
  [ ! -e "$W/ro/f" ]
  id=$(strata inspect -f '{{.Id}}' l)
  [ ! -e "$STRATA_ROOT/containers/$id/upper/ro/f" ]
  assert_no_mounts
}

@test "cp and tmpfs mounts: reached in a running container, refused in a stopped one" {
  strata run -d --name r --tmpfs /scratch --mount type=tmpfs,dst=/t2 busybox sleep 1000 >/dev/null
  strata exec r sh -c 'echo made >/scratch/m'
  [ "$(strata cp r:/scratch/m - | tar -xOf -)" = made ]
  echo x >"$W/f"
  strata cp "$W/f" r:/scratch/
  strata cp "$W/f" r:/t2/f
  [ "$(strata exec r cat /scratch/f /t2/f)" = "x
x" ]
  rid=$(strata inspect -f '{{.Id}}' r)
  [ ! -e "$STRATA_ROOT/containers/$rid/upper/scratch/f" ]
  # Copying the root does not write under the mount point either (it is covered).
  strata create --name s --tmpfs /scratch busybox true >/dev/null
  run strata cp "$W/f" s:/scratch/
  [ "$status" -eq 125 ]
  [ "$output" = "strata: /scratch is a tmpfs mount of container s: its files exist only while the container runs" ]
  mkdir -p "$W/tree/scratch" && echo y >"$W/tree/scratch/y"
  run strata cp "$W/tree/." s:/
  [ "$status" -eq 125 ]
  sid=$(strata inspect -f '{{.Id}}' s)
  [ ! -e "$STRATA_ROOT/containers/$sid/upper/scratch/y" ]
  strata rm -f r >/dev/null
  assert_no_mounts
}

@test "cp into a --read-only container is refused with Docker's error; its volumes take writes" {
  strata create --name c --read-only -v rov:/data busybox true >/dev/null
  echo x >"$W/f"
  run strata cp "$W/f" c:/tmp/
  [ "$status" -eq 125 ]
  [ "$output" = "strata: container rootfs is marked read-only" ]
  id=$(strata inspect -f '{{.Id}}' c)
  [ ! -e "$STRATA_ROOT/containers/$id/upper/tmp/f" ]
  strata cp "$W/f" c:/data/
  [ "$(cat "$STRATA_ROOT/volumes/rov/_data/f")" = x ]
}
