#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The main job of run.sh: lose a disk, rebuild it.
#   1. a manager and a worker (2 rebuild threads) on loopback, in a temp home;
#   2. seal three 8MiB sectors into the persist store (one CC, one with a
#      deal piece, one CC sector updated with new data by SnapDeals) and
#      import them into the registry (what a provider exports from their chain
#      node and old sealer DB);
#   3. delete their sealed and cache files ("the disk died");
#   4. ask for the rebuilds with the seed commands, show progress, wait;
#   5. check the rebuilt files are byte-identical, verify them, and that
#      `sectors state` says the rebuild is over.
# Usage: scripts/demo.sh [build dir]   (DEMO_DIR=... keeps the files there;
# DEMO_KEEP_CONSOLE=1 keeps the manager and its web console up at the end)
set -euo pipefail

BUILD=${1:-build}
BIN=$(cd "$BUILD/tools/damocles-run" && pwd)
RUN="$BIN/damocles-run"
MANAGER="$BIN/damocles-manager"
WORKER="$BIN/damocles-worker"
DEMO=${DEMO_DIR:-$(mktemp -d /tmp/damocles-demo.XXXXXX)}
mkdir -p "$DEMO"
DEMO=$(cd "$DEMO" && pwd)
HOME_DIR="$DEMO/manager-home"
STORE="$DEMO/store"
PARENTS="$DEMO/parents"
MINER=1001
TICKET=0707070707070707070707070707070707070707070707070707070707070707
PROOF=StackedDrg8MiBV1_1
export DAMOCLES_LOG=${DAMOCLES_LOG:-warn}
start_time=$(date +%s)

step() { printf '\n== %s\n' "$*"; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
die() {
  echo "demo FAILED: $*" >&2
  for log in "$DEMO"/manager.log "$DEMO"/worker.log; do
    [ -f "$log" ] && { echo "--- $log (tail)" >&2; tail -n 30 "$log" >&2; }
  done
  exit 1
}
wait_for_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.1; done; die "timed out waiting for $1"; }

step "manager on loopback (home $HOME_DIR)"
mkdir -p "$HOME_DIR" "$STORE" "$PARENTS" "$DEMO/threads/0" "$DEMO/threads/1" "$DEMO/pieces"
cat > "$HOME_DIR/config.toml" <<EOF
[[Miners]]
Actor = $MINER

[Common]
PieceStores = ["$DEMO/pieces"]

[[Common.PersistStores]]
Name = "store-a"
Path = "$STORE"
EOF
"$MANAGER" --home "$HOME_DIR" daemon run --listen 127.0.0.1:0 > "$DEMO/manager.log" 2>&1 &
pids+=($!)
wait_for_file "$HOME_DIR/api"
echo "manager listening on $(cat "$HOME_DIR/api")"
CONSOLE_URL="http://$(cat "$HOME_DIR/api")/ui"
echo "web console: $CONSOLE_URL (log in with the token in $HOME_DIR/token)"

step "seal three 8MiB sectors into the store (CC, one deal piece, one snap update)"
head -c 4000000 /dev/urandom > "$DEMO/piece.bin"
head -c 6000000 /dev/urandom > "$DEMO/snap-data.bin"
"$RUN" seal --proof $PROOF --miner t0$MINER --sector 1 --ticket $TICKET \
  --out "$STORE" --parent-cache "$PARENTS" --json > "$DEMO/sector1.json"
"$RUN" seal --proof $PROOF --miner t0$MINER --sector 2 --ticket $TICKET \
  --piece "$DEMO/piece.bin" --out "$STORE" --parent-cache "$PARENTS" --json > "$DEMO/sector2.json"
"$RUN" seal --proof $PROOF --miner t0$MINER --sector 3 --ticket $TICKET --snap \
  --piece "$DEMO/snap-data.bin" --out "$STORE" --parent-cache "$PARENTS" --json > "$DEMO/sector3.json"
python3 - "$DEMO" <<'EOF'
import json, sys
demo = sys.argv[1]
sectors = []
for n in (1, 2, 3):
    s = json.load(open(f"{demo}/sector{n}.json"))
    print(f"s-t0{s['sector']['miner']}-{n}: CommR {s['comm_r']}" +
          (f", updated: CommR_new {s['comm_r_new']}" if "comm_r_new" in s else ""))
    s["sector"]["store"] = "store-a"
    for p in s["sector"]["pieces"]:
        # A deal piece the market keeps: the manager serves it from its
        # piece store (GET /piecestore/<cid>), no URL recorded.
        p["deal_id"] = 7000 + n
        p["source"] = None
        print(f"  deal {p['deal_id']}: piece {p['cid']} served by the manager's piece store")
    sectors.append(s["sector"])
json.dump({"sectors": sectors}, open(f"{demo}/import.json", "w"), indent=2)
EOF
"$MANAGER" --home "$HOME_DIR" util sealer sectors import "$DEMO/import.json"

cid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sector']['pieces'][0]['cid'])" "$DEMO/sector2.json")
cp "$DEMO/piece.bin" "$DEMO/pieces/$cid"
rm "$DEMO/piece.bin"   # the worker must fetch it from the manager

step "the disk dies: sealed and cache files are deleted"
for n in 1 2 3; do
  id=s-t0$MINER-$n
  if [ $n = 3 ]; then  # a snap sector: PoSt reads update/ and update-cache/
    (cd "$STORE" && sha256sum "update/$id" update-cache/$id/*) > "$DEMO/$id.sha256"
  else
    (cd "$STORE" && sha256sum "sealed/$id" cache/$id/*) > "$DEMO/$id.sha256"
  fi
  rm -rf "$STORE/sealed/$id" "$STORE/cache/$id" "$STORE/update/$id" "$STORE/update-cache/$id"
done
ls -R "$STORE" | head -n 20

step "worker with two rebuild threads"
cat > "$DEMO/worker.toml" <<EOF
[worker]
name = "demo-worker"

[worker.rpc_server]
listen = "127.0.0.1:0"

[sealer_rpc]
url = "$(cat "$HOME_DIR/api")"
token = "$(cat "$HOME_DIR/token")"

[sealing]
recover_interval = "1s"
seal_interval = "1s"
rpc_polling_interval = "1s"

[processors]
parent_cache_dir = "$PARENTS"

[processors.limitation.concurrent]
pc1 = 2
pc2 = 1

[[sealing_thread]]
location = "$DEMO/threads/0"
plan = "rebuild"

[[sealing_thread]]
location = "$DEMO/threads/1"
plan = "rebuild"

[[attached]]
name = "store-a"
location = "$STORE"
EOF
DAMOCLES_WORKER_ADDRESS_FILE="$DEMO/worker.addr" "$WORKER" daemon run --config "$DEMO/worker.toml" \
  > "$DEMO/worker.log" 2>&1 &
pids+=($!)
wait_for_file "$DEMO/worker.addr"
WORKER_ADDR=$(cat "$DEMO/worker.addr")
"$WORKER" worker -H "$WORKER_ADDR" --token-file "$DEMO/worker.token" list

step "rebuild requests (the seed commands)"
echo "\$ damocles-manager util sealer sectors rebuild $MINER 1"
"$MANAGER" --home "$HOME_DIR" util sealer sectors rebuild $MINER 1
echo "\$ damocles-manager util sealer sectors rebuild --pieces-available $MINER 2"
"$MANAGER" --home "$HOME_DIR" util sealer sectors rebuild --pieces-available $MINER 2
echo "\$ damocles-manager util sealer sectors rebuild $MINER 3"
"$MANAGER" --home "$HOME_DIR" util sealer sectors rebuild $MINER 3
"$MANAGER" --home "$HOME_DIR" util sealer sectors list --rebuild --sealing=false

step "progress (also in the web console: $CONSOLE_URL)"
deadline=$(( $(date +%s) + 600 ))
while :; do
  listing=$("$MANAGER" --home "$HOME_DIR" util sealer sectors list --rebuild --sealing=false)
  count=$(printf '%s\n' "$listing" | sed -n 's/^Count: //p')
  printf '%s\n' "$listing" | grep -E '^s-t0|Progress|State:' | paste -sd' ' | sed 's/\t/ /g' || true
  [ "$count" = "0" ] && break
  [ "$(date +%s)" -gt "$deadline" ] && die "rebuilds did not finish in 10 minutes"
  if "$WORKER" worker -H "$WORKER_ADDR" --token-file "$DEMO/worker.token" list | grep -q 'paused=true'; then
    "$WORKER" worker -H "$WORKER_ADDR" --token-file "$DEMO/worker.token" list >&2
    die "a sealing thread paused"
  fi
  sleep 2
done
"$WORKER" worker -H "$WORKER_ADDR" --token-file "$DEMO/worker.token" list

step "check the rebuilt sectors"
for n in 1 2 3; do
  id=s-t0$MINER-$n
  (cd "$STORE" && sha256sum -c --quiet "$DEMO/$id.sha256") || die "$id: rebuilt files differ from the originals"
  if [ $n = 3 ]; then
    echo "$id: update and update-cache files byte-identical to the originals"
    comm_r=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['comm_r_new'])" "$DEMO/sector$n.json")
    replica="$STORE/update/$id"; cache="$STORE/update-cache/$id"
  else
    echo "$id: sealed and cache files byte-identical to the originals"
    comm_r=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['comm_r'])" "$DEMO/sector$n.json")
    replica="$STORE/sealed/$id"; cache="$STORE/cache/$id"
  fi
  "$RUN" util verify --proof $PROOF --miner $MINER --sector $n --ticket $TICKET --comm-r "$comm_r" \
    --sealed "$replica" --cache "$cache" --parent-cache "$PARENTS"
  state=$("$MANAGER" --home "$HOME_DIR" util sealer sectors state $MINER $n)
  printf '%s\n' "$state" | grep -q '^Rebuild: false$' || die "$id: sectors state does not say the rebuild is over"
  printf '%s\n' "$state" | grep -q 'State Change: .* => Finished' || die "$id: last state is not Finished"
  echo "$id: sectors state: $(printf '%s\n' "$state" | grep 'State Change'), Rebuild: false"
done

elapsed=$(( $(date +%s) - start_time ))
step "summary"
echo "3 sectors (CC, deal, snap) lost and rebuilt through damocles-manager + damocles-worker in ${elapsed}s:"
echo "CommD/CommR checked against the registry before persisting, files byte-identical, util verify valid."
echo "demo OK (files in $DEMO)"
if [ -n "${DEMO_KEEP_CONSOLE:-}" ]; then
  echo "the manager keeps running for the web console: $CONSOLE_URL (token: $HOME_DIR/token); Ctrl-C ends it"
  wait "${pids[0]}" || true
fi
