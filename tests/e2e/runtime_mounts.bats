#!/usr/bin/env bats
# Mount options through the runtime: atime modes on bind mounts, overlay option data
# longer than fsconfig takes per value, and a container without a mount namespace.

load runtime_helpers

# The mount options (field 6 of /proc/self/mountinfo) of /m in a container whose /m is
# a bind of $W/src with OPTIONS (a JSON array).
bind_options() {
  cfg ".mounts |= map(select(.destination != \"/m\"))
       | .mounts += [{\"destination\": \"/m\", \"type\": \"bind\", \"source\": \"$W/src\", \"options\": $1}]"
  run_sh 'awk '\''$5 == "/m" {print $6}'\'' /proc/self/mountinfo'
  [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
  echo "$output"
}

@test "runtime mounts: atime options on a bind mount set its atime mode" {
  # The source is a noatime tmpfs: every atime mode the bind gets is visibly its own.
  mkdir "$W/src"
  mount -t tmpfs -o noatime,size=1m tmpfs "$W/src"
  MOUNTS_TO_REMOVE="$W/src"
  [[ "$(bind_options '["bind"]')" == rw,noatime ]]
  [[ "$(bind_options '["bind", "relatime"]')" == rw,relatime ]]
  [[ "$(bind_options '["bind", "strictatime"]')" == rw ]]
  [[ "$(bind_options '["bind", "noatime"]')" == rw,noatime ]]
  [[ "$(bind_options '["bind", "strictatime", "nodiratime", "ro"]')" == ro,nodiratime ]]
  # A later option wins, as in mount(8).
  [[ "$(bind_options '["bind", "noatime", "strictatime"]')" == rw ]]
}

@test "runtime mounts: an option changes only its own flag: atime, norelatime, nodiratime, diratime, suid" {
  # runc 1.1 remounts with mount(2), whose flags replace the source's (nodiratime alone
  # gives relatime) and where atime and norelatime keep a noatime source's mode.
  only_strata
  mkdir "$W/src"
  mount -t tmpfs -o noatime,size=1m tmpfs "$W/src"
  MOUNTS_TO_REMOVE="$W/src"
  [[ "$(bind_options '["bind", "nodiratime"]')" == rw,noatime,nodiratime ]]
  # atime and norelatime drop noatime for the kernel's default, relatime (mount(8)).
  [[ "$(bind_options '["bind", "atime"]')" == rw,relatime ]]
  [[ "$(bind_options '["bind", "norelatime"]')" == rw,relatime ]]
  umount "$W/src"
  mount -t tmpfs -o nodiratime,nosuid,size=1m tmpfs "$W/src"
  MOUNTS_TO_REMOVE="$W/src"
  [[ "$(bind_options '["bind"]')" == rw,nosuid,nodiratime,relatime ]]
  [[ "$(bind_options '["bind", "diratime", "suid"]')" == rw,relatime ]]
}

# make_layers N: N lower layers in $W/layers/layer-NN, each with a file fNN and a file `top`
# holding its number; prints the lowerdir option, highest layer first.
make_layers() {
  local lower=""
  for i in $(seq -w 0 $(($1 - 1))); do
    mkdir -p "$W/layers/layer-$i"
    echo "$i" >"$W/layers/layer-$i/f$i"
    echo "$i" >"$W/layers/layer-$i/top"
    lower="$W/layers/layer-$i${lower:+:$lower}"
  done
  echo "lowerdir=$lower"
}

@test "runtime mounts: an overlay of 100 layers, option data longer than a page" {
  only_strata  # runc 1.1 passes the option data to mount(2), which takes one page
  lower=$(make_layers 100)
  [ "${#lower}" -gt 4096 ]
  mkdir -p "$W/upper" "$W/work"
  cfg ".mounts += [{\"destination\": \"/merged\", \"type\": \"overlay\", \"source\": \"overlay\",
                    \"options\": [\"$lower\", \"upperdir=$W/upper\", \"workdir=$W/work\"]}]"
  run_sh 'cat /merged/f00 /merged/f99 /merged/top && echo new >/merged/written && ls /merged | wc -l'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 00 ]
  [ "${lines[1]}" = 99 ]
  [ "${lines[2]}" = 99 ]
  [ "${lines[3]}" = 102 ]
  [ "$(cat "$W/upper/written")" = new ]
}

@test "runtime mounts: an overlay whose single option value is longer than 255 bytes" {
  only_strata
  # One lower layer with a 300-byte path: fsconfig refuses the value, mount(2) takes it.
  deep=$W/$(printf 'd%.0s' $(seq 100))/$(printf 'e%.0s' $(seq 100))/$(printf 'f%.0s' $(seq 90))
  mkdir -p "$deep" "$W/upper" "$W/work"
  echo low >"$deep/f"
  [ "${#deep}" -gt 255 ]
  cfg ".mounts += [{\"destination\": \"/merged\", \"type\": \"overlay\", \"source\": \"overlay\",
                    \"options\": [\"lowerdir=$deep\", \"upperdir=$W/upper\", \"workdir=$W/work\"]}]"
  run_sh 'cat /merged/f'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = low ]
}

@test "runtime mounts: without a mount namespace the container shares the mount table and chroots" {
  only_strata  # runc 1.1 fails to close its fds without a /proc in the rootfs
  cfg '.linux.namespaces |= map(select(.type != "mount")) | .mounts = [] | .linux.maskedPaths = []
       | .linux.readonlyPaths = [] | .root.readonly = false'
  before=$(wc -l </proc/self/mountinfo)
  run_sh 'ls /bin/busybox; test -e /proc/self || echo no-proc'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = /bin/busybox ]
  [ "${lines[1]}" = no-proc ]
  # Nothing was mounted in the shared namespace.
  [ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
  # exec runs at the container's root too.
  cfg '.process.args = ["/bin/sleep", "60"]'
  rt run -d -b "$B" "$ID"
  run rt exec "$ID" /bin/ls /bin/busybox
  [ "$status" -eq 0 ]
  [ "$output" = /bin/busybox ]
}

@test "runtime mounts: without a mount namespace, what would mount on the host is refused" {
  only_strata  # runc mounts into the shared namespace and leaves the mounts behind
  cfg '.linux.namespaces |= map(select(.type != "mount"))'
  create_fails_with 'mounts: a container without a mount namespace cannot have mounts'
  cfg '.mounts = []'
  create_fails_with 'linux.maskedPaths: a container without a mount namespace cannot mask paths'
  cfg '.linux.maskedPaths = [] | .linux.readonlyPaths = []'
  create_fails_with 'root.readonly: a container without a mount namespace cannot have a read-only root'
}

@test "runtime mounts: joining the runtime's own mount namespace is sharing its mount table" {
  only_strata  # runc mounts and pivots in the joined (the caller's) namespace
  # Inside a private mount namespace of the test's own, so that a regression cannot
  # pivot the host's root: the runtime's /proc/self/ns/mnt is that namespace.
  cfg '.linux.namespaces |= map(if .type == "mount" then .path = "/proc/self/ns/mnt" else . end)'
  run unshare -m --propagation private sh -c '
    before=$(wc -l </proc/self/mountinfo)
    "$0" --root "$1" create -b "$2" "$3" </dev/null >"$4" 2>&1 3>&-; echo "create=$?"
    echo "mountinfo $(($(wc -l </proc/self/mountinfo) - before))"' \
    "$RUNTIME" "$STATE" "$B" "$ID" "$W/create.out"
  cat "$W/create.out"
  [ "${lines[0]}" = create=1 ]
  [ "${lines[1]}" = "mountinfo 0" ]
  grep -q 'mounts: a container without a mount namespace cannot have mounts' "$W/create.out"
  [ ! -e "$STATE/$ID" ]
  # With nothing to mount it runs chrooted, as without a mount namespace.
  cfg '.mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .root.readonly = false'
  run unshare -m --propagation private sh -c '
    before=$(wc -l </proc/self/mountinfo)
    "$0" --root "$1" run -b "$2" "$3" </dev/null 3>&-; echo "run=$?"
    echo "mountinfo $(($(wc -l </proc/self/mountinfo) - before))"' \
    "$RUNTIME" "$STATE" "$B" "$ID"
  echo "$output"
  [ "${lines[-2]}" = run=0 ]
  [ "${lines[-1]}" = "mountinfo 0" ]
}

@test "runtime mounts: a mount point through symlinks is made inside the rootfs; a link loop is refused" {
  # rootfs/a/link -> ../made/deeper (relative), rootfs/made missing: the walk follows the
  # link from where it sits and makes made/deeper inside the rootfs, as runc does.
  mkdir -p "$B/rootfs/a"
  ln -s ../made/deeper "$B/rootfs/a/link"
  cfg '.mounts += [{"destination":"/a/link/m","type":"tmpfs","source":"tmpfs","options":["size=1m"]}]'
  run_sh 'awk '\''$5 == "/made/deeper/m" {print $9}'\'' /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "$output" = tmpfs ]
  [ -d "$B/rootfs/made/deeper/m" ]
  rm -rf "$B/rootfs/made" "$B/rootfs/a"
  # A file bind whose mount point is itself a dangling link: the file is made where the
  # link points, inside the rootfs.
  echo bound >"$W/file"
  ln -s /made-file "$B/rootfs/file-link"
  cfg ".mounts |= map(select(.destination != \"/a/link/m\"))
       | .mounts += [{\"destination\":\"/file-link\",\"type\":\"bind\",\"source\":\"$W/file\",\"options\":[\"bind\"]}]"
  run_sh 'cat /file-link; cat /made-file'
  [ "$status" -eq 0 ]
  [ "$output" = "bound
bound" ]
  [ -f "$B/rootfs/made-file" ]
  rm -f "$B/rootfs/file-link" "$B/rootfs/made-file"
  # loop1 -> loop2 -> loop1: ELOOP, named, and no container left behind.
  ln -s loop2 "$B/rootfs/loop1"
  ln -s loop1 "$B/rootfs/loop2"
  cfg '.mounts |= map(select(.destination != "/a/link/m" and .destination != "/file-link"))
       | .mounts += [{"destination":"/loop1/m","type":"tmpfs","source":"tmpfs"}]'
  run rt run -b "$B" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"mount /loop1/m: create mount point: Too many levels of symbolic links"* ]] || [[ "$RUNTIME_NAME" != strata-runtime ]]
  [ ! -e "$STATE/$ID" ]
}
