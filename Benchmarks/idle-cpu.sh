#!/usr/bin/env bash
# Idle cost of the real binary: 200 pods, no keys, 1 Hz metrics, for SECONDS (default 30) in tmux
# at 200x60. Prints the CPU time used as a share of one core, and the RSS.
# Usage: Benchmarks/idle-cpu.sh [path/to/chaostui] [seconds] [extra pods]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(readlink -f "${1:-.build/release/chaostui}")
SECS=${2:-30}
EXTRA=${3:-191}
SOCK=$(mktemp -u)
tmux -u -S "$SOCK" new-session -d -s idle -x 200 -y 60 "env LANG=C.UTF-8 TERM=tmux-256color $BIN --demo --pods $EXTRA"
trap 'tmux -S "$SOCK" kill-server 2>/dev/null || true' EXIT
sleep 3
PID=$(pgrep -f "^$BIN --demo --pods $EXTRA$" | head -1)
tick=$(getconf CLK_TCK)
read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$PID/stat")
sleep "$SECS"
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$PID/stat")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
pods=$((EXTRA + 9))
awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v t="$tick" -v secs="$SECS" -v rss="$rss" -v pods="$pods" \
  'BEGIN { printf "idle: %d pods, %ds: %.2f%% of one core (user %.2fs, sys %.2fs), RSS %.1f MiB\n", pods, secs, 100 * (u + s) / t / secs, u / t, s / t, rss / 1024 }'
