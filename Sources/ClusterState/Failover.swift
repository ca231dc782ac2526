/// A service served from one context or another (a primary and a standby cluster): the config
/// file's `failover:`. An incident on any of its workloads watches them all, and the service is
/// judged as one: within its steady state while one of them serves (ready pods, and a ready primary
/// where its pods carry roles). So a primary killed in one context and a standby promoted in the
/// other is one incident, recovered when the standby serves, with its TTD and TTR.
public struct FailoverGroup: Sendable, Equatable, Codable {
  public var name: String
  /// Workload ids named with their context: `ALIAS:NAMESPACE/NAME`.
  public var workloads: [String]

  public init(name: String, workloads: [String]) {
    self.name = name
    self.workloads = workloads
  }

  /// At least two workloads, each `ALIAS:NAMESPACE/NAME`; the problem in words otherwise.
  public static func make(name: String, workloads: [String]) -> Result<FailoverGroup, ContextSpecError> {
    guard workloads.count >= 2 else {
      return .failure(ContextSpecError("\(Sanitize.line(name)) needs two workloads or more to fail over between"))
    }
    for w in workloads {
      let (alias, rest) = ContextName.split(w)
      let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
      guard let alias, ContextName.isValidAlias(alias), parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
        return .failure(ContextSpecError("\(Sanitize.line(w)) is not ALIAS:NAMESPACE/NAME"))
      }
    }
    return .success(FailoverGroup(name: name, workloads: workloads))
  }
}

extension ClusterSnapshot {
  public var failoverGroups: [FailoverGroup] { session.failover ?? [] }

  /// The workloads an incident on `workloads` watches: those, and every other of their failover
  /// groups.
  func withFailoverPartners(_ workloads: [String]) -> [String] {
    var out = workloads
    for g in failoverGroups where g.workloads.contains(where: workloads.contains) {
      for w in g.workloads where !out.contains(w) { out.append(w) }
    }
    return out
  }
}

extension HealthCheck {
  /// The failover groups among `workloads`, each judged as one: a violation when none of its
  /// workloads serves. Returns the violations and the workloads judged so.
  static func failoverViolations(
    workloads: [String], in state: ClusterSnapshot, missingPrimary: (String) -> Bool
  ) -> (violations: [String], judged: Set<String>) {
    var out: [String] = []
    var judged: Set<String> = []
    let asked = Set(workloads)
    for g in state.failoverGroups where g.workloads.contains(where: asked.contains) {
      judged.formUnion(g.workloads)
      let serving = g.workloads.contains { id in
        guard let w = state.workloads[id], w.readyReplicas > 0 else { return false }
        return !(w.kind == .statefulSet && missingPrimary(id))
      }
      if !serving {
        let why = g.workloads.map { id -> String in
          guard let w = state.workloads[id] else { return "\(id) not seen" }
          if w.readyReplicas == 0 { return "\(id) 0/\(w.desiredReplicas) ready" }
          return "\(id) no ready primary"
        }
        out.append("\(g.name) served in no context (\(why.joined(separator: "; ")))")
      }
    }
    return (out, judged)
  }
}
