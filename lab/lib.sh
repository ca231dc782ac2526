# shellcheck shell=bash disable=SC2034
# Shared settings of the lab scripts (sourced; the variables are for the scripts that source it).
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$LAB_DIR/.." && pwd)
STATE=${CHAOSTUI_LAB_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/chaostui-lab}
PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
KUBECONFIG_FILE="$STATE/kubeconfig"
ETCD_PORT=${CHAOSTUI_LAB_ETCD_PORT:-23790}
ETCD_PEER_PORT=$((ETCD_PORT + 10))
API_PORT=${CHAOSTUI_LAB_API_PORT:-16443}
CM_PORT=$((API_PORT + 1))
SCHED_PORT=$((API_PORT + 2))
METRICS_PORT=$((API_PORT + 5))   # metrics.k8s.io, served by the emulator to the aggregator
CADVISOR_PORT=$((API_PORT + 6))  # the emulator's cAdvisor-style /metrics
PROM_PORT=$((API_PORT + 10))     # Prometheus
NODE_EXPORTER_PORT=$((API_PORT + 11))
BLACKBOX_PORT=$((API_PORT + 12))
PROM_URL="http://127.0.0.1:$PROM_PORT"
PROBE_PORT=$((API_PORT + 7))     # the services' probe endpoints, served by the emulator
KUBELET_PORT=$((API_PORT + 9))   # the emulated kubelet's container logs (the nodes' kubeletEndpoint)
# (API+8 is the HTTPS_PROXY test's tinyproxy in lab/test)
# The pipeline's services as the blackbox exporter probes them (HTTP, every 2 s): the emulator
# answers for each, with the delay and loss of the NetworkChaos resources on its pods.
NET_SERVICES="pipeline/flask pipeline/postgres pipeline/spark-master pipeline-control/flask pipeline-control/postgres pipeline-control/spark-master"
API_URL="https://127.0.0.1:$API_PORT"
# The Chaos Mesh CRDs the lab installs: carried in the repository (lab/crds, Apache-2.0, see its
# NOTICE.md); CHAOSTUI_CRDS names another folder.
CRDS=${CHAOSTUI_CRDS:-$REPO_DIR/lab/crds}
PY=/usr/bin/python3   # Debian's python3-kubernetes serves /usr/bin/python3, not another python3 on PATH

lab_log() { echo "lab: $*" >&2; }

# alive PID: the process runs (a zombie left for init to reap does not count).
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  local state
  state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]) .*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != "Z" ] && [ "$state" != "X" ]
}

# pid_alive NAME: true if the process recorded for NAME still runs.
pid_alive() {
  local f="$PIDS/$1.pid"
  [ -f "$f" ] && alive "$(cat "$f")"
}

kc() { kubectl --kubeconfig "$KUBECONFIG_FILE" --context admin "$@"; }
