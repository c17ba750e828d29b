#!/usr/bin/env bats
# A container's file system from outside: diff, commit, export, cp, rmi of a used
# image, and system df / prune of containers (docs/CONTAINERS.md "Filesystem operations").

load container_helpers

# A stopped container `c` that added /tmp/d/x, changed /etc/passwd and deleted /bin/ls
# and the whole /usr tree.
make_changed() {
  strata run --name c busybox sh -c 'mkdir /tmp/d && echo hi > /tmp/d/x && echo "u:x:5:5::/:/bin/sh" >> /etc/passwd && rm /bin/ls && rm -rf /usr' >/dev/null
}

@test "diff: A/C/D lines in Docker's order, parents listed, generated mount points left out" {
  make_changed
  run strata diff c
  [ "$status" -eq 0 ]
  [ "$output" = "C /bin
D /bin/ls
C /etc
C /etc/passwd
C /tmp
A /tmp/d
A /tmp/d/x
D /usr" ]
}

@test "diff: a running container, and one with no changes prints nothing" {
  strata run -d --name r busybox sh -c 'touch /newfile; sleep 100' >/dev/null
  for _ in $(seq 50); do [ -e "$STRATA_ROOT/containers/$(strata ps -q --no-trunc)/upper/newfile" ] && break; sleep 0.1; done
  run strata diff r
  [ "$status" -eq 0 ]
  [ "$output" = "A /newfile" ]
  strata create --name idle busybox true >/dev/null
  run strata diff idle
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "diff: an opaque directory that replaced one of the image's is a deletion, then its contents" {
  strata run --name o busybox sh -c 'rm -rf /root && mkdir /root && echo x > /root/new' >/dev/null
  run strata diff o
  [ "$status" -eq 0 ]
  [ "$output" = "D /root
A /root/new" ]
}

@test "diff: an unknown container is exit 125 with Docker's error" {
  run strata diff nope
  [ "$status" -eq 125 ]
  [ "$output" = "strata: No such container: nope" ]
}

@test "commit: the new image runs with the files, deletions applied, and the container's config" {
  make_changed
  run strata commit -a "Ann <ann@example.com>" -m "my change" c committed:v1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=$output
  run strata images -q --no-trunc committed:v1
  [ "$output" = "$id" ]
  run strata run committed:v1 sh -c 'cat /tmp/d/x; tail -1 /etc/passwd; ls /bin/ls /usr 2>&1; true'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "hi" ]
  [ "${lines[1]}" = "u:x:5:5::/:/bin/sh" ]
  [[ "${lines[2]}" == *"/bin/ls"*"No such file or directory"* ]]
  [[ "${lines[3]}" == *"/usr"*"No such file or directory"* ]]
  # Two layers: the image's and the rw layer's; the generated mount points are not in it.
  [ "$(strata inspect committed:v1 --format '{{json .RootFS.Layers}}' | jq length)" = 2 ]
  [ "$(strata inspect committed:v1 --format '{{.Author}}')" = "Ann <ann@example.com>" ]
  [ "$(strata inspect committed:v1 --format '{{json .Config.Cmd}}' | jq -r '.[0]')" = "sh" ]
  top=$(layer_dir_of committed:v1 1)
  [ -f "$top/tmp/d/x" ]
  [ ! -e "$top/etc/hosts" ]
  run strata history committed:v1
  assert_output_has "my change"
  # The image's layers were not touched.
  [ -e "$(layer_dir_of committed:v1 0)/bin/ls" ]
}

@test "commit: -c changes the config; a bad -c is exit 125 and writes nothing" {
  strata create -e A=1 --name c busybox true >/dev/null
  run strata commit -c 'ENV B=2' -c 'CMD ["echo","hello"]' c withcmd
  [ "$status" -eq 0 ]
  run strata run withcmd
  [ "$output" = "hello" ]
  run strata inspect withcmd --format '{{json .Config.Env}}'
  [[ "$output" == *'"A=1"'*'"B=2"'* ]]
  before=$(store_state)
  run strata commit -c 'BOGUS x' c bad
  [ "$status" -eq 125 ]
  assert_output_has "BOGUS"
  [ "$(store_state)" = "$before" ]
}

@test "commit: a running container is paused while its layer is read, and runs on after" {
  id=$(strata run -d --name r busybox sh -c 'echo a > /a; i=0; while true; do i=$((i+1)); echo $i > /hb; usleep 100000; done')
  for _ in $(seq 50); do strata diff r | grep -q '^A /a$' && break; sleep 0.1; done
  # The runtime is asked to pause, then to resume it.
  run strace -f -qq -s 100 -e trace=execve -o "$W/trace" "$STRATA_BIN" commit r live
  [ "$status" -eq 0 ]
  grep -q '"pause", "'"$id"'"' "$W/trace"
  grep -q '"resume", "'"$id"'"' "$W/trace"
  # Resumed: still running, and its heartbeat goes on.
  run strata ps
  assert_output_has "Up"
  hb=$(cat "$STRATA_ROOT/containers/$id/merged/hb")
  sleep 0.5
  [ "$(cat "$STRATA_ROOT/containers/$id/merged/hb")" != "$hb" ]
  run strata run live cat /a
  [ "$output" = "a" ]
  # --pause=false reads it as it runs.
  run strace -f -qq -s 100 -e trace=execve -o "$W/trace2" "$STRATA_BIN" commit --pause=false r live2
  [ "$status" -eq 0 ]
  [ "$(grep -c '"pause"' "$W/trace2")" = 0 ]
}

@test "commit: killed at several points, it leaves a usable store and nothing half-written" {
  make_changed
  KILLED=0
  # strace stops commit with SIGKILL at its nth write to the database, rename, fsync or
  # file write: a point in packing the layer, ingesting it, or committing the image.
  for n in 1 2 3 5 8 13; do
    run strace -f -qq -o /dev/null -e trace=pwrite64,renameat2,fsync,write \
      -e inject=pwrite64,renameat2,fsync,write:signal=SIGKILL:when=$n "$STRATA_BIN" commit c killed:x
    [ "$status" -ne 137 ] || KILLED=$((KILLED + 1))
  done
  echo "killed $KILLED of 6 commits" >&2
  [ "$KILLED" -ge 4 ]
  run strata ps -a -q
  [ "$status" -eq 0 ]
  # Whatever finished is a whole image; a new commit works; the dead leases are reclaimed.
  run strata commit c after
  [ "$status" -eq 0 ]
  run strata run after cat /tmp/d/x
  [ "$output" = "hi" ]
  strata container prune -f >/dev/null
  run strata image prune -af
  [ "$status" -eq 0 ]
  [ -z "$(find "$STRATA_ROOT/tmp" -mindepth 1)" ]
}

@test "export: the merged tree of a stopped container as a tar, atomically to -o, no mount left" {
  make_changed
  run strata export -o "$W/c.tar" c
  [ "$status" -eq 0 ]
  tar -tf "$W/c.tar" | sed 's,^\./,,' | sort > "$W/list"
  grep -qx 'tmp/d/x' "$W/list"
  grep -qx 'bin/sh' "$W/list"
  [ "$(grep -cx 'bin/ls' "$W/list")" = 0 ]
  [ "$(grep -c '^usr' "$W/list")" = 0 ]
  [ "$(grep -c '\.wh\.' "$W/list")" = 0 ]
  [ "$(tar -xOf "$W/c.tar" tmp/d/x)" = "hi" ]
  assert_no_mounts
  # To stdout too, and a running container.
  strata run -d --name r busybox sh -c 'echo live > /live; sleep 100' >/dev/null
  for _ in $(seq 50); do strata diff r | grep -q '^A /live$' && break; sleep 0.1; done
  [ "$(strata export r | tar -xOf - live)" = "live" ]
}

@test "export: an unknown container is exit 125 and leaves no output file" {
  run strata export -o "$W/out.tar" nope
  [ "$status" -eq 125 ]
  [ "$output" = "strata: No such container: nope" ]
  [ ! -e "$W/out.tar" ]
  [ -z "$(ls -A "$W" | grep out.tar)" ]
}

@test "cp: out of a stopped container, Docker's file and directory rules" {
  make_changed
  # A file to a new name, into an existing directory, over an existing file.
  strata cp c:/tmp/d/x "$W/new"
  [ "$(cat "$W/new")" = "hi" ]
  mkdir "$W/dir"
  strata cp c:/tmp/d/x "$W/dir"
  [ "$(cat "$W/dir/x")" = "hi" ]
  echo old > "$W/over"
  strata cp c:tmp/d/x "$W/over"
  [ "$(cat "$W/over")" = "hi" ]
  # A directory: into an existing one as itself, its contents with /., to a new name.
  strata cp c:/tmp/d "$W/dir"
  [ "$(cat "$W/dir/d/x")" = "hi" ]
  mkdir "$W/contents"
  strata cp c:/tmp/d/. "$W/contents"
  [ "$(cat "$W/contents/x")" = "hi" ]
  strata cp c:/tmp/d "$W/renamed"
  [ "$(cat "$W/renamed/x")" = "hi" ]
  # Deleted in the container: not there.
  run strata cp c:/bin/ls "$W/ls"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: Could not find the file /bin/ls in container c" ]
  [ ! -e "$W/ls" ]
  assert_no_mounts
}

@test "cp: errors for a directory onto a file, a missing parent and a file path ending in /" {
  make_changed
  touch "$W/file"
  run strata cp c:/tmp/d "$W/file"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: $W/file: cannot copy directory" ]
  run strata cp c:/tmp/d/x "$W/nodir/"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: $W/nodir/: no such directory" ]
  run strata cp c:/tmp/d/x "$W/a/b/c"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: $W/a/b: no such directory" ]
  run strata cp c:/etc/passwd/ "$W/p"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: /etc/passwd/: not a directory" ]
  run strata cp "$W/file" "$W/other"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: must specify at least one container source" ]
  run strata cp c:/a c:/b
  [ "$status" -eq 125 ]
  [ "$output" = "strata: copying between containers is not supported" ]
  run strata cp nope:/a "$W/x"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: No such container: nope" ]
  [ ! -e "$W/x" ]
  [ ! -e "$W/p" ]
  [ ! -e "$W/other" ]
}

@test "cp: into a container, running and stopped; the next run of a commit sees it" {
  echo content > "$W/f"
  mkdir -p "$W/tree/sub" && echo deep > "$W/tree/sub/g" && chown 1234:1234 "$W/tree/sub/g"
  strata create --name c busybox cat /f /etc/renamed /tree/sub/g >/dev/null
  strata cp "$W/f" c:/
  strata cp "$W/f" c:/etc/renamed
  strata cp "$W/tree" c:/
  run strata start -a c
  [ "$status" -eq 0 ]
  [ "$output" = "content
content
deep" ]
  # Owners are root's without -a, kept with it.
  [ "$(stat -c %u "$STRATA_ROOT/containers/$(strata ps -aq --no-trunc)/upper/tree/sub/g")" = 0 ]
  strata cp -a "$W/tree" c:/kept
  [ "$(stat -c %u "$STRATA_ROOT/containers/$(strata ps -aq --no-trunc)/upper/kept/sub/g")" = 1234 ]
  strata run -d --name r busybox sleep 100 >/dev/null
  strata cp "$W/f" r:/tmp/
  id=$(strata ps -q --no-trunc)
  [ "$(cat "$STRATA_ROOT/containers/$id/merged/tmp/f")" = "content" ]
  run strata cp "$W/f" r:/nodir/x
  [ "$status" -eq 125 ]
  [ "$output" = "strata: Could not find the file /nodir in container r" ]
}

@test "cp: tar streams with - both ways" {
  make_changed
  strata cp c:/tmp/d - > "$W/d.tar"
  [ "$(tar -tf "$W/d.tar" | sort | tr '\n' ' ')" = "d/ d/x " ]
  mkdir "$W/s" && echo streamed > "$W/s/in"
  tar -C "$W/s" -cf - in | strata cp - c:/tmp
  [ "$(strata cp c:/tmp/in - | tar -xOf - in)" = "streamed" ]
  run bash -c "tar -C '$W/s' -cf - in | '$STRATA_BIN' cp - c:/etc/passwd"
  [ "$status" -eq 125 ]
  [ "$output" = "strata: extraction point is not a directory" ]
}

@test "cp: -L follows a link named as the source, else the link itself is copied" {
  strata run --name c busybox sh -c 'echo target > /t && ln -s /t /link' >/dev/null
  strata cp c:/link "$W/l"
  [ "$(readlink "$W/l")" = "/t" ]
  strata cp -L c:/link "$W/f"
  [ ! -L "$W/f" ]
  [ "$(cat "$W/f")" = "target" ]
}

@test "cp: ../../etc stays inside the container (clamped at its root, as Docker does)" {
  strata create --name c busybox true >/dev/null
  echo evil > "$W/strata-cp-escape-$$"
  strata cp "$W/strata-cp-escape-$$" c:../../etc/
  [ ! -e "/etc/strata-cp-escape-$$" ]
  run strata cp c:../../../etc/strata-cp-escape-$$ -
  [ "$status" -eq 0 ]
  [ "$(strata cp c:/etc/strata-cp-escape-$$ - | tar -xOf -)" = "evil" ]
}

@test "cp: a symlink the container planted to the host's / is resolved inside its root" {
  # CVE-2018-15664: a path component that is a symlink to / (or ../..) must lead to the
  # container's root, never the host's.
  strata run --name c busybox sh -c 'ln -s / /escape && ln -s ../../../../../../.. /up && mkdir /tmp/x' >/dev/null
  echo planted > "$W/p"
  strata cp "$W/p" c:/escape/tmp/x/
  strata cp "$W/p" c:/up/tmp/
  [ ! -e /tmp/x/p ]
  id=$(strata ps -aq --no-trunc)
  [ "$(cat "$STRATA_ROOT/containers/$id/upper/tmp/x/p")" = "planted" ]
  [ "$(cat "$STRATA_ROOT/containers/$id/upper/tmp/p")" = "planted" ]
  # Out: /escape/etc/hostname is the container's (the empty mount point), not the host's.
  strata cp c:/escape/etc/hostname "$W/h"
  [ -f "$W/h" ]
  [ ! -s "$W/h" ]
  [ -s /etc/hostname ]
}

@test "rmi: an image a container uses is refused naming it; -f untags and the container still starts" {
  strata create --name c busybox echo still here >/dev/null
  short=$(strata ps -aq)
  id=$(strata images -q --no-trunc busybox)
  run strata rmi busybox
  [ "$status" -eq 1 ]
  [ "$output" = "strata: conflict: unable to remove repository reference \"busybox\" (must force) - container $short is using its referenced image ${id:7:12}" ]
  run strata rmi "$id"
  [ "$status" -eq 1 ]
  assert_output_has "image is being used by container $short"
  run strata rmi -f "$id"
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: busybox:latest" ]
  run strata images -q --no-trunc
  [ "$output" = "$id" ]
  run strata image prune -af
  [ "$status" -eq 0 ]
  run strata start -a c
  [ "$status" -eq 0 ]
  [ "$output" = "still here" ]
  # Once the container goes, the untagged image is dangling and prunes.
  strata rm c >/dev/null
  strata image prune -f >/dev/null
  [ -z "$(strata images -q)" ]
}

@test "system df: a Containers row with the rw layers' size, active and reclaimable" {
  strata run --name c busybox sh -c 'head -c 100000 /dev/zero > /big' >/dev/null
  strata run -d --name r busybox sleep 100 >/dev/null
  run strata system df
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" =~ ^Images\ +1\ +1\ +[0-9.]+MB\ +0B\ \(0%\)$ ]]
  [[ "${lines[2]}" =~ ^Containers\ +2\ +1\ +100kB\ +100kB\ \(100%\)$ ]]
}

@test "system df: a Local Volumes row counts volumes, those in use, and what the unused hold" {
  strata run --name u -v used:/data busybox sh -c 'head -c 50000 /dev/zero > /data/f' >/dev/null
  strata volume create free >/dev/null
  strata run --rm -v free:/d busybox sh -c 'head -c 20000 /dev/zero > /d/f' >/dev/null
  run strata system df
  [ "$status" -eq 0 ]
  [[ "${lines[3]}" =~ ^Local\ Volumes\ +2\ +1\ +70kB\ +20kB\ \(28%\)$ ]]
  strata rm u >/dev/null
  run strata system df
  [[ "${lines[3]}" =~ ^Local\ Volumes\ +2\ +0\ +70kB\ +70kB\ \(100%\)$ ]]
}

@test "container prune: removes stopped containers only, as Docker prints it" {
  strata run --name c busybox sh -c 'head -c 2000 /dev/zero > /f' >/dev/null
  id=$(strata ps -aq --no-trunc)
  strata run -d --name r busybox sleep 100 >/dev/null
  run bash -c "echo n | '$STRATA_BIN' container prune"
  [ "$status" -eq 0 ]
  [ "$(strata ps -aq | wc -l)" = 2 ]
  run strata container prune -f
  [ "$status" -eq 0 ]
  [ "$output" = "Deleted Containers:
$id

Total reclaimed space: 2kB" ]
  run strata ps -a
  [ "$(echo "${lines[1]}" | awk '{print $NF}')" = r ]
  [ "$(strata ps -aq | wc -l)" = 1 ]
  [ ! -e "$STRATA_ROOT/containers/$id" ]
}

@test "system prune: stopped containers, dangling images, leftovers; -a takes unused images" {
  strata run --name c busybox true >/dev/null
  id=$(strata ps -aq --no-trunc)
  strata commit c snap >/dev/null
  strata tag busybox other
  strata rmi other >/dev/null
  # A leftover: a container directory no row names (a killed create), old enough.
  mkdir -p "$STRATA_ROOT/containers/0123456789abcdef/upper"
  head -c 5000 /dev/zero > "$STRATA_ROOT/containers/0123456789abcdef/upper/junk"
  touch -d '1 hour ago' "$STRATA_ROOT/containers/0123456789abcdef"
  # And a volume directory no row names (rm killed before it removed an anonymous
  # volume's directory); a young one may be a volume being created, and stays.
  mkdir -p "$STRATA_ROOT/volumes/0123abcd/_data" "$STRATA_ROOT/volumes/young/_data"
  touch -d '1 hour ago' "$STRATA_ROOT/volumes/0123abcd"
  strata volume create kept >/dev/null
  touch -d '1 hour ago' "$STRATA_ROOT/volumes/kept"
  run strata system prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Containers:" ]
  [ "${lines[1]}" = "$id" ]
  assert_output_has "Total reclaimed space: "
  [ ! -e "$STRATA_ROOT/containers/0123456789abcdef" ]
  [ ! -e "$STRATA_ROOT/volumes/0123abcd" ]
  [ -d "$STRATA_ROOT/volumes/young/_data" ]
  [ "$(strata volume ls -q)" = kept ]
  [ -d "$STRATA_ROOT/volumes/kept/_data" ]
  [ -z "$(strata ps -aq)" ]
  # Tagged images stay without -a; with it, every image no container uses goes.
  [ "$(strata images -q | wc -l)" = 2 ]
  run strata system prune -af
  [ "$status" -eq 0 ]
  assert_output_has "Deleted Images:"
  assert_output_has "untagged: snap:latest"
  [ -z "$(strata images -q)" ]
  [ -z "$(find "$STRATA_ROOT/tmp" "$STRATA_ROOT/layers" -mindepth 1)" ]
}

@test "system prune --volumes: the anonymous volumes no container uses, named ones stay" {
  strata run --name c -v /anon busybox true >/dev/null
  anon=$(strata volume ls -q)
  strata volume create named >/dev/null
  run bash -c "echo n | '$STRATA_BIN' system prune --volumes"
  [ "$status" -eq 0 ]
  assert_output_has "  - all anonymous volumes not used by at least one container"
  [ "$(strata volume ls -q | wc -l)" = 2 ]
  # The container goes first, then its anonymous volume, which it no longer uses.
  id=$(strata ps -aq --no-trunc)
  run strata system prune -f --volumes
  [ "$status" -eq 0 ]
  [ "$output" = "Deleted Containers:
$id

Deleted Volumes:
$anon

Total reclaimed space: 0B" ]
  [ "$(strata volume ls -q)" = named ]
  [ ! -e "$STRATA_ROOT/volumes/$anon" ]
  run strata system prune -f
  [ "$output" = "Total reclaimed space: 0B" ]
}
