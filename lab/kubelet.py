#!/usr/bin/python3
"""The lab's data plane: acts as the kubelet of several nodes (as KWOK does), as chaos-daemon for
Chaos Mesh PodChaos, and as the Postgres operator that fails over to the replica.

- registers nodes in two zones, heartbeats their Ready condition and renews their leases;
- moves pods bound to its nodes through ContainerCreating to Running and Ready after realistic delays;
- honours graceful deletion: Terminating for the grace period, then removes the pod;
- restarts containers when told (annotation lab.chaostui.io/restart, or a PodChaos container-kill),
  with the kubelet's back-off;
- marks a node NotReady when it is "stopped" (a file STATE/stopped-nodes/NAME), and stops acting for it;
- promotes the Postgres replica (relabels role=primary) when the primary has been gone for 8 s;
- as metrics-server, serves the metrics.k8s.io API (pod and node usage, a new sample every 15 s) over
  TLS to the API server's aggregator (client certificate required); usage reacts to StressChaos as
  the stress the chaos-daemon would start (CPU workers x load, memory size), until its duration ends;
- as each node's kubelet, serves container logs (/containerLogs/...) to the API server for
  `kubectl logs -f` and chaostui's logs pane: a line a second of each running container;
- answers the blackbox exporter's HTTP probes of each service (/probe/NAMESPACE/SERVICE) with the
  delay (latency + jitter) and loss of the NetworkChaos resources on the service's pods, as their
  traffic would see it, until the resource is deleted, paused or past its duration. (tc netem would
  do it in the kernel; this machine's kernel has no sch_netem, so the delay is slept and a lost
  exchange is a connection closed unanswered.)

Robust: a 404/409 race or an API restart never kills it; it re-lists and goes on.
Uses Debian's python3-kubernetes (the official client, independent of chaostui's).
"""
import argparse
import itertools
import logging
import random
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from kubernetes import client, config

from emulator.chaos import ChaosDaemon
from emulator.execpods import ExecPods
from emulator.metrics import MetricsSampler, serve_cadvisor, serve_metrics, serve_probes
from emulator.nodes import NodeAgent
from emulator.failover import Operator
from emulator.logs import LogWriter, serve_kubelet
from emulator.pods import PodLifecycle
from emulator.util import now_iso, log, STOP


class Lab(NodeAgent, PodLifecycle, Operator, ChaosDaemon, MetricsSampler, LogWriter, ExecPods):
    """The emulator: every part shares the state set here."""

    def __init__(self, args):
        self.args = args
        self.core = client.CoreV1Api()
        self.coord = client.CoordinationV1Api()
        self.custom = client.CustomObjectsApi()
        self.nodes = {}  # name -> zone
        for spec in args.nodes.split(","):
            name, zone = spec.split("@")
            self.nodes[name] = zone
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.queue = []  # (due, seq, key, action)
        self.seq = itertools.count()
        self.cv = threading.Condition(self.lock)
        self.pods = {}  # uid -> dict(state)
        self.pool = ThreadPoolExecutor(max_workers=args.workers)
        self.ip_seq = itertools.count(2)
        self.handled_chaos = set()
        self.primary_lost_at = {}  # namespace -> when its primary was lost
        self.stress = {}  # StressChaos uid -> dict(ends, pods: set of pod uids, cpu cores, memory bytes)
        self.samples = {}  # pod uid -> (timestamp, [(container, cores, bytes)])
        self.counters = {}  # (pod uid, container) -> [cpu seconds, fs read bytes, fs write bytes, rx bytes, tx bytes]
        self.last_sample = None
        self.sampled_at = now_iso()
        # NetworkChaos: the services probed ("namespace/name"), their selectors (read once), the pods
        # each resource selected (fixed once chosen), and each service's delay and loss now.
        self.probed = [s for s in args.probe_services.split(",") if s]
        self.svc_selectors = {}
        self.net_selected = {}
        self.net_effect = {}
        self.rr = {}  # service -> the next of its Ready endpoints a probe reaches
        self.logs = {}  # (namespace, pod, container) -> its last lines
        self.logs_cv = threading.Condition()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--context", default="kubelet")
    ap.add_argument("--state", required=True)
    ap.add_argument("--nodes", default="lab-a1@zone-a,lab-a2@zone-a,lab-b1@zone-b")
    ap.add_argument("--max-pods", type=int, default=5000)
    ap.add_argument("--cpu", type=int, default=64, help="cores a node reports")
    ap.add_argument("--memory", default="256Gi", help="memory a node reports")
    ap.add_argument("--heartbeat", type=float, default=10.0, help="seconds between lease renewals")
    ap.add_argument("--node-status-report", type=float, default=300.0,
                    help="seconds between node status writes when nothing changed (the kubelet's 5 minutes)")
    ap.add_argument("--max-grace", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--failover-namespace", default="pipeline", help="namespaces, comma-separated")
    ap.add_argument("--failover-selector", default="app=postgres")
    ap.add_argument("--failover-delay", type=float, default=8.0)
    ap.add_argument("--metrics-port", type=int, default=0, help="serve metrics.k8s.io here (0: not at all)")
    ap.add_argument("--metrics-cert")
    ap.add_argument("--metrics-key")
    ap.add_argument("--metrics-ca", help="CA of the client certificates allowed (the aggregator's)")
    ap.add_argument("--cadvisor-port", type=int, default=0, help="serve cAdvisor-style /metrics here (0: not at all)")
    ap.add_argument("--probe-port", type=int, default=0, help="answer the services' probes here (0: not at all)")
    ap.add_argument("--kubelet-port", type=int, default=0,
                    help="serve the kubelet's container logs here, the nodes' kubeletEndpoint (0: not at all)")
    ap.add_argument("--probe-services", default="", help="NAMESPACE/SERVICE,...: the services probed")
    ap.add_argument("--chaostui-bin", default="",
                    help="run pods of chaostui's image with this binary (execpods.py; empty: emulate them)")
    ap.add_argument("--pod-ca", help="the cluster's CA, given to pods that really run (ca.crt)")
    ap.add_argument("--token-audience", default="https://kubernetes.default.svc.cluster.local",
                    help="the audience of their service account tokens (the API server's)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    config.load_kube_config(config_file=args.kubeconfig, context=args.context)
    c = client.Configuration.get_default_copy()
    c.connection_pool_maxsize = args.workers + 4
    client.Configuration.set_default(c)
    # Pods that really run reach the API server where the emulator does.
    hostport = c.host.split("://", 1)[-1].rstrip("/")
    args.api_host, args.api_port = hostport.rsplit(":", 1)
    lab = Lab(args)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: STOP.set())
    threads = [threading.Thread(target=t, daemon=True) for t in
               (lab.heartbeat, lab.watch_pods, lab.run_queue, lab.failover, lab.chaos, lab.sample, lab.write_logs)]
    for t in threads:
        t.start()
    if args.metrics_port:
        serve_metrics(lab, args.metrics_port, args.metrics_cert, args.metrics_key, args.metrics_ca)
    if args.cadvisor_port:
        serve_cadvisor(lab, args.cadvisor_port)
    if args.probe_port:
        serve_probes(lab, args.probe_port)
    if args.kubelet_port:
        serve_kubelet(lab, args.kubelet_port, args.metrics_cert, args.metrics_key)
    log.info("emulating nodes %s", ", ".join(lab.nodes))
    while not STOP.is_set():
        STOP.wait(1)
    lab.pool.shutdown(wait=False, cancel_futures=True)
    log.info("stopped")


if __name__ == "__main__":
    sys.exit(main())
