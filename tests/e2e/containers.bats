#!/usr/bin/env bats
# The container lifecycle on real overlayfs, namespaces and cgroups: run, create, start,
# ps, stop, kill, rm, wait, logs; exit codes; names and ID prefixes; isolation of the rw
# layer.

load container_helpers
bats_require_minimum_version 1.5.0

# The lines of `ps -a` after its header.
ps_rows() { strata ps -a | tail -n +2; }

@test "run --rm prints the command's output and leaves nothing behind" {
  run strata run --rm busybox echo hello
  [ "$status" -eq 0 ]
  [ "$output" = "hello" ]
  [ -z "$(strata ps -aq)" ]
  [ -z "$(ls "$STRATA_ROOT/containers")" ]
  [ -z "$(ls "$STRATA_RUNROOT/containers" 2>/dev/null)" ]
  assert_no_mounts
}

@test "run returns the container's exit code; 127 not found, 126 not executable" {
  run strata run --rm busybox sh -c 'exit 3'
  [ "$status" -eq 3 ]
  run -127 strata run --rm busybox /no/such/command
  run -127 strata run --rm busybox no-such-command
  run -126 strata run --rm busybox /etc/passwd
  [ -z "$(strata ps -aq)" ]
}

@test "run separates stdout from stderr" {
  strata run --rm busybox sh -c 'echo out; echo err >&2' >"$W/out" 2>"$W/err"
  [ "$(cat "$W/out")" = "out" ]
  [ "$(cat "$W/err")" = "err" ]
}

@test "run -i passes stdin; without -i the container's stdin is empty" {
  run bash -c "printf 'a\nb\n' | '$STRATA_BIN' run --rm -i busybox wc -l"
  [ "$status" -eq 0 ]
  [ "$output" = "2" ]
  run bash -c "printf 'a\nb\n' | '$STRATA_BIN' run --rm busybox wc -l"
  [ "$output" = "0" ]
}

@test "run -d, ps, logs, stop, rm" {
  id=$(strata run -d --name sleeper busybox sh -c 'echo started; exec sleep 1000')
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]
  run strata ps
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
  # Docker's COMMAND: the arguments joined by spaces, unquoted, cut to 20 characters.
  [[ "${lines[1]}" == "${id:0:12}   busybox   \"sh -c echo started;…\"   "* ]]
  [[ "${lines[1]}" == *" Up "*" sleeper" ]]
  for _ in $(seq 50); do [[ "$(strata logs sleeper)" == started ]] && break; sleep 0.1; done
  [ "$(strata logs sleeper)" = "started" ]
  # sleep as PID 1 ignores SIGTERM: stop kills it after the timeout.
  run strata stop -t 1 sleeper
  [ "$status" -eq 0 ]
  [ "$output" = "sleeper" ]
  run ps_rows
  [[ "$output" == *"Exited (137) "*" sleeper" ]]
  [ -z "$(strata ps -q)" ]
  assert_no_mounts
  run strata rm sleeper
  [ "$status" -eq 0 ]
  [ "$output" = "sleeper" ]
  [ -z "$(strata ps -aq)" ]
  [ ! -e "$STRATA_ROOT/containers/$id" ]
  assert_no_cgroups "$id"
}

@test "stop sends the stop signal first" {
  strata run -d --name trap busybox sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  strata stop -t 10 trap
  [ "$(strata wait trap)" = "42" ]
  strata run -d --name usr1 --stop-signal USR1 busybox sh -c 'trap "exit 43" USR1; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  strata stop usr1
  [ "$(strata wait usr1)" = "43" ]
}

@test "kill -s sends the signal; wait prints the exit code" {
  strata run -d --name k busybox sh -c 'trap "exit 9" HUP; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  run strata kill -s HUP k
  [ "$status" -eq 0 ]
  [ "$output" = "k" ]
  run strata wait k
  [ "$status" -eq 0 ]
  [ "$output" = "9" ]
  run strata kill k
  [ "$status" -eq 125 ]
  [[ "$output" == *"is not running"* ]]
}

@test "create then start -a; start again after exit; rm -f of a running one" {
  id=$(strata create --name c1 busybox sh -c 'echo run; exit 5')
  run ps_rows
  [[ "$output" == *"Created "*" c1" ]]
  run strata start -a c1
  [ "$status" -eq 5 ]
  [ "$output" = "run" ]
  run strata start -a c1
  [ "$status" -eq 5 ]
  [ "$(strata logs c1)" = "$(printf 'run\nrun')" ]
  strata rm c1 >/dev/null
  strata run -d --name r busybox sleep 1000 >/dev/null
  run strata rm -f r
  [ "$status" -eq 0 ]
  [ -z "$(strata ps -aq)" ]
  assert_no_mounts
}

@test "an attached run passes signals to the container (sig-proxy)" {
  "$STRATA_BIN" run --rm busybox sh -c 'trap "echo got; exit 7" TERM; while :; do sleep 0.1; done' >"$W/out" &
  pid=$!
  for _ in $(seq 50); do [ -n "$(strata ps -q)" ] && break; sleep 0.1; done
  sleep 0.3
  kill -TERM $pid
  wait $pid || rc=$?
  [ "${rc:-0}" -eq 7 ]
  [ "$(cat "$W/out")" = "got" ]
}

@test "environment, working directory, user and hostname reach the process" {
  run strata run --rm -e A=1 -e B -w /tmp -u 1000:1001 -h box busybox \
    sh -c 'echo "$A-${B-unset}"; pwd; id -u; id -g; hostname; cat /etc/hostname'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '1-unset\n/tmp\n1000\n1001\nbox\nbox')" ]
  B=from-caller run strata run --rm -e B busybox sh -c 'echo $B'
  [ "$output" = "from-caller" ]
  run strata run --rm -u nobody busybox id -un
  [ "$output" = "nobody" ]
  id=$(strata create busybox hostname)
  run strata start -a "$id"
  [ "$output" = "${id:0:12}" ]
}

@test "the entrypoint, cmd and workdir rules follow Docker's" {
  strata import "$BUSYBOX_TAR" ep -c 'ENTRYPOINT ["echo", "ep"]' -c 'CMD ["default"]' \
    -c 'WORKDIR /etc' -c 'ENV X=image' >/dev/null
  [ "$(strata run --rm ep)" = "ep default" ]
  [ "$(strata run --rm ep given)" = "ep given" ]
  [ "$(strata run --rm --entrypoint pwd ep)" = "/etc" ]
  [ "$(strata run --rm --entrypoint sh ep -c 'echo $X')" = "image" ]
  [ "$(strata run --rm -e X=cli --entrypoint sh ep -c 'echo $X')" = "cli" ]
  [ "$(strata run --rm --entrypoint sh ep -c 'echo $PATH')" = \
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
}

@test "names: generated adjective_surname, unique; any unique ID prefix selects" {
  id=$(strata create busybox true)
  name=$(strata ps -a | awk 'NR == 2 {print $NF}')
  [[ "$name" =~ ^[a-z]+_[a-z]+[0-9]*$ ]]
  run strata rm "${id:0:5}"
  [ "$status" -eq 0 ]
  [ -z "$(strata ps -aq)" ]
  id=$(strata create --name fixed busybox true)
  run strata create --name fixed busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'Conflict. The container name "/fixed" is already in use'* ]]
  [ "$(strata ps -aq | wc -l)" -eq 1 ]
  run strata rm "/fixed"
  [ "$status" -eq 0 ]
}

@test "two containers of one image do not see each other's writes; the image is untouched" {
  before=$(tree_digest "$STRATA_ROOT/layers")
  run strata run --name a busybox sh -c \
    'cat /etc/written 2>/dev/null || echo first; echo a > /etc/written; rm -f /bin/vi; mkdir -p /newdir'
  [ "$output" = "first" ]
  strata run --name b busybox sh -c 'test ! -e /etc/written && test -e /bin/vi && test ! -d /newdir'
  [ "$(tree_digest "$STRATA_ROOT/layers")" = "$before" ]
  # The writes of a stay in its upper layer, the deletion as a whiteout, across restarts.
  a=$(strata ps -a --no-trunc | awk '$NF == "a" {print $1}')
  [ "$(cat "$STRATA_ROOT/containers/$a/upper/etc/written")" = "a" ]
  [ -c "$STRATA_ROOT/containers/$a/upper/bin/vi" ]
  run strata start -a a
  [ "$output" = "a" ]
}

@test "limits reach the container's cgroup" {
  id=$(strata run -d --memory 64m --pids-limit 50 --cpus 0.5 busybox sleep 1000)
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && [[ ! -d /sys/fs/cgroup/memory ]]; then
    dir=$(find /sys/fs/cgroup -type d -name "$id" | head -1)
    [ "$(cat "$dir/memory.max")" = 67108864 ]
    [ "$(cat "$dir/pids.max")" = 50 ]
    [ "$(cat "$dir/cpu.max")" = "50000 100000" ]
  else
    [ "$(cat "$(find /sys/fs/cgroup/memory -type d -name "$id" | head -1)/memory.limit_in_bytes")" = 67108864 ]
    [ "$(cat "$(find /sys/fs/cgroup/pids -type d -name "$id" | head -1)/pids.max")" = 50 ]
    [ "$(cat "$(find /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/cpu -maxdepth 3 -type d -name "$id" 2>/dev/null | head -1)/cpu.cfs_quota_us")" = 50000 ]
  fi
  strata rm -f "$id" >/dev/null
  assert_no_cgroups "$id"
}

# crun refuses hosts with both cgroup versions mounted ("cgroups in hybrid mode not
# supported"), as this one has: there it runs in a mount namespace of its own without
# the v2 mount, as bench/runtime.sh does. A pure v1 or v2 host runs it as it is.
with_runtime() {
  local rt=$1
  shift
  if [[ "$rt" == crun ]] && [[ -d /sys/fs/cgroup/unified ]]; then
    unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@"
  else
    "$@"
  fi
}

@test "runc and crun run the config.json Strata writes" {
  for rt in runc crun; do
    run with_runtime $rt "$STRATA_BIN" run --rm --runtime "$rt" -e X=1 -w /tmp -u 1:2 -h h1 \
      --memory 32m busybox sh -c 'echo $X $(pwd) $(id -u):$(id -g) $(hostname); exit 4'
    [ "$status" -eq 4 ]
    [ "$output" = "1 /tmp 1:2 h1" ]
    run with_runtime $rt sh -c "id=\$('$STRATA_BIN' run -d --runtime $rt busybox sleep 1000) &&
      '$STRATA_BIN' stop -t 1 \$id >/dev/null && '$STRATA_BIN' rm \$id"
    [ "$status" -eq 0 ]
    [ -z "$(strata ps -aq)" ]
  done
  assert_no_mounts
}

@test "logs: -t, --tail, --since, -f follows until the container exits" {
  strata run --name l busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo err >&2' >/dev/null 2>&1
  [ "$(strata logs l 2>/dev/null | wc -l)" -eq 5 ]
  [ "$(strata logs l 2>&1 >/dev/null)" = "err" ]
  # --tail counts the lines of both streams.
  [ "$(strata logs --tail 2 l 2>/dev/null)" = "line5" ]
  [ "$(strata logs --tail 3 l 2>/dev/null)" = "$(printf 'line4\nline5')" ]
  run strata logs -t --tail 1 l
  [[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ err$ ]]
  [ -z "$(strata logs --since 2099-01-01T00:00:00Z l 2>&1)" ]
  # The file is Docker's json-file format.
  id=$(strata ps -a --no-trunc | awk '$NF == "l" {print $1}')
  head -1 "$STRATA_ROOT/containers/$id/log" | jq -e '.log == "line1\n" and .stream == "stdout" and (.time | test("Z$"))'
  strata run -d --name f busybox sh -c 'echo one; sleep 1; echo two' >/dev/null
  run timeout 10 "$STRATA_BIN" logs -f f
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'one\ntwo')" ]
}

@test "container subcommands are the same commands" {
  strata container create --name sub busybox true >/dev/null
  run strata container ls -a
  [[ "$output" == *" sub" ]]
  run strata container list -aq
  [ "${#lines[@]}" -eq 1 ]
  run strata container start -a sub
  [ "$status" -eq 0 ]
  run strata container remove sub
  [ "$status" -eq 0 ]
  [ -z "$(strata container ps -aq)" ]
}

@test "ps -q, -n, -l, --no-trunc" {
  a=$(strata create --name first busybox true)
  b=$(strata create --name second busybox true)
  [ "$(strata ps -q)" = "" ]
  [ "$(strata ps -aq)" = "$(printf '%s\n%s' "${b:0:12}" "${a:0:12}")" ]
  [ "$(strata ps -aq --no-trunc)" = "$(printf '%s\n%s' "$b" "$a")" ]
  [ "$(strata ps -lq)" = "${b:0:12}" ]
  [ "$(strata ps -n 1 -q)" = "${b:0:12}" ]
  [ "$(strata ps -n 5 -q | wc -l)" -eq 2 ]
}
