# shellcheck shell=bash
# Several clusters in one session, against two real control planes: the lab's, and a second one
# beside it (its own etcd, other ports, no monitoring, no Postgres operator in pipeline: a standby
# whose roles the test sets, as a DR runbook would). Sourced by cluster.sh.
# - A context whose user may not list pods (the standby's developer, -A) is greyed in RBAC's words
#   in its badge while the first context's pods show and take a fault.
# - A failover game day: the primary's Postgres primary killed in context a, the standby's promoted
#   in context b: one incident, detected when no context serves, recovered when the standby does.
SB_STATE="$STATE-standby"
SB_API=$((API_PORT + 2000))
SB_ETCD=$((ETCD_PORT + 100))
sb_env=(CHAOSTUI_LAB_STATE="$SB_STATE" CHAOSTUI_LAB_API_PORT="$SB_API" CHAOSTUI_LAB_ETCD_PORT="$SB_ETCD"
  CHAOSTUI_LAB_FAILOVER_NAMESPACES=pipeline-control CHAOSTUI_LAB_COMPONENTS="etcd apiserver controller-manager scheduler kubelet")
sb_down() { env "${sb_env[@]}" "$LAB_DIR/down" --quiet; }
t0=$SECONDS
if out=$(env "${sb_env[@]}" "$LAB_DIR/up" 2>&1); then
  ok "a second control plane beside the first (its own etcd on $SB_ETCD, API on $SB_API) up in $((SECONDS - t0)) s"
else
  bad "a second control plane up" "$out"
  sb_down
  return 0
fi
MK="$STATE/contexts.kubeconfig"
"$LAB_DIR/merge-kubeconfigs" "$MK" "primary=$KUBECONFIG_FILE:admin" "standby=$SB_STATE/kubeconfig:admin,developer"
kb() { kubectl --kubeconfig "$MK" --context standby-admin "$@"; }

# A forbidden second context: greyed in words; the first works.
ct_start "$CT_BIN" --kubeconfig "$MK" --context a=primary-admin --context b=standby-developer -A --lever none
ct_check "a context whose user may not list pods says so in RBAC's words in its badge" \
  ' b forbidden: developer cannot list pods in any namespace \(RBAC\)' 20
ct_check "... while the first context's pods show, each with its context" '│a +pipeline +flask-' 10
if ! ct_screen | grep -Eq '│b +pipeline'; then ok "... and none of the forbidden context's"; else bad "no pods of b" "$(ct_screen)"; fi
victim=$(ct_screen | awk -F'│' '/│a +pipeline +flask-/{split($2, f, " "); print f[3]; exit}')
$CT send-keys -t ct /
$CT send-keys -t ct -l "$victim"
$CT send-keys -t ct Enter f k y
gone_in_a() { # the pod is gone, or on its way
  local d
  d=$(kc -n pipeline get pod "$victim" -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null) || return 0
  [ -n "$d" ]
}
if [ -n "$victim" ] && within 15 gone_in_a; then
  ok "a pod kill on context a's $victim reaches the first cluster"
else bad "a pod kill in context a ($victim)" "$(ct_screen)"; fi
$CT send-keys -t ct q
ct_check "... and the console quits" 'EXIT=0' 10

# A context where the user may list but not make Chaos Mesh resources: its faults greyed in RBAC's
# words, the other context's not.
ct_start "$CT_BIN" --kubeconfig "$MK" --context a=primary-admin --context b=standby-developer -n pipeline --lever none
ct_check "a context with fewer rights shows its pods" '│b +pipeline +flask-' 20
$CT send-keys -t ct / b : Enter f
ct_check "... and greys its faults in RBAC's words" 'Container kill +unavailable: forbidden: standby-developer may not create podchaos' 10
$CT send-keys -t ct Escape / BSpace BSpace a : Enter f
ct_check "... while the same fault in the other context is not greyed" 'Container kill +kill the container; the kubelet restarts it' 10
$CT send-keys -t ct Escape q
ct_check "... and the console quits" 'EXIT=0' 10

# The failover game day.
kb -n pipeline label pod postgres-0 postgres-1 role=replica --overwrite >/dev/null
b_uids=$(kb -n pipeline get pods -l app=postgres -o jsonpath='{.items[*].metadata.uid}')
cat > "$STATE/contexts.yaml" <<YAML
contexts:
  - {name: primary-admin, alias: a, prometheus: "$PROM_URL"}
  - {name: standby-admin, alias: b}
failover:
  - name: postgres
    workloads: [a:pipeline/postgres, b:pipeline/postgres]
YAML
ct_start "$CT_BIN" --kubeconfig "$MK" --config "$STATE/contexts.yaml" -n pipeline --lever none
ct_check "the config's contexts: both clusters' Postgres pods, the standby's all replicas" '│b +pipeline +postgres-1 .* replica' 20
ct_check "context a's own Prometheus (prometheus: in contexts) is read, named with its alias" \
  'ok +a prometheus http://127\.0\.0\.1:[0-9]+' 30
ct_check "... its targets' health in the alerts pane" 'targets: [0-9]+ up, 0 down' 10
$CT send-keys -t ct / p o s t g r e s Enter
$CT send-keys -t ct f p y
ct_check "the kill of a's primary is detected when no context serves Postgres" \
  '#1 detected after .*postgres served in no context \(a:pipeline/postgres no ready primary; b:pipel' 20
kb -n pipeline label pod postgres-0 role=primary --overwrite >/dev/null
ct_check "the standby promoted in b: one incident across the contexts, recovered, with its TTR" \
  '#1 kill-primary a:postgres-[01] +TTD [0-9.]+s +TTR [0-9.]+s +recovered' 40
ttr=$(ct_screen | grep -Eo '#1 kill-primary a:postgres-[01] +TTD [0-9.]+s +TTR [0-9.]+s' | grep -Eo 'TTR [0-9.]+' | cut -d' ' -f2)
if [ -n "$ttr" ] && awk -v t="$ttr" 'BEGIN { exit !(t < 8) }'; then
  ok "... ended by the standby's promotion: TTR $ttr s, before the primary's own operator fails over (8 s)"
else bad "TTR ended by the standby ($ttr)" "$(ct_screen)"; fi
ct_check "... and the promotion on the timeline, with the time since the kill" \
  'primary of b:postgres is now postgres-0 \(was none\) \(failover postgres\), [0-9.]+s after fault #1' 5
if [ "$(kb -n pipeline get pods -l app=postgres -o jsonpath='{.items[*].metadata.uid}')" = "$b_uids" ]; then
  ok "the standby's pods were not touched (the fault went to context a only)"
else bad "the standby's pods untouched" "$(kb -n pipeline get pods -l app=postgres 2>&1)"; fi
$CT send-keys -t ct q
ct_check "... and the console quits" 'EXIT=0' 10
sb_down
