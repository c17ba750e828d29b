#!/usr/bin/env bats
# The store under concurrency and crashes: parallel opens of a new store, tags racing
# prunes, rmi and prune while a long load runs, and an rmi killed mid-delete.

load helpers

# Background processes a test started (by PID): a failing test must not leave a stalled
# load or feeder behind, which would also keep bats waiting on their output.
BG_PIDS=()
teardown() {
  for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || echo "pid $p had ended" >&2; done
}

@test "concurrency: 50 parallel strata images on a new store all succeed" {
  for round in 1 2 3; do
    export STRATA_ROOT=$W/fresh-$round
    pids=()
    for i in $(seq 50); do
      "$STRATA_BIN" images -q >"$W/out.$round.$i" 2>"$W/err.$round.$i" &
      pids+=($!)
    done
    failed=0
    for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
    cat "$W"/err."$round".* >&2
    [ "$failed" -eq 0 ]
    [ -z "$(cat "$W"/err."$round".*)" ]
  done
}

@test "concurrency: tag racing image prune: every tag reported as made exists" {
  mkdir -p "$W/tree" && echo hi >"$W/tree/file"
  tar -C "$W/tree" -cf "$W/small.tar" .
  made=() refused=0
  for i in $(seq 40); do
    id=$(strata import "$W/small.tar")   # untagged: prune takes it unless the tag lands
    "$STRATA_BIN" tag "$id" "race:$i" 2>"$W/tag.err" &
    tagger=$!
    "$STRATA_BIN" image prune -f >/dev/null 2>"$W/prune.err" &
    pruner=$!
    wait "$pruner"
    if wait "$tagger"; then
      made+=("race:$i")
    else
      [ "$(cat "$W/tag.err")" = "strata: no such image: $id" ]
      refused=$((refused + 1))
    fi
    [ ! -s "$W/prune.err" ]
  done
  echo "made ${#made[@]}, refused $refused" >&2
  for t in "${made[@]}"; do
    run strata inspect --format '{{.Id}}' "$t"
    [ "$status" -eq 0 ]
  done
  [ "$(strata images --format '{{.Tag}}' | wc -l)" -eq "${#made[@]}" ]
}

@test "concurrency: prune -a, rmi and imports run while a large load is in progress" {
  python3 "$MKARCHIVE" layer big "$W/big.tar" $((48 * 1024 * 1024))
  STRATA_ROOT=$W/src strata import --compression zstd "$W/big.tar" big >/dev/null
  STRATA_ROOT=$W/src strata save -o "$W/big-save.tar" big
  mkdir -p "$W/tree" && echo hi >"$W/tree/file"
  tar -C "$W/tree" -cf "$W/small.tar" .
  strata images >/dev/null
  # The load stalls halfway until we let it go on.
  half=$(($(stat -c %s "$W/big-save.tar") / 2))
  mkfifo "$W/pipe" "$W/go"
  (head -c "$half" "$W/big-save.tar"; read -r _ <"$W/go"; tail -c +$((half + 1)) "$W/big-save.tar") >"$W/pipe" &
  feeder=$!
  "$STRATA_BIN" load -i "$W/pipe" >"$W/load.out" 2>"$W/load.err" &
  loader=$!
  BG_PIDS=("$feeder" "$loader")
  for _ in $(seq 200); do
    [ -n "$(find "$STRATA_ROOT/tmp" -mindepth 2 -type f -size +1M 2>/dev/null)" ] && break
    sleep 0.1
  done
  [ -n "$(find "$STRATA_ROOT/tmp" -mindepth 2 -type f -size +1M)" ]
  # None of these may wait for the load: each has 20 s (a store-wide lock would hang).
  for i in 1 2 3 4 5; do
    timeout 20 "$STRATA_BIN" import "$W/small.tar" "x$i:1" >/dev/null
    timeout 20 "$STRATA_BIN" import "$W/small.tar" >/dev/null
    timeout 20 "$STRATA_BIN" rmi "x$i:1" >/dev/null
    timeout 20 "$STRATA_BIN" image prune -af >/dev/null
    kill -0 "$loader"   # still loading
  done
  echo go >"$W/go"
  wait "$loader"
  wait "$feeder"
  BG_PIDS=()
  [ "$(cat "$W/load.out")" = "Loaded image: big:latest" ]
  # The loaded image is whole: its one file is the one that was imported.
  tar -xOf "$W/big.tar" big.bin | cmp - "$(layer_dir_of big)/big.bin"
  [ "$(strata images --format '{{.Repository}}')" = "big" ]
  run strata image prune -f
  [ "$status" -eq 0 ]
  [ -z "$(ls "$STRATA_ROOT/tmp")" ]
}

@test "crash: rmi killed mid-delete, then load: the layer is whole, file by file" {
  python3 "$MKARCHIVE" layer many "$W/many.tar" 1500
  gnu_extract "$W/many.tar" "$W/reference"
  want=$(tree_digest "$W/reference")
  STRATA_ROOT=$W/src strata import "$W/many.tar" many >/dev/null
  STRATA_ROOT=$W/src strata save -o "$W/many-save.tar" many
  strata load -q -i "$W/many-save.tar"
  KILLED=0
  for round in $(seq 8); do
    strata_killed_within 30 rmi many   # killed mid-delete, or done: both are tested
    run strata load -q -i "$W/many-save.tar"
    [ "$status" -eq 0 ]
    [ "$(tree_digest "$(layer_dir_of many)")" = "$want" ]
  done
  echo "killed $KILLED of 8 rmi runs" >&2
  [ "$KILLED" -gt 0 ]
  run strata image prune -af
  [ "$status" -eq 0 ]
  [ -z "$(find "$STRATA_ROOT/tmp" "$STRATA_ROOT/layers" "$STRATA_ROOT/l" -mindepth 1)" ]
}

@test "crash: a collection killed at each of its moves, before it commits, loses nothing" {
  # rmi commits the image's removal, then collects: the collection moves the files out
  # of blobs/, layers/ and l/ one rename at a time and commits after. Killed after the
  # nth move, its rows come back while its files sit in a dead lease: the next command
  # must neither trust a row whose files are gone nor lose anything still named.
  python3 "$MKARCHIVE" layer many "$W/many.tar" 200
  gnu_extract "$W/many.tar" "$W/reference"
  want=$(tree_digest "$W/reference")
  STRATA_ROOT=$W/src strata import "$W/many.tar" many >/dev/null
  STRATA_ROOT=$W/src strata save -o "$W/many-save.tar" many
  strata load -q -i "$W/many-save.tar"
  strata tag many keep   # a second image on the same layer and config
  for n in 1 2 3 4 5; do
    strata load -q -i "$W/many-save.tar"
    strata rmi keep >/dev/null
    run strace -f -qq -o /dev/null -e trace=renameat2 -e inject=renameat2:signal=SIGKILL:when=$n \
      "$STRATA_BIN" rmi many
    [ "$status" -eq 137 ]
    run strata images -q
    [ -z "$output" ]
    run strata load -q -i "$W/many-save.tar"
    [ "$status" -eq 0 ]
    [ "$(tree_digest "$(layer_dir_of many)")" = "$want" ]
    run strata save -o "$W/again.tar" many
    [ "$status" -eq 0 ]
    strata tag many keep
  done
  run strata image prune -af
  [ "$status" -eq 0 ]
  [ -z "$(find "$STRATA_ROOT/tmp" "$STRATA_ROOT/layers" "$STRATA_ROOT/l" -mindepth 1)" ]
}
