"""Usage samples and the servers that publish them: metrics.k8s.io, cAdvisor /metrics, probes."""
import http.server
import json
import math
import re
import ssl
import threading
import time
import urllib.parse
from .util import now_iso, selector_matches, send_body, log, STOP


class MetricsSampler:
    """A new usage sample of every running pod every 15 s (metrics-server's cadence)."""

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
                live = st.get("phase") in ("running", "ready", "unready") and not st.get("terminating")
                if not live or "containers" not in st:
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
            # The load balancer picks one of the service's Ready pods: one starved of CPU by a
            # StressChaos (until its failing readiness probe takes it out) answers late.
            ns, sel = svc.split("/")[0], lab.service_selector(svc) or {}
            with lab.lock:
                ready = [(uid, st) for uid, st in lab.pods.items() if st.get("ns") == ns and st.get("phase") == "ready"
                         and all(st.get("labels", {}).get(k) == v for k, v in sel.items())]
            if ready:
                # Round robin over the Ready endpoints, as kube-proxy's spreading comes to.
                with lab.lock:
                    n = lab.rr.get(svc, 0)
                    lab.rr[svc] = n + 1
                ready.sort(key=lambda item: item[1].get("name", ""))
                if lab.starved(*ready[n % len(ready)]):
                    time.sleep(1.2)
            e = lab.net_effect.get(svc)
            if e:
                if e["loss"] > 0 and lab.rng.random() < e["loss"]:
                    self.close_connection = True
                    return
                if e.get("error", 0) > 0 and lab.rng.random() < e["error"]:
                    self.send_error(503, "could not resolve a dependency (DNSChaos)")
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
