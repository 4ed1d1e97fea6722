# Shared by the wrk benchmarks: installs wrk, etcd, curl and python3 if missing, builds the release
# binary into $BIN, makes a scratch directory $WORK removed on exit, and defines wait_for URL.
# CARAVAN_BENCH_QUICK=1 is the quick mode the test suite runs (BenchmarkScriptTests): the debug
# binary `make test` has built ($CARAVAN_BINARY, else .build/debug/caravan; nothing is built, the
# suite holds the build directory), and one second per measurement, to prove the script works.
missing=()
for tool in wrk etcd curl python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  packages=$(printf '%s\n' "${missing[@]}" | sed 's/^etcd$/etcd-server/')
  # shellcheck disable=SC2086
  $sudo_cmd apt-get update -qq >/dev/null && $sudo_cmd apt-get install -y -qq $packages >/dev/null
fi
if [ "${CARAVAN_BENCH_QUICK:-}" = 1 ]; then
  SECONDS_PER_RUN=1
  BIN=${CARAVAN_BINARY:-$(pwd)/.build/debug/caravan}
else
  swift build -c release --product caravan >/dev/null 2>&1
  BIN=$(swift build -c release --show-bin-path)/caravan
fi
WORK=$(mktemp -d /tmp/caravan-bench.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# wait_for URL [LOG]: up to 60 s (a loaded machine, as under the test suite, slows elections);
# on failure prints the tail of LOG, the server's own output.
wait_for() {
  for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "no answer from $1"
  [ -n "${2:-}" ] && tail -20 "$2"
  exit 1
}
