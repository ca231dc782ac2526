# shellcheck shell=bash
# chaostui inside the cluster (deploy/), against the lab's real API server; sourced by cluster.sh.
# The manifests are accepted by the server (server-side dry run, nothing created); then a Job of
# chaostui's image, which the lab's emulator runs with the real binary in the in-cluster environment
# (a service account token from the TokenRequest API, the CA, KUBERNETES_SERVICE_HOST/PORT):
# followed live through the pod log API, it passes and the Job completes; the same run under a
# service account that may not delete pods exits 2 with the API's reason.
IC="$STATE/incluster"
mkdir -p "$IC"
ic_clean() {
  kc -n chaostui-system delete job chaostui-lab-run chaostui-lab-denied --ignore-not-found >/dev/null
  kc -n chaostui-system delete pod chaostui-lab-stuck --ignore-not-found --wait=false >/dev/null
  kc -n chaostui-system delete serviceaccount chaostui-lab-viewer --ignore-not-found >/dev/null
  kc -n pipeline delete rolebinding chaostui-lab-viewer --ignore-not-found >/dev/null
  kc -n chaostui-system delete rolebinding chaostui-lab-viewer-lever --ignore-not-found >/dev/null
  kc -n chaostui-system delete configmap chaostui-lab-experiments --ignore-not-found >/dev/null
  kc delete --ignore-not-found -f "$REPO_DIR/deploy/10-serviceaccounts.yaml" -f "$REPO_DIR/deploy/20-rbac-run.yaml" \
    -f "$REPO_DIR/deploy/30-experiments.yaml" >/dev/null 2>&1
}
ic_clean
# deploy/'s CronJobs are batch/v1 (Kubernetes 1.21 and later); a server that serves them only as
# batch/v1beta1 (the lab's 1.20) is given that version, the rest as written.
DEPLOY="$REPO_DIR/deploy"
cronjob_note=""
if ! kc get --raw /apis/batch/v1 2>/dev/null | grep -q '"cronjobs"'; then
  DEPLOY="$IC/deploy"
  rm -rf "$DEPLOY" && cp -r "$REPO_DIR/deploy" "$DEPLOY"
  sed -i 's#^apiVersion: batch/v1$#apiVersion: batch/v1beta1#' "$DEPLOY"/4[12]-cronjob-*.yaml
  cronjob_note=", its CronJobs as batch/v1beta1 for this $(kc get --raw /version 2>/dev/null | grep -o '"gitVersion": *"[^"]*"' | cut -d'"' -f4) server"
fi
out=$(kc apply --dry-run=server -f "$DEPLOY/" 2>&1)
rc=$?
objects=$(grep -c '(server dry run)' <<<"$out")
if [ "$rc" -eq 0 ] && [ "$objects" -eq 16 ]; then
  ok "deploy/: the API server accepts its 16 objects (kubectl apply --dry-run=server$cronjob_note)"
else bad "deploy/ dry run (exit $rc, $objects objects)" "$out"; fi
if ! kc -n chaostui-system get serviceaccount chaostui-run >/dev/null 2>&1; then
  ok "... and creates none of them"
else bad "the dry run created nothing"; fi

# The runner's identity and rights as deploy/ makes them, the examples' ConfigMap, and a short
# experiment beside them; the Job of deploy/ with that experiment.
kc apply -f "$REPO_DIR/deploy/10-serviceaccounts.yaml" -f "$REPO_DIR/deploy/20-rbac-run.yaml" \
  -f "$REPO_DIR/deploy/30-experiments.yaml" >/dev/null
cat > "$IC/flask-pod-kill.yaml" <<'YAML'
title: A Flask pod killed comes back
groups:
  experimental: {namespace: pipeline}
method:
  - fault: pod-kill
    target: {workload: flask}
  - wait: 5s
hypotheses:
  - name: the system recovers
    recovers-within: 60s
YAML
kc -n chaostui-system create configmap chaostui-lab-experiments --from-file="$IC/flask-pod-kill.yaml" \
  --dry-run=client -o yaml | kc apply -f - >/dev/null
lab_job() { # lab_job NAME SERVICEACCOUNT: deploy/'s Job, renamed, on the short experiment
  sed -e "s/^  name: chaostui-run-kill-postgres-primary$/  name: $1/" \
    -e "s/serviceAccountName: chaostui-run$/serviceAccountName: $2/" \
    -e 's#/etc/chaostui/experiments/kill-postgres-primary.yaml#/etc/chaostui/experiments/flask-pod-kill.yaml#' \
    -e 's/configMap: {name: chaostui-experiments}/configMap: {name: chaostui-lab-experiments}/' \
    "$REPO_DIR/deploy/40-job-run.yaml"
}
lab_job chaostui-lab-run chaostui-run | kc apply -f - >/dev/null
# An observer follows it live from here, through the pod log API.
ct_start "$CT_BIN" follow --job chaostui-system/chaostui-lab-run --kubeconfig "$KUBECONFIG_FILE" --context admin
# And an operator's console attaches to it by a key: A on the run's pod.
$CT kill-session -t ca 2>/dev/null
$CT new-session -d -s ca -x 200 -y 60 "env -u LC_ALL PS1='$ ' LANG=C.UTF-8 TERM=tmux-256color bash --norc --noprofile"
$CT send-keys -t ca "$CT_BIN --kubeconfig $KUBECONFIG_FILE --context admin -n chaostui-system --lever none --no-record --log $IC/attach.log; echo EXIT=\$?" Enter
ca_check() { # ca_check NAME REGEX SECONDS: as ct_check, on the attaching console's window
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -le $deadline ]; do $CT capture-pane -p -t ca 2>/dev/null | grep -Eq -- "$2" && { ok "$1"; return 0; }; sleep 0.2; done
  bad "$1 (waited $3s for /$2/)" "$($CT capture-pane -p -t ca 2>/dev/null | grep -v '^[│ ]*$'; tail -15 "$IC/attach.log")"
}
ca_check "the operator's console lists the run's pod" '│chaostui-lab-run-[a-z0-9]{5} ' 60
$CT send-keys -t ca / chaostui-lab-run Enter A
ca_check "... and attaches to the run by a key (A on its pod): its journal, live" 'FOLLOWING +lag [01]\.[0-9]s' 150
ct_check "chaostui follow --job shows the in-cluster run live" 'FOLLOWING' 60
ct_check "... its session is the in-cluster one (the pod's service account)" 'ctx in-cluster' 20
if kc -n chaostui-system wait --for=condition=complete job/chaostui-lab-run --timeout=180s >/dev/null 2>&1; then
  ok "the Job's pod ran chaostui run in the cluster and the Job completed (exit 0)"
else bad "the in-cluster Job completed" "$(kc -n chaostui-system get pods -o wide 2>&1; kc -n chaostui-system logs job/chaostui-lab-run 2>&1 | grep -v '^{' | tail -20)"; fi
kc -n chaostui-system logs job/chaostui-lab-run > "$IC/run.log" 2>&1
if grep -q 'verdict: passed' "$IC/run.log" && grep -q '"format":"chaostui-journal"' "$IC/run.log"; then
  ok "... its log holds the verdict and the journal as JSON lines"
else bad "verdict and journal in the pod log" "$(grep -v '^{' "$IC/run.log" | tail -20)"; fi
if grep -q '^chaostui run: A Flask pod killed comes back on .*in-cluster' "$IC/run.log"; then
  ok "... with the in-cluster credentials (the service account token file)"
else bad "in-cluster credentials" "$(grep -v '^{' "$IC/run.log" | head -5)"; fi
ct_check "... and the follower shows the verdict" 'passed' 20
ct_check "... and that the pod's run has ended" "the pod's run has ended \\(Succeeded\\)" 20
$CT send-keys -t ct q
ct_wait 'EXIT=0' 5
ca_check "the attached console shows the run's verdict" 'VERDICT +passed' 20
$CT send-keys -t ca q
ca_check "... q comes back to the operator's session" 'Back from chaostui-system/chaostui-lab-run-' 10
$CT send-keys -t ca q
ca_check "... which quits as ever" 'EXIT=0' 10

# A run whose pod has not started (no node will take it): A waits for it, says why in the footer,
# and q gives up, back to the session.
kc -n chaostui-system run chaostui-lab-stuck --image=chaostui:dev --restart=Never \
  --labels=app.kubernetes.io/name=chaostui --overrides='{"spec":{"nodeSelector":{"chaostui-lab":"nowhere"}}}' >/dev/null
$CT send-keys -t ca "$CT_BIN --kubeconfig $KUBECONFIG_FILE --context admin -n chaostui-system --lever none --no-record --log $IC/attach.log; echo EXIT=\$?" Enter
ca_check "a run's pod that has not started: listed" '│chaostui-lab-stuck ' 30
$CT send-keys -t ca / chaostui-lab-stuck Enter A
ca_check "... A waits for it and says why" 'Waiting for chaostui-system/chaostui-lab-stuck \([0-9]+ s; q gives up\): not started yet \(Pending\)' 20
$CT send-keys -t ca q
ca_check "... q gives up, back to the session" 'Not attached to chaostui-system/chaostui-lab-stuck: given up while waiting' 10
$CT send-keys -t ca q
ca_check "... which quits as ever" 'EXIT=0' 10
kc -n chaostui-system delete pod chaostui-lab-stuck --wait=false >/dev/null
$CT kill-session -t ca 2>/dev/null

# Without pods/delete (the built-in view role): exit 2 with the API's reason, the Job failed.
kc -n chaostui-system create serviceaccount chaostui-lab-viewer --dry-run=client -o yaml | kc apply -f - >/dev/null
kc -n pipeline create rolebinding chaostui-lab-viewer --clusterrole=view \
  --serviceaccount=chaostui-system:chaostui-lab-viewer --dry-run=client -o yaml | kc apply -f - >/dev/null
kc -n chaostui-system create rolebinding chaostui-lab-viewer-lever --role=chaostui-lever-read \
  --serviceaccount=chaostui-system:chaostui-lab-viewer --dry-run=client -o yaml | kc apply -f - >/dev/null
lab_job chaostui-lab-denied chaostui-lab-viewer | kc apply -f - >/dev/null
if kc -n chaostui-system wait --for=condition=failed job/chaostui-lab-denied --timeout=120s >/dev/null 2>&1; then
  ok "a runner that may not delete pods: the Job failed"
else bad "the denied Job failed" "$(kc -n chaostui-system get pods 2>&1)"; fi
kc -n chaostui-system logs job/chaostui-lab-denied > "$IC/denied.log" 2>&1
code=$(kc -n chaostui-system get pods -l job-name=chaostui-lab-denied \
  -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}' 2>/dev/null)
reason=$(grep -v '^{' "$IC/denied.log" | grep -m1 -o 'pod-kill on workload pipeline/flask cannot be made: forbidden.*')
if [ "$code" = 2 ] && grep -q 'system:serviceaccount:chaostui-system:chaostui-lab-viewer may not delete pods in pipeline' <<<"$reason"; then
  ok "... exit 2 with the API's reason: $reason"
else bad "exit 2 and forbidden (exit $code)" "$(grep -v '^{' "$IC/denied.log" | tail -10)"; fi
ic_clean
