# shellcheck shell=bash
# End-to-end tests of chaostui against the lab's real API server; sourced by lab/test while its lab
# is up (it provides kc, ok, bad, within, ready_pods and the lab variables). Needs the built binary.
CT_BIN=$(readlink -f "${CHAOSTUI_BIN:-$REPO_DIR/.build/debug/chaostui}")
# Sessions are recorded by default: into the lab's state, not the user's.
export XDG_STATE_HOME="$STATE/xdg-state"
if [ ! -x "$CT_BIN" ] || ! command -v tmux >/dev/null; then
  echo "# chaostui not built or tmux missing: skipping chaostui against the lab"
  return 0
fi
CT_SOCK=$(mktemp -u)
CT="tmux -u -S $CT_SOCK"
$CT new-session -d -s keep -x 80 -y 24 "sleep 100000"
ct_screen() { $CT capture-pane -p -t ct 2>/dev/null; }
ct_wait() { # ct_wait REGEX SECONDS
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -le $deadline ]; do ct_screen | grep -Eq -- "$1" && return 0; sleep 0.2; done
  return 1
}
ct_check() { if ct_wait "$2" "$3"; then ok "$1"; else bad "$1 (waited $3s for /$2/)" "$(ct_screen)"; fi; }
ct_start() { # ct_start ARGS...: chaostui in a shell in a 200x60 window
  $CT kill-session -t ct 2>/dev/null
  $CT new-session -d -s ct -x 200 -y 60 "env -u LC_ALL PS1='$ ' LANG=C.UTF-8 TERM=tmux-256color bash --norc --noprofile"
  ct_wait '^\$' 5
  $CT send-keys -t ct "$* ; echo EXIT=\$?" Enter
}
# pods_match: the pods pane shows exactly kubectl's NAMESPACE, NAME, READY and STATUS (all namespaces:
# the pane shows its NAMESPACE column when there is more than one).
pods_view() { ct_screen | awk -F'│' '/│[a-z0-9-]+ +[a-z0-9-]+ +[0-9]+\/[0-9]+ /{print $2}' | awk '{print $1, $2, $3, $4}' | sort; }
pods_kubectl() { kc get pods -A --no-headers | awk '{print $1, $2, $3, $4}' | sort; }
pods_match() { [ "$(pods_view)" = "$(pods_kubectl)" ]; }

# A quiet namespace watched for at least 3 minutes while the other tests run (checked before the API
# server restart below): no "disconnected", one list per kind, no relist, no failed request.
$CT new-session -d -s quiet -x 120 -y 30 "env LANG=C.UTF-8 TERM=tmux-256color $CT_BIN --kubeconfig $KUBECONFIG_FILE -n quiet --log $STATE/quiet.log"
QUIET_START=$SECONDS
: > "$STATE/quiet-flashes"
( while $CT has-session -t quiet 2>/dev/null; do
    $CT capture-pane -p -t quiet 2>/dev/null | head -1 | grep -q disconnected && echo flash >> "$STATE/quiet-flashes"
    sleep 1
  done ) &
QUIET_SAMPLER=$!

ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --log "$STATE/chaostui.log"
ct_check "chaostui connects to the lab" 'ctx admin ns all .* connected' 10
if within 10 pods_match; then ok "the pods pane shows exactly what kubectl get pods -A shows"; else bad "pods pane = kubectl get pods -A" "$(diff <(pods_view) <(pods_kubectl))"; fi
if grep -q 'pods: the list from the watch cache (protobuf)' "$STATE/chaostui.log"; then ok "... read from the server's protobuf list, the same pods"; else bad "the pods' list in protobuf" "$(grep 'pods:' "$STATE/chaostui.log" | head -5)"; fi

victim=$(ct_screen | grep -Eo 'flask-[a-z0-9]+-[a-z0-9]{5}' | head -1)
$CT send-keys -t ct f k y
ct_check "a pod kill from the keys deletes the pod through the API" "$victim +[0-9]/[0-9] +Terminating" 5
if grep -q "audit: context=admin user=admin delete pod pipeline/$victim: 200" "$STATE/chaostui.log"; then ok "the audit log records the deletion"; else bad "audit log" "$(tail -5 "$STATE/chaostui.log")"; fi
ct_check "the real replacement becomes Ready and the incident recovers with a TTR" '#1 pod-kill .*TTR [0-9.]+s +recovered' 30
if within 15 pods_match; then ok "after healing the view matches kubectl again (no ghost pod)"; else bad "view matches after healing" "$(diff <(pods_view) <(pods_kubectl))"; fi

# Kill the Postgres primary from the keys: the promotion shows in the ROLE column.
primary=$(kc -n pipeline get pods -l app=postgres,role=primary -o jsonpath='{.items[0].metadata.name}')
$CT send-keys -t ct / p o s t g r e s Enter
sleep 0.5
$CT send-keys -t ct g f
sleep 0.3
$CT send-keys -t ct p
sleep 0.3
$CT send-keys -t ct y
ct_check "kill primary deletes the primary ($primary) through the API" "$primary +[0-9]/[0-9] +Terminating" 5
other=$([ "$primary" = postgres-0 ] && echo postgres-1 || echo postgres-0)
ct_check "the promoted replica ($other) shows as primary" "$other +2/2 +Running .* primary" 30
$CT send-keys -t ct Escape

# Chaos Mesh faults from the keys: accepted by the real CRD schema, gone after the panic key and after q.
chaos_count() { kc get "$1" -A -l app.kubernetes.io/managed-by=chaostui --no-headers 2>/dev/null | grep -c . ; }
$CT send-keys -t ct / f l a s k Enter
sleep 0.5
$CT send-keys -t ct g f w w d
sleep 0.3
$CT send-keys -t ct y
if within 5 eval '[ "$(chaos_count networkchaos)" -eq 1 ]'; then ok "a NetworkChaos made from the keys is accepted by the real CRD schema"; else bad "NetworkChaos accepted" "$(tail -3 "$STATE/chaostui.log")"; fi
if kc get networkchaos -A -o jsonpath='{.items[0].spec.duration} {.items[0].metadata.labels.chaostui\.io/session}' | grep -Eq '^60s [0-9a-f]{8}$'; then ok "it carries a duration and the session label"; else bad "duration and session label"; fi
$CT send-keys -t ct '!'
if within 5 eval '[ "$(chaos_count networkchaos)" -eq 0 ]'; then ok "the panic key deletes it"; else bad "panic deletes the NetworkChaos"; fi
$CT send-keys -t ct f w w d
sleep 0.3
$CT send-keys -t ct y
within 5 eval '[ "$(chaos_count networkchaos)" -eq 1 ]'
kc delete networkchaos -A -l app.kubernetes.io/managed-by=chaostui >/dev/null
ct_check "a NetworkChaos deleted with kubectl ends its fault in the console (Chaos Mesh informer)" 'network-delay #[0-9]+ deleted in the cluster' 10
$CT send-keys -t ct f w w l
sleep 0.3
$CT send-keys -t ct y
within 5 eval '[ "$(chaos_count networkchaos)" -eq 1 ]'
$CT send-keys -t ct f c
sleep 0.3
$CT send-keys -t ct y
ct_check "a container kill through a PodChaos restarts the container" 'flask-[a-z0-9]+-[a-z0-9]{5} +[01]/1 +[A-Za-z]+ +[1-9] ' 15
# The new Chaos Mesh faults from the keys: each accepted by its real CRD schema; panic and q delete them.
new_fault() { # new_fault KEY PLURAL KIND
  $CT send-keys -t ct f "$1"
  sleep 0.3
  $CT send-keys -t ct y
  if within 5 eval '[ "$(chaos_count '"$2"')" -eq 1 ]'; then ok "$3 made from the keys: accepted by the real CRD schema"; else bad "$3 accepted" "$(grep -E "$2|error" "$STATE/chaostui.log" | tail -3)"; fi
}
new_fault D dnschaos DNSChaos
$CT send-keys -t ct '!'
if within 5 eval '[ "$(chaos_count dnschaos)" -eq 0 ]'; then ok "... the panic key deletes the DNSChaos"; else bad "panic deletes the DNSChaos" "$(kc get dnschaos -A)"; fi
new_fault t timechaos TimeChaos
new_fault i iochaos IOChaos
new_fault h httpchaos HTTPChaos
# The faults added through the fault table: a partition and a bandwidth limit accepted by the real
# NetworkChaos schema, and the emulator acting on each (the flask probe fails, then answers late).
# shellcheck disable=SC2153 # PROBE_PORT comes from lab/lib.sh
probe_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$PROBE_PORT/probe/pipeline/flask"; }
$CT send-keys -t ct '!'
within 5 eval '[ "$(chaos_count networkchaos)" -eq 0 ]'
$CT send-keys -t ct f x
ct_check "the partition's confirmation names the database Flask calls" 'no packets both ways between it and postgres' 5
$CT send-keys -t ct y
if within 5 eval '[ "$(chaos_count networkchaos)" -eq 1 ]' \
  && kc get networkchaos -A -o jsonpath='{.items[0].spec.action} {.items[0].spec.target.selector.labelSelectors.app}' | grep -q '^partition postgres$'; then
  ok "a network partition from the keys: accepted by the real NetworkChaos schema, the peer's pods as its target"
else bad "NetworkChaos partition accepted" "$(grep -E 'networkchaos|error' "$STATE/chaostui.log" | tail -3)"; fi
if within 10 eval '[ "$(probe_code)" = 503 ]'; then ok "... the emulator fails Flask's probe across the cut"; else bad "partition fails the probe" "$(probe_code)"; fi
$CT send-keys -t ct '!'
within 5 eval '[ "$(chaos_count networkchaos)" -eq 0 ]'
$CT send-keys -t ct f b + +
ct_check "the bandwidth limit's confirmation: + narrows the link" 'outgoing traffic at most 64 kbit/s' 5
$CT send-keys -t ct y
if within 5 eval '[ "$(chaos_count networkchaos)" -eq 1 ]' \
  && kc get networkchaos -A -o jsonpath='{.items[0].spec.bandwidth.rate} {.items[0].spec.bandwidth.buffer}' | grep -q '^64kbit 10000$'; then
  ok "a bandwidth limit from the keys: accepted by the real NetworkChaos schema (rate, limit, buffer)"
else bad "NetworkChaos bandwidth accepted" "$(grep -E 'networkchaos|error' "$STATE/chaostui.log" | tail -3)"; fi
# The emulator reads the chaos resources once a second: probe until one answer comes late.
probe_ms() { local t0; t0=$(date +%s%N); curl -s -o /dev/null -m 10 "http://127.0.0.1:$PROBE_PORT/probe/pipeline/flask"; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
late_ms=0
for _ in 1 2 3 4 5 6 7 8; do late_ms=$(probe_ms); [ "$late_ms" -ge 1500 ] && break; sleep 1; done
if [ "$late_ms" -ge 1500 ]; then ok "... the emulator answers Flask's probe late (${late_ms} ms for 16 KB at 64 kbit/s)"; else bad "bandwidth slows the probe" "${late_ms} ms"; fi
$CT send-keys -t ct '!'
within 5 eval '[ "$(chaos_count networkchaos)" -eq 0 ]'
$CT send-keys -t ct f z
ct_check "a zone outage on a real cluster is greyed with its reason (done on the nodes)" 'Zone outage is unavailable: done on the node' 5
$CT send-keys -t ct Escape
# The logs pane reads the container log through the API server from the emulated kubelet: the lines
# kubectl logs prints.
$CT send-keys -t ct l
ct_check "l follows the selected pod's log through the API server" 'Logs flask-[a-z0-9]+-[a-z0-9]{5} .*following' 10
log_pod=$(ct_screen | grep -Eo 'Logs flask-[a-z0-9]+-[a-z0-9]{5}' | head -1 | cut -d' ' -f2)
sleep 2
last_line=$(kc -n pipeline logs --tail=1 "$log_pod" 2>&1)
ct_check "... and shows the line kubectl logs prints ($last_line)" "$(printf '%s' "$last_line" | sed 's/[][\.*^$()|+?{}]/\\&/g')" 5
$CT send-keys -t ct l
$CT send-keys -t ct q
ct_check "q quits" 'EXIT=0' 10
left=0
for plural in networkchaos podchaos timechaos iochaos httpchaos; do left=$((left + $(chaos_count $plural))); done
if [ "$left" -eq 0 ]; then ok "after q nothing chaostui made is left in the cluster (TimeChaos, IOChaos, HTTPChaos too)"; else bad "nothing left after q" "$(kc get networkchaos,podchaos,timechaos,iochaos,httpchaos -A)"; fi
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --log "$STATE/chaostui.log"
ct_check "chaostui reconnects" 'ctx admin ns all .* connected' 10
$CT send-keys -t ct Escape

# metrics.k8s.io (served through the real aggregator): usage in the panes, and its age.
ct_check "pod and workload usage from metrics.k8s.io, with the sample's age" 'Resources ─ CPU / MEM  sample [0-9]+s ago' 25
ct_check "the pods pane shows the pods' CPU and memory" '(flask|postgres|spark)[a-z0-9-]* +[0-9]/[0-9] +Running .* [0-9.]+m +[0-9.]+[MG]i ' 20

# Operations: evict (the real PodDisruptionBudget refuses), scale and cordon (set back by expiry,
# the panic key and q), force delete (asked twice).
within 30 eval '[ "$(ready_pods app=flask | wc -l)" -eq 3 ]'
$CT send-keys -t ct / f l a s k Enter
sleep 0.5
$CT send-keys -t ct g f w w e
sleep 0.3
$CT send-keys -t ct y
ct_check "evicting every flask pod: the budget (minAvailable 2) lets one go and refuses the rest with the API's words" "Evicted 1 of 3; .* refused: Cannot evict pod as it would violate the pod's disruption budget" 5
within 30 eval '[ "$(ready_pods app=flask | wc -l)" -eq 3 ]'
$CT send-keys -t ct Escape / s p a r k - w Enter
sleep 0.5
$CT send-keys -t ct g f s
sleep 0.3
$CT send-keys -t ct '<' '<' '<' y
if within 5 eval '[ "$(kc -n pipeline get sts spark-worker -o jsonpath="{.spec.replicas}")" = 2 ]'; then ok "scale from the keys sets spark-worker to 2 replicas"; else bad "scale to 2"; fi
if kc -n pipeline get sts spark-worker -o jsonpath='{.metadata.annotations.chaostui\.io/restore}' | grep -q '"replicas":3'; then ok "... and notes on the object what to set back"; else bad "restore annotation"; fi
if within 25 eval '[ "$(kc -n pipeline get sts spark-worker -o jsonpath="{.spec.replicas}")" = 3 ]'; then ok "after its 15 s it is set back to 3"; else bad "scale set back on expiry"; fi
if [ -z "$(kc -n pipeline get sts spark-worker -o jsonpath='{.metadata.annotations.chaostui\.io/restore}')" ]; then ok "... and the note is removed"; else bad "restore annotation removed"; fi
node=$(kc -n pipeline get pod spark-worker-0 -o jsonpath='{.spec.nodeName}')
$CT send-keys -t ct Escape / s p a r k - w o r k e r - 0 Enter
sleep 0.5
$CT send-keys -t ct g f n
sleep 0.3
$CT send-keys -t ct y
if within 5 eval 'kc get node "$node" -o jsonpath="{.spec.unschedulable}" | grep -q true'; then ok "cordon from the keys cordons the pod's node ($node)"; else bad "cordon"; fi
ct_check "the nodes table shows it cordoned" "$node +zone-[ab] +Cordoned" 5
$CT send-keys -t ct '!'
if within 5 eval '[ -z "$(kc get node "$node" -o jsonpath="{.spec.unschedulable}")" ]'; then ok "the panic key uncordons it"; else bad "panic uncordons"; fi
victim=$(kc -n pipeline get pods -l app=flask -o jsonpath='{.items[0].metadata.name}')
$CT send-keys -t ct Escape / "$victim" Enter
sleep 0.5
$CT send-keys -t ct g f k - - - - -
sleep 0.3
$CT send-keys -t ct y
ct_check "grace 0 asks a second time" 'Force delete\?' 3
$CT send-keys -t ct F
if within 3 eval '! kc -n pipeline get pod "$victim" >/dev/null 2>&1'; then ok "F force-deletes: the pod is gone from the API at once"; else bad "force delete" "$(kc -n pipeline get pod "$victim")"; fi
if grep -q "delete pod pipeline/$victim grace 0s: 200" "$STATE/chaostui.log"; then ok "the audit log records the force delete"; else bad "audit of force delete"; fi
$CT send-keys -t ct Escape / s p a r k - w Enter
sleep 0.5
$CT send-keys -t ct g f s
sleep 0.3
$CT send-keys -t ct y
within 5 eval '[ "$(kc -n pipeline get sts spark-worker -o jsonpath="{.spec.replicas}")" = 2 ]'
$CT send-keys -t ct q
ct_check "q quits with a scale in force" 'EXIT=0' 10
if [ "$(kc -n pipeline get sts spark-worker -o jsonpath='{.spec.replicas}')" = 3 ]; then ok "... and sets the replicas back on the way out"; else bad "scale undone on q"; fi
# kill -9 leaves a scale behind: the next chaostui sets it back once its time is up.
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --log "$STATE/chaostui.log"
ct_check "chaostui starts again" 'ctx admin ns all .* connected' 10
$CT send-keys -t ct / s p a r k - w Enter
sleep 0.5
$CT send-keys -t ct g f s
sleep 0.3
$CT send-keys -t ct '<' '<' '<' y
within 5 eval '[ "$(kc -n pipeline get sts spark-worker -o jsonpath="{.spec.replicas}")" = 2 ]'
pkill -9 -f "^$CT_BIN " 
ct_wait 'EXIT=137' 5
sleep 16
if [ "$(kc -n pipeline get sts spark-worker -o jsonpath='{.spec.replicas}')" = 2 ]; then ok "after kill -9 the scale is still in force (nothing could undo it)"; else bad "scale left by kill -9"; fi
# A read-only look sends nothing, and says what it would set back.
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --read-only --log "$STATE/readonly.log"
ct_check "a read-only chaostui says a leftover is left alone" 'Leftovers: 1 restore note\(s\) left alone' 10
if grep -q 'leftover: scale statefulsets pipeline/spark-worker back to 3 (session [0-9a-f]*): left alone: read-only session: nothing sent' "$STATE/readonly.log"; then ok "... its audit log says what it would set back, and that nothing was sent"; else bad "read-only leftover audit" "$(grep leftover "$STATE/readonly.log")"; fi
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
if [ "$(kc -n pipeline get sts spark-worker -o jsonpath='{.spec.replicas}')" = 2 ]; then ok "... the scale is still in force after it"; else bad "read-only session changed the scale"; fi
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --log "$STATE/chaostui.log"
ct_check "the next chaostui asks before setting back what your session left" 'Set back what was left\?' 10
ct_check "... and lists it from this machine's record" 'scale statefulsets pipeline/spark-worker back to 3 +\(session' 2
$CT send-keys -t ct y
within 10 eval '[ "$(kc -n pipeline get sts spark-worker -o jsonpath="{.spec.replicas}")" = 3 ]'
if [ "$(kc -n pipeline get sts spark-worker -o jsonpath='{.spec.replicas}')" = 3 ] && [ -z "$(kc -n pipeline get sts spark-worker -o jsonpath='{.metadata.annotations.chaostui\.io/restore}')" ]; then ok "... y: spark-worker is back at 3 replicas, its note removed"; else bad "leftover restored"; fi
if grep -q 'restore leftover of session [0-9a-f]*: PATCH /apis/apps/v1/namespaces/pipeline/statefulsets/spark-worker/scale {"spec":{"replicas":3}} -> 200' "$STATE/chaostui.log"; then ok "... the audit line says what was sent and what came back"; else bad "leftover audit line" "$(grep leftover "$STATE/chaostui.log")"; fi
$CT send-keys -t ct Escape
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
# A restore note planted by someone who may annotate (replicas 0, long expired) on the real flask
# Deployment: a read-only session leaves it untouched, a normal one refuses it (no record backs it).
kc -n pipeline annotate deployment flask --overwrite 'chaostui.io/restore={"replicas":0,"until":0,"session":"x"}' >/dev/null
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --read-only --dry-run --log "$STATE/planted.log"
ct_check "a read-only, dry-run session leaves the planted note alone" 'Leftovers: 1 restore note\(s\) left alone' 10
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --log "$STATE/planted.log"
ct_check "a normal session refuses it" 'Leftovers: 1 restore note\(s\) left alone' 10
if grep -q 'leftover: scale deployments pipeline/flask back (session x): left alone: no record of your sessions on this machine backs it' "$STATE/planted.log"; then ok "... no record of yours backs it, in its audit log"; else bad "planted note audit" "$(grep leftover "$STATE/planted.log")"; fi
if ! ct_screen | grep -q 'Set back what was left'; then ok "... and does not ask to set it back"; else bad "planted note offered" "$(ct_screen)"; fi
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
if [ "$(kc -n pipeline get deployment flask -o jsonpath='{.metadata.annotations.chaostui\.io/restore}')" = '{"replicas":0,"until":0,"session":"x"}' ] && [ "$(kc -n pipeline get deployment flask -o jsonpath='{.spec.replicas}')" != 0 ]; then ok "... flask is untouched (the note as planted, replicas not 0)"; else bad "planted note acted on"; fi
if ! grep -q 'PATCH /apis/apps/v1/namespaces/pipeline/deployments/flask' "$STATE/planted.log"; then ok "... and no PATCH of flask is in either audit log"; else bad "PATCH of flask in the audit log" "$(grep flask "$STATE/planted.log")"; fi
kc -n pipeline annotate deployment flask 'chaostui.io/restore-' >/dev/null
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --log "$STATE/chaostui.log"
ct_check "chaostui starts again" 'ctx admin ns all .* connected' 10

# Prometheus (the lab's, scraping the emulator's cAdvisor metrics): the panes' numbers, a CPU hog
# that the real HPA answers, and Prometheus stopped and started under the console.
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
# A steady-state bound as PromQL (the queries file): Postgres' probe p99 under 150 ms.
cat > "$STATE/queries.yaml" <<'YAML'
steady_state:
  - name: postgres p99 ms
    expr: 1000 * max(quantile_over_time(0.99, probe_duration_seconds{service="postgres"}[30s]))
    max: 150
    service: postgres
YAML
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -n pipeline --prometheus "$PROM_URL" --queries "$STATE/queries.yaml" --log "$STATE/prometheus-run.log"
ct_check "with --prometheus the resources pane shows samples" 'Resources ─ CPU / MEM  sample [0-9]+s ago' 20
ct_check "the network pane shows the blackbox exporter's probes of the services" 'Network ─ p99 < 250ms  sample [0-9]+s ago' 20
ct_check "... Flask's probe latency in milliseconds and its loss" 'flask +[0-9.]+ms +[0-9.]+ms +[0-9.]+%' 10
ct_check "the alerts pane shows the PromQL check passing and every target up" 'ok +postgres p99 ms +[0-9.]+ +<= 150' 20
ct_check "... and Prometheus' targets' health" 'targets: [0-9]+ up, 0 down' 10
if grep -q "prometheus: back-filled [1-9][0-9]* samples" "$STATE/prometheus-run.log"; then ok "the sparklines are back-filled with a range query at start"; else bad "back-fill" "$(grep -i prometheus "$STATE/prometheus-run.log")"; fi
ct_check "the pods pane shows the pods' CPU from Prometheus" 'flask-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running .* [0-9.]+m +[0-9.]+[MG]i ' 20
$CT send-keys -t ct / f l a s k Enter
sleep 0.5
$CT send-keys -t ct g f w w u
sleep 0.3
$CT send-keys -t ct '<' '<' y
ct_check "a CPU hog on every Flask pod raises Flask's CPU (sum of its pods) past 500m" 'flask +cpu [^ ]* +([5-9][0-9][0-9]m|[1-9]\.[0-9]) mem' 60
if within 90 eval '[ "$(kc -n pipeline get hpa flask -o jsonpath="{.status.desiredReplicas}")" -gt 3 ]'; then ok "the real HPA scales Flask out ($(kc -n pipeline get hpa flask -o jsonpath="{.status.desiredReplicas}") replicas)"; else bad "HPA scales out" "$(kc -n pipeline get hpa flask)"; fi
ct_check "the HPA pane shows it" 'flask +min 3 +cur [0-9] +des [4-9]' 20
ct_check "Prometheus' alert on Flask's CPU fires into the timeline and the header" 'alert FlaskCPUHigh firing: Flask uses more than half a core' 60
if ct_screen | head -1 | grep -q '1 ALERT'; then ok "... the header counts it"; else bad "header alert badge" "$(ct_screen | head -1)"; fi
ct_check "... and the alerts pane lists it as firing with its severity" 'FIRING +FlaskCPUHigh warning [0-9]+s' 10
if within 60 eval '[ "$(ct_screen | grep -Ec "flask-[a-z0-9]+-[a-z0-9]{5} +[01]/1")" -gt 3 ]'; then ok "the pods pane shows the new replicas"; else bad "new replicas in the pods pane" "$(ct_screen | grep flask)"; fi
kill "$(cat "$PIDS/prometheus.pid")"
ct_check "Prometheus stopped: the pane says STALE with the last sample's age within one refresh" 'STALE: last sample [0-9]+s ago; prometheus: cannot connect' 8
$CT send-keys -t ct '?'
ct_check "... and the console keeps working (help opens)" 'Help \((j/k scroll, )?Esc closes\)' 3
$CT send-keys -t ct Escape
"$LAB_DIR/up" >/dev/null 2>&1
if within 20 eval '! ct_screen | grep -q STALE'; then ok "Prometheus back: the panes recover"; else bad "recovery after Prometheus returns" "$(ct_screen | head -5)"; fi
ct_check "after the hog the alert resolves in the timeline" 'alert FlaskCPUHigh resolved' 120
if ! ct_screen | head -1 | grep -q 'ALERT'; then ok "... and the header no longer counts it"; else bad "header alert badge cleared" "$(ct_screen | head -1)"; fi
# A network delay from the keys (200 ms, jitter 20 ms, 45 s) on both Postgres pods (steady while
# the HPA moves Flask): the emulator delays what Postgres' probe gets, the blackbox exporter
# measures it, the PromQL check detects the incident (the only thing out of bounds).
$CT send-keys -t ct Escape / p o s t g r e s Enter
sleep 0.5
$CT send-keys -t ct g f w w d
sleep 0.3
$CT send-keys -t ct '<' y
ct_check "a network delay of 200 ms raises Postgres' probe latency in the network pane by about as much" 'postgres +(1[7-9][0-9]|2[0-5][0-9])ms +[0-9.]+ms' 60
ct_check "the PromQL steady-state check detects the incident" 'FAIL postgres p99 ms +[0-9.]+ +<= 150' 30
ct_check "... and the timeline names it as what detected the incident" 'detected after [0-9.]+s: postgres p99 ms [0-9.]+ > 150' 10
ct_check "after the delay ends the latency falls back" 'postgres +[0-9]\.[0-9]ms +[0-9.]+ms' 90
ct_check "... and the incident recovers with a TTR" 'network-delay .*TTR [0-9.ms]+ +recovered' 60
if within 240 eval '[ "$(kc -n pipeline get hpa flask -o jsonpath="{.status.desiredReplicas}")" -eq 3 ]'; then ok "after the hog expires the HPA scales Flask back in to 3"; else bad "HPA scales back in" "$(kc -n pipeline get hpa flask)"; fi
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
# Prometheus over https (a second, empty Prometheus serving TLS with the lab's certificate): verified
# with --prometheus-ca, refused in words without it (the system's CAs do not know the lab's CA).
TLS_PROM_PORT=$((API_PORT + 13))
mkdir -p "$STATE/prometheus-tls"
printf 'tls_server_config: {cert_file: %s, key_file: %s}\n' "$PKI/apiserver.crt" "$PKI/apiserver.key" > "$STATE/prometheus-tls/web.yml"
printf 'global: {scrape_interval: 5s}\n' > "$STATE/prometheus-tls/prometheus.yml"
prometheus --config.file "$STATE/prometheus-tls/prometheus.yml" --web.config.file "$STATE/prometheus-tls/web.yml" \
  --storage.tsdb.path "$STATE/prometheus-tls/data" --web.listen-address "127.0.0.1:$TLS_PROM_PORT" >"$STATE/prometheus-tls/log" 2>&1 &
TLS_PROM_PID=$!
within 20 curl -fsS --cacert "$PKI/ca.crt" "https://127.0.0.1:$TLS_PROM_PORT/-/ready" >/dev/null
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -n pipeline --prometheus "https://127.0.0.1:$TLS_PROM_PORT" --prometheus-ca "$PKI/ca.crt"
ct_check "an https Prometheus verified with --prometheus-ca answers (a round with no series)" 'Resources ─ CPU / MEM  sample [0-9]+s ago' 20
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -n pipeline --prometheus "https://127.0.0.1:$TLS_PROM_PORT"
ct_check "without the CA its certificate is refused, in words" "STALE: no sample yet; prometheus: the server's certificate is not trusted by the s" 20
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
kill "$TLS_PROM_PID" 2>/dev/null
wait "$TLS_PROM_PID" 2>/dev/null
# --scrape: the emulator's cAdvisor endpoint read directly, rates computed here; a URL that is not
# an exposition says so in the pane.
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -n pipeline --scrape "http://127.0.0.1:$CADVISOR_PORT/metrics" --scrape "$PROM_URL/api/v1/status/buildinfo"
ct_check "--scrape of a cAdvisor endpoint gives the pods' CPU (rates between scrapes)" 'flask-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running .* [0-9.]+m +[0-9.]+[MG]i ' 30
ct_check "a scraped URL that answers JSON is named in the pane" 'STALE: scrape .*buildinfo: not a metrics' 15
ct_check "... with the reason on the note's second line" 'Content-Type application/json' 10
ct_check "each scrape's state in the checks pane: what it feeds" "ok +scrape http://127.0.0.1:$CADVISOR_PORT/metrics: feeds" 10
ct_check "... and the error of the one that fails" 'FAIL +scrape .*buildinfo: not a metrics exposition' 5
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
# Experiments against the real control plane (chaostui run): Experiment 2 with the real StatefulSet
# controller and the emulator's failover, beside the control group (pipeline-control); a stop
# condition that aborts a NetworkChaos, nothing chaostui made left behind; Experiment 1 (a
# StressChaos on the Flask pods of zone-b: their readiness probes time out, traffic leaves zone-b).
primary_of() { kc -n "$1" get pods -l app=postgres,role=primary -o jsonpath='{.items[0].metadata.name}'; }
control_primary=$(primary_of pipeline-control)
exp_run() { # exp_run NAME CODE FILE ARGS...: chaostui run against the lab, its exit code and output checked
  local name=$1 code=$2 file=$3 out rc
  shift 3
  out=$(timeout 400 "$CT_BIN" run "$file" --kubeconfig "$KUBECONFIG_FILE" --context admin "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, not $code)" "$(echo "$out" | tail -20)"; fi
  echo "$out" > "$STATE/experiment-$code.out"
}
# The lab's pipeline has been through the faults above while pipeline-control has not: the A/A
# check may find the groups unalike, which is true; here it warns instead of refusing.
warn_copy() { # warn_copy FILE: a copy of the experiment whose A/A check warns
  sed 's/^  control: {namespace: pipeline-control}$/&\n  comparable: {otherwise: warn}/' "$1" > "$STATE/warn-$(basename "$1")"
  echo "$STATE/warn-$(basename "$1")"
}
exp_run "Experiment 2 passes on the lab (the real StatefulSet controller, the emulator's failover)" 0 \
  "$(warn_copy "$REPO_DIR/experiments/kill-postgres-primary.yaml")" --journal "$STATE/experiment2.json" --log "$STATE/experiment2.log"
if grep -q 'hypothesis held: the replica is promoted' "$STATE/experiment-0.out"; then ok "... the replica was promoted"; else bad "promotion held" "$(cat "$STATE/experiment-0.out")"; fi
if [ "$(primary_of pipeline-control)" = "$control_primary" ]; then ok "... and the control group's primary is untouched ($control_primary)"; else bad "control group untouched" "$(kc -n pipeline-control get pods -L role)"; fi
if grep -q '"status" : "completed"' "$STATE/experiment2.json"; then ok "... its journal says completed"; else bad "journal" "$(head -20 "$STATE/experiment2.json")"; fi
# Probes that need no Prometheus on the real control plane: Kubernetes probes read off the
# informers' state, an HTTP probe against a real server (Prometheus' readiness endpoint); then the
# recorded run judged again from its journal with a tighter probe.
cat > "$STATE/probes.yaml" <<YAML
title: Kill the Postgres primary, probed without Prometheus
groups: {experimental: {namespace: pipeline}, control: {namespace: pipeline-control}, comparable: {otherwise: warn}}
probes:
  - {name: postgres keeps a ready pod, k8s: {kind: statefulset, name: postgres, ready-at-least: 1}, mode: on-chaos, every: 1s}
  - {name: every node ready, k8s: {kind: nodes, condition: Ready}}
  - {name: prometheus ready, http: {url: "$PROM_URL/-/ready", status: 200, latency: 2s}, every: 2s}
steady-state:
  probes: [{probe: every node ready}, {probe: prometheus ready}]
method:
  - {fault: kill-primary, target: {workload: postgres}}
  - wait: 5s
hypotheses:
  - recovers-within: 3m
  - probe: postgres keeps a ready pod
  - probe: prometheus ready
YAML
exp_run "k8s and HTTP probes hold on the lab through Experiment 2" 0 "$STATE/probes.yaml" --record "$STATE/probes.jsonl"
if grep -Eq 'hypothesis held: probe postgres keeps a ready pod never fails \([0-9]+ answers, none failed\)' "$STATE/experiment-0.out" \
  && grep -Eq 'hypothesis held: probe prometheus ready never fails \([0-9]+ answers' "$STATE/experiment-0.out"; then
  ok "... each with its answers"
else bad "probes held with answers" "$(grep -E 'probe|verdict' "$STATE/experiment-0.out")"; fi
sed 's/ready-at-least: 1}/ready-at-least: 2}/' "$STATE/probes.yaml" > "$STATE/probes-tight.yaml"
judged=$("$CT_BIN" judge "$STATE/probes.jsonl" --experiment "$STATE/probes-tight.yaml" 2>&1)
if echo "$judged" | grep -Eq 'judged: +failed \(probe postgres keeps a ready pod never fails: postgres keeps a ready pod failing at \+[0-9.]+s: 1 Ready, fewer than 2\)'; then
  ok "chaostui judge on the lab's journal: a tighter probe turns the pass into a fail"
else bad "judge with a tighter probe" "$judged"; fi
# The HPA's scale-in may have left zone-b without a Flask pod (it removes unready pods first): a
# replacement of a zone-a pod goes to zone-b (the Deployment spreads over zones).
flask_in_zone_b() { kc -n pipeline get pods -l app=flask -o wide --no-headers | awk '$2 == "1/1" && $7 == "lab-b1"' | grep -q .; }
if ! flask_in_zone_b; then
  kc -n pipeline delete pod "$(kc -n pipeline get pods -l app=flask -o wide --no-headers | awk '$7 != "lab-b1" {print $1; exit}')" --wait=false >/dev/null
  within 60 flask_in_zone_b || echo "# no Flask pod in zone-b: $(kc -n pipeline get pods -l app=flask -o wide --no-headers)"
fi
exp_run "Experiment 1 passes on the lab (zone-b's Flask starved, its traffic moves to zone-a)" 0 \
  "$(warn_copy "$REPO_DIR/experiments/exhaust-flask-containers.yaml")" --prometheus "$PROM_URL" --log "$STATE/experiment1.log"
if grep -q 'A/A check: the groups' "$STATE/experiment-0.out"; then ok "... the A/A check ran before the method: $(grep -o 'A/A check: the groups [a-z ]*' "$STATE/experiment-0.out" | head -1)"; else bad "A/A check ran" "$(head -20 "$STATE/experiment-0.out")"; fi
if grep -q 'hypothesis held: traffic leaves zone-b (zone-b has 0% of flask' "$STATE/experiment-0.out"; then ok "... the traffic left zone-b"; else bad "traffic left zone-b" "$(cat "$STATE/experiment-0.out")"; fi
if [ "$(chaos_count stresschaos)" -eq 0 ]; then ok "... and its StressChaos is gone"; else bad "StressChaos gone" "$(kc get stresschaos -A)"; fi
if within 60 eval '[ "$(kc -n pipeline get pods -l app=flask --no-headers | grep -c " 1/1 ")" -ge 3 ]'; then ok "... Flask is Ready again in both zones"; else bad "Flask Ready again" "$(kc -n pipeline get pods -o wide)"; fi
cat > "$STATE/stop.yaml" <<'YAML'
title: a network delay past its stop condition
groups: {experimental: {namespace: pipeline}, control: {namespace: pipeline-control}, comparable: {otherwise: warn}}
method:
  - {fault: network-delay, target: {workload: postgres}, mode: all, strength: {delay-ms: 800}, duration: 5m}
hypotheses:
  - recovers-within: 10m
stop-conditions:
  - {service: postgres, figure: p99, max: 500, for: 10s}
YAML
exp_run "a stop condition aborts the experiment on the lab (exit 2)" 2 "$STATE/stop.yaml" --prometheus "$PROM_URL" --log "$STATE/stop.log"
if grep -q 'create networkchaos pipeline/chaostui-' "$STATE/stop.log" && grep -q 'verdict: aborted: stop condition postgres p99 > 500' "$STATE/experiment-2.out"; then ok "... after its NetworkChaos drove Postgres' p99 past 500 ms"; else bad "NetworkChaos made and the stop condition fired" "$(grep -E 'networkchaos|verdict' "$STATE/stop.log" "$STATE/experiment-2.out")"; fi
if [ "$(chaos_count networkchaos)" -eq 0 ] && [ "$(chaos_count stresschaos)" -eq 0 ]; then ok "... and nothing chaostui made is left in the cluster"; else bad "nothing left" "$(kc get networkchaos,stresschaos -A)"; fi

# kube-monkey's labels on the real Flask Deployment drive kills through the real API (chaostui monkey,
# headless; debug mode schedules the kill within the minute, as kube-monkey's does).
kc -n pipeline label deployment flask kube-monkey/enabled=enabled kube-monkey/identifier=flask \
  kube-monkey/mtbf=1d kube-monkey/kill-mode=fixed kube-monkey/kill-value=1 --overwrite >/dev/null
flask_before=$(kc -n pipeline get pods -l app=flask -o jsonpath='{.items[*].metadata.name}')
monkey_out=$(KUBEMONKEY_DRY_RUN=false DEBUG_ENABLED=true DEBUG_FORCE_SHOULD_KILL=true DEBUG_SCHEDULE_IMMEDIATE_KILL=true \
  timeout 200 "$CT_BIN" monkey --kubeconfig "$KUBECONFIG_FILE" --context admin -n pipeline --for 100s \
  --log "$STATE/monkey.log" 2>&1)
echo "$monkey_out" > "$STATE/monkey.out"
if echo "$monkey_out" | grep -Eq 'pipeline/flask: mtbf 1d, fixed 1, 1 planned today'; then ok "chaostui monkey reads kube-monkey's labels from the real Deployment"; else bad "monkey read the labels" "$monkey_out"; fi
if echo "$monkey_out" | grep -Eq 'pipeline/flask: killed 1 of [0-9]+ Running pods'; then ok "... kills one Flask pod on schedule"; else bad "monkey kill" "$monkey_out"; fi
if grep -q 'delete pod pipeline/flask-\|DELETE .*pods/flask-\|pod-kill' "$STATE/monkey.log" && [ "$(kc -n pipeline get pods -l app=flask -o jsonpath='{.items[*].metadata.name}')" != "$flask_before" ]; then ok "... through the API (a Flask pod replaced by the real ReplicaSet controller)"; else bad "monkey kill through the API" "$(tail -5 "$STATE/monkey.log")"; fi
if echo "$monkey_out" | grep -Eq 'incident #[0-9]+ pod-kill flask-.*: recovered in [0-9.]+s'; then ok "... the incident recovers with its TTR"; else bad "monkey incident TTR" "$monkey_out"; fi
if echo "$monkey_out" | grep -Eq 'pipeline/flask: 1 kills, [0-9]+ incidents, MTTR [0-9.]+s, MTBF measured [0-9hms.]+ \(label 1d\)'; then ok "... and the summary measures MTBF beside the label's"; else bad "monkey summary" "$monkey_out"; fi
kc -n pipeline label deployment flask kube-monkey/enabled- kube-monkey/identifier- kube-monkey/mtbf- kube-monkey/kill-mode- kube-monkey/kill-value- >/dev/null

# A session on the record against the real control plane (with Prometheus), killed with -9: its
# journal keeps all but the last second, and replays with no cluster.
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -n pipeline --prometheus "$PROM_URL" --record "$STATE/killed.jsonl"
ct_check "a recorded session against the lab" 'ctx admin ns pipeline .* connected' 10
sleep 10
pkill -9 -f "record $STATE/killed.jsonl"
killed=$(date +%s.%N)
last=$(python3 -c 'import json,sys
t=0
for l in open(sys.argv[1]):
    try: t = max(t, json.loads(l).get("t", 0))
    except ValueError: pass
print(t)' "$STATE/killed.jsonl")
if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) - float(sys.argv[2]) <= 1.5 else 1)" "$killed" "$last"; then
  ok "kill -9 lost at most the last second of the journal (last record $(python3 -c "import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 2))" "$killed" "$last") s before the kill)"
else bad "journal up to the last second" "last record $last, killed $killed"; fi
ct_start "$CT_BIN" replay "$STATE/killed.jsonl" --speed 5
ct_check "... and it replays with no cluster: the pipeline's pods" 'postgres-0 +2/2 +Running' 10
ct_check "... under the REPLAY badge" 'REPLAY +00:00:[0-9]{2}/00:00:[0-9]{2}' 5
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10

ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -A --log "$STATE/chaostui.log"
ct_check "chaostui connects again" 'ctx admin ns all .* connected' 10
$CT send-keys -t ct Escape

# The quiet namespace, watched since the start: at least 3 minutes without an event.
left=$((180 - (SECONDS - QUIET_START)))
[ $left -gt 0 ] && sleep $left
quiet_for=$((SECONDS - QUIET_START))
$CT kill-session -t quiet 2>/dev/null
wait "$QUIET_SAMPLER" 2>/dev/null
flashes=$(wc -l < "$STATE/quiet-flashes")
pods_lists=$(grep -c 'pods: listed' "$STATE/quiet.log")
if [ "$flashes" -eq 0 ]; then ok "a quiet namespace for $quiet_for s: never 'disconnected'"; else bad "quiet namespace never disconnected" "$flashes one-second samples showed it"; fi
if [ "$pods_lists" -eq 1 ] && ! grep -qE '410 Gone|retrying in|watch lost' "$STATE/quiet.log"; then
  ok "... one list of the pods, no relist, no failed request, no watch lost"
else bad "one list, no relist on a quiet namespace" "$(grep -E 'listed|410|retrying|watch lost' "$STATE/quiet.log")"; fi

# The API server restarts under the watch: within 5 s of its return the view matches kubectl.
kill -9 "$(cat "$PIDS/apiserver.pid")"
ct_check "a lost API shows as disconnected" 'disconnected' 15
"$LAB_DIR/up" >/dev/null 2>&1
back=$SECONDS
# Both at once: the view may match (nothing changed) a moment before the watches are back.
connected_and_matching() { ct_screen | head -1 | grep -q ' connected' && pods_match; }
if within 5 connected_and_matching; then ok "within 5 s of the API's return the view matches kubectl again ($((SECONDS - back)) s)"; else bad "view matches within 5 s of the API's return" "$(ct_screen | head -1; diff <(pods_view) <(pods_kubectl))"; fi
$CT send-keys -t ct q
ct_check "q quits cleanly" 'EXIT=0' 5

# The developer (pods, deployments and jobs in pipeline only): Chaos Mesh faults greyed by permission
# checks, pod kill allowed; outside its namespace a clear Forbidden.
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" --context developer --log "$STATE/developer.log"
ct_check "the developer connects to pipeline" 'ctx developer ns pipeline .* connected' 10
sleep 1
$CT send-keys -t ct f
ct_check "the developer sees the Chaos Mesh faults greyed with the reason" 'Network delay +unavailable: forbidden: developer may not' 5
if ct_screen | grep -Eq 'Pod kill +delete the pod'; then ok "the developer may still kill pods"; else bad "developer pod kill allowed" "$(ct_screen)"; fi
$CT send-keys -t ct d
ct_check "pressing a greyed key says why" 'Network delay is unavailable: forbidden' 3
$CT send-keys -t ct Escape q
ct_check "... and quits" 'EXIT=0' 5
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" --context developer -n kube-system
ct_check "outside its namespace the developer gets a clear Forbidden" 'no pods known: forbidden: developer cannot list pods in kube-system \(RBAC\)' 10
$CT send-keys -t ct q

# The team's safety lever through the API: two instances; the lead (pipeline-admin) engages it, the
# other instance's NetworkChaos is deleted within 2 s; a developer reads it but may not move it.
kc -n chaostui-system delete configmap chaostui-lever --ignore-not-found >/dev/null
l2_screen() { $CT capture-pane -p -t lever2 2>/dev/null; }
l2_wait() { local deadline=$((SECONDS + $2)); while [ $SECONDS -le $deadline ]; do l2_screen | grep -Eq -- "$1" && return 0; sleep 0.05; done; return 1; }
$CT kill-session -t lever2 2>/dev/null
$CT new-session -d -s lever2 -x 200 -y 60 "env LANG=C.UTF-8 TERM=tmux-256color $CT_BIN --kubeconfig $KUBECONFIG_FILE --context admin -n pipeline --log $STATE/lever2.log"
if l2_wait 'ctx admin ns pipeline .* connected' 10; then ok "lever: a second instance (admin) connects"; else bad "lever: second instance" "$(l2_screen)"; fi
$CT send-keys -t lever2 / f l a s k Enter
sleep 0.5
$CT send-keys -t lever2 g f w w d
sleep 0.3
$CT send-keys -t lever2 y
if within 5 eval '[ "$(chaos_count networkchaos)" -eq 1 ]'; then ok "... it injects a NetworkChaos"; else bad "lever: second instance injects" "$(l2_screen | tail -3)"; fi
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" --context pipeline-admin --log "$STATE/lever1.log"
ct_check "lever: the lead (pipeline-admin) connects, the lever read" 'ctx pipeline-admin ns pipeline .* connected' 10
$CT send-keys -t ct L
ct_check "... L asks for a reason" 'Engage the safety lever\?' 3
$CT send-keys -t ct "real outage in eu"
t0=$(date +%s%N)
$CT send-keys -t ct Enter
if within 5 eval '[ "$(chaos_count networkchaos)" -eq 0 ]'; then
  ms=$((($(date +%s%N) - t0) / 1000000))
  if [ "$ms" -le 2000 ]; then ok "... the other instance's NetworkChaos is deleted ${ms} ms after the lever (<= 2000)"; else bad "lever undo within 2 s (took ${ms} ms)"; fi
else bad "lever: the other instance's fault is undone" "$(l2_screen | tail -5)"; fi
if [ "$(kc -n chaostui-system get configmap chaostui-lever -o jsonpath='{.data.engaged}/{.data.reason}')" = "true/real outage in eu" ]; then ok "... the lever is the ConfigMap chaostui-system/chaostui-lever"; else bad "lever ConfigMap" "$(kc -n chaostui-system get configmap chaostui-lever -o yaml 2>&1)"; fi
if l2_wait 'SAFETY LEVER ENGAGED by [^ ]+ as pipeline-admin at [0-9:]+Z: real outage in eu' 3; then ok "... the other instance's header says who, when and why"; else bad "lever header" "$(l2_screen | head -1)"; fi
if grep -q "audit: lever engaged at configmap chaostui-system/chaostui-lever" "$STATE/lever1.log"; then ok "... the move is audited"; else bad "lever audit" "$(grep lever "$STATE/lever1.log" | tail -3)"; fi
$CT send-keys -t lever2 f w w d
sleep 0.3
$CT send-keys -t lever2 y
if l2_wait 'Fault refused: the safety lever is engaged by' 3 && [ "$(chaos_count networkchaos)" -eq 0 ]; then ok "... its fault keys refuse with the reason"; else bad "lever refuses" "$(l2_screen | tail -2)"; fi
$CT send-keys -t lever2 q
out=$(timeout 120 "$CT_BIN" run "$REPO_DIR/experiments/postgres-network-delay.yaml" --kubeconfig "$KUBECONFIG_FILE" --context admin --no-record 2>&1)
if echo "$out" | grep -q "the safety lever is engaged by"; then ok "... chaostui run does not start, with the reason"; else bad "run vetoed by the lever" "$(echo "$out" | tail -5)"; fi
# A developer reads it (its header is red too) but may not move it: refused in words.
$CT send-keys -t ct q
ct_wait 'EXIT=0' 5
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" --context developer
ct_check "... the developer sees the lever engaged" 'SAFETY LEVER ENGAGED by' 10
$CT send-keys -t ct L
ct_check "... and may ask to release it" 'Release the safety lever\?' 3
$CT send-keys -t ct Enter
ct_check "... refused in RBAC's words" 'The lever could not be moved: forbidden: developer cannot patch configmaps in chaostui-system \(RBAC\)' 5
$CT send-keys -t ct q
ct_wait 'EXIT=0' 5
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" --context pipeline-admin
ct_wait 'SAFETY LEVER ENGAGED' 10
$CT send-keys -t ct L
ct_wait 'Release the safety lever' 3
$CT send-keys -t ct "all clear" Enter
if within 5 eval '[ "$(kc -n chaostui-system get configmap chaostui-lever -o jsonpath={.data.engaged})" = false ]'; then ok "... the lead releases it"; else bad "lever released"; fi
ct_check "... and the header is back" 'safety lever released by' 5
$CT send-keys -t ct q
ct_wait 'EXIT=0' 5

# Stop signals on the real control plane: an alert firing in the lab's Prometheus (FlaskCPUHigh,
# from a CPU hog) stops an experiment; a go/no-go URL served by a local python server vetoes a start.
cat > "$STATE/alert-stop.yaml" <<YAML
title: CPU hog on Flask, stopped by its alert
groups: {experimental: {namespace: pipeline}}
steady-state: {timeout: 60s}
method:
  - fault: cpu-hog
    target: {workload: flask}
    mode: all
    strength: {cpu-milli: 1500}
    duration: 3m
hypotheses:
  - recovers-within: 5m
stop-conditions:
  - alerts: 'alertname="FlaskCPUHigh"'
YAML
exp_run "an experiment whose alert fires in Prometheus is stopped (exit 2)" 2 "$STATE/alert-stop.yaml" --prometheus "$PROM_URL" --no-record
if grep -q 'stop condition alerts {alertname="FlaskCPUHigh"} firing: alert FlaskCPUHigh firing' "$STATE/experiment-2.out"; then ok "... by its stop condition, with the alert named"; else bad "alert stop condition" "$(tail -8 "$STATE/experiment-2.out")"; fi
if within 10 eval '[ "$(chaos_count stresschaos)" -eq 0 ]'; then ok "... and its StressChaos is gone"; else bad "alert stop leaves nothing"; fi
mkdir -p "$STATE/gonogo"
echo False > "$STATE/gonogo/signal"
( cd "$STATE/gonogo" && exec python3 -u -m http.server 0 --bind 127.0.0.1 > "$STATE/gonogo/out" 2>&1 ) &
gonogo_pid=$!
within 5 grep -q 'port [0-9]' "$STATE/gonogo/out"
GPORT=$(grep -Eo 'port [0-9]+' "$STATE/gonogo/out" | head -1 | cut -d' ' -f2)
printf 'stop-signals: {go-no-go: "http://127.0.0.1:%s/signal", every: 1s}\n' "$GPORT" > "$STATE/gonogo/config.yaml"
exp_run "a go/no-go URL saying False vetoes chaostui run (exit 2)" 2 "$REPO_DIR/experiments/kill-postgres-primary.yaml" --config "$STATE/gonogo/config.yaml" --no-record
if grep -q 'stop signal go/no-go http://127.0.0.1:[0-9]*/signal: says False (no-go)' "$STATE/experiment-2.out"; then ok "... with the signal's words"; else bad "go/no-go veto words" "$(tail -5 "$STATE/experiment-2.out")"; fi
kill "$gonogo_pid" 2>/dev/null
wait "$gonogo_pid" 2>/dev/null

# Events out on the real control plane: a pod kill's injection, detection and recovery reach a
# webhook and Grafana's annotations API (a local receiver), with their bodies.
mkfifo "$STATE/receiver.in"
python3 -u "$REPO_DIR/Tests/EventsTests/Fixtures/receiver.py" < "$STATE/receiver.in" > "$STATE/receiver.port" 2>/dev/null &
receiver_pid=$!
exec 8> "$STATE/receiver.in"
within 5 test -s "$STATE/receiver.port"
RPORT=$(head -1 "$STATE/receiver.port")
printf 'events:\n  webhook: http://127.0.0.1:%s/hook\n  grafana: {url: "http://127.0.0.1:%s", tags: [lab]}\n' "$RPORT" "$RPORT" > "$STATE/events.yaml"
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" --context admin -n pipeline --config "$STATE/events.yaml"
ct_check "events: the console connects with events out" 'ctx admin ns pipeline .* connected' 10
$CT send-keys -t ct / f l a s k Enter
sleep 0.5
$CT send-keys -t ct g f k y
ct_check "... a pod kill recovers" '#[0-9]+ recovered: TTD' 40
seen_events() { python3 -c "import json,urllib.request; print(json.dumps(json.load(urllib.request.urlopen('http://127.0.0.1:$RPORT/seen'))))"; }
within 10 eval 'seen_events | grep -q "\"event\": \"recovered\""'
out=$(seen_events)
if echo "$out" | grep -q '"text": "chaostui \[admin\] injected pod-kill' && echo "$out" | grep -q '"event": "detected"'; then ok "... the webhook got the injection and the detection"; else bad "lab webhook" "$out"; fi
if echo "$out" | grep -q '"path": "/api/annotations"' && echo "$out" | grep -q '"tags": \["chaostui", "recovered", "admin", "lab"\]'; then ok "... and Grafana the annotations, tagged"; else bad "lab grafana" "$out"; fi
$CT send-keys -t ct q
ct_wait 'EXIT=0' 10
exec 8>&-
wait "$receiver_pid" 2>/dev/null

# HTTPS_PROXY and NO_PROXY, as kubectl honours them, through a real proxy (Debian's tinyproxy).
if ! command -v tinyproxy >/dev/null; then
  $([ "$(id -u)" -eq 0 ] || echo sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tinyproxy >/dev/null 2>&1
fi
if command -v tinyproxy >/dev/null; then
  PROXY_PORT=$((API_PORT + 8))
  # tinyproxy drops to nobody: its folder is outside the lab's private state.
  PROXY_DIR=$(mktemp -d) && chmod 755 "$PROXY_DIR" && : > "$PROXY_DIR/proxy.log" && chmod 666 "$PROXY_DIR/proxy.log"
  cat > "$PROXY_DIR/tinyproxy.conf" <<CONF
User nobody
Group nogroup
Port $PROXY_PORT
Listen 127.0.0.1
Timeout 600
LogFile "$PROXY_DIR/proxy.log"
LogLevel Connect
MaxClients 50
Allow 127.0.0.1
ConnectPort $API_PORT
CONF
  tinyproxy -d -c "$PROXY_DIR/tinyproxy.conf" >/dev/null 2>&1 &
  proxy_pid=$!
  within 5 eval "ss -Hltn | grep -q ':$PROXY_PORT\b'"
  ct_start env HTTPS_PROXY=http://127.0.0.1:$PROXY_PORT NO_PROXY= "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -n pipeline
  ct_check "with HTTPS_PROXY chaostui connects through the proxy" 'ctx admin ns pipeline .* connected' 10
  if grep -q "CONNECT.*127.0.0.1:$API_PORT" "$PROXY_DIR/proxy.log"; then ok "... the proxy carried its CONNECTs to the API server"; else bad "the proxy saw the CONNECTs" "$(tail -5 "$PROXY_DIR/proxy.log")"; fi
  $CT send-keys -t ct q
  ct_wait 'EXIT=0' 5
  before=$(grep -c "CONNECT" "$PROXY_DIR/proxy.log")
  ct_start env HTTPS_PROXY=http://127.0.0.1:$PROXY_PORT NO_PROXY=127.0.0.1 "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" -n pipeline
  ct_check "with NO_PROXY naming the server it connects directly" 'ctx admin ns pipeline .* connected' 10
  if [ "$(grep -c "CONNECT" "$PROXY_DIR/proxy.log")" -eq "$before" ]; then ok "... and the proxy saw nothing"; else bad "NO_PROXY bypasses the proxy"; fi
  $CT send-keys -t ct q
  ct_wait 'EXIT=0' 5
  kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null
  rm -rf "$PROXY_DIR"
else
  echo "# tinyproxy not installable: skipping the proxy checks"
fi

# Bad kubeconfigs: a clear message each, and no hang.
ct_start "$CT_BIN" --kubeconfig /nonexistent/kubeconfig
ct_check "a missing kubeconfig says so" 'kubeconfig /nonexistent/kubeconfig: no such file' 5
ct_start "$CT_BIN" --kubeconfig "$KUBECONFIG_FILE" --context prod
ct_check "an unknown context says so, with the contexts there are" 'context "prod" not found in kubeconfig \(contexts: admin' 5
sed "s#server: https://127.0.0.1:$API_PORT#server: https://127.0.0.1:1#" "$KUBECONFIG_FILE" > "$STATE/unreachable.kubeconfig"
ct_start "$CT_BIN" --kubeconfig "$STATE/unreachable.kubeconfig"
ct_check "an unreachable server shows in the header, the console keeps running" 'disconnected: cannot connect to https://127.0.0.1:1' 10
$CT send-keys -t ct q
ct_check "... and quits at once" 'EXIT=0' 5
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other-ca" -keyout "$STATE/other.key" -out "$STATE/other.crt" 2>/dev/null
kubectl --kubeconfig "$KUBECONFIG_FILE" config view --raw --minify --context admin > "$STATE/wrongca.kubeconfig"
kubectl --kubeconfig "$STATE/wrongca.kubeconfig" config set-cluster lab --certificate-authority="$STATE/other.crt" --embed-certs=true >/dev/null
ct_start "$CT_BIN" --kubeconfig "$STATE/wrongca.kubeconfig"
ct_check "a wrong CA shows the certificate is not trusted" "certificate is not trusted" 10
$CT send-keys -t ct q
kubectl --kubeconfig "$KUBECONFIG_FILE" config view --raw --minify --context developer > "$STATE/badtoken.kubeconfig"
kubectl --kubeconfig "$STATE/badtoken.kubeconfig" config set-credentials developer --token=expired-or-revoked >/dev/null
ct_start "$CT_BIN" --kubeconfig "$STATE/badtoken.kubeconfig"
ct_check "a refused token says the server refused the credentials" 'unauthorized: the server refused the credentials of developer' 10
$CT send-keys -t ct q
if ! grep -q "expired-or-revoked" "$STATE/chaostui.log" 2>/dev/null; then ok "no token is written to the log"; else bad "no token in the log"; fi
# shellcheck source=Tests/e2e/incluster.sh
source "$REPO_DIR/Tests/e2e/incluster.sh"
# shellcheck source=Tests/e2e/contexts.sh
source "$REPO_DIR/Tests/e2e/contexts.sh"
$CT kill-server 2>/dev/null
