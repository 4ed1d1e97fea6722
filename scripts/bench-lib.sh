# Shared by the wrk benchmarks: installs wrk and etcd if missing, builds the release binary into
# $BIN, makes a scratch directory $WORK removed on exit, and defines wait_for URL.
for tool in wrk etcd; do
  command -v "$tool" >/dev/null || { echo "installing wrk and etcd-server"; sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y wrk etcd-server >/dev/null; }
done
swift build -c release --product caravan >/dev/null 2>&1
BIN=$(swift build -c release --show-bin-path)/caravan
WORK=$(mktemp -d /tmp/caravan-bench.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

wait_for() { for _ in $(seq 1 200); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }
