#!/usr/bin/env bats
# Bad input gets a clear error naming what and where, and changes nothing: after each
# failure the store holds exactly what it held before.

load helpers

setup() {
  ensure_fixtures
  export STRATA_ROOT=$BATS_TEST_TMPDIR/root
  W=$BATS_TEST_TMPDIR
  # Every test starts from a store that already holds an image.
  import_busybox
  BEFORE=$(store_state)
}

assert_unchanged() {
  local now
  now=$(store_state)
  if [[ "$now" != "$BEFORE" ]]; then
    diff <(echo "$BEFORE") <(echo "$now") >&2
    return 1
  fi
}

@test "bad input: a truncated gzip tarball on import" {
  gzip -c "$BUSYBOX_TAR" | head -c 300000 >"$W/trunc.tar.gz"
  run strata import "$W/trunc.tar.gz" broken
  [ "$status" -eq 1 ]
  [[ "$output" == "strata: import \`$W/trunc.tar.gz\`: tar entry \`"*"\`: gzip stream: unexpected end of data (truncated)" ]]
  assert_unchanged
}

@test "bad input: a truncated gzip archive on load" {
  strata save busybox | gzip -c | head -c 200000 >"$W/trunc.tar.gz"
  run strata load -i "$W/trunc.tar.gz"
  [ "$status" -eq 1 ]
  assert_output_has "gzip stream: unexpected end of data (truncated)"
  assert_unchanged
}

@test "bad input: a corrupt tar on import and on load" {
  head -c 100000 /dev/urandom >"$W/noise.bin"
  run strata import "$W/noise.bin" broken
  [ "$status" -eq 1 ]
  assert_output_has "strata: import \`$W/noise.bin\`: tar"
  run strata load -i "$W/noise.bin"
  [ "$status" -eq 1 ]
  assert_output_has "strata: load \`$W/noise.bin\`: tar"
  # A tar whose header checksum is broken partway through.
  cp "$BUSYBOX_TAR" "$W/corrupt.tar"
  off=$(python3 -c "import tarfile,sys; print(tarfile.open(sys.argv[1]).getmembers()[40].offset)" "$W/corrupt.tar")
  printf 'XXXXXXXX' | dd of="$W/corrupt.tar" bs=1 seek=$((off + 148)) conv=notrunc 2>/dev/null
  run strata import "$W/corrupt.tar" broken
  [ "$status" -eq 1 ]
  assert_output_has "tar header after"
  assert_unchanged
}

@test "bad input: a blob whose digest does not match its descriptor" {
  python3 "$MKARCHIVE" oci "$W/bad.tar" "$BUSYBOX_TAR" digest-mismatch
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  assert_output_has "blob digest mismatch: manifest says sha256:"
  assert_unchanged
}

@test "bad input: a layer whose content does not match the config's diff ID" {
  python3 "$MKARCHIVE" oci "$W/bad.tar" "$BUSYBOX_TAR" diff-id-mismatch
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  assert_output_has "diff ID mismatch: config says sha256:"
  assert_unchanged
}

@test "bad input: a manifest that is not JSON" {
  python3 "$MKARCHIVE" oci "$W/bad.tar" "$BUSYBOX_TAR" manifest-not-json
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  # A member that is not JSON is not even read into memory: the error says so.
  [[ "$output" == "strata: load \`$W/bad.tar\`: index.json: manifests[0]: \`blobs/sha256/"*"\`: not a JSON document" ]]
  assert_unchanged
}

@test "bad input: a manifest missing a required field" {
  python3 "$MKARCHIVE" oci "$W/bad.tar" "$BUSYBOX_TAR" missing-config
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "strata: load \`$W/bad.tar\`: index.json: manifests[0]: manifest: config: missing" ]
  assert_unchanged
}

@test "bad input: an unknown layer media type" {
  python3 "$MKARCHIVE" oci "$W/bad.tar" "$BUSYBOX_TAR" unknown-media-type
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  assert_output_has "layers[0]: unknown media type \"application/x-rar-compressed\""
  assert_unchanged
}

@test "bad input: not an image archive at all" {
  tar -C "$W" -cf "$W/plain.tar" --files-from /dev/null
  run strata load -i "$W/plain.tar"
  [ "$status" -eq 1 ]
  assert_output_has "neither manifest.json nor index.json found: not a Docker or OCI image archive"
  assert_unchanged
}

@test "bad input: a Docker archive naming a layer it does not contain" {
  mkdir -p "$W/arch"
  echo '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:'"$(printf %064d 0)"'"]}}' >"$W/arch/c.json"
  echo '[{"Config":"c.json","RepoTags":["x:1"],"Layers":["missing/layer.tar"]}]' >"$W/arch/manifest.json"
  tar -C "$W/arch" -cf "$W/bad.tar" manifest.json c.json
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "strata: load \`$W/bad.tar\`: manifest.json: [0]: layer \`missing/layer.tar\`: missing from the archive" ]
  assert_unchanged
}

# A layer that tries to leave the layer directory, each way. Nothing may appear outside.
escape_case() {
  local kind=$1 want=$2
  mkdir -p "$W/host-target"
  python3 "$MKARCHIVE" layer "$kind" "$W/evil.tar" "$W/host-target"
  run strata import "$W/evil.tar" evil
  [ "$status" -eq 1 ]
  assert_output_has "$want"
  python3 "$MKARCHIVE" oci "$W/evil-oci.tar" "$W/evil.tar"
  run strata load -i "$W/evil-oci.tar"
  [ "$status" -eq 1 ]
  assert_output_has "$want"
  [ ! -e "$W/host-target/evil" ]
  [ ! -e /tmp/strata-evil-abs ]
  [ ! -e "$W/evil" ] && [ ! -e "$STRATA_ROOT/evil" ] && [ ! -e "$STRATA_ROOT/layers/evil" ]
  assert_unchanged
}

@test "bad input: tar entry with .. is refused" {
  escape_case dotdot "tar entry \`../../evil\`: \"..\" escapes the layer"
}

@test "bad input: tar entry with an absolute path is refused" {
  escape_case absolute "tar entry \`/tmp/strata-evil-abs\`: absolute path"
}

@test "bad input: writing through a symlink to a host directory stays inside (refused)" {
  escape_case symlink-write "tar entry \`escape/evil\`: openat2 \`escape\`: No such file or directory"
}

@test "bad input: a hard link to a file outside is refused" {
  escape_case hardlink-outside "hard link target: tar entry \`../../../../../../etc/passwd\`: \"..\" escapes the layer"
  [ "$(stat -c %h /etc/passwd)" -eq 1 ]
}

@test "bad input: a whiteout of a path outside is refused" {
  escape_case whiteout-outside "tar entry \`../.wh.evil\`: \"..\" escapes the layer"
}

@test "bad input: references with invalid characters" {
  for ref in 'UPPER' 'a b' 'x:' 'x@sha256:12' 'a//b' 'a/-b' 'name:tag!'; do
    run strata import "$BUSYBOX_TAR" "$ref"
    [ "$status" -eq 1 ]
    assert_output_has "invalid reference format \"$ref\""
  done
  run strata rmi 'bad name!'
  [ "$status" -eq 1 ]
  assert_output_has "invalid reference format"
  assert_unchanged
}

@test "bad input: a bad --change and a bad --compression are refused before reading input" {
  run bash -c "'$STRATA_BIN' import -c 'RUN make' - x < '$BUSYBOX_TAR'"
  [ "$status" -eq 1 ]
  assert_output_has "--change \"RUN make\": unknown instruction RUN"
  run strata import --compression lz4 "$BUSYBOX_TAR" x
  [ "$status" -eq 1 ]
  assert_output_has "--compression \"lz4\": want gzip or zstd"
  run strata import "$W/no-such-file.tar" x
  [ "$status" -eq 1 ]
  [ "$output" = "strata: open \`$W/no-such-file.tar\`: No such file or directory" ]
  assert_unchanged
}

@test "bad input: disk full during import and load leaves the store as it was" {
  [ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"
  # 3 MiB of random data: under the layer size cap (the 8 MiB file system's free space
  # less 5%), but its blob and its tree together do not fit: the disk fills.
  python3 "$MKARCHIVE" layer big "$W/big.tar" $((3 * 1024 * 1024))
  STRATA_ROOT=$W/other strata import --compression zstd "$W/big.tar" big >/dev/null
  STRATA_ROOT=$W/other strata save -o "$W/big-save.tar" big
  mkdir "$W/small"
  mount -t tmpfs -o size=8m tmpfs "$W/small"
  export STRATA_ROOT=$W/small/root
  import_busybox
  BEFORE=$(store_state)
  run strata import "$W/big.tar" big
  status_import=$status out_import=$output after_import=$(store_state)
  run strata load -i "$W/big-save.tar"
  status_load=$status out_load=$output after_load=$(store_state)
  run strata images --format '{{.Repository}}'
  images=$output
  umount "$W/small"
  [ "$status_import" -eq 1 ]
  [[ "$out_import" == *"No space left on device"* ]]
  [ "$after_import" = "$BEFORE" ]
  [ "$status_load" -eq 1 ]
  [[ "$out_load" == *"No space left on device"* ]]
  [ "$after_load" = "$BEFORE" ]
  [ "$images" = "busybox" ]
}

@test "crash: kill -9 during load leaves a usable store; prune reclaims the leftovers" {
  # A load that stalls halfway: the archive is fed through a pipe that pauses.
  python3 "$MKARCHIVE" layer big "$W/big.tar" $((40 * 1024 * 1024))
  strata import --compression zstd "$W/big.tar" big >/dev/null
  strata save -o "$W/big-save.tar" big
  export STRATA_ROOT=$W/crash
  strata images >/dev/null
  half=$(($(stat -c %s "$W/big-save.tar") / 2))
  mkfifo "$W/pipe"
  (head -c "$half" "$W/big-save.tar"; sleep 30) >"$W/pipe" &
  feeder=$!
  "$STRATA_BIN" load -i "$W/pipe" &
  loader=$!
  for _ in $(seq 100); do
    [ -n "$(find "$STRATA_ROOT/tmp" -mindepth 2 -type f -size +1M 2>/dev/null)" ] && break
    sleep 0.1
  done
  kill -9 "$loader"
  rc=0
  wait "$loader" || rc=$?
  [ "$rc" -eq 137 ]
  kill "$feeder" 2>/dev/null || echo "the feeder had ended" >&2   # cleanup, not a check
  [ -n "$(ls "$STRATA_ROOT/tmp")" ]   # the killed load left its temp area
  run strata images -q
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  run strata image prune -f
  [ "$status" -eq 0 ]
  [ -z "$(ls "$STRATA_ROOT/tmp")" ]
  run strata load -i "$W/big-save.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: big:latest" ]
}

@test "bad input: an archive with no images is an error, not a silent success" {
  python3 "$MKARCHIVE" docker "$W/empty-docker.tar" "$BUSYBOX_TAR" no-images
  run strata load -i "$W/empty-docker.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "strata: load \`$W/empty-docker.tar\`: archive holds no images" ]
  python3 "$MKARCHIVE" oci "$W/empty-oci.tar" "$BUSYBOX_TAR" empty-index
  run strata load -i "$W/empty-oci.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "strata: load \`$W/empty-oci.tar\`: archive holds no images" ]
  assert_unchanged
}

@test "bad input: a layer whose size differs from its descriptor is refused" {
  python3 "$MKARCHIVE" oci "$W/bad.tar" "$BUSYBOX_TAR" layer-size-mismatch
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  assert_output_has "index.json: manifests[0]: layer 0: blob size mismatch: manifest says"
  assert_unchanged
}

@test "bad input: a config field of the wrong type is refused naming the field" {
  python3 "$MKARCHIVE" oci "$W/bad.tar" "$BUSYBOX_TAR" config-cmd-string
  run strata load -i "$W/bad.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "strata: load \`$W/bad.tar\`: index.json: manifests[0]: image config: config.Cmd: want an array of strings" ]
  assert_unchanged
}

@test "bad input: control bytes in names from an archive or the command line are escaped" {
  python3 "$MKARCHIVE" docker "$W/esc.tar" "$BUSYBOX_TAR" escape-in-name
  run strata load -i "$W/esc.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "strata: load \`$W/esc.tar\`: manifest.json: [0]: layer \`\\x1b[2J\\x1b]0;owned\\x07.tar\`: missing from the archive" ]
  run strata tag busybox $'evil\e[31m:1'
  [ "$status" -eq 1 ]
  [[ "$output" == 'strata: invalid reference format "evil\x1b[31m:1": '* ]]
  run strata rmi $'\e]0;title\a'
  [ "$status" -eq 1 ]
  [[ "$output" != *$'\e'* ]]
  run strata import -c $'LABEL a=\e[2J' -c $'BOGUS \e[2J' "$BUSYBOX_TAR"
  [ "$status" -eq 1 ]
  [ "$output" = 'strata: --change "BOGUS \x1b[2J": unknown instruction BOGUS (want CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)' ]
  assert_unchanged
}

@test "bad input: EXPOSE with a port that overflows is an error, not an abort" {
  run strata import -c 'EXPOSE 99999999999999999999999' "$BUSYBOX_TAR" x
  [ "$status" -eq 1 ]
  [ "$output" = 'strata: --change "EXPOSE 99999999999999999999999": invalid port "99999999999999999999999": want 1-65535 or a range of them' ]
  run strata import -c 'EXPOSE 0' "$BUSYBOX_TAR" x
  [ "$status" -eq 1 ]
  assert_unchanged
}

# Runs a command, leaving its peak RSS in KB in $W/rss (GNU time's last line).
peak_rss_mb() {
  local rc=0
  /usr/bin/time -f %M -o "$W/time.out" "$@" || rc=$?
  tail -1 "$W/time.out" >"$W/rss"
  return "$rc"
}

@test "bad input: 200 members of 16 MiB in a 3 MB archive: loaded with under 100 MB of memory" {
  strata save -o "$W/bb.tar" busybox
  export STRATA_ROOT=$W/fresh
  python3 "$MKARCHIVE" padded "$W/zeros.tar.gz" "$W/bb.tar" zeros
  [ "$(stat -c %s "$W/zeros.tar.gz")" -lt $((8 * 1024 * 1024)) ]
  run peak_rss_mb "$STRATA_BIN" load -i "$W/zeros.tar.gz"
  echo "peak RSS $(($(cat "$W/rss") / 1024)) MB" >&2
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  [ "$(cat "$W/rss")" -lt $((100 * 1024)) ]
  # JSON-looking members that a manifest could name are kept, up to a total cap.
  python3 "$MKARCHIVE" padded "$W/json.tar.gz" "$W/bb.tar" json
  run peak_rss_mb "$STRATA_BIN" load -i "$W/json.tar.gz"
  echo "peak RSS $(($(cat "$W/rss") / 1024)) MB" >&2
  [ "$status" -eq 1 ]
  assert_output_has "JSON members add up to more than 67108864 bytes"
  [ "$(cat "$W/rss")" -lt $((100 * 1024)) ]
}

@test "bad input: out of memory (ulimit -v) is an error, never an abort, and the store stays usable" {
  # Threads that cannot start and buffers that cannot grow: std::system_error and
  # std::bad_alloc once escaped from worker threads and aborted (rc 134).
  import_busybox
  strata save -o "$W/bb.tar" busybox
  for limit in 60000 80000 100000 120000 160000; do
    for cmd in "import --compression gzip $BUSYBOX_TAR g:$limit" \
      "import --compression zstd $BUSYBOX_TAR z:$limit" "load -i $W/bb.tar"; do
      run bash -c "ulimit -v $limit; exec '$STRATA_BIN' $cmd"
      echo "$limit $cmd: $status $output"
      [ "$status" -eq 0 ] || [ "$status" -eq 1 ]
      [[ "$output" != *terminate* ]]
      [ "$status" -eq 0 ] || [[ "$output" == "strata: "* ]]
    done
  done
  run strata images --format '{{.Repository}}'
  [ "$status" -eq 0 ]
  [[ "$output" == *busybox* ]]
  strata image prune -a -f >/dev/null
  [ -z "$(ls -A "$STRATA_ROOT/tmp")" ]
}

@test "bad input: one image under 3000 tags in an index loads once, in linear time" {
  # Recorded once per entry, each time reading all its tags back: 28 s and 1.3 GB for
  # 4000 entries before.
  import_busybox
  strata save -o "$W/one.tar" busybox
  python3 - "$W/one.tar" "$W/many.tar" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t, tarfile.open(dst, "w") as out:
    for m in t.getmembers():
        if m.name in ("manifest.json", "repositories", "index.json"):
            continue
        out.addfile(m, t.extractfile(m) if m.isfile() else None)
    idx = json.load(t.extractfile("index.json"))
    one = idx["manifests"][0]
    entries = []
    for i in range(3000):
        e = dict(one)
        e["annotations"] = {"io.containerd.image.name": "docker.io/library/many:%d" % i,
                            "org.opencontainers.image.ref.name": str(i)}
        entries.append(e)
    idx["manifests"] = entries
    data = json.dumps(idx).encode()
    info = tarfile.TarInfo("index.json"); info.size = len(data)
    out.addfile(info, io.BytesIO(data))
PY
  export STRATA_ROOT=$W/fresh
  run /usr/bin/time -f "rss=%M" timeout 60 "$STRATA_BIN" load -i "$W/many.tar"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c '^Loaded image: many:')" -eq 3000 ]
  rss=$(echo "$output" | sed -n 's/^rss=//p')
  [ "$rss" -lt 150000 ]
  [ "$(strata images -q | sort -u | wc -l)" -eq 1 ]
  [ "$(strata images | wc -l)" -eq 3001 ]
}

@test "bad input: a member repeated under one name: the last one wins, as in tar" {
  import_busybox
  strata save -o "$W/one.tar" busybox
  # A broken manifest.json first, the real one after it.
  python3 - "$W/one.tar" "$W/dup.tar" <<'PY'
import io, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t, tarfile.open(dst, "w") as out:
    bogus = b"\x01 not json"
    info = tarfile.TarInfo("manifest.json"); info.size = len(bogus)
    out.addfile(info, io.BytesIO(bogus))
    for m in t.getmembers():
        out.addfile(m, t.extractfile(m) if m.isfile() else None)
PY
  export STRATA_ROOT=$W/fresh
  run strata load -i "$W/dup.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
}

@test "bad input: an archive of 16385 tiny layer-looking members stops at the cap" {
  # Each is unpacked as it streams by (no manifest has been read yet): the count is capped.
  python3 - "$W/many.tar.gz" <<'PY'
import io, sys, tarfile
one = io.BytesIO()
with tarfile.open(fileobj=one, mode="w") as t:
    info = tarfile.TarInfo("f"); info.size = 1
    t.addfile(info, io.BytesIO(b"x"))
layer = one.getvalue()
with tarfile.open(sys.argv[1], "w:gz") as out:
    for i in range(16385):
        info = tarfile.TarInfo(f"{i}/layer.tar"); info.size = len(layer)
        out.addfile(info, io.BytesIO(layer))
PY
  export STRATA_ROOT=$W/fresh
  run strata load -i "$W/many.tar.gz"
  echo "$output"
  [ "$status" -eq 1 ]
  assert_output_has "archive entry \`16384/layer.tar\`: more than 16384 members that look like layers"
  # Nothing was kept, and the next command finds a clean store.
  [ -z "$(ls -A "$STRATA_ROOT/tmp")" ]
  [ -z "$(strata images -q)" ]
}

@test "bad input: one 4 MB config named by 600 manifest entries is read once (flat memory)" {
  import_busybox
  strata save -o "$W/bb.tar" busybox
  # Every entry names the same config and layer; the config carries a 4 MB label.
  python3 - "$W/bb.tar" "$W/many.tar.gz" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t:
    entry = json.load(t.extractfile("manifest.json"))[0]
    config = json.load(t.extractfile(entry["Config"]))
    layers = {l: t.extractfile(l).read() for l in entry["Layers"]}
config.setdefault("config", {}).setdefault("Labels", {})["pad"] = "x" * (4 << 20)
blob = json.dumps(config).encode()
entries = [{"Config": "c.json", "Layers": entry["Layers"], "RepoTags": [f"many:{i}"]}
           for i in range(600)]
with tarfile.open(dst, "w:gz") as out:
    def add(name, data):
        info = tarfile.TarInfo(name); info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    for name, data in layers.items():
        add(name, data)
    add("c.json", blob)
    add("manifest.json", json.dumps(entries).encode())
PY
  export STRATA_ROOT=$W/fresh
  run peak_rss_mb "$STRATA_BIN" load -q -i "$W/many.tar.gz"
  echo "peak RSS $(($(cat "$W/rss") / 1024)) MB" >&2
  [ "$status" -eq 0 ]
  [ "$(cat "$W/rss")" -lt $((150 * 1024)) ]
  [ "$(strata images -q | sort -u | wc -l)" -eq 1 ]
  [ "$(strata images | wc -l)" -eq 601 ]
}

@test "bad input: very long member and link names are refused before they are remembered" {
  python3 - "$W/names.tar.gz" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT) as out:
    for i in range(50):
        info = tarfile.TarInfo(f"{i}" + "n" * 450000); info.type = tarfile.SYMTYPE
        info.linkname = "t" * 450000
        out.addfile(info)
PY
  export STRATA_ROOT=$W/fresh
  run peak_rss_mb "$STRATA_BIN" load -i "$W/names.tar.gz"
  echo "$output"
  [ "$status" -eq 1 ]
  assert_output_has "is longer than 4096 bytes"
  [ "$(cat "$W/rss")" -lt $((100 * 1024)) ]
}
