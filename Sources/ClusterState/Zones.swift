/// Availability zones (`topology.kubernetes.io/zone` of the nodes) and where each service's traffic
/// goes: a load balancer spreads requests over a service's Ready endpoints, so a zone's share of
/// the traffic is its share of the Ready pods behind the service. Worked out once a whole second.
public struct ZoneStatus: Sendable, Equatable, Codable {
  public var name: String
  public var nodes = 0
  public var readyNodes = 0
  /// Pods on the zone's nodes (not terminating), and how many of them are Ready.
  public var pods = 0
  public var readyPods = 0
  public init(name: String) { self.name = name }
}

/// One service's traffic by zone: the share of its Ready endpoints in each zone, percent, with
/// history (a sample a second).
public struct ZoneTraffic: Sendable, Equatable, Codable {
  public var service: String
  public var readyEndpoints: [String: Int] = [:]
  /// Whether the last share was measured (requests by zone from a monitoring source) rather than
  /// taken from the Ready endpoints.
  public var measured = false
  public var share: [String: RingBuffer] = [:]
  public init(service: String) { self.service = service }

  /// The latest share of a zone, percent (nil: never measured).
  public func latest(_ zone: String) -> Double? { share[zone]?.last }
}

extension ClusterSnapshot {
  /// The zone of a pod's node ("" when unscheduled or unlabelled).
  public func zone(ofPod p: Pod) -> String { p.node.flatMap { nodes[$0]?.zone } ?? "" }

  /// Works out zones and traffic shares (from the pod facts: one pass over the pods when they change).
  mutating func updateZones() {
    guard !nodes.isEmpty else { return }
    let facts = podFacts
    metrics.zones = facts.zones
    let names = zones.map(\.name)
    for (svc, info) in services {
      var t = zoneTraffic[svc] ?? ZoneTraffic(service: svc)
      let counts = facts.endpoints[svc] ?? [:]
      t.readyEndpoints = counts
      // Measured requests by zone where a source gives them (fresh: within 30 s), else the endpoints.
      // A service of one context of several: that context's figures, as fresh as its Prometheus.
      let alias = ContextName.split(svc).alias
      let at = alias.flatMap { metrics.contextZoneRequestsAt?[$0] } ?? measuredZoneRequestsAt
      let fresh = at.map { now - $0 <= 30 } ?? false
      let byName = alias.map { ContextName.qualify($0, info.name) } ?? info.name
      let measured = fresh ? (measuredZoneRequests?[svc] ?? measuredZoneRequests?[byName]) : nil
      t.measured = measured != nil
      let weights = measured ?? counts.mapValues(Double.init)
      let total = weights.values.reduce(0, +)
      for z in names {
        t.share[z, default: RingBuffer(capacity: ClusterSnapshot.workloadHistory)].append(
          total == 0 ? 0 : (weights[z] ?? 0) * 100 / total)
      }
      metrics.zoneTraffic[svc] = t
    }
    for svc in zoneTraffic.keys where services[svc] == nil { metrics.zoneTraffic[svc] = nil }
  }
}
