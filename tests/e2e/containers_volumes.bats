#!/usr/bin/env bats
# Volumes and mounts: -v, --mount, --tmpfs, the image's VOLUME entries, copy-up, and the
# volume commands, on real bind mounts, overlayfs and tmpfs.
load container_helpers

# An image with content to copy up: /srv/data (owned 1234:5678, mode 0750, a file, a
# subdirectory, a symlink), /etc/marker, a symlink /escape -> /etc and VOLUME /srv/data.
make_volume_image() {
  local x=$W/extra
  mkdir -p "$x/srv/data/sub" "$x/etc"
  echo hello >"$x/srv/data/file"
  echo deep >"$x/srv/data/sub/deep"
  ln -s file "$x/srv/data/link"
  echo image-etc >"$x/etc/marker"
  ln -s /etc "$x/escape"
  chown -R 1234:5678 "$x/srv/data"
  chmod 0750 "$x/srv/data"
  chmod 0604 "$x/srv/data/file"
  cp "$BUSYBOX_TAR" "$W/img.tar"
  tar -C "$x" --numeric-owner -rf "$W/img.tar" ./srv ./etc/marker ./escape
  strata import "$W/img.tar" volimg:latest -c 'CMD ["/bin/sh"]' -c 'VOLUME ["/srv/data"]' >/dev/null
}

# The container's recorded config (Config, HostConfig, Mounts) as JSON.
recorded() {
  sqlite3 -cmd ".timeout 10000" "$STRATA_ROOT/strata.db" "SELECT config FROM containers WHERE name = '$1'"
}

@test "a named volume is created on first use and its data outlives the container" {
  run strata run --name w -v data:/data busybox sh -c 'echo one >/data/f; echo written'
  [ "$status" -eq 0 ]
  [ "$output" = "written" ]
  run strata volume ls -q
  [ "$output" = "data" ]
  run strata run --rm -v data:/data busybox cat /data/f
  [ "$status" -eq 0 ]
  [ "$output" = "one" ]
  [ "$(cat "$STRATA_ROOT/volumes/data/_data/f")" = "one" ]
  # Recorded in Docker's inspect shape and HostConfig.Binds.
  run recorded w
  [ "$(jq -c '.Mounts' <<<"$output")" = "[{\"Type\":\"volume\",\"Name\":\"data\",\"Source\":\"$STRATA_ROOT/volumes/data/_data\",\"Destination\":\"/data\",\"Driver\":\"local\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"}]" ]
  [ "$(jq -c '.HostConfig.Binds' <<<"$output")" = '["data:/data"]' ]
  # The container still uses it: it cannot be removed, not even with -f (Docker's rule).
  id=$(strata ps -aq --no-trunc)
  run strata volume rm data
  [ "$status" -eq 1 ]
  [ "$output" = "strata: remove data: volume is in use - [$id]" ]
  run strata volume rm -f data
  [ "$status" -eq 1 ]
  [ -d "$STRATA_ROOT/volumes/data/_data" ]
  strata rm w
  run strata volume rm data
  [ "$status" -eq 0 ]
  [ "$output" = "data" ]
  [ ! -e "$STRATA_ROOT/volumes/data" ]
  [ -z "$(strata volume ls -q)" ]
}

@test "bind mounts: rw writes reach the host, ro refuses writes, -v makes a missing host dir" {
  mkdir "$W/host"
  echo from-host >"$W/host/in"
  run strata run --rm -v "$W/host:/h" busybox sh -c 'cat /h/in; echo from-ctr >/h/out'
  [ "$status" -eq 0 ]
  [ "$output" = "from-host" ]
  [ "$(cat "$W/host/out")" = "from-ctr" ]
  run strata run --rm -v "$W/host:/h:ro" busybox sh -c 'echo x >/h/out2'
  [ "$status" -ne 0 ]
  assert_output_has "Read-only file system"
  [ ! -e "$W/host/out2" ]
  run strata run --rm --mount "type=bind,source=$W/host,target=/h,readonly" busybox touch /h/x
  [ "$status" -ne 0 ]
  assert_output_has "Read-only file system"
  [ ! -e "$W/host/x" ]
  # -v creates a host path that is missing, as a directory.
  run strata run --rm -v "$W/made/here:/m" busybox sh -c 'echo y >/m/f'
  [ "$status" -eq 0 ]
  [ -d "$W/made/here" ]
  [ "$(cat "$W/made/here/f")" = "y" ]
  assert_no_mounts
}

@test "bind propagation and modes are recorded as Docker records them" {
  mkdir "$W/host"
  strata create --name c -v "$W/host:/h:ro,z,rshared" --mount "type=bind,src=$W/host,dst=/m" busybox >/dev/null
  run recorded c
  [ "$(jq -c '.Mounts[0]' <<<"$output")" = "{\"Type\":\"bind\",\"Source\":\"$W/host\",\"Destination\":\"/h\",\"Mode\":\"ro,z,rshared\",\"RW\":false,\"Propagation\":\"rshared\"}" ]
  [ "$(jq -c '.Mounts[1].Propagation' <<<"$output")" = '"rprivate"' ]
  [ "$(jq -c '.HostConfig.Mounts' <<<"$output")" = "[{\"Type\":\"bind\",\"Source\":\"$W/host\",\"Target\":\"/m\"}]" ]
  id=$(strata ps -aq --no-trunc)
  run jq -c '.mounts[] | select(.destination == "/h") | .options' "$STRATA_ROOT/containers/$id/config.json"
  [ "$output" = '["rbind","rshared","ro"]' ]
}

@test "tmpfs mounts from --tmpfs and --mount type=tmpfs" {
  run strata run --rm --tmpfs /scratch:size=2m,mode=1770 --mount type=tmpfs,dst=/t2,tmpfs-size=1m busybox \
    sh -c 'grep -E " /(scratch|t2) " /proc/mounts | cut -d" " -f2,3; stat -c %a /scratch'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/scratch tmpfs" ]
  [ "${lines[1]}" = "/t2 tmpfs" ]
  [ "${lines[2]}" = "1770" ]
  run strata run --rm --tmpfs /scratch:size=1m busybox sh -c 'df -k /scratch | tail -1'
  [ "$status" -eq 0 ]
  [[ "$output" == *" 1024 "* ]]
}

@test "copy-up: a new volume gets the image's content with owners and modes, once" {
  make_volume_image
  run strata run --rm -v cu:/srv/data volimg ls -ln /srv/data
  [ "$status" -eq 0 ]
  d=$STRATA_ROOT/volumes/cu/_data
  [ "$(stat -c '%u:%g %a' "$d")" = "1234:5678 750" ]
  [ "$(stat -c '%u:%g %a' "$d/file")" = "1234:5678 604" ]
  [ "$(cat "$d/file")" = "hello" ]
  [ "$(cat "$d/sub/deep")" = "deep" ]
  [ "$(readlink "$d/link")" = "file" ]
  # Not empty any more: a second container does not copy over what it holds.
  rm "$d/file"
  strata run --rm -v cu:/srv/data volimg true
  [ ! -e "$d/file" ]
  # nocopy: the volume stays empty.
  strata run --rm -v nc:/srv/data:nocopy volimg true
  [ -z "$(ls -A "$STRATA_ROOT/volumes/nc/_data")" ]
  strata run --rm --mount type=volume,src=nc2,dst=/srv/data,volume-nocopy volimg true
  [ -z "$(ls -A "$STRATA_ROOT/volumes/nc2/_data")" ]
  assert_no_mounts
}

@test "copy-up: never into a volume another container uses, even while it is empty" {
  make_volume_image
  # The holder could be running and changing the volume while the copy ran.
  strata create --name holder -v shared:/elsewhere busybox true >/dev/null
  strata run --rm -v shared:/srv/data volimg true
  [ -z "$(ls -A "$STRATA_ROOT/volumes/shared/_data")" ]
  # Unused and empty (new, made by volume create, or left empty): copied into, as Docker does.
  strata rm holder >/dev/null
  strata volume create made >/dev/null
  strata run --rm -v made:/srv/data volimg true
  [ "$(cat "$STRATA_ROOT/volumes/made/_data/file")" = hello ]
  strata run --rm -v shared:/srv/data volimg true
  [ "$(cat "$STRATA_ROOT/volumes/shared/_data/file")" = hello ]
  assert_no_mounts
}

@test "copy-up follows an image symlink inside the image, never to the host" {
  make_volume_image
  run strata run --rm -v esc:/escape volimg cat /escape/marker
  [ "$status" -eq 0 ]
  [ "$output" = "image-etc" ]
  d=$STRATA_ROOT/volumes/esc/_data
  [ "$(cat "$d/marker")" = "image-etc" ]
  # The host's /etc has files the image's has not.
  [ -e /etc/debian_version ]
  [ ! -e "$d/debian_version" ]
  [ ! -e "$d/passwd" ] || ! cmp -s "$d/passwd" /etc/passwd
}

@test "the image's VOLUME is an anonymous volume: rm -v removes it, rm keeps it, --rm removes it" {
  make_volume_image
  strata run --name a volimg sh -c 'echo a >/srv/data/a'
  anon=$(strata volume ls -q)
  [ "${#anon}" -eq 64 ]
  [ "$(cat "$STRATA_ROOT/volumes/$anon/_data/a")" = "a" ]
  [ "$(cat "$STRATA_ROOT/volumes/$anon/_data/file")" = "hello" ]
  run recorded a
  [ "$(jq -c '.Config.Volumes' <<<"$output")" = '{"/srv/data":{}}' ]
  [ "$(jq -r '.Mounts[0].Name' <<<"$output")" = "$anon" ]
  run strata volume inspect -f '{{.Labels}}' "$anon"
  assert_output_has "com.docker.volume.anonymous"
  strata rm -v a
  [ -z "$(strata volume ls -q)" ]
  [ ! -e "$STRATA_ROOT/volumes/$anon" ]

  # Plain rm keeps it (dangling); a named volume survives rm -v.
  strata run --name b -v keep:/keep volimg true
  strata rm b
  [ "$(strata volume ls -q --filter dangling=true | wc -l)" -eq 2 ]
  strata run --name c -v keep:/keep volimg true
  strata rm -v c
  run strata volume ls -q --filter name=keep
  [ "$output" = "keep" ]

  # run --rm removes its anonymous volumes, as Docker.
  before=$(strata volume ls -q | sort)
  strata run --rm volimg true
  [ "$(strata volume ls -q | sort)" = "$before" ]

  # A mount at the VOLUME path replaces the anonymous volume.
  strata create --name d -v "$W:/srv/data" volimg >/dev/null
  [ "$(strata volume ls -q | sort)" = "$before" ]
}

@test "volume create, ls, inspect, rm and prune" {
  run strata volume create --label a=1 --label b myvol
  [ "$status" -eq 0 ]
  [ "$output" = "myvol" ]
  run strata volume create myvol # exists: returned as it is
  [ "$status" -eq 0 ]
  [ "$output" = "myvol" ]
  run strata volume create
  [ "$status" -eq 0 ]
  [ "${#output}" -eq 64 ]
  random=$output
  run strata volume ls
  [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[*]}" == *"local     myvol"* ]]
  run strata volume ls --filter label=a=1 --format '{{.Name}} {{.Driver}} {{.Labels}}'
  [ "$output" = "myvol local a=1,b=" ]
  run strata volume ls -q --filter label=b --filter name=my
  [ "$output" = "myvol" ]
  run strata volume ls -q --filter label=a=2
  [ "$output" = "" ]
  run strata volume inspect myvol
  [ "$status" -eq 0 ]
  [ "$(jq -c '.[0] | [.Name, .Driver, .Labels, .Mountpoint, .Scope, .Options]' <<<"$output")" = \
    "[\"myvol\",\"local\",{\"a\":\"1\",\"b\":\"\"},\"$STRATA_ROOT/volumes/myvol/_data\",\"local\",{}]" ]
  [[ "$(jq -r '.[0].CreatedAt' <<<"$output")" == 20*Z ]]
  run strata volume inspect nosuch
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "[]" ]
  [ "${lines[1]}" = "strata: get nosuch: no such volume" ]
  run strata volume rm nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "strata: get nosuch: no such volume" ]
  run strata volume rm -f nosuch
  [ "$status" -eq 0 ]
  [ "$output" = "" ]

  # prune: anonymous volumes only, unless -a; never one in use.
  make_volume_image
  strata create --name user -v myvol:/m volimg >/dev/null   # + one anonymous, in use
  strata run --name gone volimg true && strata rm gone     # one anonymous, unused
  unused=$(strata volume ls -q --filter dangling=true --filter label=com.docker.volume.anonymous)
  [ "${#unused}" -eq 64 ]
  run strata volume prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Volumes:" ]
  [ "${lines[1]}" = "$unused" ]
  [[ "${lines[2]}" == "Total reclaimed space: "* ]]
  [ ! -e "$STRATA_ROOT/volumes/$unused" ]
  run strata volume prune -f -a
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "$random" ]
  [ "${#lines[@]}" -eq 3 ]
  run strata volume ls -q --filter name=myvol
  [ "$output" = "myvol" ]
  [ "$(strata volume ls -q | wc -l)" -eq 2 ]  # myvol and user's anonymous one
}

# Each bad input: exit 125, Docker's words, and nothing created (no container, no volume,
# no host directory).
bad_run() {
  run strata run --rm "$@" busybox true
  [ "$status" -eq 125 ]
  [ -z "$(strata ps -aq)" ]
  [ -z "$(strata volume ls -q)" ]
}

@test "bad -v, --mount and --tmpfs values: exit 125, a clear error, nothing created" {
  bad_run -v "$W/new:rel" -v named:/n
  [ "$output" = "strata: invalid volume specification: '$W/new:rel': invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute" ]
  [ ! -e "$W/new" ]
  bad_run -v named:/n -v vol:rel
  [ "$output" = "strata: invalid volume specification: 'vol:rel': invalid mount config for type \"volume\": invalid mount path: 'rel' mount path must be absolute" ]
  bad_run --mount "type=bind,source=$W/missing,target=/m"
  [ "$output" = "strata: invalid mount config for type \"bind\": bind source path does not exist: $W/missing" ]
  [ ! -e "$W/missing" ]
  bad_run --mount type=nfs,target=/m
  [ "$output" = "strata: invalid mount config for type \"nfs\": mount type unknown" ]
  bad_run --mount type=volume,target=/m,colour=red
  [ "$output" = "strata: invalid argument \"type=volume,target=/m,colour=red\" for \"--mount\" flag: unexpected key 'colour' in 'colour=red'" ]
  bad_run --mount type=tmpfs,target=/m,tmpfs-size=huge
  [ "$output" = "strata: invalid argument \"type=tmpfs,target=/m,tmpfs-size=huge\" for \"--mount\" flag: invalid value for tmpfs-size: huge" ]
  bad_run --tmpfs /t:size=huge
  [ "$output" = "strata: invalid tmpfs option \"size=huge\"" ]
  bad_run -v 'bad@name:/d'
  [ "$output" = "strata: create bad@name: \"bad@name\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" ]
  bad_run -v one:/d -v "$W/dup:/d/"
  [ "$output" = "strata: Duplicate mount point: /d" ]
  [ ! -e "$W/dup" ]
  bad_run -v one:/d --tmpfs /d
  [ "$output" = "strata: Duplicate mount point: /d" ]
  run strata volume create 'bad@name'
  [ "$status" -eq 1 ]
  assert_output_has "includes invalid characters for a local volume name"
  [ -z "$(strata volume ls -q)" ]
  [ ! -e "$STRATA_ROOT/volumes/bad@name" ]
}

@test "binds, volumes and tmpfs mounts run the same under runc" {
  command -v runc >/dev/null || skip "runc is not installed"
  mkdir "$W/host"
  run strata run --rm --runtime runc -v "$W/host:/h:ro" -v rv:/v --tmpfs /t:size=1m \
    busybox sh -c 'echo x >/v/f; cat /v/f; touch /h/x 2>&1; grep -E " /(h|v|t) " /proc/mounts | cut -d" " -f2,3,4 | cut -d, -f1'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "x" ]
  [ "${lines[1]}" = "touch: /h/x: Read-only file system" ]
  [ "$(printf '%s\n' "${lines[@]:2}" | awk '{print $1, $3}' | sort | tr '\n' ' ')" = "/h ro /t rw /v rw " ]
  [ "$(cat "$STRATA_ROOT/volumes/rv/_data/f")" = "x" ]
  [ ! -e "$W/host/x" ]
}

@test "containers created at once on one new named volume all share it" {
  # Creation is what makes the volume (in the create transaction); the starts that
  # follow are one at a time.
  local pids=() i
  for i in 1 2 3 4 5 6 7 8; do
    strata create --name c$i -v shared:/s busybox sh -c "echo $i >/s/$i" >"$W/out.$i" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { cat "$W/out.$((i + 1))"; false; }
  done
  run strata volume ls -q
  [ "$output" = "shared" ]
  for i in 1 2 3 4 5 6 7 8; do strata start -a c$i; done
  [ "$(ls "$STRATA_ROOT/volumes/shared/_data" | sort -n | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 " ]
  [ "$(strata volume inspect -f '{{.Name}}' shared)" = "shared" ]
  strata rm $(strata ps -aq)
  # No container uses it any more: it can go.
  run strata volume rm shared
  [ "$status" -eq 0 ]
  assert_no_mounts
}
