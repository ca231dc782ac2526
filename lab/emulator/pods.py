"""The kubelet's pod lifecycle: creation, readiness, graceful deletion, container restarts."""
import heapq
import json
import os
import queue
import threading
import time
from types import SimpleNamespace

from kubernetes import client
from kubernetes.watch.watch import iter_resp_lines
from kubernetes.client.rest import ApiException
from .util import now_iso, quantity, log, STOP


def slim_pod(pod):
    """What a status write needs of a pod (its uid, its containers' names and images), without the
    rest of the decoded object."""
    return SimpleNamespace(
        metadata=SimpleNamespace(uid=pod.metadata.uid),
        spec=SimpleNamespace(containers=[SimpleNamespace(name=c.name, image=c.image) for c in pod.spec.containers]))


class PodLifecycle:
    """The kubelet's pod lifecycle: ContainerCreating, Running, Ready after realistic delays;
    graceful deletion; container restarts with back-off."""

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

    # ---- pods -----------------------------------------------------------------------------
    def watch_pods(self):
        """Every pod (a paged list), then every change (a watch from the list's resourceVersion).
        This thread only reads: pages and watch lines are parsed as plain JSON and queued, and
        `handle_pod_events` decodes what needs acting on. At 40,000 pods a list decoded into models
        as it was read took longer than the watch cache's window, so each watch after it ended at
        once with 410 Gone and the pods waiting to run never ran; a watch from resourceVersion 0
        instead is closed by the server while it sends its 100,000 first events."""
        events = queue.SimpleQueue()
        threading.Thread(target=self.handle_pod_events, args=(events,), daemon=True).start()
        backoff = 0.8
        rv = None
        while not STOP.is_set():
            try:
                if rv is None:
                    rv, n, cont = None, 0, None
                    while True:
                        page = self.core.list_pod_for_all_namespaces(limit=500, _continue=cont, _preload_content=False)
                        body = json.loads(page.data)
                        rv = rv or body["metadata"]["resourceVersion"]
                        for item in body.get("items") or []:
                            events.put(("ADDED", item))
                        n += len(body.get("items") or [])
                        cont = body["metadata"].get("continue")
                        if not cont:
                            break
                    log.info("listed %d pods at resourceVersion %s", n, rv)
                resp = self.core.list_pod_for_all_namespaces(
                    watch=True, resource_version=rv, timeout_seconds=300, allow_watch_bookmarks=True,
                    _preload_content=False)
                try:
                    for line in iter_resp_lines(resp):
                        if STOP.is_set():
                            return
                        ev = json.loads(line)
                        if ev["type"] == "ERROR":
                            raise ApiException(status=ev["object"].get("code"), reason=ev["object"].get("message"))
                        rv = ev["object"].get("metadata", {}).get("resourceVersion") or rv
                        events.put((ev["type"], ev["object"]))
                        backoff = 0.8
                finally:
                    resp.release_conn()
            except ApiException as e:
                log.info("pod watch ended: %s %s; listing again", e.status, e.reason)
                rv = None if e.status == 410 else rv
            except Exception as e:
                log.info("pod watch lost: %r; watching again in %.1fs", e, backoff)
                STOP.wait(backoff * (0.5 + self.rng.random()))
                backoff = min(30.0, backoff * 2)

    def handle_pod_events(self, events):
        """The pods listed and watched, acted on. A scale pod already known, and not being deleted,
        is skipped before decoding into a model (its MODIFIED events are this emulator's own status
        writes)."""
        while not STOP.is_set():
            try:
                kind, obj = events.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                meta = obj.get("metadata", {})
                if kind == "DELETED":
                    with self.lock:
                        self.pods.pop(meta.get("uid"), None)
                    continue
                if kind not in ("ADDED", "MODIFIED"):
                    continue
                with self.lock:
                    known = meta.get("uid") in self.pods
                if known and (meta.get("labels") or {}).get("lab.chaostui.io/scale") and \
                        not meta.get("deletionTimestamp"):
                    continue
                self.observe(self.core.api_client._ApiClient__deserialize(obj, "V1Pod"))
            except Exception as e:  # never die on one pod
                log.warning("pod event: %r", e)

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
            probes = [c.readiness_probe for c in pod.spec.containers if c.readiness_probe is not None]
            # The readiness probe's period and failure threshold (Kubernetes' defaults: 10 s, 3).
            st["probe"] = ((probes[0].period_seconds or 10), (probes[0].failure_threshold or 3)) if probes else None
            st["containers"] = [(c.name, quantity((c.resources.requests or {}).get("cpu", "0")) if c.resources else 0,
                                 quantity((c.resources.limits or {}).get("cpu", "0")) if c.resources else 0,
                                 quantity((c.resources.limits or {}).get("memory", "0")) if c.resources else 0)
                                for c in pod.spec.containers]
        if pod.metadata.deletion_timestamp is not None:
            if not st["terminating"]:
                st["terminating"] = True
                grace = pod.metadata.deletion_grace_period_seconds
                grace = 30 if grace is None else grace
                if st.get("exec"):
                    self.exec_stop(uid, min(grace, self.args.max_grace))
                self.later(min(grace, self.args.max_grace), key, lambda: self.finish_delete(key))
            return
        if not known:
            statuses = pod.status.container_statuses or []
            if pod.status.phase == "Running" and statuses and all(c.ready for c in statuses):
                # Already running (the emulator restarted): adopt as it is.
                st["phase"] = "ready"
                st["ip"] = pod.status.pod_ip
                st["restarts"] = max(c.restart_count for c in statuses)
            elif self.exec_wanted(pod):
                # chaostui's image: the binary really runs (execpods.py).
                self.later(0.1, key, lambda: self.exec_start(key, pod))
            elif (pod.metadata.labels or {}).get("lab.chaostui.io/scale"):
                # Scale-test pods: one status write straight to Running and Ready. The queue holds
                # only what that write needs: with tens of thousands of pods waiting, a decoded pod
                # each took 9 GB at 100,000 pods.
                slim = slim_pod(pod)
                self.later(0.1, key, lambda: self.running(key, slim, ready_now=True))
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
        # The answer is not decoded into a V1Pod: at scale that decoding was the emulator's largest cost.
        resp = self.core.patch_namespaced_pod_status(name, ns, {"status": status}, _preload_content=False)
        resp.read()
        resp.release_conn()

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

    def readiness_under_stress(self):
        """Readiness probes time out in a pod whose CPU a StressChaos takes (90% of its limit or
        more): after failureThreshold failures periodSeconds apart the pod is not Ready, so its
        Service's endpoints drop it; it is Ready again at the first probe that answers once the
        stress ends."""
        now = time.monotonic()
        with self.lock:
            items = [(uid, st) for uid, st in self.pods.items() if st.get("probe") and not st["terminating"]]
        for uid, st in items:
            if not self.starved(uid, st):
                st["probe_failures"] = 0
                if st["phase"] == "unready":
                    self.set_ready((st["ns"], st["name"], uid), True)
                continue
            period, threshold = st["probe"]
            if st["phase"] != "ready" or now - st.get("probed", 0.0) < period:
                continue
            st["probed"] = now
            st["probe_failures"] = st.get("probe_failures", 0) + 1
            if st["probe_failures"] >= threshold:
                self.set_ready((st["ns"], st["name"], uid), False)

    def starved(self, uid, st):
        """Whether active StressChaos takes 90% or more of the pod's CPU limit."""
        t = time.time()
        cpu = sum(s["cpu"] for s in list(self.stress.values()) if s["ends"] > t and uid in s["pods"])
        limit = sum(c[2] for c in st.get("containers", []))
        return limit > 0 and cpu >= 0.9 * limit

    def set_ready(self, key, ready):
        """The Ready condition of a running pod, its containers' states kept."""
        ns, name, uid = key
        st = self.pods.get(uid)
        try:
            pod = self.core.read_namespaced_pod(name, ns)
        except ApiException:
            return
        if st is None or pod.metadata.uid != uid:
            return
        statuses = self.core.api_client.sanitize_for_serialization(pod.status.container_statuses or [])
        for c in statuses:
            c["ready"] = ready
        self.patch_status(key, {"conditions": self.conditions(ready), "containerStatuses": statuses})
        st["phase"] = "ready" if ready else "unready"
        if not ready:
            self.event(ns, pod, "Unhealthy", "Readiness probe failed: context deadline exceeded (CPU starved)",
                       warning=True)
        log.info("readiness: %s/%s %s", ns, name, "Ready again" if ready else "not Ready (probes time out)")

    def kill_container(self, key, why):
        """The container dies; the kubelet restarts it at once the first time, then with back-off."""
        ns, name, uid = key
        st = self.pods.get(uid)
        if st is None or st["terminating"] or st["phase"] not in ("running", "ready", "unready"):
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
