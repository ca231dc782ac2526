#!/usr/bin/env bash
# End-to-end tests of the real chaostui binary in tmux: keys typed with send-keys, the screen read
# with capture-pane. Usage: Tests/e2e/run.sh [path/to/chaostui]
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${1:-.build/debug/chaostui}
BIN=$(readlink -f "$BIN")
[ -x "$BIN" ] || { echo "e2e: $BIN not built (swift build first)"; exit 2; }
command -v tmux >/dev/null || { echo "e2e: tmux is not installed"; exit 2; }

WORK=$(mktemp -d)
# Sessions are recorded by default: here, not in the user's state folder.
export XDG_STATE_HOME="$WORK/state"
SOCK="$WORK/tmux.sock"
T="tmux -u -S $SOCK"
passed=0
failed=0
trap '$T kill-server 2>/dev/null; rm -rf "$WORK"' EXIT

screen() { $T capture-pane -p -t e2e 2>/dev/null; }
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
bad() {
  failed=$((failed + 1))
  echo "FAIL - $1"
  echo "------ screen ------"; screen | sed 's/^/  | /'; echo "--------------------"
}
# wait_for REGEX SECONDS: true once the screen matches (extended regex).
wait_for() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -le $deadline ]; do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.2
  done
  return 1
}
check() { if wait_for "$2" "$3"; then ok "$1"; else bad "$1 (waited $3s for /$2/)"; fi; }
start() { # start WIDTH HEIGHT ARGS... : chaostui in a shell, so exits and the restored terminal can be read
  local w=$1 h=$2
  shift 2
  $T kill-session -t e2e 2>/dev/null
  $T new-session -d -s e2e -x "$w" -y "$h" "env -u LC_ALL PS1='$ ' LANG=C.UTF-8 TERM=${E2E_TERM:-tmux-256color} bash --norc --noprofile"
  wait_for '^\$' 5 || echo "# (shell prompt not seen)"
  $T send-keys -t e2e "$* ; echo EXIT=\$?" Enter
}
keys() { $T send-keys -t e2e "$@"; }

echo "# chaostui e2e: $BIN"
# A session that lives for the whole run keeps one tmux server up between tests.
$T new-session -d -s keep -x 80 -y 24 "sleep 100000"

# 1. Kill a Flask pod from the keys: Terminating, a replacement that becomes Ready, an incident with an MTTR.
start 120 36 "$BIN" --demo --speed 4 --log "$WORK/chaostui.log"
check "starts on the demo cluster" 'DEMO.*simulated' 10
check "pods pane lists the pipeline" 'postgres-0 .*primary' 5
VICTIM=$(screen | grep -Eo 'flask-[a-z0-9]+-[a-z0-9]{5}' | head -1)
keys f
check "fault menu opens on the selected pod" "Inject a fault" 3
keys k
check "confirmation names the target and the blast radius" "blast radius +1 pod: $VICTIM" 3
keys y
check "the killed pod is Terminating" "$VICTIM +0/1 +Terminating" 3
check "a replacement is created" 'flask-[a-z0-9]+-[a-z0-9]{5} +0/1 +(Pending|ContainerCreating|Running)' 5
check "the replacement becomes Ready" 'flask-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running +0 +[0-9]+s ' 15
check "the incident recovers with a TTR" '#1 pod-kill .*TTD [0-9.]+s +(TTM [0-9.]+s +)?TTR [0-9.]+s +recovered' 20
check "the header shows the session MTTR" 'MTTR [0-9.]+s' 3
if ! screen | grep -Eq "$VICTIM +[0-9]/"; then ok "the killed pod is gone from the pods pane"; else bad "the killed pod is gone from the pods pane"; fi

# 2. CPU hog on every Flask pod: the HPA scales out; the panic key ends the hog; the HPA scales back in.
keys f w w u
check "CPU hog confirmation covers all Flask pods" 'all 3 pods of flask' 3
keys y
check "a fault is active" '1 FAULT ACTIVE' 3
check "the HPA scales Flask out" 'des [4-9] ' 40
check "the new replicas show in the pods pane" 'flask-[a-z0-9]+-[a-z0-9]{5} +[01]/1 +[A-Za-z]+ +0 +[0-9]+s ' 10
keys '!'
check "panic aborts the fault" 'Panic: aborted 1 active fault' 3
check "no fault is active after panic" 'cpu-hog #2 aborted' 5
check "the HPA scales back in to 3" 'cur 3 +des 3 ' 60

# 2b. Operations: eviction against the disruption budget, cordon shown and undone by panic.
keys / f l a s k Enter g f w w e
check "evict confirmation covers the Flask pods" 'each as its budget allows' 3
keys y
check "the budget lets one eviction through and refuses the rest" "Evicted 1 of 3; .*Cannot evict pod as it would violate the pod's disruption budget" 3
keys Escape g f n
check "cordon confirmation names the node" 'target +node node-[ab][12]' 3
keys y
check "the timeline records the cordon" 'injected cordon -> node node-[ab][12]' 5
keys Tab z
check "the nodes table (resources pane zoomed) shows it cordoned" 'node-[ab][12] +zone-[ab] +Cordoned' 5
keys '!'
check "panic uncordons it" 'node-[ab][12] +zone-[ab] +Ready' 5
if ! screen | grep -q 'Cordoned'; then ok "no node is cordoned after panic"; else bad "no node is cordoned after panic"; fi
keys z BTab

# 3. Help, zoom, filter, unknown keys, too-small terminal and resize storms.
keys '?'
check "help lists the keys" 'Inject a fault on the selected pod' 3
keys Escape
keys Tab z
check "zoom shows the focused pane alone" '^┌─ Resources' 3
keys z / p o s t g Enter
check "filter narrows the pods" 'filter /postg' 3
keys Escape F9
check "unknown keys say how to get help" 'press \? for help' 3
$T resize-window -t e2e -x 60 -y 20
check "a terminal smaller than 80x24 gets a message" 'Terminal too small: 60x20' 3
for i in $(seq 1 15); do $T resize-window -t e2e -x $((70 + i * 7)) -y $((20 + i)); done
$T resize-window -t e2e -x 100 -y 30
check "after a resize storm the console is back" 'Pods .* pods' 5
keys q
check "q quits with a summary and exit 0" 'EXIT=0' 5
if screen | grep -q 'incident(s)'; then ok "the session summary is printed on exit"; else bad "the session summary is printed on exit"; fi
if screen | grep -q 'EXIT=0' && ! screen | grep -q '┌─ Pods'; then ok "terminal restored after q"; else bad "terminal restored after q"; fi
if grep -q 'starting: demo' "$WORK/chaostui.log" && grep -q 'inject pod-kill' "$WORK/chaostui.log"; then ok "the log file records the session"; else bad "the log file records the session"; fi

# 4. Signals restore the terminal (SIGTERM, SIGHUP, SIGINT via Ctrl-C).
for sig in TERM HUP; do
  start 100 30 "$BIN" --demo
  wait_for 'DEMO' 10
  pkill -"$sig" -f "^$BIN --demo$"
  code=$([ $sig = TERM ] && echo 143 || echo 129)
  check "SIG$sig exits $code" "EXIT=$code" 5
  if screen | grep -q "EXIT=$code" && ! screen | grep -q '┌─ Pods'; then ok "terminal restored after SIG$sig"; else bad "terminal restored after SIG$sig"; fi
done
start 100 30 "$BIN" --demo
wait_for 'DEMO' 10
keys C-c
check "Ctrl-C quits cleanly" 'EXIT=130' 5

# 5. Terminals and locales: vt100 (no colour), screen, a non-UTF-8 locale, dumb and unknown TERM.
E2E_TERM=vt100 start 100 30 "$BIN" --demo
check "TERM=vt100 runs" 'DEMO.*simulated' 10
keys q
E2E_TERM=screen start 100 30 "$BIN" --demo
check "TERM=screen runs" 'DEMO.*simulated' 10
keys q
start 100 30 env LANG=C LC_ALL=C "$BIN" --demo
check "a non-UTF-8 locale falls back to ASCII borders" '^\+- Pods' 10
if screen | grep -q 'DEMO' && ! screen | grep -q '─'; then ok "no Unicode glyphs in a C locale"; else bad "no Unicode glyphs in a C locale"; fi
keys q
start 100 30 env TERM=dumb "$BIN" --demo
check "TERM=dumb gets a clear message" 'cannot host a full-screen console' 5
start 100 30 env TERM=no-such-term "$BIN" --demo
check "an unknown TERM gets a clear message" 'TERM=no-such-term is unknown' 5

# 6. Bad input: a broken theme file, read-only mode, bad flags.
printf 'theme[main_fg]="#12"\n' > "$WORK/broken.theme"
start 100 30 "$BIN" --demo --theme "$WORK/broken.theme"
check "a broken theme says why and uses the default" 'line 1: main_fg: cannot read colour' 10
keys q
start 100 30 "$BIN" --demo --read-only
check "read-only shows in the header" 'READ-ONLY' 10
keys f
check "fault keys are refused with the reason in read-only mode" 'disabled: read-only mode' 3
keys q
# A source named with --demo is not read, and says so where it stays visible (the checks pane).
start 200 60 "$BIN" --demo --scrape http://127.0.0.1:9/metrics
check "--demo --scrape says the scrape is not read, and why" 'OFF +scrape http://127.0.0.1:9/metrics: not read: the demo makes its own numbers' 10
keys q
start 100 30 "$BIN" --speed 0
check "a bad flag gets a clear message" 'speed must be between' 5
printf 'prometheus:\n  uri: http://prometheus:9090\n' > "$WORK/config.yaml"
start 100 30 "$BIN" --demo --config "$WORK/config.yaml"
check "a config file with a wrong key names it and the keys there are" 'unknown key prometheus.uri \(known: url' 5
# The default config file (XDG_CONFIG_HOME) applies: its theme is used.
mkdir -p "$WORK/xdg/chaostui"
printf 'theme: light\n' > "$WORK/xdg/chaostui/config.yaml"
start 100 30 env XDG_CONFIG_HOME="$WORK/xdg" "$BIN" --demo --log "$WORK/config-run.log"
check "with the default config file (XDG_CONFIG_HOME) the demo starts" 'DEMO' 10
if grep -q "config from $WORK/xdg/chaostui/config.yaml" "$WORK/config-run.log"; then ok "... and reads it"; else bad "the default config file is read"; fi
keys q

# 7. Experiments headless on the demo (`chaostui run`): exit 0 when every hypothesis holds, 1 when
# one fails, 2 when a stop condition aborts it (nothing left injected) or the file is bad.
expect_cmd() { # expect_cmd NAME CODE REGEX COMMAND ARGS...: a chaostui command's exit code and output
  local name=$1 code=$2 regex=$3
  shift 3
  local out rc
  out=$(timeout 120 "$BIN" "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq "$code" ] && echo "$out" | grep -Eq -- "$regex"; then ok "$name"; else bad "$name (exit $rc)"; echo "$out" | tail -8 | sed 's/^/  | /'; fi
}
expect_run() { local name=$1 code=$2 regex=$3; shift 3; expect_cmd "$name" "$code" "$regex" run "$@"; }
expect_run "chaostui run: killing the Postgres primary passes (exit 0), nothing left injected" 0 \
  'faults still active: 0' experiments/kill-postgres-primary.yaml --demo --speed 20 --journal "$WORK/journal.json" --report "$WORK/run-report.md" \
  --record "$WORK/run-session.jsonl"
if grep -q '"status" : "completed"' "$WORK/journal.json" && grep -q 'Verdict: passed' "$WORK/run-report.md"; then
  ok "... with its journal and report"
else bad "journal and report written"; fi
sed 's/unavailable-at-most: {workload: postgres, for: 15s}/unavailable-at-most: {workload: postgres, for: 2s}/' \
  experiments/kill-postgres-primary.yaml > "$WORK/impossible.yaml"
expect_run "an impossible hypothesis fails the run (exit 1)" 1 'hypothesis failed: data unavailable' "$WORK/impossible.yaml" --demo --speed 20
# chaostui judge: the recorded run judged again from its journal alone (no cluster).
expect_judge() { local name=$1 code=$2 regex=$3; shift 3; expect_cmd "$name" "$code" "$regex" judge "$@"; }
expect_judge "chaostui judge with the file the journal kept: the recorded verdict (exit 0)" 0 \
  'the verdict is the same' "$WORK/run-session.jsonl"
expect_judge "chaostui judge with a tighter threshold turns the pass into a fail and says why (exit 1)" 1 \
  'judged:   failed \(data unavailable for at most 15 s: postgres unavailable for [0-9.]+s > 2.0s\)' \
  "$WORK/run-session.jsonl" --experiment "$WORK/impossible.yaml"
expect_judge "... the hypothesis's row shows held then FAILED" 1 'data unavailable for at most 15 s +held +FAILED' \
  "$WORK/run-session.jsonl" --experiment "$WORK/impossible.yaml"
expect_judge "chaostui judge on a file that is not a journal says so (exit 2)" 2 'chaostui judge: ' "$WORK/impossible.yaml"
cat > "$WORK/stop.yaml" <<'YAML'
title: a delay past the stop condition
groups: {experimental: {namespace: pipeline}}
method:
  - {fault: network-delay, target: {workload: postgres}, mode: all, strength: {delay-ms: 800}, duration: 5m}
hypotheses:
  - recovers-within: 10m
stop-conditions:
  - {service: postgres, figure: p99, max: 500, for: 5s}
YAML
expect_run "a stop condition aborts the run (exit 2) and undoes the fault" 2 'faults still active: 0' "$WORK/stop.yaml" --demo --speed 20
printf 'title: bad\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - fault: pod-smash\n    target: {workload: flask}\n' > "$WORK/bad.yaml"
expect_run "a bad experiment file says where and what (exit 2)" 2 'bad.yaml:4: unknown fault pod-smash' "$WORK/bad.yaml" --demo

for f in experiments/*.yaml; do
  expect_run "chaostui run $f passes on the demo (exit 0)" 0 'verdict: passed' "$f" --demo --speed 20
done
expect_run "the verdict carries the tests of control against experimental" 0 \
  'comparison at the verdict: 2 of [0-9]+ figures differ: p50 of postgres higher by \+[0-9]+ ms \[' \
  experiments/postgres-network-delay.yaml --demo --speed 20
expect_run "with no history before the method the A/A check says the groups were not compared" 0 \
  'A/A check: the groups were not compared before the method' experiments/postgres-network-delay.yaml --demo --speed 20
expect_run "without its control group the demo still runs Experiment 2" 0 'verdict: passed' \
  experiments/kill-postgres-primary.yaml --demo --speed 20 --no-control-group

# Probes that need no Prometheus: an HTTP probe against a real server on loopback (python's
# http.server), a Kubernetes probe on the demo's state and a command; the server gone, the steady
# state does not hold and the experiment does not run.
# The sleep holds the server's stdin open (it stops at EOF); its stderr must not hold the caller's pipe
# open for ten minutes after the tests end (scripts/test reads this script through tee).
python3 "$(pwd)/Tests/ProbesTests/Fixtures/probe_server.py" < <(sleep 600 2>/dev/null) > "$WORK/probe-port" &
probe_server=$!
for _ in $(seq 50); do [ -s "$WORK/probe-port" ] && break; sleep 0.1; done
probe_port=$(head -1 "$WORK/probe-port")
cat > "$WORK/probes.yaml" <<YAML
title: Kill the Postgres primary, probed
groups: {experimental: {namespace: pipeline}, control: {namespace: pipeline-control}}
probes:
  - {name: site, http: {url: "http://127.0.0.1:$probe_port/ok", json-path: \$.status, equals: ok, latency: 1s}, every: 2s}
  - {name: postgres keeps a ready pod, k8s: {kind: statefulset, name: postgres, ready-at-least: 1}, mode: on-chaos, every: 1s}
  - {name: true, cmd: {run: ["true"]}, mode: after}
steady-state:
  probes: [{probe: site}, {probe: "true"}]
method:
  - {fault: kill-primary, target: {workload: postgres}}
  - wait: 5s
hypotheses:
  - probe: postgres keeps a ready pod
  - probe: site
stop-conditions:
  - probe: site
YAML
expect_run "HTTP, k8s and command probes hold through Experiment 2 (exit 0)" 0 \
  'hypothesis held: probe site never fails \([0-9]+ answers, none failed\)' "$WORK/probes.yaml" --demo --speed 20
kill "$probe_server" 2>/dev/null
wait "$probe_server" 2>/dev/null
expect_run "... with the server gone the steady state does not hold and it does not run (exit 2)" 2 \
  'not run: not in the steady state after .*probe site failing: no answer: cannot connect' "$WORK/probes.yaml" --demo --speed 20

# An error budget and the harm stop condition on Experiment 2: the budget spent is said at the
# verdict, by incident; a burn rate past its bound stops it.
sed 's/^stop-conditions:$/slo: {name: flask availability, service: flask, target: 99.5%, window: 30d}\n&\n  - harm: {workload: flask, figure: errors, worse-by: 50, looks: 3, over: 30s}/' \
  experiments/kill-postgres-primary.yaml > "$WORK/budget.yaml"
expect_run "an experiment's error budget: spent in all and by incident at the verdict (exit 0)" 0 \
  'error budget of flask availability 99.5% over 30d: [0-9.e-]+% spent \([0-9]+ of [0-9]+ failed requests allowed\); burn rate .*; by incident: #1 ' \
  "$WORK/budget.yaml" --demo --speed 20
sed 's/^stop-conditions:$/&\n  - burn-rate: {fast: 5s, slow: 1m, above: 20}/' "$WORK/budget.yaml" > "$WORK/burn.yaml"
expect_run "... and a burn rate over its bound on both windows stops it (exit 2)" 2 \
  'verdict: aborted: stop condition burn rate over 20x for 5.0s and 1m00s: [0-9.]+x over 5.0s' "$WORK/burn.yaml" --demo --speed 20

# 8. Experiments in the console: the list (x), the question, Experiment 2 beside its control group,
# the hypotheses turning pass, the verdict staying on screen; the zones pane (Z); the namespace (N).
start 200 60 "$BIN" --demo --speed 5 --log "$WORK/experiment.log"
check "the demo shows the experimental group's namespace" 'ns pipeline ' 10
keys x
check "x lists the repository's experiments" 'Kill the Postgres primary +2 steps, 3 hypotheses on pipeline' 3
keys j j Enter
check "Enter asks first, with what the method touches" 'touches 1 pod: postgres-0 \(primary of postgres, 2 pods\)' 3
keys y
check "the experiment pane shows the phase" 'phase (method|observing)' 5
check "control vs experimental side by side" 'postgres +[0-9.]+/[0-9.]+ .*1/2 \(-1\)' 10
check "a hypothesis turns pass with its evidence" '✓ +the replica is promoted +postgres-1 is primary \(was postgres-0\)' 20
check "the verdict stays on screen" 'VERDICT +passed +3/3 held' 40
# Experiment 2 lasts about 30 s: 6 blocks of 5 s a group, or one short of them.
check "the tests are named, with the shift's interval, p, n and the effect (or say the data are too few)" \
  'postgres [a-z0-9]+ +(higher|lower|no difference) +[-+]?[0-9.]+ [a-z% ]*\[[-0-9.]+, [-0-9.]+\] +p [<0-9.]+ +Mann-Whitney U n [0-9]+/[0-9]+ +effect|insufficient data for 20 of 20: 5 blocks of 5 s in a group; 6 needed' 5
check "after the verdict both groups have their Postgres pods Ready" 'postgres +[0-9.]+/[0-9.]+ .* 2/2 ' 5
if grep -q 'experiment: verdict: passed' "$WORK/experiment.log"; then ok "the log records the verdict"; else bad "the log records the verdict"; fi
keys Z
check "Z shows traffic by zone" 'pipeline/flask +zone-a +67%' 5
keys N
check "N shows the control group's namespace" 'ns pipeline-control ' 3
keys q
check "q quits after an experiment" 'EXIT=0' 5

# 9. Experiment 1 from the list at 80x24: the zone-b Flask pod starved, traffic leaves zone-b.
start 80 24 "$BIN" --demo --speed 5
wait_for 'DEMO' 10
keys x j Enter y
check "at 80x24 the experiment pane takes the lower half" 'Experiment: Resource exhaustion' 5
check "at 80x24 the tests' answer is near the top of the pane" 'tests: (waiting for 6 blocks|no difference shown|flask)' 5
check "traffic leaves zone-b (the load balancer routes around the starved pod)" 'traffic leaves zo.* zone-b has 0% of flask' 30
keys '!'
check "the panic key aborts the experiment" 'VERDICT +aborted: panic key' 5
keys q

# 10. A session on the record: a pod kill and a primary kill recorded, then replayed at x10 with no
# cluster: the same incidents with the same TTD and TTR; seek and jumps; bad journals refused.
start 160 48 "$BIN" --demo --speed 5 --record "$WORK/session.jsonl"
wait_for 'DEMO' 10
keys j f k y
check "recorded session: a pod kill recovers" '#1 pod-kill .*TTR [0-9.]+s +recovered' 30
keys / p o s t g Enter g f p y Escape
check "... and a primary kill recovers" '#2 kill-primary .*TTR [0-9.]+s +recovered' 60
live=$(screen | grep -Eo '#[12] [a-z-]+ [a-z0-9-]+ +TTD [0-9.]+s +(TTM [0-9.]+s +)?TTR [0-9.]+s' | sort)
keys q
check "on exit it says where the session was recorded" "session recorded in $WORK/session.jsonl" 5
start 160 48 "$BIN" replay "$WORK/session.jsonl" --speed 10
check "replay shows the REPLAY badge and the position in the recording" 'REPLAY +00:00:[0-9]{2}/00:[0-9]{2}:[0-9]{2}' 5
check "the replay reaches the second incident's recovery" '#2 kill-primary .*TTR [0-9.]+s +recovered' 30
replayed=$(screen | grep -Eo '#[12] [a-z-]+ [a-z0-9-]+ +TTD [0-9.]+s +(TTM [0-9.]+s +)?TTR [0-9.]+s' | sort)
if [ -n "$live" ] && [ "$live" = "$replayed" ]; then ok "the replay's incidents are the session's, TTD and TTR alike"; else bad "same incidents in replay (live: $live; replay: $replayed)"; fi
keys f
check "fault keys are refused in replay, with the reason" 'disabled: replay: a recording cannot be changed' 3
keys Space
check "Space pauses" 'PAUSED' 3
keys '['
check "a seek back a minute goes before the incidents" 'T\+00:00:00' 5
keys n
check "n jumps to the first fault" '#1 pod-kill|#1 detected' 5
keys q
# The report of the recorded session, and its HTML in a real browser (headless Chromium): drawn
# charts (the series' blue in the screenshot), the incidents' figures in the rendered page.
if "$BIN" report "$WORK/session.jsonl" --md "$WORK/report.md" --json "$WORK/report.json" --html "$WORK/report.html" >/dev/null &&
  grep -q '| pipeline/flask |' "$WORK/report.md" && grep -q '"chaostui-report"' "$WORK/report.json"; then
  ok "chaostui report writes Markdown, JSON and HTML"
else bad "report written"; fi
if command -v chromium >/dev/null; then
  timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1800 \
    --screenshot="$WORK/report.png" "file://$WORK/report.html" >/dev/null 2>&1
  blue=$(python3 Tests/e2e/png_colors.py "$WORK/report.png" 0969da 2>/dev/null || echo 0)
  if [ "${blue:-0}" -gt 500 ]; then ok "Chromium draws the report's charts ($blue pixels of the series)"; else bad "charts drawn in Chromium ($blue)"; fi
  timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$WORK/report.html" > "$WORK/report.dom" 2>/dev/null
  mttr=$(grep -o '<b id="mttr">[^<]*' "$WORK/report.html" | sed 's/.*>//')
  if [ "$(grep -c '<svg class="chart"' "$WORK/report.dom")" -ge 4 ] && grep -q "id=\"mttr\">$mttr<" "$WORK/report.dom" && [ "$mttr" != "-" ]; then
    ok "... and the rendered page holds the charts and the session's MTTR ($mttr)"
  else bad "rendered page with charts and MTTR"; fi
else bad "chromium is not installed (scripts/test installs it)"; fi
printf 'not a journal\n' > "$WORK/bad.jsonl"
start 100 30 "$BIN" replay "$WORK/bad.jsonl"
check "a file that is not a journal is refused in words (exit 2)" 'not a chaostui journal.*EXIT=2|EXIT=2' 5
# Cut inside its last line, as a crash would leave it.
head -c $(($(stat -c %s "$WORK/session.jsonl") - 10)) "$WORK/session.jsonl" > "$WORK/cut.jsonl"
start 100 30 "$BIN" replay "$WORK/cut.jsonl" --log "$WORK/cut.log"
check "a journal cut short replays what it has" 'REPLAY' 5
keys q
if grep -q 'journal: the last line was cut short' "$WORK/cut.log"; then ok "... and says its last line was cut short"; else bad "cut journal noted" "$(cat "$WORK/cut.log")"; fi

# 11. Monkey mode: M asks, y starts kube-monkey's schedule from the demo's labels; kills come on it
# and heal (TTR), the measured MTBF appears; the panic key pauses it. Then `chaostui monkey` headless.
start 80 24 "$BIN" --demo --speed 8 --no-record --log "$WORK/monkey.log"
check "monkey: starts" 'DEMO.*simulated' 10
keys M
check "M asks first, naming the opted-in workloads" 'pipeline/flask: mtbf 6h, fixed 1' 3
keys y
check "the schedule shows each workload's next kill" 'pipeline/flask +6h +in ' 5
check "a kill comes on schedule and heals with its TTR" '[0-9.]+s +[0-9hms.]+ ago: killed' 60
check "... and the measured MTBF appears beside the label's" '[0-9]+h[0-9]+m \([0-9]+\)' 30
keys '!'
check "the panic key pauses the monkey" 'PAUSED \(panic key\)' 5
keys M
check "M on its pane resumes it" 'Monkey resumed' 5
keys q
check "quits" 'EXIT=0' 10
if grep -q 'monkey: pipeline/.*: killed' "$WORK/monkey.log"; then ok "every kill is in the log"; else bad "monkey kills logged"; fi
start 120 40 "$BIN" monkey --demo --speed 20 --for 5m --no-record
check "chaostui monkey prints the day's plan" 'planned [A-Z][a-z]{2} [0-9]{2}:[0-9]{2} +pipeline/' 15
check "... each kill and its incident's TTR, then a summary with MTBF" 'MTBF measured .*\(label 6h\)' 60
printf '[kubemonkey]\nrun_hour = 25\n' > "$WORK/km.toml"
start 120 30 "$BIN" monkey --demo --monkey-config "$WORK/km.toml"
check "a bad kube-monkey config is refused in words (exit 2)" 'km.toml:2: kubemonkey.run_hour must be a whole number in 0...23' 10

# 12. The logs pane follows a Postgres replica through a failover: the primary killed from the
# fault menu, the replica loses its WAL stream and is promoted, in its own log.
start 120 40 "$BIN" --demo --speed 4 --no-record
check "logs: starts" 'postgres-1 .*replica' 10
keys / postgres-1 Enter
keys l
check "l follows the selected pod's log" 'Logs postgres-1 .*following \(demo\)' 5
check "... its history first" 'started streaming WAL from primary' 5
keys f
check "fault menu" 'Inject a fault' 3
keys p
check "kill-primary asks" 'blast radius' 3
keys y
check "the fault's row marks when it was injected" '── fault #1 kill-primary injected' 10
check "the replica loses its WAL stream" 'could not receive data from WAL stream' 20
check "... then is promoted (in red: FATAL above it)" 'received promote request' 30
keys / promote Enter
check "search keeps the matching lines" '/promote' 3
keys Escape w
check "w wraps long lines" 'wrap' 3
keys c
check "c shows the other container" 'Logs postgres-1/exporter' 5
keys q
check "quits" 'EXIT=0' 10

# 13. The new faults from the keys on the demo: DNS errors and HTTP abort raise Flask's errors, clock
# skew on the Postgres replica takes it out of Ready, IO latency raises Postgres' p99; panic ends each.
start 200 60 "$BIN" --demo --speed 4 --no-record
check "new faults: starts" 'postgres-1 .*replica' 10
inject() { # inject FILTER KEY TITLE
  keys Escape / "$1" Enter f
  wait_for 'Inject a fault' 3
  keys "$2"
  wait_for 'Confirm: ' 3
  keys y
  check "$3 injected from the keys" "Injected $3" 5
}
inject flask-7c9d8f5b6d-2pxzf D "DNS errors"
check "... Flask's errors rise, detected as an incident" 'detected after .*flask errors [1-9][0-9.]*% > 1%' 10
keys '!'
check "panic ends it" 'aborted|ended' 5
inject postgres-1 t "Clock skew"
check "... the skewed replica leaves Ready (replication stops)" 'replication lag check: clock skew' 30
keys '!'
inject postgres-0 i "IO latency"
check "... Postgres queries slow down: its p99 in the network pane past 300 ms" 'postgres +[0-9.]+ms +([3-9][0-9]{2}|[0-9]{4,})ms' 20
keys '!'
inject flask-7c9d8f5b6d-2pxzf h "HTTP abort"
check "... the aborted requests are Flask errors" 'detected after .*flask errors [1-9][0-9.]*% > 1%' 10
keys '!' q
check "quits with nothing left" 'EXIT=0' 10

# 14. Node faults and capacity on the demo: memory pressure makes the kubelet evict the lowest
# priority pod with the reason; the capacity pane shows requests and limits against allocatable;
# a stopped node goes NotReady and its pods are evicted after their toleration; a drain cordons.
start 200 60 "$BIN" --demo --speed 4 --no-record
check "node faults: starts" 'postgres-1 .*replica' 10
keys / spark-worker-0 Enter f P
check "memory pressure asks, naming the node" 'Confirm: Memory pressure' 3
keys y
check "... the kubelet evicts the lowest priority (a Spark worker) with the reason" 'spark-worker-[0-9]: The node was low on resource: memory\. Container spark was using' 20
keys '!' Escape O
check "O shows each node's requests and limits against allocatable" 'node-a1 +[0-9]+ +[0-9]+% +[0-9]+% +[0-9]+% +[0-9]+% +[0-9]+%' 5
check "... and the pods with their QoS class and priority" 'postgres-[01] +Burstable +1000 ' 5
keys O / flask-7c9d8f5b6d-2pxzf Enter f o
check "stop node asks, naming the toleration" 'NotReady: [0-9]+ pods unready, evicted after 30s \(toleration\)' 3
keys y
check "... the node goes NotReady" 'node-[ab][12] .*NotReady' 10
check "... and after the toleration the node controller evicts its pods" 'Marking for deletion Pod pipeline/' 40
keys '!' Escape / flask-7c9d8f5b6d Enter f r
check "drain asks" 'cordoned, its [0-9]+ pods evicted' 3
keys y
check "... it cordons the node and evicts within the budgets" 'Drained node-[ab][12]: evicted [0-9]+ of [0-9]+' 10
keys '!' q
check "quits" 'EXIT=0' 10

# shellcheck source=Tests/e2e/table.sh
source Tests/e2e/table.sh

# shellcheck source=Tests/e2e/team.sh
source Tests/e2e/team.sh

# shellcheck source=Tests/e2e/contexts-demo.sh
source Tests/e2e/contexts-demo.sh

# 15. Hostile cluster content through every command (a scripted fake API server and Prometheus).
# shellcheck source=Tests/e2e/hostile.sh
source Tests/e2e/hostile.sh

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
