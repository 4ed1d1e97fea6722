#!/usr/bin/env bash
# Runs the three-server production example of docs/configuration.md on this machine and checks it
# forms a cluster: the three ```hcl files are taken from the page as written, with only their
# addresses (10.0.0.N → 127.0.0.1, each server on ports of its own), data directories and
# certificate paths moved into a scratch directory. Certificates come from `caravan tls`.
#   scripts/config-cluster.sh [caravan binary]   (default: .build/debug/caravan)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-.build/debug/caravan}")
BASE=${CONFIG_CLUSTER_BASE_PORT:-48100}
WORK=$(mktemp -d /tmp/caravan-config-cluster.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/tls"
(cd "$WORK/tls" && "$BIN" tls ca create >/dev/null && for _ in 1 2 3; do "$BIN" tls cert create -server >/dev/null; done)

# The page's hcl blocks, in order: s1, s2, s3.
python3 - "$WORK" "$BASE" <<'PY'
import re, sys
work, base = sys.argv[1], int(sys.argv[2])
page = open("docs/configuration.md").read()
blocks = re.findall(r"```hcl\n(.*?)```", page, re.S)
assert len(blocks) == 3, f"expected three hcl blocks, found {len(blocks)}"
def port(n, kind):  # server n's HTTP (6) or raft (7) port
    return base + 100 * n + kind
for n, text in enumerate(blocks, start=1):
    assert f'name      = "s{n}"' in text, f"block {n} is not s{n}"
    for m in (1, 2, 3):
        text = text.replace(f'"10.0.0.{m}:4647"', f'"127.0.0.1:{port(m, 7)}"')
    text = text.replace(f'"10.0.0.{n}"', '"127.0.0.1"')
    text = text.replace("http = 4646", f"http = {port(n, 6)}").replace("rpc  = 4647", f"rpc  = {port(n, 7)}")
    text = text.replace('"/var/lib/caravan"', f'"{work}/s{n}"').replace("/etc/caravan/tls", f"{work}/tls")
    assert "10.0.0." not in text and "/etc/" not in text and "/var/" not in text, text
    open(f"{work}/s{n}.hcl", "w").write(text)
PY

for n in 1 2 3; do
  "$BIN" agent -config "$WORK/s$n.hcl" >"$WORK/s$n.log" 2>&1 &
  PIDS+=($!)
done

# Every server names the same leader, one of the three, over HTTPS with the cluster's CA.
for _ in $(seq 1 600); do
  leaders=()
  for n in 1 2 3; do
    leaders+=("$(curl -sf --cacert "$WORK/tls/nomad-agent-ca.pem" "https://127.0.0.1:$((BASE + 100 * n + 6))/v1/status/leader" || true)")
  done
  if [ -n "${leaders[0]}" ] && [ "${leaders[0]}" != '""' ] && [ "${leaders[0]}" = "${leaders[1]}" ] && [ "${leaders[1]}" = "${leaders[2]}" ]; then
    echo "the three servers agree on the leader ${leaders[0]}"
    grep -h "HTTP API on" "$WORK"/s?.log
    exit 0
  fi
  sleep 0.1
done
echo "the servers did not agree on a leader: ${leaders[*]}"
tail -20 "$WORK"/s?.log
exit 1
