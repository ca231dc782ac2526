/// What the checks of each whole second need from the pods (the stateful sets with role labels and
/// a Ready primary; the pods and Ready endpoints by zone), worked out in one pass over the pods when
/// the pods, nodes, services or role selector change, and reused every second in between. The pass
/// copied every pod twice a second; a replay's seek plays up to five minutes of seconds.
struct PodFacts: Sendable, Equatable {
  struct Key: Equatable, Sendable {
    var pods: Int
    var nodes: Int
    var services: Int
    var roles: RoleSelector
  }
  var key: Key
  /// Workloads with a role-labelled pod, and those with a Ready pod the role selector calls primary.
  var withRoles = Set<String>()
  var withPrimary = Set<String>()
  /// Nodes and pods by zone, sorted by name.
  var zones: [ZoneStatus] = []
  /// Each service's Ready endpoints by zone.
  var endpoints: [String: [String: Int]] = [:]

  init(_ s: ClusterSnapshot, key: Key) {
    self.key = key
    var byZone: [String: ZoneStatus] = [:]
    for n in s.nodes.values {
      let z = n.zone.isEmpty ? "(no zone)" : n.zone
      byZone[z, default: ZoneStatus(name: z)].nodes += 1
      if n.ready { byZone[z, default: ZoneStatus(name: z)].readyNodes += 1 }
    }
    var servicesOf: [String: [String]] = [:]
    for svc in s.services.values { servicesOf[svc.workload, default: []].append(svc.id) }
    for p in s.pods.values {
      let id = p.workloadID
      if let id {
        if p.role != nil { withRoles.insert(id) }
        if p.isReady && s.roleSelector.isPrimary(p.labels) { withPrimary.insert(id) }
      }
      guard !s.nodes.isEmpty, !p.isTerminating, let node = p.node, let n = s.nodes[node] else { continue }
      let z = n.zone.isEmpty ? "(no zone)" : n.zone
      byZone[z, default: ZoneStatus(name: z)].pods += 1
      guard p.isReady else { continue }
      byZone[z, default: ZoneStatus(name: z)].readyPods += 1
      if let id, let svcs = servicesOf[id] {
        for svc in svcs { endpoints[svc, default: [:]][z, default: 0] += 1 }
      }
    }
    zones = byZone.values.sorted { $0.name < $1.name }
  }
}

/// The state's pod facts between ticks: never encoded (a restored snapshot works them out again)
/// and never compared (they follow from the rest of the state).
public struct PodFactsCache: Sendable, Equatable, Codable {
  var facts: PodFacts?
  init() {}
  public init(from decoder: Decoder) throws {}
  public func encode(to encoder: Encoder) throws {}
  public static func == (a: Self, b: Self) -> Bool { true }
}

extension ClusterSnapshot {
  /// The pod facts of the state as it is (from the cache when nothing they follow from changed).
  var podFacts: PodFacts {
    let key = PodFacts.Key(
      pods: podsRevision, nodes: nodesFingerprint, services: servicesFingerprint, roles: roleSelector)
    if let f = podFactsCache?.facts, f.key == key { return f }
    return PodFacts(self, key: key)
  }

  /// Works the pod facts out again if what they follow from changed (once a whole second).
  mutating func refreshPodFacts() {
    let f = podFacts
    if podFactsCache?.facts?.key != f.key {
      var c = PodFactsCache()
      c.facts = f
      podFactsCache = c
    }
  }

  /// Changes when a service comes, goes or changes workload (services are few).
  private var servicesFingerprint: Int {
    var sum = services.count
    for svc in services.values {
      var h = Hasher()
      h.combine(svc.id)
      h.combine(svc.workload)
      sum &+= h.finalize()
    }
    return sum
  }

  /// Changes when a node comes, goes, turns Ready or not, or moves zone (nodes are few).
  private var nodesFingerprint: Int {
    var sum = nodes.count
    for n in nodes.values {
      var h = Hasher()
      h.combine(n.name)
      h.combine(n.zone)
      h.combine(n.ready)
      sum &+= h.finalize()
    }
    return sum
  }
}
