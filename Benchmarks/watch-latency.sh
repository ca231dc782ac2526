#!/usr/bin/env bash
# Watch event to screen: with the lab up, chaostui watching pipeline in tmux, relabel a pod with
# kubectl (role=wN, shown in the ROLE column) and time from kubectl's return to the first screen
# capture that shows it (captures every ~5 ms). Usage: Benchmarks/watch-latency.sh [chaostui] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lib.sh
BIN=$(readlink -f "${1:-.build/release/chaostui}")
ROUNDS=${2:-10}
SOCK=$(mktemp -u)
tmux -u -S "$SOCK" new-session -d -s w -x 200 -y 60 "env LANG=C.UTF-8 TERM=tmux-256color $BIN --kubeconfig $KUBECONFIG_FILE -n pipeline"
trap 'tmux -S "$SOCK" kill-server 2>/dev/null || true' EXIT
sleep 4
pod=spark-worker-0
total=0
worst=0
for n in $(seq 1 "$ROUNDS"); do
  kc -n pipeline label pod "$pod" --overwrite "role=w$n" >/dev/null
  t0=$(date +%s%N)
  until tmux -S "$SOCK" capture-pane -p -t w | grep -q " w$n "; do
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || { echo "round $n: not seen in 5 s"; exit 1; }
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  total=$((total + ms))
  [ $ms -gt $worst ] && worst=$ms
done
kc -n pipeline label pod "$pod" role- >/dev/null
echo "watch event to screen: mean $((total / ROUNDS)) ms, worst $worst ms over $ROUNDS rounds (includes tmux capture)"
