#!/usr/bin/env bats
# Health checks: the --health-* flags and the image's HEALTHCHECK, probes run by the
# monitor through the runtime's exec as Docker runs them; State.Health in inspect, ps's
# "(healthy)" and --filter health=, and every bad value refused with exit 125.

load container_helpers

# State.Health of container $1 as compact JSON ("null" when there is none).
health() { strata inspect "$1" | jq -c '.[0].State.Health'; }
health_status() { strata inspect "$1" | jq -r '.[0].State.Health.Status // "none"'; }

# Waits at most $3 seconds (default 5) for container $1's health status to be $2.
wait_health() {
  local i
  for ((i = 0; i < ${3:-5} * 20; i++)); do
    [ "$(health_status "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  echo "health of $1, want $2: $(health "$1")" >&2
  return 1
}

# The Status column of container $1 in ps.
ps_status() { strata ps -a --filter "id=$1" --format '{{.Status}}'; }

@test "health: a passing probe makes the container healthy; ps shows starting, then healthy" {
  id=$(strata run -d --health-cmd 'echo ok; exit 0' --health-interval 2s busybox sleep 60)
  # The first probe runs one interval after the start.
  [ "$(health "$id")" = '{"Status":"starting","FailingStreak":0,"Log":[]}' ]
  [[ "$(ps_status "$id")" == "Up "*" (health: starting)" ]]
  [ "$(strata inspect -f '{{json .Config.Healthcheck}}' "$id")" = \
    '{"Test":["CMD-SHELL","echo ok; exit 0"],"Interval":2000000000}' ]
  wait_health "$id" healthy 5
  [[ "$(ps_status "$id")" == "Up "*" (healthy)" ]]
  h=$(health "$id")
  [ "$(jq -c '[.FailingStreak, .Log[0].ExitCode, .Log[0].Output]' <<<"$h")" = '[0,0,"ok\n"]' ]
  start=$(jq -r '.Log[0].Start' <<<"$h")
  end=$(jq -r '.Log[0].End' <<<"$h")
  [[ "$start" =~ ^20[0-9-]+T[0-9:.]+Z$ ]]
  [[ ! "$end" < "$start" ]]
}

@test "health: failing probes make it unhealthy after --health-retries; the log keeps 5; no restart" {
  id=$(strata run -d --health-cmd 'echo bad >&2; exit 3' --health-interval 100ms \
    --health-retries 2 busybox sleep 60)
  pid=$(strata inspect -f '{{.State.Pid}}' "$id")
  wait_health "$id" unhealthy
  [ "$(health "$id" | jq -c '[.FailingStreak >= 2, .Log[0].ExitCode, .Log[0].Output]')" = \
    '[true,3,"bad\n"]' ]
  [[ "$(ps_status "$id")" == "Up "*" (unhealthy)" ]]
  # More probes than the log holds: the last 5 stay, the streak goes on.
  for ((i = 0; i < 100; i++)); do
    [ "$(health "$id" | jq '.FailingStreak')" -ge 7 ] && break
    sleep 0.05
  done
  [ "$(health "$id" | jq -c '[.FailingStreak >= 7, (.Log | length)]')" = '[true,5]' ]
  # Docker takes no action on unhealthy: the same process still runs.
  [ "$(strata inspect -f '{{.State.Status}} {{.State.Pid}}' "$id")" = "running $pid" ]
}

@test "health: a probe past its timeout fails with -1 and is killed, its children too (strata-runtime, runc)" {
  local runtimes=(strata-runtime)
  command -v runc >/dev/null && runtimes+=(runc)
  for rt in "${runtimes[@]}"; do
    # Start period 500ms, interval 10s: one probe at 0.5s, the next 10s after it ends.
    id=$(strata run -d --runtime "$rt" --health-cmd 'echo started; sleep 987 & sleep 986' \
      --health-timeout 300ms --health-interval 10s --health-start-period 500ms \
      --health-retries 1 busybox sleep 60)
    wait_health "$id" unhealthy 3
    [ "$(health "$id" | jq -c '[.Log[0].ExitCode, .Log[0].Output]')" = \
      '[-1,"Health check exceeded timeout (300ms): started\n"]' ]
    # Nothing of the probe is left in the container.
    run strata exec "$id" ps
    echo "$rt: $output"
    [[ "$output" != *"sleep 98"* ]]
    [ ! -e "$STRATA_RUNROOT/containers/$id/health.pid" ]
  done
}

@test "health: failures in the start period do not count until it ends" {
  id=$(strata run -d --health-cmd 'exit 1' --health-interval 100ms --health-start-period 3s \
    --health-start-interval 100ms --health-retries 1 busybox sleep 60)
  for ((i = 0; i < 40; i++)); do
    [ "$(health "$id" | jq '.Log | length')" -ge 3 ] && break
    sleep 0.05
  done
  # Failed probes, logged, but no streak: still starting.
  [ "$(health "$id" | jq -c '[.Status, .FailingStreak, (.Log | length) >= 3, .Log[0].ExitCode]')" = \
    '["starting",0,true,1]' ]
  wait_health "$id" unhealthy 6
}

@test "health: a success in the start period ends its grace" {
  # The probe passes once (its marker file is gone after), then fails.
  id=$(strata run -d --health-cmd 'rm /tmp/once' --health-interval 100ms --health-start-period 60s \
    --health-start-interval 100ms --health-retries 2 busybox sh -c 'touch /tmp/once; sleep 60')
  # Within the 60s start period only the success can have made the failures count.
  wait_health "$id" unhealthy 4
}

@test "health: the image's HEALTHCHECK is used, merged with the flags, and disabled by --no-healthcheck" {
  strata import "$BUSYBOX_TAR" hc:1 -c 'CMD ["sleep", "60"]' \
    -c 'HEALTHCHECK --interval=100ms --retries=1 CMD ["/bin/true"]' >/dev/null
  [ "$(strata image inspect -f '{{json .Config.Healthcheck}}' hc:1)" = \
    '{"Test":["CMD","/bin/true"],"Interval":100000000,"Retries":1}' ]
  a=$(strata run -d hc:1)
  [ "$(strata inspect -f '{{json .Config.Healthcheck}}' "$a")" = \
    '{"Test":["CMD","/bin/true"],"Interval":100000000,"Retries":1}' ]
  wait_health "$a" healthy
  # A command replaces the image's test; the interval and retries come from the image.
  b=$(strata run -d --health-cmd 'exit 1' hc:1)
  [ "$(strata inspect -f '{{json .Config.Healthcheck}}' "$b")" = \
    '{"Test":["CMD-SHELL","exit 1"],"Interval":100000000,"Retries":1}' ]
  wait_health "$b" unhealthy
  c=$(strata run -d --no-healthcheck hc:1)
  [ "$(strata inspect -f '{{json .Config.Healthcheck.Test}}' "$c")" = '["NONE"]' ]
  sleep 0.5
  [ "$(health "$c")" = null ]
  [[ "$(ps_status "$c")" =~ ^Up\ [^\(]*$ ]]
  # ps --filter health= by each status.
  [ "$(strata ps -q --no-trunc --filter health=healthy)" = "$a" ]
  [ "$(strata ps -q --no-trunc --filter health=unhealthy)" = "$b" ]
  [ "$(strata ps -q --no-trunc --filter health=none)" = "$c" ]
  [ -z "$(strata ps -q --filter health=starting)" ]
  [ "$(strata ps -q --filter health=healthy --filter health=unhealthy | wc -l)" = 2 ]
}

@test "health: HEALTHCHECK NONE in the image: no probe, even with --health-interval" {
  strata import "$BUSYBOX_TAR" hc:none -c 'CMD ["sleep", "60"]' -c 'HEALTHCHECK NONE' >/dev/null
  id=$(strata run -d --health-interval 100ms hc:none)
  [ "$(strata inspect -f '{{json .Config.Healthcheck}}' "$id")" = \
    '{"Test":["NONE"],"Interval":100000000}' ]
  sleep 0.5
  [ "$(health "$id")" = null ]
  [ "$(strata ps -q --no-trunc --filter health=none)" = "$id" ]
  [ ! -e "$STRATA_ROOT/containers/$id/health-process.json" ]
}

@test "health: a stopped container keeps its last health in inspect; a restart starts over" {
  id=$(strata run -d --health-cmd true --health-interval 100ms busybox sleep 60)
  wait_health "$id" healthy
  strata stop -t 0 "$id" >/dev/null
  [ "$(health_status "$id")" = healthy ]
  [[ "$(ps_status "$id")" == "Exited (137) "* ]]
  [ "$(strata ps -aq --no-trunc --filter health=healthy)" = "$id" ]
  strata start "$id" >/dev/null
  [ "$(health "$id" | jq -c '[.Status, .FailingStreak]')" = '["starting",0]' ]
  wait_health "$id" healthy
}

@test "health: no probe runs while the container is paused" {
  id=$(strata run -d --health-cmd 'echo x' --health-interval 100ms busybox sleep 60)
  wait_health "$id" healthy
  strata pause "$id" >/dev/null
  sleep 0.3  # a probe that began before the pause has ended
  before=$(health "$id")
  sleep 0.6
  [ "$(health "$id")" = "$before" ]
  strata unpause "$id" >/dev/null
  for ((i = 0; i < 40; i++)); do
    [ "$(health "$id")" != "$before" ] && break
    sleep 0.05
  done
  [ "$(health "$id")" != "$before" ]
  [ "$(health_status "$id")" = healthy ]
}

@test "health: the probe's output is cut at 4096 bytes" {
  id=$(strata run -d --health-cmd 'printf "%05000d" 0' --health-interval 100ms busybox sleep 60)
  wait_health "$id" healthy
  out=$(health "$id" | jq -r '.Log[0].Output')
  [ "${#out}" = 4099 ]
  [ "${out: -4}" = "0..." ]
}

@test "health: commit keeps the container's health check in the image" {
  id=$(strata create --health-cmd 'exit 0' --health-retries 5 busybox sleep 60)
  strata commit "$id" hc:committed >/dev/null
  [ "$(strata image inspect -f '{{json .Config.Healthcheck}}' hc:committed)" = \
    '{"Test":["CMD-SHELL","exit 0"],"Retries":5}' ]
}

@test "health: bad values are refused as Docker refuses them, and nothing is created" {
  refused 'invalid argument "abc" for "--health-interval" flag: time: invalid duration "abc"' \
    --health-interval abc busybox true
  refused 'invalid argument "5" for "--health-timeout" flag: time: missing unit in duration "5"' \
    --health-timeout 5 busybox true
  refused 'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax' \
    --health-retries x busybox true
  refused "--health-interval cannot be negative" --health-interval=-1s busybox true
  refused "--health-timeout cannot be negative" --health-timeout=-1s busybox true
  refused "--health-retries cannot be negative" --health-retries=-1 busybox true
  refused "--health-start-period cannot be negative" --health-start-period=-1s busybox true
  refused "--health-start-interval cannot be negative" --health-start-interval=-2ms busybox true
  refused "Interval in Healthcheck cannot be less than 1ms" --health-interval 500us busybox true
  refused "Timeout in Healthcheck cannot be less than 1ms" --health-timeout 1ns busybox true
  refused "StartPeriod in Healthcheck cannot be less than 1ms" --health-start-period 10us busybox true
  refused "--no-healthcheck conflicts with --health-* options" \
    --no-healthcheck --health-cmd true busybox true
  run strata ps --filter health=bogus
  [ "$status" -eq 125 ]
  [ "$output" = "strata: Unrecognised filter value for health: bogus" ]
  # An image command's error, as docker import's: exit 1.
  run strata import "$BUSYBOX_TAR" hc:bad -c 'HEALTHCHECK --interval=1 CMD true'
  [ "$status" -eq 1 ]
  [ "$output" = 'strata: --change "HEALTHCHECK --interval=1 CMD true": time: missing unit in duration "1"' ]
  run strata image inspect hc:bad
  [ "$status" -ne 0 ]
}
