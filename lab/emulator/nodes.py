"""The emulated nodes: registration, leases, and node status as a 1.20 kubelet writes it."""
import os
import time
from kubernetes import client
from kubernetes.client.rest import ApiException
from .util import status_report_due, now_iso, now_micro, log, STOP


class NodeAgent:
    """The node agent: registers the nodes, renews their leases and writes their status as a 1.20
    kubelet does (on a change, else every --node-status-report seconds)."""

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
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.args.kubelet_port or 10250}},
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
                    if status_report_due(ready, last_ready.get(name), last_report.get(name), time.monotonic(),
                                         self.args.node_status_report):
                        self.core.patch_node_status(name, self.node_status(name, ready))
                        last_report[name] = time.monotonic()
                    if ready:
                        self.renew_lease(name)
                    if last_ready.get(name) is not None and last_ready[name] != ready:
                        log.info("node %s is now %s", name, "Ready" if ready else "NotReady")
                        if ready:
                            # Started again: what happened to its pods meanwhile (a deletion by the
                            # node controller, a new pod bound here) is acted on now, as a kubelet
                            # that syncs its pods on start.
                            for p in self.core.list_pod_for_all_namespaces(
                                    field_selector="spec.nodeName=" + name).items:
                                self.observe(p)
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
