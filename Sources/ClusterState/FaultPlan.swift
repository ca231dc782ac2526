import Foundation

/// How much of a workload a fault targets, as chosen in the fault menu.
public enum FaultScope: Int, Sendable, CaseIterable {
  case pod, oneOfWorkload, allOfWorkload
  /// Every pod of the workload on nodes of the selected pod's zone.
  case zoneOfWorkload
}

/// Fault planning, in one place for the keys, the demo and a real cluster: the request a choice
/// makes, its strength steps, which pods it hits and what a confirmation says it touches.
public enum FaultPlan {
  /// The request a fault-menu choice makes for a pod and scope, by the fault's target kind; nil when
  /// the pod is gone (or has no workload, node or zone where the fault needs one).
  public static func request(for kind: FaultKind, podID: String, scope: FaultScope, state: ClusterSnapshot)
    -> FaultRequest?
  {
    guard let pod = state.pods[podID] else { return nil }
    var params = FaultParameters()
    let workload = pod.workload.map { FaultTarget.workload(namespace: pod.namespace, name: $0) }
    var req: FaultRequest
    switch kind.descriptor.target {
    case .pods:
      if scope == .pod {
        req = FaultRequest(kind: kind, target: .pod(namespace: pod.namespace, name: pod.name), parameters: params)
      } else {
        guard let workload else { return nil }
        params.mode = scope == .oneOfWorkload ? .one : .all
        if scope == .zoneOfWorkload {
          guard let zone = pod.node.flatMap({ state.nodes[$0]?.zone }), !zone.isEmpty else { return nil }
          params.zone = zone
        }
        req = FaultRequest(kind: kind, target: workload, parameters: params)
      }
    case .primary:
      req = FaultRequest(
        kind: kind, target: workload ?? .pod(namespace: pod.namespace, name: pod.name), parameters: params)
    case .workload:
      guard let workload else { return nil }
      req = FaultRequest(kind: kind, target: workload, parameters: params)
    case .node:
      guard let node = pod.node else { return nil }
      req = FaultRequest(kind: kind, target: .node(name: node), parameters: params)
    case .zone:
      guard let zone = pod.node.flatMap({ state.nodes[$0]?.zone }), !zone.isEmpty else { return nil }
      req = FaultRequest(kind: kind, target: .zone(name: zone), parameters: params)
    }
    kind.descriptor.prepare(&req, pod, state)
    return req
  }

  /// One step stronger or weaker (the confirmation's + and -), as the fault's table row says.
  public static func adjust(_ req: inout FaultRequest, up: Bool, state: ClusterSnapshot) {
    req.kind.descriptor.strength?.step(&req, up, state)
  }

  /// How long the demo's pods tolerate a NotReady node before the node controller evicts them
  /// (`node.kubernetes.io/not-ready:NoExecute`; Kubernetes' default is 300 s).
  public static let nodeToleration: Seconds = 30

  /// The volume IO latency acts on, by the workload's kind of data (a database's data directory).
  public static func volumePath(_ req: FaultRequest, pods: [Pod]) -> String {
    if let v = req.parameters.volumePath { return v }
    let w = pods.first?.workload ?? ""
    if w.contains("postgres") { return "/var/lib/postgresql/data" }
    if w.contains("spark") { return "/opt/spark/work" }
    return "/data"
  }

  /// The port HTTP abort proxies: the app's (gunicorn's 8000 for Flask), else 80.
  public static func httpPort(_ req: FaultRequest, pods: [Pod]) -> Int {
    req.parameters.httpPort ?? ((pods.first?.workload ?? "").contains("flask") ? 8000 : 80)
  }

  /// The live (not terminating) pods of a workload; with a zone, those on nodes of that zone.
  public static func members(of workload: WorkloadID, in state: ClusterSnapshot, zone: String? = nil) -> [Pod] {
    state.pods.values.filter {
      ClusterSnapshot.belongs($0, to: workload.key) && !$0.isTerminating
        && (zone == nil || $0.node.flatMap { state.nodes[$0]?.zone } == zone)
    }
    .sorted { $0.name < $1.name }
  }

  /// Which pods a request hits: the pod named, a workload's pods (one of them, chosen by `pick`, in
  /// mode `one`), or the primary by the configured role selector. Empty: nothing to hit (the caller
  /// says why with `whyNoTargets`). A node's cordon hits no pod.
  public static func targets(
    _ request: FaultRequest, in state: ClusterSnapshot, pick: ([Pod]) -> Pod? = { $0.randomElement() }
  ) -> [Pod] {
    switch request.target {
    case .node(let name):
      // A drain evicts the node's pods (not a DaemonSet's: they belong there); a stopped node takes
      // every pod on it down. A cordon hits none.
      guard request.kind == .drain || request.kind == .nodeStop || request.kind == .memoryPressure else { return [] }
      return state.pods.values.filter {
        $0.node == name && !$0.isTerminating && (request.kind == .nodeStop || $0.owner?.kind != "DaemonSet")
      }.sorted { $0.name < $1.name }
    case .zone(let zone):
      // Every pod on the zone's nodes goes down with them.
      let nodes = nodes(inZone: zone, state)
      return state.pods.values.filter { $0.node.map(nodes.contains) ?? false && !$0.isTerminating }
        .sorted { $0.name < $1.name }
    case .pod(let ns, let name):
      guard let p = state.pods[PodID(namespace: ns, name: name).key] else { return [] }
      if request.kind == .killPrimary, let w = p.workload {
        return members(of: WorkloadID(namespace: ns, name: w), in: state).filter {
          state.roleSelector.isPrimary($0.labels)
        }
      }
      return [p]
    case .workload(let ns, let name):
      let all = members(of: WorkloadID(namespace: ns, name: name), in: state, zone: request.parameters.zone)
      if request.kind == .killPrimary { return all.filter { state.roleSelector.isPrimary($0.labels) } }
      if let n = request.parameters.count, request.kind != .scale {
        // n of the Running pods, each drawn by `pick` from those left.
        var left = all.filter { $0.phase == .running }
        var chosen: [Pod] = []
        while chosen.count < n, let p = pick(left) {
          chosen.append(p)
          left.removeAll { $0.id == p.id }
        }
        return chosen.sorted { $0.name < $1.name }
      }
      if request.parameters.mode == .one && request.kind != .scale { return pick(all).map { [$0] } ?? [] }
      return all
    }
  }

  /// The names of a zone's nodes.
  public static func nodes(inZone zone: String, _ state: ClusterSnapshot) -> Set<String> {
    Set(state.nodes.values.filter { $0.zone == zone }.map(\.name))
  }

  /// Why `targets` found nothing, in words for the timeline.
  public static func whyNoTargets(_ request: FaultRequest) -> String {
    request.kind == .killPrimary
      ? "no pod of \(request.targetLabel) matches the primary selector" : "\(request.targetLabel) has no pods"
  }

  /// What a confirmation says the fault will touch.
  public static func blastRadius(_ req: FaultRequest, state s: ClusterSnapshot) -> (count: Int, text: String) {
    switch req.target {
    case .pod(let ns, let name):
      if req.kind == .killPrimary { return (1, "the primary of \(name)") }
      guard let p = s.pods[PodID(namespace: ns, name: name).key] else { return (0, "pod gone") }
      let w = p.workload.flatMap { s.workloads[WorkloadID(namespace: ns, name: $0).key] }
      let of = w.map { " (\($0.readyReplicas)/\($0.desiredReplicas) ready in \($0.kind.rawValue) \($0.name))" } ?? ""
      return (1, "1 pod: \(name)\(of)")
    case .zone(let zone):
      let nodes = nodes(inZone: zone, s)
      let on = s.pods.values.filter { $0.node.map(nodes.contains) ?? false && !$0.isTerminating }.count
      return (
        on,
        "zone \(zone): \(nodes.count) node\(nodes.count == 1 ? "" : "s") NotReady, \(on) pods unready, evicted after \(Int(nodeToleration))s"
      )
    case .node(let name):
      let on = s.pods.values.filter { $0.node == name && !$0.isTerminating }.count
      switch req.kind {
      case .drain:
        return (on, "node \(name): cordoned, its \(on) pods evicted (each as its budget allows)")
      case .memoryPressure:
        return (
          on,
          "node \(name) short of \(Int(req.parameters.pressureMiB))MiB: the kubelet evicts of its \(on) pods the lowest priority first"
        )
      case .nodeStop:
        return (
          on,
          "\(name) NotReady: \(on) pods unready, evicted after \(Int(nodeToleration))s (toleration)"
        )
      case .cordon:
        return (on, "node \(name): its \(on) pods stay; new pods go elsewhere")
      default:
        return (on, "node \(name) (\(on) pods)")
      }
    case .workload(let ns, let name):
      let zone = req.parameters.zone
      let members = members(of: WorkloadID(namespace: ns, name: name), in: s, zone: zone)
      let inZone = zone.map { " in zone " + $0 } ?? ""
      if req.kind == .scale {
        let desired = s.workloads[WorkloadID(namespace: ns, name: name).key]?.desiredReplicas ?? members.count
        let gone = max(0, desired - req.parameters.replicas)
        return (
          gone,
          "\(name): \(desired) -> \(req.parameters.replicas) replicas (\(gone) pod\(gone == 1 ? "" : "s") removed)"
        )
      }
      if req.kind == .killPrimary {
        let primary = members.filter { s.roleSelector.isPrimary($0.labels) }.map(\.name).first
        return (1, "1 pod: \(primary ?? "no primary found") (primary of \(name), \(members.count) pods)")
      }
      if let n = req.parameters.count {
        let running = members.filter { $0.phase == .running }.count
        return (
          min(n, running), "\(min(n, running)) random Running pod\(n == 1 ? "" : "s") of \(members.count) in \(name)"
        )
      }
      if req.parameters.mode == .one { return (1, "1 random pod of \(members.count) in \(name)\(inZone)") }
      if req.kind == .evict {
        return (members.count, "all \(members.count) pods of \(name)\(inZone), each as its budget allows")
      }
      return (members.count, "all \(members.count) pods of \(name)\(inZone)")
    }
  }
}

/// A namespaced object's identity: its namespace and name, typed by what it names so that a pod's
/// cannot be passed for a workload's. `key` is the "namespace/name" the state is keyed by.
public struct ObjectID<Kind>: Hashable, Sendable {
  public var namespace: String
  public var name: String
  public init(namespace: String, name: String) {
    self.namespace = namespace
    self.name = name
  }
  public var key: String { namespace + "/" + name }
}

public typealias PodID = ObjectID<Pod>
public typealias WorkloadID = ObjectID<Workload>
