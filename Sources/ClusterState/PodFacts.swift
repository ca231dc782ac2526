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

  /// What each pod counts for, so that a changed pod is taken back and counted again (the pods
  /// followed one change at a time between whole passes: `ClusterSnapshot.podChanges`).
  struct Share: Sendable, Equatable {
    var workload: String?
    var role = false
    var primary = false
    /// The zone it counts in (nil: not on a known node, or terminating), Ready or not.
    var zone: String?
    var ready = false
  }
  private var shares: [String: Share] = [:]
  private var roles: [String: Int] = [:]
  private var primaries: [String: Int] = [:]
  private var byZone: [String: ZoneStatus] = [:]
  private var servicesOf: [String: [String]] = [:]
  /// Where in the pods' change log these facts are.
  var mark = PodChangeLog.Mark(generation: -1, end: 0)

  init(_ s: ClusterSnapshot, key: Key) {
    self.key = key
    mark = s.podChanges.mark
    for n in s.nodes.values {
      let z = n.zone.isEmpty ? "(no zone)" : n.zone
      byZone[z, default: ZoneStatus(name: z)].nodes += 1
      if n.ready { byZone[z, default: ZoneStatus(name: z)].readyNodes += 1 }
    }
    for svc in s.services.values { servicesOf[svc.workload, default: []].append(svc.id) }
    shares.reserveCapacity(s.pods.count)
    for (id, p) in s.pods { add(p, id, s) }
    zones = byZone.values.sorted { $0.name < $1.name }
  }

  /// The same facts after the pods changed since `mark` (nodes, services and roles unchanged).
  mutating func follow(_ changed: ArraySlice<String>, _ s: ClusterSnapshot, key: Key) {
    var seen = Set<String>()
    for id in changed.reversed() where seen.insert(id).inserted {
      remove(id)
      if let p = s.pods[id] { add(p, id, s) }
    }
    self.key = key
    mark = s.podChanges.mark
    zones = byZone.values.sorted { $0.name < $1.name }
  }

  /// `id`: the state's key string (kept, not made again).
  private mutating func add(_ p: Pod, _ id: String, _ s: ClusterSnapshot) {
    var share = Share()
    if let w = p.workloadID {
      share.role = p.role != nil
      share.primary = p.isReady && s.roleSelector.isPrimary(p.labels)
      // Kept only where it counts (a role, or a service's endpoints): most of 100,000 pods have neither.
      if share.role || share.primary || servicesOf[w] != nil { share.workload = w }
    }
    if !s.nodes.isEmpty, !p.isTerminating, let node = p.node, let n = s.nodes[node] {
      share.zone = n.zone.isEmpty ? "(no zone)" : n.zone
      share.ready = p.isReady
    }
    // A pod that counts for nothing (most of 100,000, in a first view without owners) is not kept.
    guard share.workload != nil || share.zone != nil else { return }
    shares[id] = share
    count(share, by: 1)
  }

  private mutating func remove(_ id: String) {
    guard let share = shares.removeValue(forKey: id) else { return }
    count(share, by: -1)
  }

  private mutating func count(_ share: Share, by d: Int) {
    if let w = share.workload {
      if share.role { Self.bump(&roles, w, d, into: &withRoles) }
      if share.primary { Self.bump(&primaries, w, d, into: &withPrimary) }
    }
    guard let z = share.zone else { return }
    byZone[z, default: ZoneStatus(name: z)].pods += d
    guard share.ready else { return }
    byZone[z, default: ZoneStatus(name: z)].readyPods += d
    guard let w = share.workload, let svcs = servicesOf[w] else { return }
    for svc in svcs {
      let n = (endpoints[svc]?[z] ?? 0) + d
      endpoints[svc, default: [:]][z] = n == 0 ? nil : n
      if endpoints[svc]?.isEmpty == true { endpoints.removeValue(forKey: svc) }
    }
  }

  /// A count by workload, and the set of those counted at least once.
  private static func bump(_ counts: inout [String: Int], _ w: String, _ d: Int, into set: inout Set<String>) {
    let n = (counts[w] ?? 0) + d
    counts[w] = n == 0 ? nil : n
    if n > 0 { set.insert(w) } else { set.remove(w) }
  }

  static func == (a: Self, b: Self) -> Bool {
    a.key == b.key && a.withRoles == b.withRoles && a.withPrimary == b.withPrimary && a.zones == b.zones
      && a.endpoints == b.endpoints
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

  /// Works the pod facts out again if what they follow from changed (once a whole second): only
  /// the pods that changed when nodes, services and roles did not, else every pod.
  mutating func refreshPodFacts() {
    let key = PodFacts.Key(
      pods: podsRevision, nodes: nodesFingerprint, services: servicesFingerprint, roles: roleSelector)
    guard podFactsCache?.facts?.key != key else { return }
    var c = PodFactsCache()
    if var f = podFactsCache?.facts, f.key.nodes == key.nodes, f.key.services == key.services,
      f.key.roles == key.roles, let changed = podChanges.since(f.mark)
    {
      podFactsCache = nil  // the facts are taken out, not copied, while they change
      f.follow(changed, self, key: key)
      c.facts = f
    } else {
      c.facts = PodFacts(self, key: key)
    }
    podFactsCache = c
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
