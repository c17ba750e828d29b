#!/usr/bin/env bats
# The vfs storage driver (docs/CONTAINERS.md "Storage drivers"): a container's rootfs/ is a
# full copy of its image's layers, made at create, and nothing is ever mounted for it;
# and the automatic fallback to it on a store where overlay cannot keep its upper
# directory. containers.bats and containers_fs.bats also run with
# STRATA_STORAGE_DRIVER=vfs (docs/CONTAINERS.md "Storage drivers" lists the tests that
# read overlay's own directories and so cannot pass that way).

load container_helpers

vfs() { "$STRATA_BIN" --storage-driver vfs "$@"; }

cid() { strata inspect -f '{{.Id}}' "$1"; }

# Stopped containers with the same changes as containers_fs.bats's make_changed, one
# per driver.
make_changed() {
  local script='mkdir /tmp/d && echo hi > /tmp/d/x && echo "u:x:5:5::/:/bin/sh" >> /etc/passwd && rm /bin/ls && rm -rf /usr'
  vfs run --name cv busybox sh -c "$script" >/dev/null
  strata --storage-driver overlay run --name co busybox sh -c "$script" >/dev/null
}

# A Docker archive of busybox with more layers on top: `layered OUT N` makes N-1 layers
# over busybox, each adding /f<i> and writing /top; `layered OUT twice` lists layer A
# (writing /top "A") again under B, which deletes /bin/vi and writes /top "B".
layered() {
  python3 - "$BUSYBOX_TAR" "$@" <<'EOF'
import hashlib, io, json, sys, tarfile
base, out, spec = sys.argv[1], sys.argv[2], sys.argv[3]
def tar(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return b.getvalue()
layers = [open(base, "rb").read()]
if spec == "twice":
    a = tar([("top", b"A"), ("a", b"a")])
    layers += [a, tar([("top", b"B"), ("bin/.wh.vi", b"")]), a]
else:
    layers += [tar([("f%d" % i, b"%d" % i), ("top", b"%d" % i)]) for i in range(1, int(spec))]
ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "config": {"Cmd": ["/bin/sh"]},
                     "rootfs": {"type": "layers", "diff_ids": ids}}).encode()
chex = hashlib.sha256(config).hexdigest()
with tarfile.open(out, "w") as t:
    def put(name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    names = []
    for i, l in zip(ids, layers):
        name = i[7:] + "/layer.tar"
        if name not in names:
            put(name, l)
        names.append(name)
    put(chex + ".json", config)
    put("manifest.json", json.dumps([{"Config": chex + ".json", "RepoTags": ["layered:" + spec],
                                      "Layers": names}]).encode())
EOF
}

@test "vfs: run copies the layers into rootfs/, mounts nothing, and inspect names the driver" {
  before=$(tree_digest "$STRATA_ROOT/layers")
  id=$(vfs run -d --name a busybox sh -c 'echo a > /etc/written; rm /bin/vi; echo up; sleep 100')
  for _ in $(seq 50); do [ "$(strata logs a)" = "up" ] && break; sleep 0.1; done
  [ "$(strata logs a)" = "up" ]
  # The host sees no mount for it while it runs: the runtime binds rootfs/ in the
  # container's own mount namespace.
  assert_no_mounts
  d=$STRATA_ROOT/containers/$id
  [ "$(cat "$d/rootfs/etc/written")" = "a" ]
  [ ! -e "$d/rootfs/bin/vi" ]
  [ ! -e "$d/upper" ] && [ ! -e "$d/merged" ] && [ ! -e "$d/work" ]
  [ "$(tree_digest "$STRATA_ROOT/layers")" = "$before" ]
  run strata inspect -f '{{.Driver}} {{.GraphDriver.Name}} {{json .GraphDriver.Data}}' a
  [ "$output" = "vfs vfs null" ]
  run jq -r '.root.path' "$d/config.json"
  [ "$output" = "$d/rootfs" ]
  # An overlay container beside it says overlay.
  strata --storage-driver overlay create --name o busybox true >/dev/null
  run strata inspect -f '{{.Driver}} {{.GraphDriver.Name}}' o
  [ "$output" = "overlay overlay" ]
}

@test "vfs: the copy keeps owners, modes, links and device nodes of the image" {
  vfs create --name c busybox true >/dev/null
  id=$(cid c)
  layer=$(layer_dir_of busybox)
  # The image's tree and the copy are the same file by file (what tree_digest compares:
  # types, modes, owners, link targets, sizes, contents).
  [ "$(tree_digest "$STRATA_ROOT/containers/$id/rootfs")" = "$(tree_digest "$layer")" ]
  # busybox's applets are hardlinks or symlinks of one binary: kept as they are.
  [ "$(stat -c %h "$layer/bin/busybox")" = "$(stat -c %h "$STRATA_ROOT/containers/$id/rootfs/bin/busybox")" ]
}

@test "vfs: lifecycle: create, start, stop, start keeps the writes, restart, rm leaves nothing" {
  vfs create --name l busybox sh -c 'echo run >> /log; cat /log; sleep 100' >/dev/null
  id=$(cid l)
  strata start l
  for _ in $(seq 50); do [ "$(strata logs l)" = "run" ] && break; sleep 0.1; done
  strata stop -t 1 l >/dev/null
  [ "$(strata inspect -f '{{.State.Status}}' l)" = "exited" ]
  # Started again without the flag (the default would be overlay): it keeps vfs and
  # its writes.
  strata start l
  for _ in $(seq 50); do [ "$(strata logs l | wc -l)" = 3 ] && break; sleep 0.1; done
  [ "$(strata logs l | tail -2)" = "run
run" ]
  [ "$(strata inspect -f '{{.Driver}}' l)" = "vfs" ]
  strata restart -t 1 l >/dev/null
  [ "$(strata inspect -f '{{.State.Status}}' l)" = "running" ]
  strata rm -f l >/dev/null
  [ ! -e "$STRATA_ROOT/containers/$id" ]
  [ -z "$(ls "$STRATA_ROOT/containers")" ]
  [ ! -e "$STRATA_RUNROOT/containers/$id" ]
  assert_no_mounts
  assert_no_cgroups "$id"
  # run --rm too.
  run vfs run --rm busybox echo gone
  [ "$output" = "gone" ]
  [ -z "$(ls "$STRATA_ROOT/containers")" ]
  [ -z "$(strata ps -aq)" ]
}

@test "vfs: diff lists exactly what overlay's diff lists for the same changes" {
  make_changed
  run strata diff cv
  [ "$status" -eq 0 ]
  [ "$output" = "C /bin
D /bin/ls
C /etc
C /etc/passwd
C /tmp
A /tmp/d
A /tmp/d/x
D /usr" ]
  [ "$(strata diff co)" = "$output" ]
  # A directory replaced by a new one: its old contents deleted, the new added.
  vfs run --name o busybox sh -c 'rm -rf /root && mkdir /root && echo x > /root/new' >/dev/null
  run strata diff o
  [ "$output" = "C /root
A /root/new" ]
  vfs create --name idle busybox true >/dev/null
  run strata diff idle
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "vfs: commit makes the changes a layer, deletions as whiteouts; run of the new image sees them" {
  make_changed
  run strata commit cv committed:vfs
  [ "$status" -eq 0 ]
  # The new layer holds the changes only: the additions, the changed file, whiteouts.
  top=$(strata inspect committed:vfs --format '{{json .RootFS.Layers}}' | jq -r '.[-1]')
  ldir=$STRATA_ROOT/layers/${top#sha256:}/diff
  [ "$(cat "$ldir/tmp/d/x")" = "hi" ]
  [ -c "$ldir/bin/ls" ] && [ -c "$ldir/usr" ]
  [ ! -e "$ldir/bin/sh" ]
  [ "$(find "$ldir" -type f | wc -l)" = 2 ]
  # Both drivers run the committed image with the changes applied.
  for d in vfs overlay; do
    run strata --storage-driver $d run --rm committed:vfs sh -c 'cat /tmp/d/x; tail -1 /etc/passwd; test -e /bin/ls || echo nols; test -e /usr || echo nousr'
    [ "$output" = "hi
u:x:5:5::/:/bin/sh
nols
nousr" ]
  done
  # The same commit of the overlay container lists the same files.
  strata commit co committed:overlay >/dev/null
  otop=$(strata inspect committed:overlay --format '{{json .RootFS.Layers}}' | jq -r '.[-1]')
  [ "$(cd "$ldir" && find . | sort)" = "$(cd "$STRATA_ROOT/layers/${otop#sha256:}/diff" && find . | sort)" ]
  [ ! -e "$STRATA_ROOT/containers/$(cid cv)/commit" ]
}

@test "vfs: two containers of one image do not see each other's writes" {
  vfs run --name a busybox sh -c 'echo a > /etc/written; rm -f /bin/vi' >/dev/null
  run vfs run --name b busybox sh -c 'cat /etc/written 2>/dev/null || echo none; test -e /bin/vi && echo vi'
  [ "$output" = "none
vi" ]
  run strata start -a a
  [ "$status" -eq 0 ]
  [ "$(cat "$STRATA_ROOT/containers/$(cid a)/rootfs/etc/written")" = "a" ]
}

@test "vfs: export, cp both ways, and volumes filled from the image" {
  vfs run --name c -v data:/etc busybox sh -c 'echo hi > /tmp/f' >/dev/null
  [ "$(strata export c | tar -xOf - tmp/f)" = "hi" ]
  strata cp c:/tmp/f "$W/out"
  [ "$(cat "$W/out")" = "hi" ]
  echo in > "$W/in"
  strata cp "$W/in" c:/tmp/in
  [ "$(cat "$STRATA_ROOT/containers/$(cid c)/rootfs/tmp/in")" = "in" ]
  # The named volume got the image's /etc on first use (copy-up from rootfs/).
  [ -f "$STRATA_ROOT/volumes/data/_data/passwd" ]
  # A running one too.
  vfs run -d --name r busybox sh -c 'echo live > /live; sleep 100' >/dev/null
  for _ in $(seq 50); do strata diff r | grep -q '^A /live$' && break; sleep 0.1; done
  [ "$(strata export r | tar -xOf - live)" = "live" ]
  assert_no_mounts
}

@test "vfs: ps -s, inspect -s and system df count what the container wrote" {
  vfs run --name c busybox sh -c 'head -c 100000 /dev/zero > /big' >/dev/null
  run strata ps -a -s --format '{{.Size}}'
  [[ "$output" == "100kB (virtual "* ]]
  [ "$(strata inspect -s -f '{{.SizeRw}}' c)" = 100000 ]
  run strata system df
  [[ "${lines[2]}" =~ ^Containers\ +1\ +0\ +100kB\ +100kB\ \(100%\)$ ]]
}

@test "vfs: an image of 200 layers, and one listing a layer twice" {
  layered "$W/200.tar" 200
  strata load -i "$W/200.tar" >/dev/null
  run vfs run --rm layered:200 sh -c 'echo $(cat /top); ls / | grep -c "^f"'
  [ "$status" -eq 0 ]
  [ "$output" = "199
199" ]
  layered "$W/twice.tar" twice
  strata load -i "$W/twice.tar" >/dev/null
  run vfs run --name t layered:twice sh -c 'echo $(cat /top) $(cat /a); test -e /bin/vi || echo novi'
  [ "$status" -eq 0 ]
  [ "$output" = "A a
novi" ]
  [ -z "$(strata diff t)" ]
}

@test "vfs: kill -9 of its monitor: shown exited, start and rm work, nothing to unmount" {
  id=$(vfs run -d --name m busybox sleep 1000)
  mon=$(pgrep -f "strata-monitor $id " | head -1)
  [ -n "$mon" ]
  kill -9 "$mon"
  for _ in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.05; done
  run strata ps -a
  [[ "$output" == *"Exited (255) "*" m"* ]]
  run strata start m
  [ "$status" -eq 0 ]
  [ -n "$(strata ps -q)" ]
  strata rm -f m >/dev/null
  [ -z "$(ls "$STRATA_ROOT/containers")" ]
  assert_no_mounts
  assert_no_cgroups "$id"
}

@test "vfs: a bad --storage-driver is exit 125 with a clear error and creates nothing" {
  run strata --storage-driver btrfs run --rm busybox true
  [ "$status" -eq 125 ]
  [ "$output" = 'strata: invalid --storage-driver "btrfs": want overlay or vfs' ]
  STRATA_STORAGE_DRIVER=zfs run strata create busybox true
  [ "$status" -eq 125 ]
  [ "$output" = 'strata: invalid --storage-driver "zfs": want overlay or vfs' ]
  [ -z "$(strata ps -aq)" ]
  [ ! -e "$STRATA_ROOT/containers" ] || [ -z "$(ls "$STRATA_ROOT/containers")" ]
}

# The fallback, for real: overlayfs refuses an overlay mount's own tree as an upper
# directory ("overlay: filesystem on ... not supported as upperdir": overlayfs cannot
# hold another overlay's whiteouts and xattrs), so a store root inside a mounted overlay
# is one where overlay cannot be used, on every kernel with overlayfs.
@test "auto fallback: on a store inside an overlay mount, create uses vfs and warns why" {
  mkdir -p "$W/o/lower" "$W/o/upper" "$W/o/work" "$W/o/merged"
  mount -t overlay overlay -o "lowerdir=$W/o/lower,upperdir=$W/o/upper,workdir=$W/o/work" "$W/o/merged"
  export STRATA_ROOT=$W/o/merged/root
  import_busybox
  run strata run --name f busybox echo works
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "strata[warn]: overlay cannot be used on \`$STRATA_ROOT\` (overlay: filesystem on $STRATA_ROOT/tmp/"*"/probe/upper not supported as upperdir): using the vfs storage driver, a full copy of the image for each container" ]]
  [ "${lines[1]}" = "works" ]
  [ "$(strata inspect -f '{{.Driver}}' f)" = "vfs" ]
  # Probed once: the answer is kept in the store, and the probe left nothing in tmp/.
  grep -q "not supported as upperdir" "$STRATA_ROOT/overlay-probe"
  [ -z "$(find "$STRATA_ROOT/tmp" -mindepth 1 -name '*probe*')" ]
  run strace -f -qq -e trace=fsopen -o "$W/trace" "$STRATA_BIN" create --name g busybox true
  [ "$status" -eq 0 ]
  [[ "$output" == *"using the vfs storage driver"* ]]
  [ "$(grep -c fsopen "$W/trace")" = 0 ]
  # Asked for by name, overlay is refused with the reason, and nothing is created.
  run strata --storage-driver overlay create --name h busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == "strata: storage driver overlay cannot be used on \`$STRATA_ROOT\`: overlay: filesystem on "*"not supported as upperdir" ]]
  [ "$(strata ps -aq | wc -l)" = 2 ]
  # Everything else works there: diff, commit and a run of the commit.
  strata run --name w busybox sh -c 'echo x > /x' 2>/dev/null
  [ "$(strata diff w)" = "A /x" ]
  strata commit w withx >/dev/null
  [ "$(strata run --rm withx cat /x 2>/dev/null)" = "x" ]
  strata rm -f f g w >/dev/null
  umount "$W/o/merged"
}
