#!/usr/bin/env bash
# Durable writes through HTTP, Caravan against etcd 3.4, with the same load generator (wrk,
# 2 threads, 64 connections) in the same run. Caravan: PUT /v1/node/register, a new node per
# request, to an agent with -data-dir. etcd: its JSON gateway's /v3/kv/put, a new key per
# request, 200-byte values. Both fsync each commit on the same disk.
#   scripts/bench-durable-writes.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
. scripts/bench-lib.sh

"$BIN" agent -data-dir "$WORK/caravan" -http-addr 127.0.0.1:14646 -log-level warning &
CARAVAN_PID=$!
PIDS+=("$CARAVAN_PID")
wait_for http://127.0.0.1:14646/v1/status/leader
echo "== Caravan: PUT /v1/node/register, durable (-data-dir), wrk -t2 -c64 -d${SECONDS_PER_RUN}s"
wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s bench/wrk/node-register.lua http://127.0.0.1:14646 | grep -E "Requests/sec|Latency|requests in|errors"
curl -s http://127.0.0.1:14646/v1/agent/self | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]["caravan"]
appends, entries, snapshots = int(s["log_appends"]), int(s["log_entries"]), s["snapshots_taken"]
print(f"log appends (one fdatasync each): {appends}, entries: {entries}, entries per fsync: {entries / max(1, appends):.1f}, snapshots: {snapshots}")'
kill "$CARAVAN_PID"; wait "$CARAVAN_PID" 2>/dev/null || true; CARAVAN_PID=

etcd --data-dir "$WORK/etcd" --listen-client-urls http://127.0.0.1:12379 --advertise-client-urls http://127.0.0.1:12379 \
  --listen-peer-urls http://127.0.0.1:12380 --log-level error >/dev/null 2>&1 &
ETCD_PID=$!
PIDS+=("$ETCD_PID")
wait_for http://127.0.0.1:12379/health
echo "== etcd $(etcd --version | head -1 | awk '{print $3}'): POST /v3/kv/put (JSON gateway), 200-byte values, wrk -t2 -c64 -d${SECONDS_PER_RUN}s"
wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s bench/wrk/etcd-put.lua http://127.0.0.1:12379 | grep -E "Requests/sec|Latency|requests in|errors"
