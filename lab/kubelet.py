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
- answers the blackbox exporter's HTTP probes of each service (/probe/NAMESPACE/SERVICE) with the
  delay (latency + jitter) and loss of the NetworkChaos resources on the service's pods, as their
  traffic would see it, until the resource is deleted, paused or past its duration. (tc netem would
  do it in the kernel; this machine's kernel has no sch_netem, so the delay is slept and a lost
  exchange is a connection closed unanswered.)

Robust: a 404/409 race or an API restart never kills it; it re-lists and goes on.
Uses Debian's python3-kubernetes (the official client, independent of chaostui's).
"""
import argparse
import datetime as dt
import heapq
import http.server
import itertools
import json
import logging
import math
import os
import random
import re
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

log = logging.getLogger("kubelet")
STOP = threading.Event()


def now_iso():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


SUFFIX = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
          "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4}


def quantity(q):
    """A Kubernetes quantity ("250m", "256Mi", "1.5") as a float (cores or bytes); 0 if unreadable."""
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(q).strip())
    if not m or m.group(2) not in SUFFIX:
        return 0.0
    return float(m.group(1)) * SUFFIX[m.group(2)]


def pod_ready(p):
    return any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))


def pod_role(p):
    return (p.metadata.labels or {}).get("role")


def selector_matches(selector, labels):
    """A label selector as the API takes it: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a."""
    if not selector:
        return True
    for term in re.findall(r"[^,(]+(?:\([^)]*\))?", selector):
        term = term.strip()
        m = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", term)
        if m:
            values = {v.strip() for v in m.group(3).split(",")}
            if (labels.get(m.group(1)) in values) != (m.group(2) == "in"):
                return False
        elif "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


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
            self.pool.submit(self.safe, action, key)

    def safe(self, fn, key=None, attempt=0):
        """Runs a pod's action; one that failed because the API was away (restart, overload) is
        tried again with back-off, so no pod is left half-way (ContainerCreating, not Ready)."""
        transient = False
        try:
            fn()
        except ApiException as e:
            if e.status in (404, 409, 422):
                log.debug("race: %s %s", e.status, e.reason)
            else:
                transient = e.status == 429 or e.status >= 500
                log.warning("API error %s %s", e.status, e.reason)
        except Exception as e:  # never die on one pod
            transient = True
            log.warning("error: %r", e)
        if transient and key is not None and attempt < 10 and not STOP.is_set():
            self.later(min(10.0, 0.5 * 2 ** attempt), key, lambda: self.safe(fn, key, attempt + 1))

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
        def cond(typ, status, reason, msg):
            return {
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
        """As a 1.20 kubelet with node leases: the lease is renewed every heartbeat; the node's status
        is written when it changes and otherwise every --node-status-report seconds (the kubelet's
        nodeStatusReportFrequency, 5 minutes). So a watch of nodes is quiet, as on a real cluster."""
        last_ready = {}
        last_report = {}
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
                    changed = last_ready.get(name) != ready
                    due = time.monotonic() - last_report.get(name, -1e9) >= self.args.node_status_report
                    if changed or (ready and due):
                        self.core.patch_node_status(name, self.node_status(name, ready))
                        last_report[name] = time.monotonic()
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
            # What metrics-server needs to know of the pod.
            st["ns"], st["name"], st["node"] = pod.metadata.namespace, pod.metadata.name, node
            st["labels"] = dict(pod.metadata.labels or {})
            st["containers"] = [(c.name, quantity((c.resources.requests or {}).get("cpu", "0")) if c.resources else 0,
                                 quantity((c.resources.limits or {}).get("cpu", "0")) if c.resources else 0,
                                 quantity((c.resources.limits or {}).get("memory", "0")) if c.resources else 0)
                                for c in pod.spec.containers]
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
        self.patch_status(key, {
            "conditions": self.conditions(True),
            "containerStatuses": self.container_statuses(pod, started, True, st["restarts"], last),
        })
        st["phase"] = "ready"

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
                name, ns,
                body=client.V1DeleteOptions(grace_period_seconds=0, preconditions=client.V1Preconditions(uid=uid)))
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
                primary = [p for p in live if pod_role(p) == "primary" and pod_ready(p)]
                has_primary_label = any(pod_role(p) == "primary" for p in live)
                for p in live:
                    if pod_role(p) is None:
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
                    candidates = sorted((p for p in live if pod_ready(p) and pod_role(p) != "primary"),
                                        key=lambda p: p.metadata.name)
                    if candidates:
                        for p in live:
                            if pod_role(p) == "primary":
                                self.core.patch_namespaced_pod(p.metadata.name, ns,
                                                               {"metadata": {"labels": {"role": "replica"}}})
                        new = candidates[0]
                        self.core.patch_namespaced_pod(
                            new.metadata.name, ns, {"metadata": {"labels": {"role": "primary"}}})
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
                self.track_stress(
                    self.custom.list_cluster_custom_object("chaos-mesh.org", "v1alpha1", "stresschaos")["items"])
                if self.probed:
                    self.track_network(
                        self.custom.list_cluster_custom_object("chaos-mesh.org", "v1alpha1", "networkchaos")["items"])
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


    # ---- chaos-daemon for StressChaos, and metrics-server ---------------------------------
    def track_stress(self, items):
        """Starts the stress of new StressChaos resources on the pods they select (fixed once chosen, as
        chaos-daemon does); a resource that is deleted, paused or past its duration stops stressing."""
        seen = set()
        for obj in items:
            uid = obj["metadata"]["uid"]
            ends = chaos_ends(obj)
            if ends is None:
                continue
            seen.add(uid)
            if uid in self.stress:
                continue
            spec = obj.get("spec", {})
            stressors = spec.get("stressors") or {}
            cpu = stressors.get("cpu") or {}
            mem = stressors.get("memory") or {}
            cores = int(cpu.get("workers", 0)) * int(cpu.get("load", 100) if cpu else 0) / 100.0
            size = str(mem.get("size", "0")).replace("MB", "M").replace("GB", "G").replace("KB", "k")
            bytes_ = quantity(size) * int(mem.get("workers", 1) or 1) if mem else 0.0
            pods = {p.metadata.uid for p in self.select(obj)}
            self.stress[uid] = {"ends": ends, "pods": pods, "cpu": cores, "memory": bytes_}
            log.info("chaos: %s stresses %d pods (cpu %.2f cores, memory %d bytes) for %ss",
                     obj["metadata"]["name"], len(pods), cores, bytes_, spec.get("duration"))
        for uid in list(self.stress):
            if uid not in seen:
                self.stress.pop(uid, None)

    # ---- chaos-daemon for NetworkChaos: what each probed service's traffic sees ---------------
    def service_selector(self, svc):
        if svc not in self.svc_selectors:
            ns, name = svc.split("/", 1)
            try:
                self.svc_selectors[svc] = self.core.read_namespaced_service(name, ns).spec.selector or {}
            except ApiException:
                return None
        return self.svc_selectors[svc]

    def track_network(self, items):
        """Delay (latency, jitter) and loss of the active NetworkChaos resources, summed per service
        whose pods they selected (losses combine as independent drops)."""
        t = time.time()
        effect = {}
        seen = set()
        for obj in items:
            uid = obj["metadata"]["uid"]
            spec = obj.get("spec", {})
            ends = chaos_ends(obj)
            if ends is None or ends <= t:
                continue
            seen.add(uid)
            if uid not in self.net_selected:
                self.net_selected[uid] = [(p.metadata.namespace, p.metadata.labels or {}) for p in self.select(obj)]
                log.info("chaos: %s (%s) on %d pods", obj["metadata"]["name"], spec.get("action"),
                         len(self.net_selected[uid]))
            for svc in self.probed:
                sel = self.service_selector(svc)
                if not sel or not any(ns == svc.split("/")[0] and all(labels.get(k) == v for k, v in sel.items())
                                      for ns, labels in self.net_selected[uid]):
                    continue
                e = effect.setdefault(svc, {"delay": 0.0, "jitter": 0.0, "loss": 0.0})
                if spec.get("action") == "delay":
                    d = spec.get("delay") or {}
                    e["delay"] += parse_duration(d.get("latency", "")) or 0
                    e["jitter"] += parse_duration(d.get("jitter", "")) or 0
                elif spec.get("action") == "loss":
                    p = min(100.0, float((spec.get("loss") or {}).get("loss", "0") or 0))
                    e["loss"] = 1 - (1 - e["loss"]) * (1 - p / 100)
        for uid in list(self.net_selected):
            if uid not in seen:
                self.net_selected.pop(uid)
        if effect != self.net_effect:
            log.info("network: %s", effect or "no faults")
        self.net_effect = effect

    def sample(self):
        """A new usage sample of every running pod every 15 s (metrics-server's cadence): a base load
        per container (a share of its request that drifts slowly), plus active stress."""
        while not STOP.is_set():
            t = time.time()
            stress = [s for s in self.stress.values() if s["ends"] > t]
            out = {}
            with self.lock:
                pods = [(uid, dict(st)) for uid, st in self.pods.items()]
            for uid, st in pods:
                if st.get("phase") not in ("running", "ready") or st.get("terminating") or "containers" not in st:
                    continue
                h = (hash(uid) & 0xFFFF) / 65535.0
                drift = 0.85 + 0.15 * math.sin(t / 90.0 + h * 6.28)
                extra_cpu = sum(s["cpu"] for s in stress if uid in s["pods"])
                extra_mem = sum(s["memory"] for s in stress if uid in s["pods"])
                usage = []
                for i, (name, req, cpu_limit, mem_limit) in enumerate(st["containers"]):
                    cores = (req or 0.05) * (0.25 + 0.1 * h) * drift
                    mem = (mem_limit or 256 * 1024 ** 2) * (0.35 + 0.1 * h)
                    if i == 0:  # the stress runs beside the main container, in its cgroup
                        cores += extra_cpu
                        mem += extra_mem
                    if cpu_limit:
                        cores = min(cores, cpu_limit)
                    if mem_limit:
                        mem = min(mem, mem_limit * 0.98)
                    usage.append((name, cores, mem))
                out[uid] = (st["ns"], st["name"], st["node"], st["labels"], usage)
            # cAdvisor's counters: the usage published until now, integrated over the time since it
            # was published (the /metrics handler runs them on at that rate in between, so they
            # never go back); then the new usage is published.
            self.lock.acquire()
            dt = 0.0 if self.last_sample is None else t - self.last_sample
            for uid, (_ns, _name, _node, _labels, usage) in self.samples.items():
                for (c, cores, _mem) in usage:
                    k = self.counters.setdefault((uid, c), [0.0, 0.0, 0.0, 0.0, 0.0])
                    for i, f in enumerate((1.0, 20_000.0, 60_000.0, 150_000.0, 90_000.0)):
                        k[i] += f * cores * dt
            for uid, (_ns, _name, _node, _labels, usage) in out.items():
                for (c, _cores, _mem) in usage:
                    self.counters.setdefault((uid, c), [0.0, 0.0, 0.0, 0.0, 0.0])
            for key in [k for k in self.counters if k[0] not in out]:
                self.counters.pop(key, None)
            self.samples = out
            self.last_sample = t
            self.lock.release()
            self.sampled_at = now_iso()
            STOP.wait(15.0 if out else 2.0)


def chaos_ends(obj):
    """When a Chaos Mesh resource's experiment ends (created + duration; far away without one), or
    None while it is paused."""
    if (obj["metadata"].get("annotations") or {}).get("experiment.chaos-mesh.org/pause") == "true":
        return None
    created = dt.datetime.strptime(obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=dt.timezone.utc).timestamp()
    return created + (parse_duration(obj.get("spec", {}).get("duration", "")) or 1e9)


def send_body(handler, body, content_type, code=200):
    """A response with a whole body."""
    handler.send_response(code)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def parse_duration(s):
    """A Go duration ("30s", "5m", "1h30m") in seconds, or None."""
    parts = re.findall(r"([0-9.]+)(h|ms|m|s)", s or "")
    if not parts:
        return None
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[u] for n, u in parts)


def metrics_handler(lab):
    """metrics.k8s.io/v1beta1 as metrics-server serves it: discovery, PodMetrics and NodeMetrics lists
    (all namespaces, one namespace, one object), with labelSelector."""
    group = "/apis/metrics.k8s.io/v1beta1"

    def cpu_q(cores):
        return "%dn" % int(cores * 1e9)

    def mem_q(b):
        return "%dKi" % int(b / 1024)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send_json(self, code, obj):
            send_body(self, json.dumps(obj).encode(), "application/json", code)

        def not_found(self, what):
            self.send_json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                                 "code": 404, "message": "%s not found" % what})

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(url.query)
            sel = (q.get("labelSelector") or [""])[0]
            path = url.path.rstrip("/")
            if path in ("/healthz", "/readyz", "/livez"):
                return self.send_json(200, {"status": "ok"})
            if path == "/apis/metrics.k8s.io":
                return self.send_json(200, {"kind": "APIGroup", "apiVersion": "v1", "name": "metrics.k8s.io",
                                            "versions": [{"groupVersion": "metrics.k8s.io/v1beta1",
                                                          "version": "v1beta1"}],
                                            "preferredVersion": {"groupVersion": "metrics.k8s.io/v1beta1",
                                                                 "version": "v1beta1"}})
            if path == group:
                return self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                            "groupVersion": "metrics.k8s.io/v1beta1", "resources": [
                    {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics",
                     "verbs": ["get", "list"]},
                    {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics",
                     "verbs": ["get", "list"]}]})
            samples = lab.samples
            ts = lab.sampled_at
            m = re.fullmatch(group + r"(?:/namespaces/([^/]+))?/pods(?:/([^/]+))?", path)
            if m:
                ns, name = m.group(1), m.group(2)
                items = []
                for (pns, pname, _node, labels, usage) in samples.values():
                    if (ns and pns != ns) or (name and pname != name) or not selector_matches(sel, labels):
                        continue
                    items.append({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                                  "metadata": {"name": pname, "namespace": pns, "labels": labels,
                                               "creationTimestamp": now_iso()},
                                  "timestamp": ts, "window": "15s",
                                  "containers": [{"name": c, "usage": {"cpu": cpu_q(cores), "memory": mem_q(b)}}
                                                 for (c, cores, b) in usage]})
                if name:
                    return self.send_json(200, items[0]) if items else self.not_found("podmetrics %s/%s" % (ns, name))
                return self.send_json(200, {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                            "metadata": {}, "items": items})
            m = re.fullmatch(group + r"/nodes(?:/([^/]+))?", path)
            if m:
                name = m.group(1)
                per_node = {n: [0.0, 0.0] for n in lab.nodes}
                for (_ns, _name, node, _labels, usage) in samples.values():
                    if node in per_node:
                        per_node[node][0] += sum(u[1] for u in usage)
                        per_node[node][1] += sum(u[2] for u in usage)
                items = [{"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                          "metadata": {"name": n, "labels": {"topology.kubernetes.io/zone": lab.nodes[n]},
                                       "creationTimestamp": now_iso()},
                          "timestamp": ts, "window": "15s",
                          # the node's own processes (system, kubelet) on top of its pods
                          "usage": {"cpu": cpu_q(0.3 + c), "memory": mem_q(1.5 * 1024 ** 3 + b)}}
                         for n, (c, b) in sorted(per_node.items()) if not name or n == name]
                if name:
                    return self.send_json(200, items[0]) if items else self.not_found("nodemetrics %s" % name)
                return self.send_json(200, {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                            "metadata": {}, "items": items})
            self.not_found(path)

    return Handler


def cadvisor_handler(lab):
    """/metrics in the kubelet's cAdvisor format (the series a stock Prometheus scrapes from
    /metrics/cadvisor), for the lab's Prometheus."""
    counters = [("container_cpu_usage_seconds_total", 0, "Cumulative cpu time consumed in seconds."),
                ("container_fs_reads_bytes_total", 1, "Cumulative count of bytes read"),
                ("container_fs_writes_bytes_total", 2, "Cumulative count of bytes written"),
                ("container_network_receive_bytes_total", 3, "Cumulative count of bytes received"),
                ("container_network_transmit_bytes_total", 4, "Cumulative count of bytes transmitted")]

    def esc(v):
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with lab.lock:  # the counters and the usage they run on at, as one
                samples, counts, last = lab.samples, {k: list(v) for k, v in lab.counters.items()}, lab.last_sample
            # Counters run on between samples, at the sampled rate (as cAdvisor's do).
            dt = max(0.0, time.time() - last) if last else 0.0
            factors = (1.0, 20_000.0, 60_000.0, 150_000.0, 90_000.0)
            lines = []
            series = []
            for uid, (ns, name, node, _labels, usage) in samples.items():
                for (c, cores, mem) in usage:
                    lbl = 'container="%s",namespace="%s",node="%s",pod="%s"' % (
                        esc(c), esc(ns), esc(node or ""), esc(name))
                    series.append((uid, c, lbl, mem, cores))
            for metric, i, help_ in counters:
                lines.append("# HELP %s %s" % (metric, help_))
                lines.append("# TYPE %s counter" % metric)
                if metric.startswith("container_network_"):
                    # As the kubelet's cAdvisor: the pod's network namespace, once a pod (container=""),
                    # by interface; its containers' traffic summed.
                    per_pod = {}
                    for uid, c, _lbl, _mem, cores in series:
                        k = counts.get((uid, c))
                        if k is not None:
                            per_pod[uid] = per_pod.get(uid, 0.0) + k[i] + factors[i] * cores * dt
                    for uid, total in per_pod.items():
                        ns, name, node = samples[uid][0], samples[uid][1], samples[uid][2]
                        lines.append('%s{container="",interface="eth0",namespace="%s",node="%s",pod="%s"} %.6f' % (
                            metric, esc(ns), esc(node or ""), esc(name), total))
                    continue
                for uid, c, lbl, _mem, cores in series:
                    k = counts.get((uid, c))
                    if k is not None:
                        lines.append("%s{%s} %.6f" % (metric, lbl, k[i] + factors[i] * cores * dt))
            lines.append("# HELP container_memory_working_set_bytes Current working set in bytes.")
            lines.append("# TYPE container_memory_working_set_bytes gauge")
            for _uid, _c, lbl, mem, _cores in series:
                lines.append("container_memory_working_set_bytes{%s} %d" % (lbl, int(mem)))
            send_body(self, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4; charset=utf-8")

    return Handler


def probe_handler(lab):
    """/probe/NAMESPACE/SERVICE: 200 after the service's NetworkChaos delay (latency +- jitter); a
    share of exchanges (its loss) closed unanswered, which the prober counts as failed."""
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *a):
            pass

        def do_GET(self):
            svc = self.path.split("?")[0][len("/probe/"):] if self.path.startswith("/probe/") else ""
            if svc not in lab.probed:
                self.send_error(404, "no such service")
                return
            e = lab.net_effect.get(svc)
            if e:
                if e["loss"] > 0 and lab.rng.random() < e["loss"]:
                    self.close_connection = True
                    return
                delay = e["delay"] + (lab.rng.uniform(-e["jitter"], e["jitter"]) if e["jitter"] else 0)
                if delay > 0:
                    time.sleep(delay)
            send_body(self, b"ok\n", "text/plain")
    return Handler


def serve_probes(lab, port):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), probe_handler(lab))
    server.daemon_threads = True
    log.info("service probes on http://127.0.0.1:%d/probe/ (%s)", port, ", ".join(lab.probed))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve_cadvisor(lab, port):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), cadvisor_handler(lab))
    server.daemon_threads = True
    log.info("cAdvisor-style /metrics on http://127.0.0.1:%d/metrics", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve_metrics(lab, port, cert, key, ca):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), metrics_handler(lab))
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    # Only the API server's aggregator (its front-proxy client certificate, signed by the lab's CA).
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    log.info("metrics.k8s.io served on https://127.0.0.1:%d", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


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
    ap.add_argument("--failover-namespace", default="pipeline")
    ap.add_argument("--failover-selector", default="app=postgres")
    ap.add_argument("--failover-delay", type=float, default=8.0)
    ap.add_argument("--metrics-port", type=int, default=0, help="serve metrics.k8s.io here (0: not at all)")
    ap.add_argument("--metrics-cert")
    ap.add_argument("--metrics-key")
    ap.add_argument("--metrics-ca", help="CA of the client certificates allowed (the aggregator's)")
    ap.add_argument("--cadvisor-port", type=int, default=0, help="serve cAdvisor-style /metrics here (0: not at all)")
    ap.add_argument("--probe-port", type=int, default=0, help="answer the services' probes here (0: not at all)")
    ap.add_argument("--probe-services", default="", help="NAMESPACE/SERVICE,...: the services probed")
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
               (lab.heartbeat, lab.watch_pods, lab.run_queue, lab.failover, lab.chaos, lab.sample)]
    for t in threads:
        t.start()
    if args.metrics_port:
        serve_metrics(lab, args.metrics_port, args.metrics_cert, args.metrics_key, args.metrics_ca)
    if args.cadvisor_port:
        serve_cadvisor(lab, args.cadvisor_port)
    if args.probe_port:
        serve_probes(lab, args.probe_port)
    log.info("emulating nodes %s", ", ".join(lab.nodes))
    while not STOP.is_set():
        STOP.wait(1)
    lab.pool.shutdown(wait=False, cancel_futures=True)
    log.info("stopped")


if __name__ == "__main__":
    sys.exit(main())
