#!/usr/bin/env bash
# Fuzzes the HTTP API from its OpenAPI description with schemathesis (PyPI), against live agents.
#   scripts/fuzz-api.sh bounded   about two minutes (`make test`)
#   scripts/fuzz-api.sh long      FUZZ_API_SECONDS per pass, default 1200 (`make fuzz`)
#
# Three passes, each against a fresh `caravan agent -dev` (the debug build): ACLs off; ACLs on
# with the bootstrap (management) token in X-Nomad-Token; ACLs on without a token. Each fetches
# the spec the agent serves (GET /v1/openapi.yaml, docs/openapi.yaml) and runs schemathesis's
# examples, coverage, fuzzing and stateful phases with the checks not_a_server_error,
# status_code_conformance, content_type_conformance, response_schema_conformance and
# response_headers_conformance. scripts/fuzz-api/hooks.py keeps blocking queries short and
# accepts the few answers, documented in the spec, that the checks cannot tell from faults
# (Nomad's 500s for volume refusals, 501 where a controller plugin is needed). The event stream
# never ends, so it is left out. Reports go to .build/fuzz-api/<pass>/.
#
# Schemathesis is installed, pinned, into a venv under .build/ (python3 and python3-venv with
# apt-get first, if they are missing and this user may). Without python3, its venv module or a
# way to reach PyPI, a bounded run says why it is skipped and succeeds; a long run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-long}"
version=4.32.5
venv=.build/fuzz-venv
out=.build/fuzz-api

case "$mode" in
  bounded) budget=(--max-time 25 --max-examples 25) ;;
  long) budget=(--max-time "${FUZZ_API_SECONDS:-1200}" --max-examples 5000) ;;
  *) echo "usage: $0 bounded|long" >&2; exit 2 ;;
esac

unavailable() {
  if [ "$mode" = bounded ]; then
    echo "fuzz-api: SKIPPED, schemathesis cannot run here: $*"
    exit 0
  fi
  echo "fuzz-api: schemathesis cannot run here: $*" >&2
  exit 1
}

# python3 and its venv module, installed with apt-get when they are missing and this user may.
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && $sudo true 2>/dev/null; then
    echo "fuzz-api: installing python3 and python3-venv"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv >/dev/null 2>&1 || true
  fi
fi
command -v python3 >/dev/null 2>&1 || unavailable "python3 is not installed"
if [ ! -x "$venv/bin/schemathesis" ] || [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >/dev/null 2>&1 || unavailable "python3 has no venv module (apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$version" \
    || { rm -rf "$venv"; unavailable "pip could not install schemathesis==$version"; }
fi
python="$venv/bin/python"

binary="$(swift build --show-bin-path)/caravan"
[ -x "$binary" ] || swift build --product caravan

# A free port in 47000-47999 (the range this project's scripts use on shared machines).
free_port() {
  "$python" - <<'PY'
import random, socket
for port in random.sample(range(47000, 48000), 1000):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
}

agent_pid=""
stop_agent() {
  if [ -n "$agent_pid" ]; then
    kill "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
    agent_pid=""
  fi
}
trap stop_agent EXIT

# start_agent NAME [flags...]: a fresh agent on a free port; sets $base.
start_agent() {
  local name="$1"
  shift
  local port
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  rm -rf "$out/$name"
  mkdir -p "$out/$name"
  "$binary" agent -dev -http-addr "127.0.0.1:$port" "$@" >"$out/$name/agent.log" 2>&1 &
  agent_pid=$!
  "$python" - "$base" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        with urllib.request.urlopen(sys.argv[1] + "/v1/status/leader", timeout=1) as response:
            if response.status == 200 and response.read() != b'""':
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("the agent did not start")
PY
}

bootstrap_token() {
  "$python" - "$base" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/v1/acl/bootstrap", method="PUT")
with urllib.request.urlopen(request, timeout=10) as response:
    print(json.load(response)["SecretID"])
PY
}

status=0
# run_pass NAME [schemathesis flags...]
run_pass() {
  local name="$1"
  shift
  echo "fuzz-api: pass '$name' against $base"
  local config=()
  [ -f "$out/$name/schemathesis.toml" ] && config=(--config-file "$out/$name/schemathesis.toml")
  SCHEMATHESIS_HOOKS=hooks PYTHONPATH=scripts/fuzz-api "$venv/bin/schemathesis" "${config[@]}" \
    run "$base/v1/openapi.yaml" --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --exclude-path /v1/event/stream \
    "${budget[@]}" --workers 2 --request-timeout 10 --no-color \
    --report ndjson --report-dir "$out/$name" "$@" || true
  # A pass fails on a failed check, not on schemathesis's own errors (count.py says which).
  "$python" scripts/fuzz-api/count.py "$out/$name"/*.ndjson || status=1
}

start_agent acl-off
run_pass acl-off
stop_agent

start_agent acl-management -acl-enabled
token="$(bootstrap_token)"
# The spec's nomadToken scheme: schemathesis sends this key in it (a bare -H header would be
# replaced by the values it generates for the scheme).
printf '[auth.openapi.nomadToken]\napi_key = "%s"\n' "$token" > "$out/acl-management/schemathesis.toml"
run_pass acl-management
stop_agent

start_agent acl-anonymous -acl-enabled
run_pass acl-anonymous
stop_agent

if [ "$status" -ne 0 ]; then
  echo "fuzz-api: FAILED (reports in $out)" >&2
  exit 1
fi
echo "fuzz-api: every pass ended with 0 failures"
