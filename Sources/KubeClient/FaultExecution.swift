import ClusterState
import Foundation

/// How a real cluster carries out a fault: one case a fault kind in `of` (the KubeClient's one
/// switch over `FaultKind`); the executor (`KubeCluster.inject`) acts on the answer.
enum FaultExecution {
  /// DELETE (or evict) the chosen pods.
  case deletePods
  /// Set the workload's replicas through its scale subresource, then set them back.
  case scale
  /// Cordon the node (and with `drain`, evict its pods), uncordon at the end.
  case cordon(drain: Bool)
  /// Done on the node's machine, not through the API: refused with the reason.
  case onNode
  /// A Chaos Mesh resource with this `spec` (beyond its mode and selector).
  case chaos([String: Any])
  /// Cannot be built from this request and state: the fault fails with the reason.
  case refused(String)

  /// How a real cluster carries out a request on `pods` (an exhaustive switch: a new fault kind must
  /// say here how it is done); `state` for what else a spec names (another workload's pods).
  static func of(_ request: FaultRequest, pods: [Pod], state: ClusterSnapshot) -> FaultExecution {
    let p = request.parameters
    let duration = "\(Int(p.duration))s"
    switch request.kind {
    case .podKill, .killPrimary, .evict: return .deletePods
    case .scale: return .scale
    case .cordon: return .cordon(drain: false)
    case .drain: return .cordon(drain: true)
    case .nodeStop, .memoryPressure, .zoneOutage: return .onNode
    case .containerKill:
      return .chaos(["action": "container-kill", "containerNames": [pods.first?.containerNames.first ?? "main"]])
    case .networkDelay:
      return .chaos([
        "action": "delay", "direction": "to", "duration": duration,
        "delay": ["latency": "\(Int(p.delayMs))ms", "jitter": "\(Int(p.jitterMs))ms", "correlation": "0"],
      ])
    case .networkLoss:
      return .chaos([
        "action": "loss", "direction": "to", "duration": duration,
        "loss": ["loss": "\(Int(p.lossPercent))", "correlation": "0"],
      ])
    case .cpuHog:
      let workers = max(1, Int((p.cpuMilli / 1000).rounded(.up)))
      return .chaos([
        "duration": duration,
        "stressors": ["cpu": ["workers": workers, "load": min(100, Int(p.cpuMilli / Double(workers) / 10))]],
      ])
    case .memoryHog:
      return .chaos([
        "duration": duration,
        "stressors": ["memory": ["workers": 1, "size": "\(Int(p.memoryMiBPerSec * p.duration))MB"]],
      ])
    case .dnsError:
      return .chaos(["action": "error", "patterns": ["*"], "duration": duration])
    case .timeSkew:
      return .chaos(["timeOffset": "\(Int(p.skewSeconds))s", "duration": duration])
    case .ioLatency:
      let volume = FaultPlan.volumePath(request, pods: pods)
      var spec: [String: Any] = [
        "action": "latency", "volumePath": volume, "path": volume + "/**/*", "delay": "\(Int(p.ioDelayMs))ms",
        "percent": 100, "duration": duration,
      ]
      if let c = pods.first?.containerNames.first { spec["containerNames"] = [c] }
      return .chaos(spec)
    case .networkPartition:
      // The other side: the peer workload's pods, selected by their common labels.
      guard let peer = p.peer else { return .refused("network partition names no other workload (peer)") }
      let ns = request.target.namespace
      let peers = FaultPlan.members(of: WorkloadID(namespace: ns, name: peer), in: state)
      guard !peers.isEmpty else { return .refused("workload \(ns)/\(peer) has no pods to cut off") }
      return .chaos([
        "action": "partition", "direction": p.direction, "duration": duration,
        "target": [
          "mode": "all", "selector": ["namespaces": [ns], "labelSelectors": ChaosMesh.selectorLabels(peers)],
        ],
      ])
    case .bandwidthLimit:
      return .chaos([
        "action": "bandwidth", "duration": duration,
        "bandwidth": ["rate": "\(Int(p.rateKbit))kbit", "limit": p.limitBytes, "buffer": p.bufferBytes],
      ])
    case .httpAbort:
      return .chaos([
        "target": "Request", "port": FaultPlan.httpPort(request, pods: pods), "path": p.httpPath, "abort": true,
        "duration": duration,
      ])
    }
  }
}
