#!/usr/bin/env bats
# Listing and inspecting containers: ps (filters, -s, --format), inspect in Docker's
# shape, Go templates and --format json on every listing, unknown commands.
load container_helpers

@test "ps: default columns, --format templates, table, json and .Label" {
  strata create --label=tier=front --label=app=shop --name web busybox sleep 1000 >/dev/null
  id=$(strata inspect -f '{{.Id}}' web)
  run strata ps -a
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^CONTAINER\ ID\ \ \ IMAGE\ {5}COMMAND\ {8}CREATED\ +STATUS\ {4}PORTS\ {5}NAMES$ ]]
  [[ "${lines[1]}" =~ ^${id:0:12}\ {3}busybox\ {3}\"sleep\ 1000\"\ {3}(Less\ than\ a\ second|[0-9]+\ seconds?)\ ago\ +Created\ {3}\ {10}web$ ]]
  run strata ps -a --format '{{.Names}}|{{.State}}|{{.Status}}|{{.Label "tier"}}|{{.Labels}}|{{.Networks}}|{{.Ports}}|{{.LocalVolumes}}'
  [ "$status" -eq 0 ]
  [ "$output" = "web|created|Created|front|app=shop,tier=front|none||0" ]
  run strata ps -a --format 'table {{.Names}}\t{{upper .State}}'
  [ "$output" = "NAMES     STATE
web       CREATED" ]
  run strata ps -a --format json
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg id "${id:0:12}" '.ID == $id and .Names == "web" and .State == "created"
    and .Image == "busybox" and .Command == "\"sleep 1000\"" and .Labels == "app=shop,tier=front"
    and (.CreatedAt | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [+-][0-9]{4} ")) and .Size == "0B"'
  [ "${#lines[@]}" -eq 1 ]
  run strata ps -a --no-trunc --format '{{.ID}} {{len .ID}}'
  [ "$output" = "$id 64" ]
}

@test "ps --format: unknown fields and bad templates are errors naming the place" {
  strata create --name web busybox true >/dev/null
  run strata ps -a --format '{{.Nope}}'
  [ "$status" -eq 125 ]
  [ "$output" = 'strata: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type *formatter.ContainerContext' ]
  run strata ps -a --format 'x {{bogus .ID}}'
  [ "$status" -eq 125 ]
  [ "$output" = 'strata: template: :1:4: function "bogus" not defined' ]
  run strata ps -a --format '{{if .ID}}'
  [ "$status" -eq 125 ]
  [ "$output" = 'strata: template: :1:10: unexpected EOF' ]
}

@test "ps --filter: status, name, label, id, ancestor, exited, before and since" {
  strata import "$BUSYBOX_TAR" other:1 -c 'CMD ["/bin/true"]' >/dev/null   # another image ID
  strata run --name ok busybox true
  run strata run --name bad busybox sh -c 'exit 3'
  [ "$status" -eq 3 ]
  strata create --label=tier=web --name fresh other:1 true >/dev/null
  strata run -d --label=tier=db --name up busybox sleep 1000 >/dev/null
  names() { strata ps "$@" --format '{{.Names}}' | tr '\n' ' '; }
  [ "$(names)" = "up " ]
  [ "$(names -f status=exited)" = "bad ok " ]                 # status shows stopped ones without -a
  [ "$(names -f status=created -f status=running)" = "up fresh " ]
  [ "$(names -a -f name=o)" = "ok " ]
  [ "$(names -a -f name=^u -f name=sh$)" = "up fresh " ]
  [ "$(names -a -f label=tier)" = "up fresh " ]
  [ "$(names -a -f label=tier=db)" = "up " ]
  [ "$(names -a -f label=tier=web -f label=nope)" = "" ]
  id=$(strata inspect -f '{{.Id}}' ok)
  [ "$(names -a -f id=${id:0:6})" = "ok " ]
  [ "$(names -a -f ancestor=other:1)" = "fresh " ]
  [ "$(names -a -f ancestor=$(strata inspect -f '{{.Id}}' busybox))" = "up bad ok " ]
  [ "$(names -a -f ancestor=nothing:here)" = "" ]
  [ "$(names -a -f exited=3)" = "bad " ]
  [ "$(names -a -f exited=0)" = "ok " ]
  [ "$(names -a -f before=fresh)" = "bad ok " ]
  [ "$(names -a -f since=bad)" = "up fresh " ]
  [ "$(names -a -f status=exited -f before=bad)" = "ok " ]
  [ "$(strata ps -q -f name=up)" = "$(strata inspect -f '{{.Id}}' up | cut -c1-12)" ]
}

@test "ps --filter: bad filters are refused in dockerd's words" {
  strata create --name web busybox true >/dev/null
  run strata ps -f bogus=1
  [ "$status" -eq 125 ]
  [ "$output" = "strata: invalid filter 'bogus'" ]
  run strata ps -f status=stopped
  [ "$status" -eq 125 ]
  [ "$output" = "strata: invalid filter 'status=stopped': invalid value for state (stopped): must be one of created, running, paused, restarting, removing, exited, dead" ]
  run strata ps -f exited=x
  [ "$status" -eq 125 ]
  [ "$output" = "strata: invalid filter 'exited=x': strconv.Atoi: parsing \"x\": invalid syntax" ]
  run strata ps -f status
  [ "$status" -eq 125 ]
  [ "$output" = "strata: bad format of filter (expected name=value)" ]
  run strata ps -f before=nobody
  [ "$status" -eq 125 ]
  [ "$output" = "strata: No such container: nobody" ]
  run strata ps -a -f 'name=a('
  [ "$status" -eq 125 ]
  assert_output_has "strata: invalid filter 'name=a(': "
  [ "$(strata ps -a --format '{{.Names}}')" = "web" ]
}

@test "ps -s: the container's written bytes, and with the image's" {
  strata run --name w busybox sh -c 'head -c 12345 /dev/zero > /f'
  image=$(strata inspect -f '{{.Size}}' busybox)
  run strata ps -a -s
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"   NAMES     SIZE" ]]
  rw=$(strata ps -a --format '{{.Size}}')
  [[ "$rw" =~ ^1[0-9.]*kB\ \(virtual\ [0-9.]+MB\)$ ]]
  [ "$(strata inspect -s -f '{{.SizeRw}}' w)" -ge 12345 ]
  [ "$(strata inspect -s -f '{{.SizeRootFs}}' w)" -eq $(( $(strata inspect -s -f '{{.SizeRw}}' w) + image )) ]
  # Without -s inspect has no sizes, as Docker's.
  [ "$(strata inspect -f '{{.SizeRw}}' w)" = "<no value>" ]
}

@test "inspect: a container in Docker's shape" {
  strata create --label=a=b --env=X=1 --name web busybox sh -c 'exit 7' >/dev/null
  run strata inspect web
  [ "$status" -eq 0 ]
  echo "$output" | jq -e --arg root "$STRATA_ROOT" '.[0] | (.Id | test("^[0-9a-f]{64}$"))
    and .Name == "/web" and .Path == "sh" and .Args == ["-c", "exit 7"]
    and (.Image | startswith("sha256:")) and .State.Status == "created" and .State.Running == false
    and .State.Pid == 0 and .State.StartedAt == "0001-01-01T00:00:00Z"
    and .State.FinishedAt == "0001-01-01T00:00:00Z" and .RestartCount == 0 and .Driver == "overlay"
    and (.Created | test("^[0-9-]{10}T[0-9:]{8}(\\.[0-9]+)?Z$"))
    and .GraphDriver.Name == "overlay" and .GraphDriver.Data.UpperDir == "\($root)/containers/\(.Id)/upper"
    and .GraphDriver.Data.MergedDir == "\($root)/containers/\(.Id)/merged"
    and .GraphDriver.Data.WorkDir == "\($root)/containers/\(.Id)/work"
    and (.GraphDriver.Data.LowerDir | startswith($root))
    and .HostsPath == "\($root)/containers/\(.Id)/hosts" and .Config.Labels.a == "b"
    and (.Config.Env | index("X=1")) != null and .Mounts == [] and .HostConfig.NetworkMode == "none"
    and (keys | contains(["State","Config","HostConfig","Mounts","GraphDriver","LogPath","ResolvConfPath","HostnamePath","Platform","MountLabel","ProcessLabel","AppArmorProfile"]))'
  lower=$(strata inspect -f '{{.GraphDriver.Data.LowerDir}}' web)
  [ -d "$lower" ]
  [ -d "$(strata inspect -f '{{.GraphDriver.Data.UpperDir}}' web)" ]
  run strata start -a web
  [ "$status" -eq 7 ]
  run strata container inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{json .State.Paused}}' web
  [ "$output" = "exited 7 false false" ]
  started=$(strata inspect -f '{{.State.StartedAt}}' web)
  [[ "$started" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z$ ]]
  [ "$(strata inspect -f '{{.State.FinishedAt}}' web)" != "0001-01-01T00:00:00Z" ]
}

@test "inspect: running container, templates, json, several names" {
  strata run -d --name up busybox sleep 1000 >/dev/null
  strata create --name c2 busybox true >/dev/null
  pid=$(strata inspect -f '{{.State.Pid}}' up)
  [ "$pid" -gt 0 ]
  [ "$(cat /proc/$pid/comm)" = sleep ]
  [ "$(strata inspect -f '{{.State.Running}} {{index .Config.Cmd 0}} {{len .Args}} {{range .Args}}<{{.}}>{{end}}' up)" = "true sleep 1 <1000>" ]
  [ "$(strata inspect -f '{{if .State.Running}}up{{else}}down{{end}} {{.Name | printf "%q"}}' up c2)" = 'up "/up"
down "/c2"' ]
  run strata inspect --format json up c2
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [ "$(echo "${lines[1]}" | jq -r .Name)" = "/c2" ]
  [ "$(strata inspect -f '{{.Nope}} {{.State.Nope}}' up)" = "<no value> <no value>" ]
  run strata inspect -f '{{.State.Pid.X}}' up
  [ "$status" -eq 125 ]
  [ "$output" = 'strata: template: :1:2: executing "" at <.State.Pid.X>: can'"'"'t evaluate field X in type int' ]
}

@test "inspect: containers first, then images; --type; unknown objects" {
  strata create --name busybox busybox true >/dev/null   # a container named like the image
  [ "$(strata inspect -f '{{.Name}}' busybox)" = "/busybox" ]
  [ "$(strata inspect --type image -f '{{index .RepoTags 0}}' busybox)" = "busybox:latest" ]
  [ "$(strata inspect --type container -f '{{.Name}}' busybox)" = "/busybox" ]
  [ "$(strata inspect -f '{{index .RootFS.Layers 0}}' busybox:latest)" = "$(strata image inspect -f '{{index .RootFS.Layers 0}}' busybox)" ]
  run strata inspect nosuch
  [ "$status" -eq 125 ]
  [ "$output" = "[]
strata: Error: No such object: nosuch" ]
  run strata inspect -f '{{.Name}}' busybox nosuch
  [ "$status" -eq 125 ]
  [ "$output" = "/busybox
strata: Error: No such object: nosuch" ]
  run strata container inspect busybox:latest
  [ "$status" -eq 125 ]
  [ "$output" = "[]
strata: No such container: busybox:latest" ]
  run strata inspect --type volume busybox
  [ "$status" -eq 125 ]
  [ "$output" = 'strata: "volume" is not a valid value for --type' ]
  run strata inspect -f '{{.Name' busybox
  [ "$status" -eq 125 ]
  [ "$output" = "strata: template: :1:0: unclosed action" ]
}

@test "images, history: --format json and Go templates" {
  run strata images --format json
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.Repository == "busybox" and .Tag == "latest" and (.ID | length) == 12 and .Containers == "N/A"'
  [ "$(strata images --format '{{.Repository}}{{if eq .Tag "latest"}} (latest){{end}}')" = "busybox (latest)" ]
  run strata history --format json busybox
  [ "$status" -eq 0 ]
  echo "${lines[0]}" | jq -e '(.ID | length) == 12 and has("CreatedBy") and has("Size")'
  run strata images --format '{{.Nope}}'
  [ "$status" -eq 1 ]
  [ "$output" = 'strata: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope in type *formatter.ImageContext' ]
  [ "$(strata image inspect -f '{{len .RootFS.Layers}} {{index .RootFS.Layers 0 | printf "%.7s"}}' busybox)" = "1 sha256:" ]
}

@test "cli: an unknown command says so in Docker's words" {
  run strata foo
  [ "$status" -eq 1 ]
  [ "$output" = "strata: 'foo' is not a strata command.
See 'strata --help'" ]
  run strata --root "$W/x" foo bar
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "strata: 'foo' is not a strata command." ]
  run strata container foo
  [ "$status" -eq 1 ]
  [ "$output" = "strata: 'container foo' is not a strata command.
See 'strata container --help'" ]
  run strata image foo
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "strata: 'image foo' is not a strata command." ]
  [ ! -e "$W/x" ]
  run strata container ls -a
  [ "$status" -eq 0 ]
}
