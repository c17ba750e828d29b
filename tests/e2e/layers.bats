#!/usr/bin/env bats
# Layers that cost more than they should: a small blob that expands past the store's
# free space, a tar followed by endless data, and trees nested thousands deep. Each is
# refused with a clear error or handled, and leaves nothing behind.

load helpers

# A tar stream on stdout: one regular file `big` of $1 zero bytes (made as it streams).
zero_file_tar() {
  python3 - "$1" <<'PY'
import sys, tarfile
size = int(sys.argv[1])
info = tarfile.TarInfo("big")
info.size = size
out = sys.stdout.buffer
out.write(info.tobuf(format=tarfile.USTAR_FORMAT))
chunk = bytes(1 << 20)
left = size
while left:
    n = min(left, len(chunk))
    out.write(chunk[:n])
    left -= n
out.write(bytes(1024))
PY
}

# A tar of $2 nested directories d/d/d/... with a file at the bottom, into $1.
deep_tar() {
  python3 - "$1" "$2" <<'PY'
import sys, tarfile, io
dest, depth = sys.argv[1], int(sys.argv[2])
with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as t:
    path = ""
    for i in range(depth):
        path = "d" if not path else path + "/d"
        info = tarfile.TarInfo(path)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        info.mtime = 1700000000
        t.addfile(info)
    info = tarfile.TarInfo(path + "/leaf")
    info.size = 4
    t.addfile(info, io.BytesIO(b"leaf"))
PY
}

@test "layers: a gzip layer that expands past the free space is refused by the size cap, leaving nothing" {
  # 256 MiB of zeros in a blob of 256 KiB, into a store on a 64 MiB file system.
  zero_file_tar $((256 << 20)) | gzip -9 >"$W/bomb.tar.gz"
  [ "$(stat -c %s "$W/bomb.tar.gz")" -lt $((1 << 20)) ]
  mkdir -p "$STRATA_ROOT"
  run unshare -m sh -c '
    mount -t tmpfs -o size=64m tmpfs "$STRATA_ROOT" || exit 99
    "$0" import "$1" bomb:latest
    echo "status=$?"
    find "$STRATA_ROOT/tmp" "$STRATA_ROOT/layers" "$STRATA_ROOT/blobs" -mindepth 1 -type f
    df -k --output=used "$STRATA_ROOT" | tail -1' "$STRATA_BIN" "$W/bomb.tar.gz"
  [ "$status" -eq 0 ]
  assert_output_has "strata: import \`$W/bomb.tar.gz\`: tar entry \`big\`: 268435456 bytes of file data: layer expands past its size cap of "
  assert_output_has "(the free space of the store's file system, less 5% of its size)"
  assert_output_has "status=1"
  # Nothing was left: no file under tmp/, layers/ or blobs/, and the file system is empty
  # again (a few KiB for the database).
  [ "$(echo "$output" | grep -c "^$STRATA_ROOT")" -eq 0 ]
  used=$(echo "$output" | tail -1)
  [ "$used" -lt 4096 ]
}

@test "layers: --max-layer-size and STRATA_MAX_LAYER_SIZE set the store's cap for import and load" {
  zero_file_tar $((4 << 20)) >"$W/four.tar"
  STRATA_ROOT=$W/other strata import "$W/four.tar" four
  STRATA_ROOT=$W/other strata save -o "$W/four-save.tar" four
  strata images >/dev/null  # the store exists, empty
  BEFORE=$(store_state)
  run strata --max-layer-size 2m import "$W/four.tar" four
  [ "$status" -eq 1 ]
  assert_output_has "layer expands past its size cap of 2097152 bytes (the store's setting)"
  run env STRATA_MAX_LAYER_SIZE=1.5MiB "$STRATA_BIN" load -i "$W/four-save.tar"
  [ "$status" -eq 1 ]
  assert_output_has "size cap of 1572864 bytes (the store's setting)"
  [ "$(store_state)" = "$BEFORE" ]
  # Above the layer's size, and 0 (the default), it goes in.
  strata --max-layer-size 5m import "$W/four.tar" four
  STRATA_MAX_LAYER_SIZE=0 strata load -i "$W/four-save.tar"
  for bad in abc -1 5x 1.m 99999999999999999999; do
    run strata --max-layer-size "$bad" images
    [ "$status" -eq 125 ]
    [ "$output" = "strata: invalid --max-layer-size \"$bad\": want a size such as 512m or 20g" ]
  done
}

@test "layers: import and load of endless data after the end marker stop with a clear error" {
  run timeout 20 "$STRATA_BIN" import /dev/zero endless
  [ "$status" -eq 1 ]
  [ "$output" = "strata: import \`/dev/zero\`: tar: more than 1048576 bytes of data after the end-of-archive marker (after 0 entries)" ]
  run timeout 20 "$STRATA_BIN" load -i /dev/zero
  [ "$status" -eq 1 ]
  assert_output_has "tar: more than 1048576 bytes of data after the end-of-archive marker"
  [ -z "$(ls -A "$STRATA_ROOT/tmp")" ]
}

@test "layers: a tar with normal padding after its end marker imports and keeps its diff ID" {
  # GNU tar pads to a 10240-byte record; add 64 KiB more, as some writers do.
  cp "$BUSYBOX_TAR" "$W/padded.tar"
  head -c 65536 /dev/zero >>"$W/padded.tar"
  want="sha256:$(sha256sum "$W/padded.tar" | cut -d' ' -f1)"
  run strata import "$W/padded.tar" padded
  [ "$status" -eq 0 ]
  run strata image inspect -f '{{json .RootFS}}' padded
  [ "$status" -eq 0 ]
  assert_output_has "\"$want\""
}

@test "layers: 5000 nested directories import, save, load and are removed at 1024 fds" {
  deep_tar "$W/deep.tar" 5000
  run bash -c '
    ulimit -n 1024
    set -e
    "$0" import "$1" deep:latest >/dev/null
    "$0" save -o "$2/deep-image.tar" deep:latest
    STRATA_ROOT=$2/other "$0" load -i "$2/deep-image.tar"
    STRATA_ROOT=$2/other "$0" rmi deep:latest
    STRATA_ROOT=$2/other "$0" image prune -a -f
    "$0" rmi deep:latest
    "$0" image prune -a -f' "$STRATA_BIN" "$W/deep.tar" "$W"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_output_has "Loaded image: deep:latest"
  # The image held the whole tree, and nothing is left of it in either store.
  [ -z "$(ls -A "$STRATA_ROOT/layers" "$STRATA_ROOT/tmp" | grep -v ':$' | grep .)" ]
  [ -z "$(ls -A "$W/other/layers" "$W/other/tmp" | grep -v ':$' | grep .)" ]
}

@test "layers: the unpacked deep tree is whole (the leaf 5000 levels down)" {
  deep_tar "$W/deep.tar" 5000
  run strata import "$W/deep.tar" deep:latest
  [ "$status" -eq 0 ]
  layer=$(ls "$STRATA_ROOT/layers")
  # Walk down fd by fd (the full path is longer than PATH_MAX).
  run python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for _ in range(5000):
    fd = os.open("d", os.O_RDONLY, dir_fd=fd)
print(open(os.open("leaf", os.O_RDONLY, dir_fd=fd)).read())
print(os.fstat(fd).st_mtime_ns // 10**9)' "$STRATA_ROOT/layers/$layer/diff"
  [ "$status" -eq 0 ]
  [ "$output" = "leaf"$'\n'"1700000000" ]
}

@test "layers: a tree deeper than the cap is refused with a clear error and leaves nothing in tmp/" {
  deep_tar "$W/deeper.tar" 8200
  run bash -c 'ulimit -n 1024; exec "$0" import "$1" deeper' "$STRATA_BIN" "$W/deeper.tar"
  [ "$status" -eq 1 ]
  assert_output_has "strata: import \`$W/deeper.tar\`: tar entry \`d/d/d/"
  assert_output_has "(16385 bytes)\`: deeper than 8192 directories, the cap"
  [ -z "$(ls -A "$STRATA_ROOT/tmp")" ]
  [ -z "$(ls -A "$STRATA_ROOT/layers")" ]
}
