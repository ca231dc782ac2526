# shellcheck shell=bash
# Sourced by Tests/e2e/run.sh (its helpers: start, keys, check, wait_for, ok, bad, $T, $WORK, $BIN).
# 17. The team: two demo consoles share the safety lever (a file in their state folder); the first
# engages it, the second's running fault is set back within 2 s and its fault keys refuse with the
# reason; release; a note; a production context.
TEAM="$WORK/team"
mkdir -p "$TEAM"
screen2() { $T capture-pane -p -t team2 2>/dev/null; }
# wait2 REGEX SECONDS: true once the second console's screen matches.
wait2() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -le $deadline ]; do
    screen2 | grep -Eq -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
check2() {
  if wait2 "$2" "$3"; then ok "$1"; else bad "$1 (waited $3s for /$2/ on the second console)"; screen2 | sed 's/^/  2| /'; fi
}
start 100 30 env XDG_STATE_HOME="$TEAM" USER=alice "$BIN" --demo --speed 2 --record "$TEAM/alice.jsonl"
check "team: the first console starts" 'postgres-1 .*replica' 10
# An observer follows the first console's session from its journal, in a third window.
$T kill-session -t team3 2>/dev/null
$T new-session -d -s team3 -x 100 -y 30 "env LANG=C.UTF-8 TERM=tmux-256color '$BIN' follow '$TEAM/alice.jsonl'"
screen3() { $T capture-pane -p -t team3 2>/dev/null; }
$T kill-session -t team2 2>/dev/null
$T new-session -d -s team2 -x 100 -y 30 \
  "env XDG_STATE_HOME='$TEAM' USER=bob LANG=C.UTF-8 TERM=tmux-256color '$BIN' --demo --speed 2 --no-record"
check2 "team: the second console starts" 'postgres-1 .*replica' 10
# Key by key, each answer waited for (a loaded machine takes its time to draw).
delay2() {
  $T send-keys -t team2 f
  wait2 'Inject a fault' 5
  $T send-keys -t team2 d
  wait2 'Confirm: Network delay' 5
  $T send-keys -t team2 y
}
$T send-keys -t team2 / flask-7c9d8f5b6d-2pxzf Enter
wait2 'filter /flask-7c9d8f5b6d-2pxzf' 5
delay2
check2 "... the second console injects a network delay" '1 FAULT ACTIVE' 5
keys L
check "L asks to engage the lever, with a reason" 'Engage the safety lever\?' 3
keys "DR dashboard red"
t0=$(date +%s%N)
keys Enter
if wait2 'network-delay #1 aborted' 5; then
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  if [ "$ms" -le 2000 ]; then ok "... the second console's fault is set back ${ms} ms after the lever (<= 2000)"; else bad "... the second console's fault is set back within 2 s (took ${ms} ms)"; fi
else
  bad "... the second console's fault is set back (not within 5 s)"
fi
check2 "... its header says who, when and why" 'SAFETY LEVER ENGAGED by alice@[^ ]+ at [0-9:]+Z: DR dashboard red' 3
check "... and the first console's too" 'SAFETY LEVER ENGAGED by alice@' 3
delay2
check2 "... the second console's fault keys refuse with the reason" 'Fault refused: the safety lever is engaged by alice@[^ ]+ \(DR dashboard red\)' 3
$T send-keys -t team2 L
check2 "... the second console may release it (asks)" 'Release the safety lever\?' 3
$T send-keys -t team2 "all green" Enter
check "... released: the first console says by whom" 'safety lever released by bob@[^ ]+ at [0-9:]+Z: all green' 3
wait2 'safety lever released by bob@' 5
delay2
check2 "... faults start again" '1 FAULT ACTIVE' 5
keys m "action: ask the DB team about failover alerts" Enter
check "m keeps a note in the timeline" 'note \(alice@[^)]+\): action: ask the DB team' 3
if screen3 | grep -q 'FOLLOWING  lag'; then ok "follow: the observer's header says FOLLOWING with the lag"; else bad "follow header"; screen3 | sed 's/^/  3| /'; fi
deadline=$((SECONDS + 3)); until screen3 | grep -Eq 'note \(alice@[^)]+\): action: ask' || [ $SECONDS -gt $deadline ]; do sleep 0.05; done
if screen3 | grep -Eq 'note \(alice@[^)]+\): action: ask'; then ok "... it shows the lever's moves and the note"; else bad "follow shows the note"; screen3 | sed 's/^/  3| /'; fi
keys Escape f k
wait_for 'Confirm: Pod kill' 3
t0=$(date +%s%N)
keys y
deadline=$((SECONDS + 5)); until screen3 | grep -Eq '#1 pod-kill' || [ $SECONDS -gt $deadline ]; do sleep 0.02; done
ms=$((($(date +%s%N) - t0) / 1000000))
if screen3 | grep -Eq '#1 pod-kill' && [ "$ms" -le 1500 ]; then ok "... the first console's incident shows in the observer's ${ms} ms after y (<= 1500)"; else bad "follower shows the incident within 1.5 s (${ms} ms)"; screen3 | sed 's/^/  3| /'; fi
$T send-keys -t team3 f
sleep 0.3
if screen3 | grep -q 'fault is disabled: following'; then ok "... its fault keys are greyed with the reason"; else bad "follower read-only"; screen3 | tail -2 | sed 's/^/  3| /'; fi
$T kill-session -t team3
$T kill-session -t team2
keys q
check "team: quits" 'EXIT=0' 10

# A production context (the config file's patterns; the demo's context is "demo").
mkdir -p "$WORK/prod"
printf 'production: {contexts: [dem*], read-only: true}\n' >"$WORK/prod/config.yaml"
start 80 24 env XDG_STATE_HOME="$TEAM" "$BIN" --demo --no-record --config "$WORK/prod/config.yaml"
check "production: the header says PRODUCTION and read-only" 'PRODUCTION .*READ-ONLY|PRODUCTION  READ-ONLY' 10
keys f
check "... fault keys are disabled with the reason" 'fault is disabled: context demo is production \(config production.contexts dem' 3
keys q
check "... quits" 'EXIT=0' 10
start 80 24 "$BIN" run experiments/kill-postgres-primary.yaml --demo --no-record --config "$WORK/prod/config.yaml"
check "production: run refuses without --allow-prod" 'chaostui run: context demo is production.*EXIT=2|EXIT=2' 20
start 80 24 env XDG_STATE_HOME="$TEAM" "$BIN" --demo --no-record --config "$WORK/prod/config.yaml" --allow-prod
check "production with --allow-prod: starts" 'postgres-1 .*replica' 10
keys / flask-7c9d8f5b6d-2pxzf Enter f d y
check "... a fault asks for the context's name" 'Type the context.s name to go on' 3
keys d e m Enter
check "... a wrong name does nothing" "Not done: that is not this context.s name \(demo\)" 3
keys f d y d e m o Enter
check "... the right name injects" 'Injected Network delay on flask' 5
keys '!' q
check "... quits" 'EXIT=0' 10

# Stop signals: a go/no-go URL (Cerberus-style, served from a file by python's http.server) says
# False: the running fault is set back, new ones refused, a run vetoed; True again: go.
mkdir -p "$WORK/gonogo"
echo True >"$WORK/gonogo/signal"
( cd "$WORK/gonogo" && exec python3 -u -m http.server 0 --bind 127.0.0.1 >"$WORK/gonogo/out" 2>&1 ) &
gonogo_pid=$!
deadline=$((SECONDS + 5)); until grep -q 'port [0-9]' "$WORK/gonogo/out" 2>/dev/null || [ $SECONDS -gt $deadline ]; do sleep 0.1; done
GPORT=$(grep -Eo 'port [0-9]+' "$WORK/gonogo/out" | head -1 | cut -d' ' -f2)
printf 'stop-signals: {go-no-go: "http://127.0.0.1:%s/signal", every: 1s}\n' "$GPORT" >"$WORK/gonogo/config.yaml"
start 100 30 env XDG_STATE_HOME="$TEAM" "$BIN" --demo --speed 2 --no-record --config "$WORK/gonogo/config.yaml"
check "go/no-go: the console starts" 'postgres-1 .*replica' 10
keys / flask-7c9d8f5b6d-2pxzf Enter f d y
check "... a fault starts while the URL says True" '1 FAULT ACTIVE' 5
echo False >"$WORK/gonogo/signal"
check "... the URL says False: the header says stop, with the signal" 'STOP stop signal go/no-go http://127.0.0.1:[0-9]+/signal: says False \(no-go\)' 5
check "... and the fault is set back" 'network-delay #1 aborted' 3
keys f d y
check "... new faults are refused with the reason" 'Fault refused: stop signal go/no-go' 3
echo True >"$WORK/gonogo/signal"
check "... True again: go" 'stop signal go/no-go http://127.0.0.1:[0-9]+/signal: go again' 5
keys q
check "... quits" 'EXIT=0' 10
echo False >"$WORK/gonogo/signal"
start 100 30 "$BIN" run experiments/kill-postgres-primary.yaml --demo --no-record --config "$WORK/gonogo/config.yaml"
check "go/no-go: False vetoes chaostui run, with the reason" 'not run.*stop signal go/no-go|stop signal go/no-go.*says False' 30
kill "$gonogo_pid" 2>/dev/null
wait "$gonogo_pid" 2>/dev/null

# Events out: a webhook and Grafana annotations received by a local receiver, with their bodies.
# The receiver stops when its standard input closes: a fifo held open here until the end.
mkfifo "$WORK/receiver.in"
python3 -u Tests/EventsTests/Fixtures/receiver.py <"$WORK/receiver.in" >"$WORK/receiver.port" 2>/dev/null &
receiver_pid=$!
exec 8>"$WORK/receiver.in"
deadline=$((SECONDS + 5)); until [ -s "$WORK/receiver.port" ] || [ $SECONDS -gt $deadline ]; do sleep 0.1; done
RPORT=$(head -1 "$WORK/receiver.port")
printf 'events:\n  webhook: http://127.0.0.1:%s/hook/T0/SECRET\n  grafana: {url: "http://127.0.0.1:%s", tags: [e2e]}\n' "$RPORT" "$RPORT" >"$WORK/events.yaml"
start 100 30 env XDG_STATE_HOME="$TEAM" "$BIN" --demo --speed 4 --no-record --config "$WORK/events.yaml"
check "events: the console starts" 'postgres-1 .*replica' 10
keys f k y
check "... a pod kill recovers" '#1 recovered: TTD' 20
seen() { python3 -c "import json,urllib.request; print(json.dumps(json.load(urllib.request.urlopen('http://127.0.0.1:$RPORT/seen'))))"; }
deadline=$((SECONDS + 5)); until seen | grep -q 'recovered' || [ $SECONDS -gt $deadline ]; do sleep 0.2; done
out=$(seen)
if echo "$out" | grep -q '"path": "/hook/T0/SECRET"' && echo "$out" | grep -q '"text": "chaostui \[demo\] injected pod-kill'; then ok "... the webhook got the injection with a Slack-compatible text"; else bad "webhook body: $out"; fi
if echo "$out" | grep -q '"event": "detected"' && echo "$out" | grep -q '"event": "recovered"'; then ok "... and the detection and the recovery"; else bad "webhook detection and recovery: $out"; fi
if echo "$out" | grep -q '"path": "/api/annotations"' && echo "$out" | grep -q '"tags": \["chaostui", "injected", "demo", "e2e"\]'; then ok "... Grafana got annotations with their tags"; else bad "grafana annotation: $out"; fi
keys a
check "... the alerts pane shows each target's state, the webhook's secret path hidden" "webhook http://127.0.0.1:$RPORT: sent" 5
if screen | grep -q SECRET; then bad "the webhook's path is on screen"; else ok "... its secret path is never on screen"; fi
keys q
check "events: quits" 'EXIT=0' 10
exec 8>&-
wait "$receiver_pid" 2>/dev/null

# The weeks after: chaostui history over the journal the first console wrote.
start 120 40 "$BIN" history "$TEAM/alice.jsonl" --html "$WORK/history.html"
check "history: writes the HTML" 'history: .*history.html' 15
if [ "$(stat -c %a "$WORK/history.html")" = 600 ] && grep -q '<svg' "$WORK/history.html"; then ok "... private (0600), with its trend charts"; else bad "history html"; fi
start 160 50 "$BIN" history "$TEAM" /nonexistent
check "... Markdown by week on the terminal, a missing path named" 'no such file or folder' 15
check "... with the incidents by SEV level" 'Incidents by SEV level' 3
