#!/usr/bin/env bats
# Image commands: import, images, tag, rmi, inspect, history, prune, system df.

load helpers

@test "import: a rootfs tarball becomes a one-layer image whose diff ID is the tar's sha256" {
  run strata import "$BUSYBOX_TAR" busybox:1 -c 'CMD ["/bin/sh"]' -c 'ENV A=1' -m "my import"
  [ "$status" -eq 0 ]
  id=$output
  [[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]]
  # The image ID is the sha256 of the stored config.
  [ "$(sha256sum "$STRATA_ROOT/blobs/sha256/${id#sha256:}" | cut -c1-64)" = "${id#sha256:}" ]
  want="sha256:$(sha256sum "$BUSYBOX_TAR" | cut -c1-64)"
  run strata inspect busybox:1 --format '{{json .RootFS.Layers}} {{json .Config.Cmd}} {{json .Config.Env}}'
  [ "$output" = "[\"$want\"] [\"/bin/sh\"] [\"A=1\"]" ]
  # Unpacked once, ready as a lowerdir, with busybox's applet links intact.
  [ -x "$STRATA_ROOT/layers/${want#sha256:}/diff/bin/busybox" ]
  [ "$(readlink "$STRATA_ROOT/layers/${want#sha256:}/diff/bin/sh")" = busybox ]
  run strata history busybox:1
  assert_output_has "my import"
}

@test "import: from stdin with zstd compression" {
  run bash -c "'$STRATA_BIN' import --compression zstd - zbox < '$BUSYBOX_TAR'"
  [ "$status" -eq 0 ]
  run strata inspect zbox --format '{{.RepoTags}}'
  [ "$status" -eq 0 ]
  [ "$output" = "[zbox:latest]" ]
  blob=$(sqlite3 -cmd ".timeout 10000" "$STRATA_ROOT/strata.db" "SELECT media_type FROM blobs WHERE media_type LIKE '%layer%'")
  [ "$blob" = "application/vnd.oci.image.layer.v1.tar+zstd" ]
}

@test "import: a gzip-compressed input tarball is read and its uncompressed sha256 is the diff ID" {
  gzip -c "$BUSYBOX_TAR" >"$W/bb.tar.gz"
  strata import "$W/bb.tar.gz" gz >/dev/null
  want="sha256:$(sha256sum "$BUSYBOX_TAR" | cut -c1-64)"
  [ "$(strata inspect gz --format '{{json .RootFS.Layers}}')" = "[\"$want\"]" ]
}

@test "import: the stored gzip layer is valid for gzip -d and matches its digest" {
  import_busybox
  blob=$(sqlite3 -cmd ".timeout 10000" "$STRATA_ROOT/strata.db" "SELECT digest FROM blobs WHERE media_type LIKE '%gzip'")
  f=$STRATA_ROOT/blobs/sha256/${blob#sha256:}
  [ "$(sha256sum "$f" | cut -c1-64)" = "${blob#sha256:}" ]
  gzip -dc "$f" | cmp - "$BUSYBOX_TAR"
}

@test "images: Docker's columns, -q, --no-trunc, --digests and --format" {
  import_busybox
  run strata images
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
  [[ "${lines[1]}" =~ ^busybox\ +latest\ +[0-9a-f]{12}\ +.*ago\ +[0-9.]+MB$ ]]
  run strata images -q
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
  run strata images -q --no-trunc
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  run strata images --digests
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID ]]
  [[ "${lines[1]}" =~ sha256:[0-9a-f]{64} ]]
  run strata images --format '{{.Repository}}:{{.Tag}}'
  [ "$output" = "busybox:latest" ]
  run strata images --format 'table {{.Repository}}\t{{.ID}}'
  [[ "${lines[0]}" =~ ^REPOSITORY\ +IMAGE\ ID$ ]]
  run strata image ls -a
  [ "${#lines[@]}" -eq 2 ]
}

@test "images: a REPOSITORY[:TAG] argument filters" {
  import_busybox
  strata tag busybox other:v1
  run strata images --format '{{.Repository}}:{{.Tag}}' other
  [ "$output" = "other:v1" ]
  run strata images --format '{{.Repository}}:{{.Tag}}' busybox:nope
  [ "$output" = "" ]
}

@test "tag: references are normalised as Docker does and invalid ones are refused" {
  import_busybox
  strata tag busybox docker.io/library/bb:2
  strata tag busybox localhost:5000/team/app
  run strata images --format '{{.Repository}}:{{.Tag}}'
  assert_output_has "bb:2"
  assert_output_has "localhost:5000/team/app:latest"
  before=$(store_state)
  run strata tag busybox 'Bad/Name'
  [ "$status" -eq 1 ]
  [[ "$output" == "strata: invalid reference format \"Bad/Name\": repository name must be lowercase" ]]
  run strata tag busybox 'a b'
  [ "$status" -eq 1 ]
  assert_output_has "invalid reference format"
  run strata tag nosuch x
  [ "$status" -eq 1 ]
  [ "$output" = "strata: no such image: nosuch" ]
  [ "$(store_state)" = "$before" ]
}

@test "rmi: untagging keeps the image while another tag needs it; the last tag deletes it" {
  import_busybox
  strata tag busybox second
  id=$(strata images -q --no-trunc | head -1)
  layer_dirs=$(ls "$STRATA_ROOT/layers" | wc -l)
  run strata rmi busybox
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: busybox:latest" ]
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq "$layer_dirs" ]
  run strata rmi second
  [ "$output" = "Untagged: second:latest
Deleted: $id" ]
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 0 ]
  [ "$(ls "$STRATA_ROOT/blobs/sha256" | wc -l)" -eq 0 ]
}

@test "rmi: by ID refuses an image in several repositories unless forced" {
  import_busybox
  strata tag busybox second
  short=$(strata images -q | head -1)
  before=$(store_state)
  run strata rmi "$short"
  [ "$status" -eq 1 ]
  [ "$output" = "strata: conflict: unable to delete $short (must be forced) - image is referenced in multiple repositories" ]
  [ "$(store_state)" = "$before" ]
  run strata rmi -f "$short"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  [ "$(strata images -q)" = "" ]
}

@test "rmi: a layer shared by two images is deleted only with the last one" {
  import_busybox one
  strata import --compression zstd "$BUSYBOX_TAR" two -c 'CMD ["/bin/true"]' >/dev/null
  # Same tar: one unpacked layer, two layer blobs (gzip and zstd).
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 1 ]
  strata rmi one >/dev/null
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 1 ]
  [ -x "$STRATA_ROOT/layers/$(ls "$STRATA_ROOT/layers")/diff/bin/busybox" ]
  strata rmi two >/dev/null
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 0 ]
}

@test "rmi: an unknown image is an error naming it, and other names still go" {
  import_busybox
  run strata rmi nosuch busybox
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "strata: no such image: nosuch" ]
  [ "${lines[1]}" = "Untagged: busybox:latest" ]
}

@test "image inspect: Docker's shape" {
  import_busybox
  run strata image inspect busybox
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.[0] | (.Id|startswith("sha256:")) and .RepoTags == ["busybox:latest"]
    and (.RepoDigests[0]|startswith("busybox@sha256:")) and .Architecture == "amd64" and .Os == "linux"
    and .Size > 1000000 and (.RootFS.Layers|length) == 1 and .Config.Cmd == ["/bin/sh"]
    and (.Created|length) > 0'
  run strata image inspect busybox nosuch
  [ "$status" -eq 1 ]
  assert_output_has "strata: no such image: nosuch"
}

@test "inspect: by short ID, full ID and name@digest" {
  import_busybox
  id=$(strata images -q --no-trunc)
  digest=$(strata images --format '{{.Digest}}')
  for n in "${id:7:6}" "$id" "busybox@$digest"; do
    run strata inspect --format '{{.Id}}' "$n"
    [ "$output" = "$id" ]
  done
}

@test "history: one row per history entry, empty layers included" {
  # A Docker archive whose config has a layer entry and an empty_layer entry (as CMD makes).
  mkdir -p "$W/arch"
  cp "$BUSYBOX_TAR" "$W/arch/layer.tar"
  diff="sha256:$(sha256sum "$BUSYBOX_TAR" | cut -c1-64)"
  cat >"$W/arch/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","config":{"Cmd":["sh"]},
 "rootfs":{"type":"layers","diff_ids":["$diff"]},
 "history":[{"created":"2024-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in /"},
            {"created":"2024-01-01T00:00:01Z","created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]","empty_layer":true}]}
JSON
  echo '[{"Config":"config.json","RepoTags":["hist:1"],"Layers":["layer.tar"]}]' >"$W/arch/manifest.json"
  tar -C "$W/arch" -cf "$W/hist.tar" manifest.json config.json layer.tar
  strata load -i "$W/hist.tar"
  run strata history hist:1
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ .*CMD\ \[\"sh\"\]\ +0B ]]
  [[ "${lines[2]}" =~ ^\<missing\>\ .*ADD\ file:0123456789abcdef0…\ +[0-9.]+MB ]]
  run strata history --no-trunc --format '{{.CreatedBy}}|{{.Size}}' hist:1
  [[ "${lines[1]}" == "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in /|"*MB ]]
  run strata history -q hist:1
  [ "${#lines[@]}" -eq 2 ]
  [ "${lines[1]}" = "<missing>" ]
  run strata history -H=false --format '{{.Size}}' hist:1
  [ "${lines[0]}" = "0" ]
  [ "${lines[1]}" = "$(strata inspect hist:1 --format '{{.Size}}')" ]
}

@test "image prune: removes dangling images and reclaims their files" {
  import_busybox
  strata import --compression zstd "$BUSYBOX_TAR" >/dev/null   # untagged: dangling
  [ "$(ls "$STRATA_ROOT/blobs/sha256" | wc -l)" -eq 6 ]
  run strata image prune -f
  [ "$status" -eq 0 ]
  assert_output_has "Deleted Images:"
  assert_output_has "Total reclaimed space:"
  [ "$(strata images -q | wc -l)" -eq 1 ]
  [ "$(ls "$STRATA_ROOT/blobs/sha256" | wc -l)" -eq 3 ]
  run strata image prune -af
  [ "$status" -eq 0 ]
  assert_output_has "untagged: busybox:latest"
  [ "$(strata images -q | wc -l)" -eq 0 ]
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 0 ]
}

@test "image prune: without -f it asks, and no answer changes nothing" {
  strata import "$BUSYBOX_TAR" >/dev/null
  run bash -c "echo n | '$STRATA_BIN' image prune"
  [ "$status" -eq 0 ]
  [ "$output" = "WARNING! This will remove all dangling images.
Are you sure you want to continue? [y/N] " ]
  [ "$(strata images -q | wc -l)" -eq 1 ]
}

@test "system df: image count and unique layer size" {
  import_busybox
  strata tag busybox again
  run strata system df
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]]
  [[ "${lines[1]}" =~ ^Images\ +1\ +0\ +[0-9.]+MB\ +[0-9.]+MB\ \(100%\)$ ]]
}

@test "cli: usage errors exit 125, command errors exit 1 with 'strata: ' on stderr" {
  run strata images --bogus
  [ "$status" -eq 125 ]
  run strata image inspect nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "[]
strata: no such image: nosuch" ]
  run strata --root "$W/r2" images
  [ "$status" -eq 0 ]
  [ -f "$W/r2/strata.db" ]
}
