#!/usr/bin/env bash
# Committed writes through HTTP on a 3-server loopback cluster, Caravan against a 3-member
# etcd 3.4 cluster, with the same load generator (wrk, 2 threads, 64 connections) sent to the
# leader, in the same run. Caravan: PUT /v1/node/register, a new node per request; etcd: its
# JSON gateway's /v3/kv/put, a new key per request, 200-byte values. Every server of both
# keeps its data directory on the same disk and fsyncs each commit.
#   scripts/bench-cluster-writes.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
. scripts/bench-lib.sh

JOIN="-join 127.0.0.1:24647 -join 127.0.0.1:25647 -join 127.0.0.1:26647"
for i in 4 5 6; do
  mkdir -p "$WORK/caravan$i"
  # shellcheck disable=SC2086
  "$BIN" agent -server -data-dir "$WORK/caravan$i" -http-addr 127.0.0.1:2${i}646 -raft-addr 127.0.0.1:2${i}647 \
    -node-id "s$i" -bootstrap-expect 3 $JOIN -log-level warning &
  PIDS+=($!)
done
LEADER=""
for _ in $(seq 1 200); do
  LEADER=$(curl -sf http://127.0.0.1:24646/v1/status/leader 2>/dev/null | tr -d '"') || true
  [ -n "$LEADER" ] && break
  sleep 0.1
done
[ -n "$LEADER" ] || { echo "no Caravan leader"; exit 1; }
LEADER_HTTP="127.0.0.1:$(( ${LEADER##*:} - 1 ))"
echo "== Caravan, 3 servers: PUT /v1/node/register to the leader ($LEADER_HTTP), wrk -t2 -c64 -d${SECONDS_PER_RUN}s"
wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s bench/wrk/node-register.lua "http://$LEADER_HTTP" | grep -E "Requests/sec|Latency|requests in|errors"
curl -s "http://$LEADER_HTTP/v1/agent/self" | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]["caravan"]
appends, entries = int(s["log_appends"]), int(s["log_entries"])
messages, sent = int(s["append_messages_sent"]), int(s["entries_sent_in_appends"])
print(f"leader: log appends (one fdatasync each) {appends}, entries {entries}, entries per fsync {entries / max(1, appends):.1f}; "
      f"AppendEntries sent {messages}, entries in them {sent}, entries per AppendEntries {sent / max(1, messages):.1f}")'
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()

CLUSTER="e1=http://127.0.0.1:22380,e2=http://127.0.0.1:22480,e3=http://127.0.0.1:22580"
for n in 1 2 3; do
  peer=$(( 22280 + n * 100 )); client=$(( 22279 + n * 100 ))
  etcd --name "e$n" --data-dir "$WORK/etcd$n" --listen-client-urls "http://127.0.0.1:$client" \
    --advertise-client-urls "http://127.0.0.1:$client" --listen-peer-urls "http://127.0.0.1:$peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer" --initial-cluster "$CLUSTER" \
    --initial-cluster-state new --log-level error >/dev/null 2>&1 &
  PIDS+=($!)
done
for n in 1 2 3; do wait_for "http://127.0.0.1:$(( 22279 + n * 100 ))/health"; done
ETCD_LEADER=""
for n in 1 2 3; do
  client=$(( 22279 + n * 100 ))
  if curl -s -X POST "http://127.0.0.1:$client/v3/maintenance/status" -d '{}' | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["header"]["member_id"] == s["leader"] else 1)'; then ETCD_LEADER="127.0.0.1:$client"; fi
done
[ -n "$ETCD_LEADER" ] || { echo "no etcd leader"; exit 1; }
echo "== etcd $(etcd --version | head -1 | awk '{print $3}'), 3 members: POST /v3/kv/put to the leader ($ETCD_LEADER), 200-byte values, wrk -t2 -c64 -d${SECONDS_PER_RUN}s"
wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s bench/wrk/etcd-put.lua "http://$ETCD_LEADER" | grep -E "Requests/sec|Latency|requests in|errors"
