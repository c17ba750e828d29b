#!/usr/bin/env bats
# save and load: round trips, layer sharing, compressed archives, concurrency.

load helpers

tree_sig() { (cd "$1" && find . -mindepth 1 -printf '%p %M %U %G %s %l %T@\n' | sort); }

@test "save: Docker 25+ archive layout with manifest.json, index.json, oci-layout, repositories" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  run tar tf "$W/bb.tar"
  assert_output_has "manifest.json"
  assert_output_has "index.json"
  assert_output_has "oci-layout"
  assert_output_has "repositories"
  id=$(strata images -q --no-trunc)
  diff=$(strata inspect busybox --format '{{json .RootFS.Layers}}' | jq -r '.[0]')
  tar xOf "$W/bb.tar" manifest.json | jq -e --arg id "${id#sha256:}" --arg d "${diff#sha256:}" \
    '.[0].Config == "blobs/sha256/\($id)" and .[0].RepoTags == ["busybox:latest"] and .[0].Layers == ["blobs/sha256/\($d)"]'
  tar xOf "$W/bb.tar" index.json | jq -e '.manifests[0].annotations["io.containerd.image.name"] == "docker.io/library/busybox:latest"'
  # Layers travel uncompressed: the blob is the very tar that was imported.
  tar xOf "$W/bb.tar" "blobs/sha256/${diff#sha256:}" | cmp - "$BUSYBOX_TAR"
}

@test "save + load: a fresh store gets the same image ID, tags, layers and files" {
  import_busybox
  strata tag busybox other:2
  strata save -o "$W/bb.tar" busybox other:2
  id=$(strata images -q --no-trunc | head -1)
  orig=$STRATA_ROOT
  export STRATA_ROOT=$W/fresh
  run strata load -i "$W/bb.tar"
  [ "$status" -eq 0 ]
  assert_output_has "Loaded image: busybox:latest"
  assert_output_has "Loaded image: other:2"
  [ "$(strata images -q --no-trunc | sort -u)" = "$id" ]
  layer=$(ls "$STRATA_ROOT/layers")
  [ "$(tree_sig "$STRATA_ROOT/layers/$layer/diff")" = "$(tree_sig "$orig/layers/$layer/diff")" ]
  # Not only our unpacker against itself: GNU tar's view of the input and of the saved
  # layer is the same tree.
  gnu_extract "$BUSYBOX_TAR" "$W/gnu-in"
  mkdir "$W/saved" && tar -xf "$W/bb.tar" -C "$W/saved"
  gnu_extract "$W/saved/blobs/sha256/$layer" "$W/gnu-saved"
  want=$(tree_digest "$W/gnu-in")
  [ "$(tree_digest "$W/gnu-saved")" = "$want" ]
  [ "$(tree_digest "$STRATA_ROOT/layers/$layer/diff")" = "$want" ]
}

@test "save: kill -9 mid-save leaves neither a temp file nor a partial archive" {
  python3 "$MKARCHIVE" layer big "$W/big.tar" $((64 * 1024 * 1024))
  strata import "$W/big.tar" big >/dev/null
  mkdir "$W/out"
  KILLED=0
  for round in $(seq 8); do
    strata_killed_within 40 save -o "$W/out/big.tar" big
    # Only ever the whole archive, or nothing at all.
    run ls -A "$W/out"
    [ "$output" = "" ] || [ "$output" = "big.tar" ]
    if [ -e "$W/out/big.tar" ]; then
      tar -xOf "$W/out/big.tar" manifest.json | jq -e '.[0].RepoTags == ["big:latest"]'
    fi
    rm -f "$W/out/big.tar"
  done
  echo "killed $KILLED of 8 saves" >&2
  [ "$KILLED" -gt 0 ]
}

@test "save: over an existing file, and a temp file left by an older writer is reclaimed" {
  import_busybox
  echo old >"$W/bb.tar"
  : >"$W/bb.tar.tmp-0badc0de"   # as a killed writer without O_TMPFILE leaves it
  # The user's own files that only look alike stay (the review found them deleted).
  echo mine >"$W/bb.tar.tmp-mynotes"
  echo mine >"$W/bb.tar.tmp-0BADC0DE"
  mkdir "$W/bb.tar.tmp-0badc0d1"
  strata save -o "$W/bb.tar" busybox
  tar -xOf "$W/bb.tar" manifest.json | jq -e '.[0].RepoTags == ["busybox:latest"]'
  [ ! -e "$W/bb.tar.tmp-0badc0de" ]
  [ "$(cat "$W/bb.tar.tmp-mynotes")" = mine ]
  [ "$(cat "$W/bb.tar.tmp-0BADC0DE")" = mine ]
  [ -d "$W/bb.tar.tmp-0badc0d1" ]
}

@test "save: a layer shared by two images is written once" {
  import_busybox one
  strata import --compression zstd "$BUSYBOX_TAR" two -c 'CMD ["/bin/true"]' >/dev/null
  strata save -o "$W/both.tar" one two
  diff=$(strata inspect one --format '{{json .RootFS.Layers}}' | jq -r '.[0]')
  [ "$(tar tf "$W/both.tar" | grep -c "${diff#sha256:}")" -eq 1 ]
  [ "$(tar xOf "$W/both.tar" manifest.json | jq length)" -eq 2 ]
  export STRATA_ROOT=$W/fresh
  strata load -i "$W/both.tar"
  [ "$(strata images -q | sort -u | wc -l)" -eq 2 ]
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 1 ]
}

@test "save: a repository name without a tag saves all its tags; an ID saves no tags" {
  import_busybox busybox:1
  strata tag busybox:1 busybox:2
  strata save -o "$W/repo.tar" busybox
  [ "$(tar xOf "$W/repo.tar" manifest.json | jq -c '.[0].RepoTags')" = '["busybox:1","busybox:2"]' ]
  strata save -o "$W/id.tar" "$(strata images -q | head -1)"
  [ "$(tar xOf "$W/id.tar" manifest.json | jq -c '.[0].RepoTags')" = '[]' ]
  export STRATA_ROOT=$W/fresh
  run strata load -i "$W/id.tar"
  [[ "$output" =~ ^Loaded\ image\ ID:\ sha256:[0-9a-f]{64}$ ]]
}

@test "save: an unknown image fails and leaves no output file" {
  run strata save -o "$W/out.tar" nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "strata: no such image: nosuch" ]
  [ "$(ls "$W")" = "root" ]   # no out.tar, no out.tar.tmp-*
}

@test "save to stdout, load from stdin, gzip- and zstd-compressed archives" {
  import_busybox
  id=$(strata images -q --no-trunc)
  strata save busybox >"$W/plain.tar"
  gzip -c "$W/plain.tar" >"$W/bb.tar.gz"
  zstd -q -c "$W/plain.tar" >"$W/bb.tar.zst"
  for f in plain.tar bb.tar.gz bb.tar.zst; do
    export STRATA_ROOT=$W/fresh-$f
    run bash -c "'$STRATA_BIN' load < '$W/$f'"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: busybox:latest" ]
    [ "$(strata images -q --no-trunc)" = "$id" ]
  done
}

@test "load: loading the same archive twice changes nothing the second time" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  export STRATA_ROOT=$W/fresh
  strata load -q -i "$W/bb.tar"
  before=$(store_state)
  strata load -q -i "$W/bb.tar"
  [ "$(store_state)" = "$before" ]
}

@test "load: parallel loads and imports into one store all succeed" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  export STRATA_ROOT=$W/fresh
  pids=()
  for i in 1 2 3; do
    strata load -q -i "$W/bb.tar" & pids+=($!)
    strata import "$BUSYBOX_TAR" "imp$i" >/dev/null & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  [ "$(strata images --format '{{.Repository}}' | sort | tr '\n' ' ')" = "busybox imp1 imp2 imp3 " ]
  [ "$(ls "$STRATA_ROOT/layers" | wc -l)" -eq 1 ]
  [ -z "$(ls "$STRATA_ROOT/tmp")" ]
}
