#!/usr/bin/env bats
# Interoperability with Debian's podman, skopeo and umoci, in both directions.

load helpers

tree_sig() { (cd "$1" && find . -mindepth 1 -printf '%p %M %U %G %s %l %T@\n' | sort); }

podman_() {
  podman --root "$W/podman" --runroot "$W/podman-run" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file "$@"
}

diff_ids() { jq -c '.rootfs.diff_ids'; }

@test "interop: skopeo inspects strata's archive as docker-archive and oci-archive alike" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  want=$(strata inspect busybox --format '{{json .RootFS.Layers}}')
  [ "$(skopeo inspect docker-archive:"$W/bb.tar" | jq -c .Layers)" = "$want" ]
  [ "$(skopeo inspect oci-archive:"$W/bb.tar" | jq -c .Layers)" = "$want" ]
  # The config travels byte for byte: same image ID everywhere.
  id=$(strata images -q --no-trunc)
  [ "sha256:$(skopeo inspect --raw --config docker-archive:"$W/bb.tar" | sha256sum | cut -c1-64)" = "$id" ]
  [ "sha256:$(skopeo inspect --raw --config oci-archive:"$W/bb.tar" | sha256sum | cut -c1-64)" = "$id" ]
}

@test "interop: podman load accepts strata save; same image ID and diff IDs" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  run podman_ load -i "$W/bb.tar"
  [ "$status" -eq 0 ]
  id=$(strata images -q --no-trunc)
  [ "$(podman_ image inspect busybox --format '{{.Id}}')" = "${id#sha256:}" ]
  [ "$(podman_ image inspect busybox --format '{{json .RootFS.Layers}}')" = \
    "$(strata inspect busybox --format '{{json .RootFS.Layers}}')" ]
  [ "$(podman_ image inspect busybox --format '{{json .Config.Cmd}}')" = '["/bin/sh"]' ]
}

@test "interop: strata loads podman save in docker-archive and oci-archive formats" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  id=$(strata images -q --no-trunc)
  podman_ load -q -i "$W/bb.tar" >/dev/null
  podman_ save --format docker-archive -o "$W/p-docker.tar" busybox
  podman_ save --format oci-archive -o "$W/p-oci.tar" busybox
  for f in p-docker.tar p-oci.tar; do
    export STRATA_ROOT=$W/from-$f
    run strata load -i "$W/$f"
    [ "$status" -eq 0 ]
    assert_output_has "Loaded image: busybox:latest"
    [ "$(strata images -q --no-trunc)" = "$id" ]
    [ -x "$STRATA_ROOT/layers/$(ls "$STRATA_ROOT/layers")/diff/bin/busybox" ]
  done
}

@test "interop: strata loads skopeo oci-archives with gzip and zstd layers" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  want=$(strata inspect busybox --format '{{json .RootFS.Layers}}')
  skopeo copy -q docker-archive:"$W/bb.tar" oci-archive:"$W/gz.tar:busybox:gz"
  skopeo copy -q --dest-compress-format zstd docker-archive:"$W/bb.tar" oci-archive:"$W/zst.tar:busybox:zst"
  export STRATA_ROOT=$W/fresh
  strata load -i "$W/gz.tar"
  strata load -i "$W/zst.tar"
  [ "$(strata inspect busybox:gz --format '{{json .RootFS.Layers}}')" = "$want" ]
  [ "$(strata inspect busybox:zst --format '{{json .RootFS.Layers}}')" = "$want" ]
  types=$(sqlite3 -cmd ".timeout 10000" "$STRATA_ROOT/strata.db" "SELECT media_type FROM blobs WHERE media_type LIKE '%layer%' ORDER BY 1")
  [ "$types" = "application/vnd.oci.image.layer.v1.tar+gzip
application/vnd.oci.image.layer.v1.tar+zstd" ]
  # Both loads share the one unpacked layer.
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 1 ]
}

@test "interop: umoci unpack of strata's OCI archive gives the same tree as strata's unpack" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  mkdir "$W/layout"
  tar -xf "$W/bb.tar" -C "$W/layout"
  umoci unpack --image "$W/layout:latest" "$W/bundle" >/dev/null
  layer=$(ls "$STRATA_ROOT/layers")
  diff <(tree_sig "$W/bundle/rootfs") <(tree_sig "$STRATA_ROOT/layers/$layer/diff")
}
