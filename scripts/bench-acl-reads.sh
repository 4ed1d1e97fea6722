#!/usr/bin/env bash
# What ACL enforcement costs a read: GET /v1/node/:id on caravan agent -dev with ACLs off, then
# with -acl-enabled as a management token and as a client token (one policy granting node read),
# the same load generator (wrk, 2 threads, 64 connections) each time.
#   scripts/bench-acl-reads.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
. scripts/bench-lib.sh

PORT=14647
URL=http://127.0.0.1:$PORT
start() {
  "$BIN" agent -dev -http-addr 127.0.0.1:$PORT -log-level warning "$@" &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
  wait_for $URL/v1/status/leader
}
stop() { kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; }
secret() { python3 -c 'import json, sys; print(json.load(sys.stdin)["SecretID"])'; }
register() {
  curl -sf -X PUT -H "X-Nomad-Token: ${1:-}" $URL/v1/node/register \
    -d '{"Node": {"ID": "n1", "SecretID": "s", "Name": "n1", "Datacenter": "dc1"}}' >/dev/null
}
run() {
  echo "== $1: GET /v1/node/n1, wrk -t2 -c64 -d${SECONDS_PER_RUN}s"
  shift
  wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" "$@" $URL/v1/node/n1 | grep -E "Requests/sec|Latency|Non-2xx"
}

start
register
run "ACLs off"
stop

start -acl-enabled
MANAGEMENT=$(curl -sf -X PUT $URL/v1/acl/bootstrap | secret)
register "$MANAGEMENT"
curl -sf -X PUT -H "X-Nomad-Token: $MANAGEMENT" $URL/v1/acl/policy/nodes -d '{"Name": "nodes", "Rules": "node { policy = \"read\" }"}' >/dev/null
CLIENT=$(curl -sf -X PUT -H "X-Nomad-Token: $MANAGEMENT" $URL/v1/acl/token -d '{"Type": "client", "Policies": ["nodes"]}' | secret)
run "ACLs on, management token" -H "X-Nomad-Token: $MANAGEMENT"
run "ACLs on, client token" -H "X-Nomad-Token: $CLIENT"
run "ACLs on, unknown token (refused)" -H "X-Nomad-Token: 00000000-0000-0000-0000-000000000000"
stop
