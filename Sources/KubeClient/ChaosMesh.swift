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
    public var path: String { "/apis/\(group)/namespaces/\(seg(namespace))/\(plural)/\(seg(name))" }
  }

  public static func plural(for kind: FaultKind) -> String? { kind.descriptor.needs.chaosMeshPlural }

  /// Every kind of resource chaostui makes, by plural, with its kind (from the fault table).
  public static let kinds: [(plural: String, kind: String)] = {
    var out: [(plural: String, kind: String)] = []
    for d in FaultTable.all {
      if case .chaosMesh(let plural, let kind) = d.needs, !out.contains(where: { $0.plural == plural }) {
        out.append((plural, kind))
      }
    }
    return out
  }()
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
    _ request: FaultRequest, id: Int, session: String, pods: [Pod], state: ClusterSnapshot
  ) -> (plural: String, json: [String: Any], name: String)? {
    guard case .chaosMesh(let plural, let kind) = request.kind.descriptor.needs else { return nil }
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
    case .node, .zone: return nil
    }
    guard case .chaos(var spec) = FaultExecution.of(request, pods: pods, state: state) else { return nil }
    spec["mode"] = mode
    spec["selector"] = selector
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
