#!/usr/bin/python3
"""The lab's data plane: acts as the kubelet of several nodes (as KWOK does), as chaos-daemon for
Chaos Mesh PodChaos, and as the Postgres operator that fails over to the replica.

- registers nodes in two zones, heartbeats their Ready condition and renews their leases;
- moves pods bound to its nodes through ContainerCreating to Running and Ready after realistic delays;
- honours graceful deletion: Terminating for the grace period, then removes the pod;
- restarts containers when told (annotation lab.chaostui.io/restart, or a PodChaos container-kill),
  with the kubelet's back-off;
- marks a node NotReady when it is "stopped" (a file STATE/stopped-nodes/NAME), and stops acting for it;
- promotes the Postgres replica (relabels role=primary) when the primary has been gone for 8 s.

Robust: a 404/409 race or an API restart never kills it; it re-lists and goes on.
Uses Debian's python3-kubernetes (the official client, independent of chaostui's).
"""
import argparse
import datetime as dt
import heapq
import itertools
import logging
import os
import random
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

log = logging.getLogger("kubelet")
STOP = threading.Event()


def now_iso():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Lab:
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
        self.primary_lost_at = None

    # ---- scheduling of delayed work -------------------------------------------------------
    def later(self, delay, key, action):
        with self.cv:
            heapq.heappush(self.queue, (time.monotonic() + delay, next(self.seq), key, action))
            self.cv.notify()

    def run_queue(self):
        while not STOP.is_set():
            with self.cv:
                while not self.queue and not STOP.is_set():
                    self.cv.wait(0.5)
                if STOP.is_set():
                    return
                due, _, key, action = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self.cv.wait(min(wait, 0.5))
                    continue
                heapq.heappop(self.queue)
            self.pool.submit(self.safe, action)

    def safe(self, fn, *a):
        try:
            fn(*a)
        except ApiException as e:
            if e.status in (404, 409, 422):
                log.debug("race: %s %s", e.status, e.reason)
            else:
                log.warning("API error %s %s", e.status, e.reason)
        except Exception as e:  # never die on one pod
            log.warning("error: %r", e)

    def stopped(self, node):
        return os.path.exists(os.path.join(self.args.state, "stopped-nodes", node))

    # ---- nodes ----------------------------------------------------------------------------
    def node_body(self, name, zone):
        return client.V1Node(
            metadata=client.V1ObjectMeta(
                name=name,
                labels={
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": zone,
                    "topology.kubernetes.io/region": "lab",
                    "node.kubernetes.io/instance-type": "lab.emulated",
                },
                annotations={"lab.chaostui.io/emulated": "true"},
            ),
            spec=client.V1NodeSpec(),
        )

    def node_status(self, name, ready):
        cap = {"cpu": str(self.args.cpu), "memory": self.args.memory, "pods": str(self.args.max_pods),
               "ephemeral-storage": "500Gi"}
        t = now_iso()
        cond = lambda typ, status, reason, msg: {
            "type": typ, "status": status, "reason": reason, "message": msg,
            "lastHeartbeatTime": t, "lastTransitionTime": t,
        }
        conds = [
            cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            cond("Ready", "True", "KubeletReady", "kubelet is posting ready status (emulated)")
            if ready else cond("Ready", "False", "KubeletStopped", "the lab stopped this node"),
        ]
        return {"status": {
            "capacity": cap, "allocatable": cap, "conditions": conds,
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": name}],
            "nodeInfo": {
                "machineID": name, "systemUUID": name, "bootID": name, "kernelVersion": os.uname().release,
                "osImage": "chaostui lab (emulated kubelet)", "containerRuntimeVersion": "emulated://1.0",
                "kubeletVersion": "v1.20.2", "kubeProxyVersion": "v1.20.2", "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        }}

    def heartbeat(self):
        last_ready = {}
        while not STOP.is_set():
            for name, zone in self.nodes.items():
                try:
                    try:
                        self.core.read_node(name)
                    except ApiException as e:
                        if e.status != 404:
                            raise
                        self.core.create_node(self.node_body(name, zone))
                        log.info("registered node %s in %s", name, zone)
                    ready = not self.stopped(name)
                    if ready or last_ready.get(name, True):
                        self.core.patch_node_status(name, self.node_status(name, ready))
                    if ready:
                        self.renew_lease(name)
                    if last_ready.get(name) is not None and last_ready[name] != ready:
                        log.info("node %s is now %s", name, "Ready" if ready else "NotReady")
                    last_ready[name] = ready
                except ApiException as e:
                    log.warning("node %s: API error %s %s", name, e.status, e.reason)
                except Exception as e:
                    log.warning("node %s: %r", name, e)
            STOP.wait(self.args.heartbeat)

    def renew_lease(self, name):
        body = {"metadata": {"name": name, "namespace": "kube-node-lease"},
                "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": now_micro()}}
        try:
            self.coord.patch_namespaced_lease(name, "kube-node-lease", {"spec": body["spec"]})
        except ApiException as e:
            if e.status != 404:
                raise
            self.coord.create_namespaced_lease("kube-node-lease", body)

    # ---- pods -----------------------------------------------------------------------------
    def watch_pods(self):
        backoff = 0.8
        while not STOP.is_set():
            try:
                pods = self.core.list_pod_for_all_namespaces(limit=500)
                items = list(pods.items)
                cont = pods.metadata._continue
                while cont:
                    page = self.core.list_pod_for_all_namespaces(limit=500, _continue=cont)
                    items.extend(page.items)
                    cont = page.metadata._continue
                rv = pods.metadata.resource_version
                for p in items:
                    self.observe(p)
                log.info("listed %d pods at resourceVersion %s", len(items), rv)
                backoff = 0.8
                w = watch.Watch()
                for ev in w.stream(self.core.list_pod_for_all_namespaces, resource_version=rv,
                                   timeout_seconds=300, allow_watch_bookmarks=True):
                    if STOP.is_set():
                        return
                    if ev["type"] in ("ADDED", "MODIFIED"):
                        self.observe(ev["object"])
                    elif ev["type"] == "DELETED":
                        with self.lock:
                            self.pods.pop(ev["object"].metadata.uid, None)
            except ApiException as e:
                log.info("pod watch ended: %s %s; relisting", e.status, e.reason)
            except Exception as e:
                log.info("pod watch lost: %r; relisting in %.1fs", e, backoff)
                STOP.wait(backoff * (0.5 + self.rng.random()))
                backoff = min(30.0, backoff * 2)

    def observe(self, pod):
        node = pod.spec.node_name
        if node not in self.nodes or self.stopped(node):
            return
        uid = pod.metadata.uid
        key = (pod.metadata.namespace, pod.metadata.name, uid)
        with self.lock:
            st = self.pods.get(uid)
            if st is None:
                st = {"phase": "new", "restarts": 0, "restart_token": None, "ip": None, "terminating": False,
                      "backoff": 0, "started": None}
                self.pods[uid] = st
                known = False
            else:
                known = True
        if pod.metadata.deletion_timestamp is not None:
            if not st["terminating"]:
                st["terminating"] = True
                grace = pod.metadata.deletion_grace_period_seconds
                grace = 30 if grace is None else grace
                self.later(min(grace, self.args.max_grace), key, lambda: self.finish_delete(key))
            return
        if not known:
            statuses = pod.status.container_statuses or []
            if pod.status.phase == "Running" and statuses and all(c.ready for c in statuses):
                # Already running (the emulator restarted): adopt as it is.
                st["phase"] = "ready"
                st["ip"] = pod.status.pod_ip
                st["restarts"] = max(c.restart_count for c in statuses)
            elif (pod.metadata.labels or {}).get("lab.chaostui.io/scale"):
                # Scale-test pods: one status write straight to Running and Ready.
                self.later(0.1, key, lambda: self.running(key, pod, ready_now=True))
            else:
                self.later(0.2 + 0.3 * self.rng.random(), key, lambda: self.creating(key, pod))
        token = (pod.metadata.annotations or {}).get("lab.chaostui.io/restart")
        if token and token != st["restart_token"]:
            first = st["restart_token"] is None and known is False
            st["restart_token"] = token
            if not first:
                self.later(0, key, lambda: self.kill_container(key, "annotation"))

    def containers(self, pod):
        return [c.name for c in pod.spec.containers]

    def ready_delay(self, pod):
        delays = [c.readiness_probe.initial_delay_seconds or 0 for c in pod.spec.containers
                  if c.readiness_probe is not None]
        return (max(delays) if delays else 1) + self.rng.uniform(0.3, 1.0)

    def patch_status(self, key, status):
        ns, name, uid = key
        with self.lock:
            if uid not in self.pods:
                return
        self.core.patch_namespaced_pod_status(name, ns, {"status": status})

    def container_statuses(self, pod, state, ready, restarts, last=None):
        out = []
        for c in pod.spec.containers:
            s = {"name": c.name, "image": c.image, "imageID": "emulated://" + c.image, "ready": ready,
                 "restartCount": restarts, "started": "running" in state, "state": state,
                 "containerID": "emulated://%s-%s" % (pod.metadata.uid[:8], c.name)}
            if last:
                s["lastState"] = last
            out.append(s)
        return out

    def conditions(self, ready, initialized=True):
        t = now_iso()
        status = "True" if ready else "False"
        return [
            {"type": "Initialized", "status": "True" if initialized else "False", "lastTransitionTime": t},
            {"type": "Ready", "status": status, "lastTransitionTime": t},
            {"type": "ContainersReady", "status": status, "lastTransitionTime": t},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": t},
        ]

    def creating(self, key, pod):
        st = self.pods.get(key[2])
        if st is None or st["terminating"]:
            return
        st["phase"] = "creating"
        self.patch_status(key, {
            "phase": "Pending", "hostIP": "127.0.0.1", "startTime": now_iso(),
            "conditions": self.conditions(False),
            "containerStatuses": self.container_statuses(
                pod, {"waiting": {"reason": "ContainerCreating"}}, False, st["restarts"]),
        })
        self.later(self.rng.uniform(0.8, 1.8), key, lambda: self.running(key, pod))

    def running(self, key, pod, last=None, ready_now=False):
        st = self.pods.get(key[2])
        if st is None or st["terminating"]:
            return
        if st["ip"] is None:
            n = next(self.ip_seq)
            st["ip"] = "10.244.%d.%d" % ((n // 250) % 250, n % 250 + 2)
        st["phase"] = "running"
        st["started"] = time.monotonic()
        started = {"running": {"startedAt": now_iso()}}
        self.patch_status(key, {
            "phase": "Running", "podIP": st["ip"], "podIPs": [{"ip": st["ip"]}], "hostIP": "127.0.0.1",
            "startTime": now_iso(), "conditions": self.conditions(ready_now),
            "containerStatuses": self.container_statuses(pod, started, ready_now, st["restarts"], last),
        })
        if ready_now:
            st["phase"] = "ready"
            return
        self.later(self.ready_delay(pod), key, lambda: self.ready(key, pod, started, last))

    def ready(self, key, pod, started, last):
        st = self.pods.get(key[2])
        if st is None or st["terminating"] or st["phase"] != "running":
            return
        st["phase"] = "ready"
        self.patch_status(key, {
            "conditions": self.conditions(True),
            "containerStatuses": self.container_statuses(pod, started, True, st["restarts"], last),
        })

    def kill_container(self, key, why):
        """The container dies; the kubelet restarts it at once the first time, then with back-off."""
        ns, name, uid = key
        st = self.pods.get(uid)
        if st is None or st["terminating"] or st["phase"] not in ("running", "ready"):
            return
        pod = self.core.read_namespaced_pod(name, ns)
        if pod.metadata.uid != uid:
            return
        if st["started"] and time.monotonic() - st["started"] > 600:
            st["backoff"] = 0
        st["restarts"] += 1
        wait = 0.5 if st["backoff"] == 0 else min(10 * 2 ** (st["backoff"] - 1), 300)
        st["backoff"] += 1
        st["phase"] = "waiting"
        last = {"terminated": {"exitCode": 137, "reason": "Error", "finishedAt": now_iso(),
                               "message": "killed by the lab (%s)" % why}}
        state = {"waiting": {"reason": "CrashLoopBackOff",
                             "message": "back-off %ds restarting failed container" % wait}} if wait > 1 else last
        self.patch_status(key, {
            "conditions": self.conditions(False),
            "containerStatuses": self.container_statuses(pod, state, False, st["restarts"], last),
        })
        log.info("killed the containers of %s/%s (%s); restart in %.1fs", ns, name, why, wait)
        self.later(wait, key, lambda: self.running(key, pod, last))

    def finish_delete(self, key):
        ns, name, uid = key
        try:
            self.core.delete_namespaced_pod(
                name, ns, body=client.V1DeleteOptions(grace_period_seconds=0, preconditions=client.V1Preconditions(uid=uid)))
        except ApiException as e:
            if e.status not in (404, 409):
                raise
        with self.lock:
            self.pods.pop(uid, None)

    # ---- the Postgres operator -----------------------------------------------------------
    def failover(self):
        sel = self.args.failover_selector
        ns = self.args.failover_namespace
        while not STOP.is_set():
            try:
                pods = self.core.list_namespaced_pod(ns, label_selector=sel).items
                live = [p for p in pods if p.metadata.deletion_timestamp is None]
                ready = lambda p: any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))
                role = lambda p: (p.metadata.labels or {}).get("role")
                primary = [p for p in live if role(p) == "primary" and ready(p)]
                has_primary_label = any(role(p) == "primary" for p in live)
                for p in live:
                    if role(p) is None:
                        new = "replica" if has_primary_label else "primary"
                        has_primary_label = has_primary_label or new == "primary"
                        self.core.patch_namespaced_pod(p.metadata.name, ns, {"metadata": {"labels": {"role": new}}})
                        log.info("operator: %s joins as %s", p.metadata.name, new)
                if primary:
                    self.primary_lost_at = None
                elif self.primary_lost_at is None:
                    self.primary_lost_at = time.monotonic()
                    log.info("operator: no ready primary")
                elif time.monotonic() - self.primary_lost_at >= self.args.failover_delay:
                    candidates = sorted((p for p in live if ready(p) and role(p) != "primary"),
                                        key=lambda p: p.metadata.name)
                    if candidates:
                        for p in live:
                            if role(p) == "primary":
                                self.core.patch_namespaced_pod(p.metadata.name, ns,
                                                               {"metadata": {"labels": {"role": "replica"}}})
                        new = candidates[0]
                        self.core.patch_namespaced_pod(new.metadata.name, ns, {"metadata": {"labels": {"role": "primary"}}})
                        self.event(ns, new, "Promoted", "%s promoted to primary" % new.metadata.name)
                        log.info("operator: promoted %s", new.metadata.name)
                        self.primary_lost_at = None
            except ApiException as e:
                log.info("operator: API error %s %s", e.status, e.reason)
            except Exception as e:
                log.info("operator: %r", e)
            STOP.wait(1.0)

    def event(self, ns, pod, reason, message):
        t = now_iso()
        body = client.CoreV1Event(
            metadata=client.V1ObjectMeta(generate_name=pod.metadata.name + ".", namespace=ns),
            involved_object=client.V1ObjectReference(kind="Pod", namespace=ns, name=pod.metadata.name,
                                                     uid=pod.metadata.uid, api_version="v1"),
            reason=reason, message=message, type="Normal", first_timestamp=t, last_timestamp=t, count=1,
            source=client.V1EventSource(component="lab-operator"))
        try:
            self.core.create_namespaced_event(ns, body)
        except ApiException:
            pass

    # ---- chaos-daemon for PodChaos ---------------------------------------------------------
    def chaos(self):
        """Carries out PodChaos container-kill and pod-kill once per resource, as chaos-daemon would."""
        while not STOP.is_set():
            try:
                items = self.custom.list_cluster_custom_object("chaos-mesh.org", "v1alpha1", "podchaos")["items"]
                for obj in items:
                    uid = obj["metadata"]["uid"]
                    if uid in self.handled_chaos:
                        continue
                    ann = obj["metadata"].get("annotations") or {}
                    if ann.get("experiment.chaos-mesh.org/pause") == "true":
                        continue
                    self.handled_chaos.add(uid)
                    self.apply_podchaos(obj)
            except ApiException as e:
                if e.status != 404:  # the CRD may not be installed yet
                    log.info("chaos: API error %s %s", e.status, e.reason)
            except Exception as e:
                log.info("chaos: %r", e)
            STOP.wait(1.0)

    def select(self, obj):
        spec = obj.get("spec", {})
        sel = spec.get("selector", {})
        ns_default = obj["metadata"]["namespace"]
        pods = []
        if sel.get("pods"):
            for ns, names in sel["pods"].items():
                for n in names:
                    try:
                        pods.append(self.core.read_namespaced_pod(n, ns))
                    except ApiException:
                        pass
        else:
            labels = ",".join("%s=%s" % kv for kv in (sel.get("labelSelectors") or {}).items())
            for ns in sel.get("namespaces") or [ns_default]:
                pods.extend(self.core.list_namespaced_pod(ns, label_selector=labels).items)
        pods = [p for p in pods if p.metadata.deletion_timestamp is None]
        mode = spec.get("mode", "one")
        if mode == "one" and pods:
            pods = [self.rng.choice(pods)]
        elif mode == "fixed":
            pods = self.rng.sample(pods, min(len(pods), int(spec.get("value", "1"))))
        elif mode in ("fixed-percent", "random-max-percent"):
            k = max(1, len(pods) * int(spec.get("value", "100")) // 100)
            pods = self.rng.sample(pods, min(len(pods), k))
        return pods

    def apply_podchaos(self, obj):
        action = obj.get("spec", {}).get("action", "pod-kill")
        for p in self.select(obj):
            key = (p.metadata.namespace, p.metadata.name, p.metadata.uid)
            if action == "container-kill":
                self.later(0, key, lambda key=key: self.kill_container(key, "PodChaos " + obj["metadata"]["name"]))
            elif action == "pod-kill":
                self.core.delete_namespaced_pod(p.metadata.name, p.metadata.namespace,
                                                body=client.V1DeleteOptions(grace_period_seconds=0))
            log.info("chaos: %s %s on %s/%s", obj["metadata"]["name"], action, p.metadata.namespace, p.metadata.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--context", default="kubelet")
    ap.add_argument("--state", required=True)
    ap.add_argument("--nodes", default="lab-a1@zone-a,lab-a2@zone-a,lab-b1@zone-b")
    ap.add_argument("--max-pods", type=int, default=5000)
    ap.add_argument("--cpu", type=int, default=64, help="cores a node reports")
    ap.add_argument("--memory", default="256Gi", help="memory a node reports")
    ap.add_argument("--heartbeat", type=float, default=10.0)
    ap.add_argument("--max-grace", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--failover-namespace", default="pipeline")
    ap.add_argument("--failover-selector", default="app=postgres")
    ap.add_argument("--failover-delay", type=float, default=8.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    config.load_kube_config(config_file=args.kubeconfig, context=args.context)
    c = client.Configuration.get_default_copy()
    c.connection_pool_maxsize = args.workers + 4
    client.Configuration.set_default(c)
    lab = Lab(args)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: STOP.set())
    threads = [threading.Thread(target=t, daemon=True) for t in
               (lab.heartbeat, lab.watch_pods, lab.run_queue, lab.failover, lab.chaos)]
    for t in threads:
        t.start()
    log.info("emulating nodes %s", ", ".join(lab.nodes))
    while not STOP.is_set():
        STOP.wait(1)
    lab.pool.shutdown(wait=False, cancel_futures=True)
    log.info("stopped")


if __name__ == "__main__":
    sys.exit(main())
