# shellcheck shell=bash
# The lab's scale mode against the real binary: CHAOSTUI_LAB_SCALE_PODS pods (default 10,000; 0
# skips) made by the real controllers, chaostui showing the server's count, then a churn of 50 pods
# created and 50 deleted a second (lab/churn). Sourced by lab/test, after its other checks (it
# provides kc, ok, bad, within and the lab variables). Prints the figures it measured:
# - the time to the complete count on screen, beside kubectl get pods -A in the same run;
# - from the server's answer to a pod's create to its name on screen, for probe pods made during the churn;
# - chaostui's CPU during the churn (from /proc), and the count against the server's after it.
SCALE_PODS=${CHAOSTUI_LAB_SCALE_PODS:-10000}
SC_BIN=$(readlink -f "${CHAOSTUI_BIN:-$REPO_DIR/.build/debug/chaostui}")
if [ "$SCALE_PODS" = 0 ] || [ ! -x "$SC_BIN" ] || ! command -v tmux >/dev/null; then
  echo "# scale: skipped (CHAOSTUI_LAB_SCALE_PODS=0, or chaostui not built, or no tmux)"
  return 0
fi
SC="tmux -u -S $(mktemp -u)"
$SC new-session -d -s keep -x 80 -y 24 "sleep 100000"
sc_screen() { $SC capture-pane -p -t sc 2>/dev/null; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }
# server_pods: the API server's own count (one list of one item, and how many remain).
server_pods() {
  kc get --raw '/api/v1/pods?limit=1' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]) + d["metadata"].get("remainingItemCount", 0))'
}
shown_pods() { sc_screen | grep -oE 'Pods ─ (filter [^ ]+ +)?[0-9]+/[0-9]+ pods' | grep -oE '[0-9]+ pods' | grep -oE '[0-9]+'; }
shows_count() { [ "$(shown_pods)" = "$1" ]; }
# probe NAME: creates a bare pod through the API; prints ms from the server's answer to the create
# (the pod exists, its watch event is on its way) to its name on screen (a few ms when it was there
# first). The request itself can take a second on a machine this busy: that is the server's time.
probe() {
  local t0 deadline
  t0=$(ms_now)
  curl -fsS -o /dev/null --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    -H 'Content-Type: application/json' -X POST "$API_URL/api/v1/namespaces/scale-churn/pods" \
    -d "{\"metadata\":{\"name\":\"$1\",\"labels\":{\"lab.chaostui.io/churn\":\"true\"}},\"spec\":{\"terminationGracePeriodSeconds\":0,\"containers\":[{\"name\":\"c\",\"image\":\"registry.lab.local/probe:1\"}]}}" || return 1
  t0=$(ms_now)
  deadline=$((t0 + 5000))
  until sc_screen | grep -q "$1"; do [ "$(ms_now)" -lt $deadline ] || { echo 5000; return 0; }; done
  echo $(($(ms_now) - t0))
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

t0=$SECONDS
if out=$("$LAB_DIR/scale" --pods "$SCALE_PODS" 2>&1); then
  ok "lab/scale: $SCALE_PODS pods made by the real controllers, Running and ready in $((SECONDS - t0)) s"
else
  bad "lab/scale --pods $SCALE_PODS" "$out"
  $SC kill-server 2>/dev/null
  return 0
fi
total=$(server_pods)
t0=$(ms_now)
kc get pods -A --no-headers > /dev/null
kubectl_ms=$(($(ms_now) - t0))
t0=$(ms_now)
$SC new-session -d -s sc -x 200 -y 60 "env LANG=C.UTF-8 TERM=tmux-256color $SC_BIN --kubeconfig $KUBECONFIG_FILE -A --log $STATE/scale.log; sleep 100000"
if within 120 shows_count "$total"; then
  ok "chaostui shows the server's $total pods in $(($(ms_now) - t0)) ms (kubectl get pods -A in the same run: $kubectl_ms ms)"
else
  bad "chaostui shows the server's $total pods" "$(sc_screen | head -3)"
fi
# Only the probe pods on screen: a probe is seen when its name is drawn.
$SC send-keys -t sc / && sleep 0.3 && $SC send-keys -t sc -l 'probe-' && sleep 0.3 && $SC send-keys -t sc Enter
sleep 1
pid=$(pgrep -n -x chaostui)
"$LAB_DIR/churn" --rate 50 --seconds 20 > "$STATE/churn.json" 2> "$STATE/churn.err" &
churn=$!
c0=$(cpu_ticks "$pid")
w0=$(ms_now)
lat=()
for i in 1 2 3 4 5 6 7 8; do
  sleep 1.5
  lat+=("$(probe "probe-$i")")
done
wait "$churn"
c1=$(cpu_ticks "$pid")
w1=$(ms_now)
cpu=$(((c1 - c0) * 10 * 100 / (w1 - w0)))
sorted=$(printf '%s\n' "${lat[@]}" | sort -n | tr '\n' ' ')
worst=$(printf '%s\n' "${lat[@]}" | sort -n | tail -1)
echo "# churn: $(cat "$STATE/churn.json")"
echo "# from the server's answer to a pod's create to its name on screen, during the churn (ms): $sorted"
echo "# chaostui's CPU during the churn: $cpu % of a core (this build: $SC_BIN)"
if grep -q '"errors": 0' "$STATE/churn.json" && [ "${#lat[@]}" -eq 8 ] && [ "$worst" -lt 1000 ]; then
  ok "under a churn of 50 pods created and 50 deleted a second, every probe pod on screen within 1 s of the server's answer to its create (worst $worst ms)"
else
  bad "probe pods on screen during the churn" "$(cat "$STATE/churn.json" "$STATE/churn.err"; echo "latencies: $sorted")"
fi
kc delete pods -n scale-churn -l lab.chaostui.io/churn=true --grace-period=0 --wait=false >/dev/null 2>&1
# The count after the churn: nothing lost, nothing ghost.
end_total() { [ "$(shown_pods)" = "$(server_pods)" ] && [ "$(server_pods)" = "$total" ]; }
lists=$(grep -c 'pods: listed' "$STATE/scale.log")
if within 30 end_total && [ "$lists" -eq 1 ]; then
  ok "after the churn chaostui's count equals the server's ($total), from one list and its watch"
else
  bad "the count after the churn equals the server's" "server $(server_pods), screen $(shown_pods), expected $total; pods listed $lists times"
fi
if [ "$cpu" -le 60 ]; then
  ok "chaostui's CPU during the churn: $cpu % of a core (bound 60 % for a debug build; the release build's figure is in docs/benchmarks.md)"
else
  bad "chaostui's CPU during the churn ($cpu % of a core, bound 60 %)"
fi
$SC kill-server 2>/dev/null
