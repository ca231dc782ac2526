"""Helpers of the lab's emulator with no API client: times, quantities, label selectors,
Chaos Mesh durations, pods' readiness and role."""
import datetime as dt
import logging
import re
import threading

log = logging.getLogger("kubelet")
STOP = threading.Event()

SUFFIX = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
          "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4}


def now_iso():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def chaos_ends(obj):
    """When a Chaos Mesh resource's experiment ends (created + duration; far away without one), or
    None while it is paused."""
    if (obj["metadata"].get("annotations") or {}).get("experiment.chaos-mesh.org/pause") == "true":
        return None
    created = dt.datetime.strptime(obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=dt.timezone.utc).timestamp()
    return created + (parse_duration(obj.get("spec", {}).get("duration", "")) or 1e9)


def parse_duration(s):
    """A Go duration ("30s", "5m", "1h30m") in seconds, or None."""
    parts = re.findall(r"([0-9.]+)(h|ms|m|s)", s or "")
    if not parts:
        return None
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[u] for n, u in parts)


def parse_rate(s):
    """A tc rate as Chaos Mesh takes it ("1mbit", "500kbit", "2mbps": bps is bytes a second) in bits
    a second, or None."""
    m = re.fullmatch(r"([0-9.]+)\s*(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)", (s or "").strip().lower())
    if not m:
        return None
    scale = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}
    unit = m.group(2)
    if unit.endswith("bit"):
        return float(m.group(1)) * scale[unit[:-3]]
    return float(m.group(1)) * scale[unit[:-3]] * 8


def send_body(handler, body, content_type, code=200):
    """A response with a whole body."""
    handler.send_response(code)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def status_report_due(ready, last_ready, last_report, now, period):
    """Whether a node's status is written now, as a 1.20 kubelet with node leases decides: when its
    readiness changed (or was never written), else when ready and `period` seconds have passed since
    the last write. A node that stays NotReady is not written again (its lease lapses instead)."""
    if last_ready is None or last_ready != ready or last_report is None:
        return True
    return ready and now - last_report >= period
