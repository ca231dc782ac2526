#!/usr/bin/env bash
# The lab's benchmark figures, measured again and printed as lines `scripts/bench-docs --lab` reads
# into docs/benchmarks.md: brings the lab up with N realistic pods (default 10,000), then
#   - 5 runs of chaostui-bench --kubeconfig (start to the complete pods view, to the full list, RSS),
#   - kubectl get pods -A in the same session (wall time, peak RSS),
#   - the real binary watching every namespace for 20 s (RSS),
#   - Benchmarks/watch-latency.sh (20 relabels),
#   - with --quiet SECONDS, Benchmarks/quiet-watch.sh for that long (the docs' figure is 600 s),
# and takes the lab down. Needs release builds (swift build -c release).
# Usage: Benchmarks/lab-bench.sh [--pods N] [--quiet SECONDS] > lab-bench.out
#        scripts/bench-docs --lab lab-bench.out
set -euo pipefail
cd "$(dirname "$0")/.."
PODS=10000
QUIET=0
while [ $# -gt 0 ]; do
  case "$1" in
    --pods) PODS=${2:?--pods needs a number}; shift 2 ;;
    --quiet) QUIET=${2:?--quiet needs seconds}; shift 2 ;;
    *) echo "lab-bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
BIN=$(readlink -f .build/release/chaostui)
BENCH=$(readlink -f .build/release/chaostui-bench)
if [ ! -x "$BIN" ] || [ ! -x "$BENCH" ]; then
  echo "lab-bench: build first: swift build -c release" >&2
  exit 2
fi
source lab/lib.sh
lab/up --pods "$PODS" >&2
trap 'lab/down >&2 || true' EXIT
echo "lab-bench: $(date -u +%Y-%m-%d), $(nproc) cores, $PODS extra pods, kubectl $(kubectl version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"
for _ in 1 2 3 4 5; do "$BENCH" --kubeconfig "$KUBECONFIG_FILE"; done
python3 - "$KUBECONFIG_FILE" <<'PY'
import resource, subprocess, sys, time
t0 = time.monotonic()
out = subprocess.run(["kubectl", "--kubeconfig", sys.argv[1], "--context", "admin", "get", "pods", "-A", "--no-headers"],
                     check=True, capture_output=True).stdout
took = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
n = out.count(b'\n')
print(f"kubectl get pods -A: {n} pods in {took:.2f} s, peak RSS {rss:.0f} MiB")
PY
SOCK=$(mktemp -u)
tmux -u -S "$SOCK" new-session -d -s r -x 200 -y 60 "env LANG=C.UTF-8 TERM=tmux-256color $BIN --kubeconfig $KUBECONFIG_FILE -A --read-only --no-record"
sleep 20
pid=$(tmux -S "$SOCK" display -p -t r '#{pane_pid}')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
tmux -S "$SOCK" kill-server
echo "chaostui watching all namespaces for 20 s: RSS $((rss / 1024)) MiB, peak $((peak / 1024)) MiB"
Benchmarks/watch-latency.sh "$BIN" 20
if [ "$QUIET" -gt 0 ]; then Benchmarks/quiet-watch.sh "$BIN" "$QUIET"; fi
