#!/usr/bin/env bash
# Committed writes through HTTP on a 3-server loopback cluster, Caravan against a 3-member
# etcd 3.4 cluster, with the same load generator (wrk, 2 threads, 64 connections) sent to the
# leader, in the same run: each with plain TCP between servers, then with mutual TLS between
# servers (Caravan: -ca-cert/-cert-file/-key-file; etcd: --peer-client-cert-auth with the same
# CA and certificates). Caravan: PUT /v1/node/register, a new node per request; etcd: its JSON
# gateway's /v3/kv/put, a new key per request, 200-byte values. Every server of both keeps its
# data directory on the same disk and fsyncs each commit. Clients speak plain HTTP to both.
#   scripts/bench-cluster-writes.sh [seconds]      (ports 15279-15580 and 16646-18647)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
. scripts/bench-lib.sh

(cd "$WORK" && "$BIN" tls ca create >/dev/null && for _ in 1 2 3; do "$BIN" tls cert create -server >/dev/null; done)

stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

# run_caravan LABEL TLS(0|1)
run_caravan() {
  local label=$1 tls=$2 join="-join 127.0.0.1:16647 -join 127.0.0.1:17647 -join 127.0.0.1:18647"
  for i in 6 7 8; do
    local dir="$WORK/caravan-$label-$i" flags=""
    mkdir -p "$dir"
    [ "$tls" = 1 ] && flags="-ca-cert $WORK/nomad-agent-ca.pem -cert-file $WORK/global-server-nomad-$((i - 6)).pem -key-file $WORK/global-server-nomad-$((i - 6))-key.pem"
    # shellcheck disable=SC2086
    "$BIN" agent -server -data-dir "$dir" -http-addr 127.0.0.1:1${i}646 -raft-addr 127.0.0.1:1${i}647 \
      -node-id "s$i" -bootstrap-expect 3 $join $flags -log-level error &
    PIDS+=($!)
  done
  local leader=""
  for _ in $(seq 1 200); do
    leader=$(curl -sf http://127.0.0.1:16646/v1/status/leader 2>/dev/null | tr -d '"') || true
    [ -n "$leader" ] && break
    sleep 0.1
  done
  [ -n "$leader" ] || { echo "no Caravan leader"; exit 1; }
  local http="127.0.0.1:$(( ${leader##*:} - 1 ))"
  echo "== Caravan, 3 servers, $label between servers: PUT /v1/node/register to the leader ($http), wrk -t2 -c64 -d${SECONDS_PER_RUN}s"
  wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s bench/wrk/node-register.lua "http://$http" | grep -E "Requests/sec|Latency|requests in|errors"
  curl -s "http://$http/v1/agent/self" | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]["caravan"]
appends, entries = int(s["log_appends"]), int(s["log_entries"])
messages, sent = int(s["append_messages_sent"]), int(s["entries_sent_in_appends"])
print(f"leader: log appends (one fdatasync each) {appends}, entries {entries}, entries per fsync {entries / max(1, appends):.1f}; "
      f"AppendEntries sent {messages}, entries in them {sent}, entries per AppendEntries {sent / max(1, messages):.1f}")'
  stop_all
}

# run_etcd LABEL TLS(0|1)
run_etcd() {
  local label=$1 tls=$2 scheme=http
  [ "$tls" = 1 ] && scheme=https
  local cluster="e1=$scheme://127.0.0.1:15380,e2=$scheme://127.0.0.1:15480,e3=$scheme://127.0.0.1:15580"
  for n in 1 2 3; do
    local peer=$(( 15280 + n * 100 )) client=$(( 15279 + n * 100 )) flags=""
    [ "$tls" = 1 ] && flags="--peer-client-cert-auth --peer-trusted-ca-file $WORK/nomad-agent-ca.pem --peer-cert-file $WORK/global-server-nomad-$((n - 1)).pem --peer-key-file $WORK/global-server-nomad-$((n - 1))-key.pem"
    # shellcheck disable=SC2086
    etcd --name "e$n" --data-dir "$WORK/etcd-$label-$n" --listen-client-urls "http://127.0.0.1:$client" \
      --advertise-client-urls "http://127.0.0.1:$client" --listen-peer-urls "$scheme://127.0.0.1:$peer" \
      --initial-advertise-peer-urls "$scheme://127.0.0.1:$peer" --initial-cluster "$cluster" \
      --initial-cluster-state new --log-level error $flags >"$WORK/etcd-$label-$n.log" 2>&1 &
    PIDS+=($!)
  done
  for n in 1 2 3; do wait_for "http://127.0.0.1:$(( 15279 + n * 100 ))/health" "$WORK/etcd-$label-$n.log"; done
  local leader=""
  for n in 1 2 3; do
    local client=$(( 15279 + n * 100 ))
    if curl -s -X POST "http://127.0.0.1:$client/v3/maintenance/status" -d '{}' | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["header"]["member_id"] == s["leader"] else 1)'; then leader="127.0.0.1:$client"; fi
  done
  [ -n "$leader" ] || { echo "no etcd leader"; exit 1; }
  echo "== etcd $(etcd --version | head -1 | awk '{print $3}'), 3 members, $label between members: POST /v3/kv/put to the leader ($leader), 200-byte values, wrk -t2 -c64 -d${SECONDS_PER_RUN}s"
  wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s bench/wrk/etcd-put.lua "http://$leader" | grep -E "Requests/sec|Latency|requests in|errors"
  stop_all
}

run_caravan "plain TCP" 0
run_caravan "mutual TLS" 1
run_etcd "plain TCP" 0
run_etcd "mutual TLS" 1
