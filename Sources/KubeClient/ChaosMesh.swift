import ClusterState
import Foundation
import Transport

/// Faults as Chaos Mesh resources (chaos-mesh.org/v1alpha1): PodChaos container-kill, NetworkChaos
/// delay and loss, StressChaos cpu and memory. Each carries a duration (Chaos Mesh ends it even if
/// chaostui dies) and labels that mark it as chaostui's, with the session id, so the panic key and
/// every exit path can delete what this session made.
public enum ChaosMesh {
  public static let group = "chaos-mesh.org/v1alpha1"
  public static let managedBy = "app.kubernetes.io/managed-by"
  public static let sessionLabel = "chaostui.io/session"

  public struct Resource: Sendable, Equatable, Codable {
    public var plural: String
    public var namespace: String
    public var name: String
    public var path: String { "/apis/\(group)/namespaces/\(namespace)/\(plural)/\(name)" }
  }

  public static func plural(for kind: FaultKind) -> String? {
    switch kind {
    case .containerKill: return "podchaos"
    case .networkDelay, .networkLoss: return "networkchaos"
    case .cpuHog, .memoryHog: return "stresschaos"
    case .dnsError: return "dnschaos"
    case .timeSkew: return "timechaos"
    case .ioLatency: return "iochaos"
    case .httpAbort: return "httpchaos"
    default: return nil
    }
  }

  /// Every kind of resource chaostui makes, by plural, with its kind.
  public static let kinds: [(plural: String, kind: String)] = [
    ("podchaos", "PodChaos"), ("networkchaos", "NetworkChaos"), ("stresschaos", "StressChaos"),
    ("dnschaos", "DNSChaos"), ("timechaos", "TimeChaos"), ("iochaos", "IOChaos"), ("httpchaos", "HTTPChaos"),
  ]
  public static var plurals: [String] { kinds.map(\.plural) }

  /// Labels that select a workload's pods: the first pod's labels without the per-pod ones.
  static func selectorLabels(_ pods: [Pod]) -> [String: String] {
    guard let first = pods.first else { return [:] }
    var common = first.labels
    for key in [
      "pod-template-hash", "statefulset.kubernetes.io/pod-name", "controller-revision-hash", "role",
      "spilo-role", "cnpg.io/instanceRole",
    ] {
      common.removeValue(forKey: key)
    }
    for p in pods.dropFirst() { common = common.filter { p.labels[$0.key] == $0.value } }
    return common
  }

  /// The resource body for a fault, or nil when the kind is not a Chaos Mesh one.
  public static func body(
    _ request: FaultRequest, id: Int, session: String, pods: [Pod]
  ) -> (plural: String, json: [String: Any], name: String)? {
    guard let plural = plural(for: request.kind) else { return nil }
    let p = request.parameters
    let ns = request.target.namespace
    let name = "chaostui-\(session)-\(id)-\(request.kind.rawValue)"
    var selector: [String: Any]
    var mode = "all"
    switch request.target {
    case .pod(let ns, let podName):
      selector = ["pods": [ns: [podName]]]
    case .workload(let ns, _):
      selector = ["namespaces": [ns], "labelSelectors": selectorLabels(pods)]
      if let zone = p.zone { selector["nodeSelectors"] = ["topology.kubernetes.io/zone": zone] }
      mode = p.mode == .one ? "one" : "all"
    case .node: return nil
    }
    var spec: [String: Any] = ["mode": mode, "selector": selector]
    let duration = "\(Int(p.duration))s"
    switch request.kind {
    case .containerKill:
      spec["action"] = "container-kill"
      spec["containerNames"] = [pods.first?.containerNames.first ?? "main"]
    case .networkDelay:
      spec["action"] = "delay"
      spec["delay"] = ["latency": "\(Int(p.delayMs))ms", "jitter": "\(Int(p.jitterMs))ms", "correlation": "0"]
      spec["direction"] = "to"
      spec["duration"] = duration
    case .networkLoss:
      spec["action"] = "loss"
      spec["loss"] = ["loss": "\(Int(p.lossPercent))", "correlation": "0"]
      spec["direction"] = "to"
      spec["duration"] = duration
    case .cpuHog:
      let workers = max(1, Int((p.cpuMilli / 1000).rounded(.up)))
      spec["stressors"] = ["cpu": ["workers": workers, "load": min(100, Int(p.cpuMilli / Double(workers) / 10))]]
      spec["duration"] = duration
    case .memoryHog:
      spec["stressors"] = ["memory": ["workers": 1, "size": "\(Int(p.memoryMiBPerSec * p.duration))MB"]]
      spec["duration"] = duration
    case .dnsError:
      spec["action"] = "error"
      spec["patterns"] = ["*"]
      spec["duration"] = duration
    case .timeSkew:
      spec["timeOffset"] = "\(Int(p.skewSeconds))s"
      spec["duration"] = duration
    case .ioLatency:
      let volume = FaultPlan.volumePath(request, pods: pods)
      spec["action"] = "latency"
      spec["volumePath"] = volume
      spec["path"] = volume + "/**/*"
      spec["delay"] = "\(Int(p.ioDelayMs))ms"
      spec["percent"] = 100
      spec["duration"] = duration
      if let c = pods.first?.containerNames.first { spec["containerNames"] = [c] }
    case .httpAbort:
      spec["target"] = "Request"
      spec["port"] = FaultPlan.httpPort(request, pods: pods)
      spec["path"] = p.httpPath
      spec["abort"] = true
      spec["duration"] = duration
    default: return nil
    }
    let kind = kinds.first { $0.plural == plural }?.kind ?? "PodChaos"
    let json: [String: Any] = [
      "apiVersion": group, "kind": kind,
      "metadata": [
        "name": name, "namespace": ns,
        "labels": [managedBy: "chaostui", sessionLabel: session, "chaostui.io/fault": request.kind.rawValue],
      ],
      "spec": spec,
    ]
    return (plural, json, name)
  }
}
