#!/usr/bin/env bash
# A quiet namespace (the lab's `quiet`, where nothing happens once its pods run), watched by chaostui
# for DURATION seconds: counts from chaostui's log the lists, relists and watch requests per kind and
# the watches lost, and samples the screen's header every second for "disconnected". On a healthy
# quiet cluster: one list per kind, no relist, no disconnected, and watch requests only when the
# server ends a watch at its timeoutSeconds (5 to 10 minutes).
# Usage (lab up): Benchmarks/quiet-watch.sh [chaostui] [seconds, default 600]
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lib.sh
BIN=$(readlink -f "${1:-.build/release/chaostui}")
DURATION=${2:-600}
LOG=$(mktemp)
SOCK=$(mktemp -u)
tmux -u -S "$SOCK" new-session -d -s q -x 200 -y 60 \
  "env LANG=C.UTF-8 TERM=tmux-256color $BIN --kubeconfig $KUBECONFIG_FILE -n quiet --log $LOG"
trap 'tmux -S "$SOCK" kill-server 2>/dev/null || true; rm -f "$LOG"' EXIT
flashes=0
for ((i = 0; i < DURATION; i++)); do
  sleep 1
  if tmux -S "$SOCK" capture-pane -p -t q | head -1 | grep -q disconnected; then flashes=$((flashes + 1)); fi
done
tmux -S "$SOCK" send-keys -t q q
sleep 1
kinds() { grep -oE "Z [a-z]+: $1" "$LOG" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//'; }
lists=$(grep -cE '[a-z]+: listed [0-9]+' "$LOG" || true)
relists=$(grep -c '410 Gone' "$LOG" || true)
watches=$(grep -cE '[a-z]+: watching from' "$LOG" || true)
lost=$(grep -cE 'watch lost' "$LOG" || true)
failures=$(grep -cE 'retrying in' "$LOG" || true)
echo "quiet namespace for $DURATION s: lists $lists ($(kinds 'listed')), relists $relists, watch requests $watches ($(kinds 'watching')), watches lost $lost, failed requests $failures, header 'disconnected' in $flashes of $DURATION one-second samples"
