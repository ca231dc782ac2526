"""Chaos Mesh's chaos-daemon for the lab: PodChaos, StressChaos, and on the services' probes
NetworkChaos, IOChaos, HTTPChaos and DNSChaos."""
import time
from kubernetes import client
from kubernetes.client.rest import ApiException
from .util import quantity, chaos_ends, parse_duration, parse_rate, log, STOP


class ChaosDaemon:
    """Chaos Mesh's chaos-daemon, as far as the lab needs it: PodChaos container-kill, StressChaos load
    and the delay and loss of NetworkChaos on the services' probes."""

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
                self.readiness_under_stress()
                if self.probed:
                    items = self.custom.list_cluster_custom_object(
                        "chaos-mesh.org", "v1alpha1", "networkchaos")["items"]
                    # What a probe of the service can show of the other kinds: a volume's latency, an
                    # aborted request, a failed lookup of what the service calls.
                    for plural in ("iochaos", "httpchaos", "dnschaos"):
                        try:
                            items += self.custom.list_cluster_custom_object(
                                "chaos-mesh.org", "v1alpha1", plural)["items"]
                        except ApiException as e:
                            if e.status != 404:
                                raise
                    self.track_network(items)
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
        node_sel = sel.get("nodeSelectors") or {}
        if node_sel:
            # Only pods on nodes with these labels (a zone, a host), as Chaos Mesh selects them.
            labels_of = {}
            for n in {p.spec.node_name for p in pods if p.spec.node_name}:
                try:
                    labels_of[n] = self.core.read_node(n).metadata.labels or {}
                except ApiException:
                    labels_of[n] = {}
            pods = [p for p in pods if all(labels_of.get(p.spec.node_name, {}).get(k) == v
                                           for k, v in node_sel.items())]
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
                chosen = self.select(obj)
                if spec.get("action") == "partition" and (spec.get("target") or {}).get("selector"):
                    # A partition cuts both sides' traffic: the selected pods and the target's.
                    target = spec["target"]
                    other = {"metadata": obj["metadata"],
                             "spec": {"selector": target["selector"], "mode": target.get("mode", "all")}}
                    chosen = chosen + self.select(other)
                self.net_selected[uid] = [(p.metadata.namespace, p.metadata.labels or {}) for p in chosen]
                log.info("chaos: %s (%s) on %d pods", obj["metadata"]["name"], spec.get("action"),
                         len(self.net_selected[uid]))
            for svc in self.probed:
                sel = self.service_selector(svc)
                if not sel or not any(ns == svc.split("/")[0] and all(labels.get(k) == v for k, v in sel.items())
                                      for ns, labels in self.net_selected[uid]):
                    continue
                kind = obj.get("kind", "NetworkChaos")
                if kind not in ("NetworkChaos", "IOChaos", "HTTPChaos", "DNSChaos"):
                    continue  # a clock skew shows on no probe
                e = effect.setdefault(svc, {"delay": 0.0, "jitter": 0.0, "loss": 0.0, "error": 0.0})
                if kind == "IOChaos" and spec.get("action") == "latency":
                    # A query touches a few pages of the volume: the delay shows several times.
                    e["delay"] += 3 * (parse_duration(spec.get("delay", "")) or 0)
                elif kind == "HTTPChaos" and spec.get("abort"):
                    e["loss"] = 1.0  # the request is cut: the prober sees the connection closed
                elif kind == "DNSChaos":
                    e["error"] = 1.0  # the service cannot resolve what it calls: it answers 503
                elif kind != "NetworkChaos":
                    continue
                elif spec.get("action") == "delay":
                    d = spec.get("delay") or {}
                    e["delay"] += parse_duration(d.get("latency", "")) or 0
                    e["jitter"] += parse_duration(d.get("jitter", "")) or 0
                elif spec.get("action") == "bandwidth":
                    # A probe's answer (16 KB, as the pipeline's pages) through the shaped link.
                    rate = parse_rate((spec.get("bandwidth") or {}).get("rate", ""))
                    if rate:
                        e["delay"] += 16 * 1024 * 8 / rate
                elif spec.get("action") == "partition":
                    e["error"] = 1.0  # its calls across the cut time out: it answers 503
                elif spec.get("action") == "loss":
                    p = min(100.0, float((spec.get("loss") or {}).get("loss", "0") or 0))
                    e["loss"] = 1 - (1 - e["loss"]) * (1 - p / 100)
        for uid in list(self.net_selected):
            if uid not in seen:
                self.net_selected.pop(uid)
        if effect != self.net_effect:
            log.info("network: %s", effect or "no faults")
        self.net_effect = effect
