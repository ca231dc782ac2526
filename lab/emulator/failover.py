"""The Postgres operator: failover to the replica when the primary is gone."""
import time
from kubernetes import client
from kubernetes.client.rest import ApiException
from .util import now_iso, pod_ready, pod_role, log, STOP


class Operator:
    """The Postgres operator: promotes the replica when the primary has been gone for the failover delay."""

    # ---- the Postgres operator -----------------------------------------------------------
    def failover(self):
        """Each namespace of --failover-namespace (comma-separated) has a Postgres of its own."""
        while not STOP.is_set():
            for ns in self.args.failover_namespace.split(","):
                self.failover_once(ns)
            STOP.wait(1.0)

    def failover_once(self, ns):
        sel = self.args.failover_selector
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
                self.primary_lost_at[ns] = None
            elif self.primary_lost_at.get(ns) is None:
                self.primary_lost_at[ns] = time.monotonic()
                log.info("operator: no ready primary in %s", ns)
            elif time.monotonic() - self.primary_lost_at[ns] >= self.args.failover_delay:
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
                    self.primary_lost_at[ns] = None
        except ApiException as e:
            log.info("operator: API error %s %s", e.status, e.reason)
        except Exception as e:
            log.info("operator: %r", e)

    def event(self, ns, pod, reason, message, warning=False):
        t = now_iso()
        body = client.CoreV1Event(
            metadata=client.V1ObjectMeta(generate_name=pod.metadata.name + ".", namespace=ns),
            involved_object=client.V1ObjectReference(kind="Pod", namespace=ns, name=pod.metadata.name,
                                                     uid=pod.metadata.uid, api_version="v1"),
            reason=reason, message=message, type="Warning" if warning else "Normal",
            first_timestamp=t, last_timestamp=t, count=1,
            source=client.V1EventSource(component="lab-operator"))
        try:
            self.core.create_namespaced_event(ns, body)
        except ApiException:
            pass
