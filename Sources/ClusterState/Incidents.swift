/// Bounds of the steady state an incident is measured against: a service is healthy while its
/// latency, loss and error rate stay within them and its workload has every desired replica Ready.
public struct SteadyState: Sendable, Equatable, Codable {
  public var maxP99Ms: Double = 250
  public var maxLossPercent: Double = 1
  public var maxErrorPercent: Double = 1
  /// How long everything must stay healthy before an incident counts as recovered.
  public var hold: Seconds = 10
  public init() {}
}

public struct Incident: Sendable, Equatable, Codable {
  public enum Status: String, Sendable, Equatable, Codable {
    case detecting = "waiting for impact"
    case degraded = "degraded"
    case recovering = "recovering"
    case recovered = "recovered"
    case noImpact = "no impact"
  }
  public var id: Int
  public var faultID: Int
  public var title: String
  public var workloads: [String]
  public var services: [String]
  /// T0: when the fault was injected.
  public var injected: Seconds
  public var detected: Seconds?
  public var detectedBy: String?
  /// When the system was last seen healthy again (start of the hold); cleared on a new violation.
  public var healthySince: Seconds?
  public var recovered: Seconds?
  /// When the user-facing figures (the services' latency, loss and errors) were back within the
  /// steady state, held: mitigated, though replicas or a primary may still be missing. At most
  /// `recovered`. (Absent in journals before it was kept.)
  public var mitigated: Seconds?
  /// When the user-facing figures were last seen within bounds (start of the hold).
  public var servicesHealthySince: Seconds?
  /// Whether what users see left the steady state at all (nil: no, or a journal from before).
  public var usersAffected: Bool?
  public var faultEnded: Seconds?
  public var status: Status
  /// The violation seen most recently, for the timeline and the incidents pane.
  public var lastViolation: String?
  /// Incidents whose faults ran at the same time on what this one watches: each keeps its own
  /// TTD and TTR, and says which others it overlapped.
  public var overlaps: [Int] = []

  public init(id: Int, faultID: Int, title: String, workloads: [String], services: [String], injected: Seconds) {
    self.id = id
    self.faultID = faultID
    self.title = title
    self.workloads = workloads
    self.services = services
    self.injected = injected
    self.status = .detecting
  }

  /// Time to detect: detected - injected.
  public var ttd: Seconds? { detected.map { $0 - injected } }
  /// Time to recover: recovered - injected.
  public var ttr: Seconds? { recovered.map { $0 - injected } }
  /// Time to mitigate: mitigated - injected (what users saw; at most the time to recover).
  public var ttm: Seconds? { mitigated.map { $0 - injected } }
  public var isOpen: Bool { status != .recovered && status != .noImpact }
}

public struct SessionSummary: Sendable, Equatable {
  public var incidents: Int
  public var open: Int
  public var recovered: Int
  public var noImpact: Int
  public var meanTTD: Seconds?
  public var meanTTR: Seconds?
  public var maxTTR: Seconds?
  public var meanTTM: Seconds?

  public init(_ incidents: [Incident]) {
    self.incidents = incidents.count
    self.open = incidents.filter(\.isOpen).count
    self.recovered = incidents.filter { $0.status == .recovered }.count
    self.noImpact = incidents.filter { $0.status == .noImpact }.count
    let ttds = incidents.compactMap(\.ttd)
    let ttrs = incidents.compactMap(\.ttr)
    meanTTD = ttds.isEmpty ? nil : ttds.reduce(0, +) / Double(ttds.count)
    meanTTR = ttrs.isEmpty ? nil : ttrs.reduce(0, +) / Double(ttrs.count)
    maxTTR = ttrs.max()
    let ttms = incidents.compactMap(\.ttm)
    meanTTM = ttms.isEmpty ? nil : ttms.reduce(0, +) / Double(ttms.count)
  }
}

/// Health checks behind detection and recovery. Pure functions of the state.
public enum HealthCheck {
  /// What is wrong now with the given workloads and services; empty when all are within bounds.
  public static func violations(
    workloads: [String], services: [String], in state: ClusterSnapshot, promChecks: Bool = true
  ) -> [String] {
    violations(
      workloads: workloads, services: services, in: state, promChecks: promChecks,
      missingPrimary: { state.roleWorkloads.contains($0) && !state.hasReadyPrimary($0) })
  }

  /// What is outside the built-in bounds now over every workload and service, sorted (the alerts
  /// pane's "now"). The stateful sets with roles and a ready primary come from the pod facts (one
  /// pass over the pods when they change, rather than a pass for each set each second).
  public static func outOfBounds(in state: ClusterSnapshot) -> [String] {
    let facts = state.podFacts
    return violations(
      workloads: Array(state.workloads.keys), services: Array(state.services.keys), in: state, promChecks: false,
      missingPrimary: { facts.withRoles.contains($0) && !facts.withPrimary.contains($0) }
    ).sorted()
  }

  static func violations(
    workloads: [String], services: [String], in state: ClusterSnapshot, promChecks: Bool,
    missingPrimary: (String) -> Bool
  ) -> [String] {
    var (out, judged) = failoverViolations(workloads: workloads, in: state, missingPrimary: missingPrimary)
    for id in workloads where !judged.contains(id) {
      guard let w = state.workloads[id] else { continue }
      if w.readyReplicas < w.desiredReplicas {
        out.append("replica shortfall: \(shortName(id)) \(w.readyReplicas)/\(w.desiredReplicas) ready")
      }
      if w.kind == .statefulSet, missingPrimary(id) {
        out.append("no ready primary in \(shortName(id))")
      }
    }
    let bounds = state.steadyState
    for id in services {
      guard let svc = state.services[id], let s = state.workloadSeries[svc.workload] else { continue }
      if let p99 = s.latencyP99Ms.last, p99 > bounds.maxP99Ms {
        out.append("\(shortName(id)) p99 \(safeInt(p99.rounded())) ms > \(safeInt(bounds.maxP99Ms)) ms")
      }
      if let loss = s.lossPercent.last, loss > bounds.maxLossPercent {
        out.append("\(shortName(id)) loss \(fmt1(loss))% > \(fmt1(bounds.maxLossPercent))%")
      }
      if let err = s.errorPercent.last, err > bounds.maxErrorPercent {
        out.append("\(shortName(id)) errors \(fmt1(err))% > \(fmt1(bounds.maxErrorPercent))%")
      }
    }
    // The queries file's PromQL bounds that cover these services and workloads.
    for c in state.promChecks where promChecks && c.applies(services: services, workloads: workloads) {
      if let v = c.violation { out.append(v) }
    }
    return out
  }

  public static func fmt1(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}
