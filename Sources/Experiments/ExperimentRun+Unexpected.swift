import ClusterState

/// What happened outside what the experiment's method targets: incidents of other faults, new
/// steady-state breaches of other workloads (the control group's included), alerts about them.
public struct Unexpected: Sendable, Equatable {
  public var time: Seconds
  public var text: String
}

extension ExperimentRun {
  /// What the method targets: its faults' workloads and the workloads whose services call them
  /// (their dependants, from the cluster's service dependencies).
  func expectedWorkloads(_ s: ClusterSnapshot) -> Set<String> {
    var out = Set(ownFaults(s).flatMap(\.workloads))
    for w in Array(out) {
      for id in s.services(affectedBy: w) { if let svc = s.services[id] { out.insert(svc.workload) } }
    }
    return out
  }

  /// The workloads outside the steady state now (each with what is wrong first).
  static func breaches(_ s: ClusterSnapshot) -> [String: String] {
    var out: [String: String] = [:]
    // Each workload's services, gathered once (not a pass over the services per workload).
    var servicesOf: [String: [String]] = [:]
    for svc in s.services.values { servicesOf[svc.workload, default: []].append(svc.id) }
    for id in s.workloads.keys {
      let services = servicesOf[id] ?? []
      if let first = HealthCheck.violations(workloads: [id], services: services, in: s, promChecks: false).first {
        out[id] = first
      }
    }
    return out
  }

  /// Each whole second from the method's start: what is new outside the method's targets.
  mutating func noteUnexpected(_ s: ClusterSnapshot, _ now: Seconds) {
    guard let start = methodStart else { return }
    let expected = expectedWorkloads(s)
    let own = Set(ownFaults(s).map(\.id))
    func add(_ key: String, _ text: String) {
      guard !unexpectedKeys.contains(key), unexpected.count < Self.unexpectedLimit else { return }
      unexpectedKeys.insert(key)
      unexpected.append(Unexpected(time: now, text: text))
      note(now, "unexpected: " + text)
    }
    for inc in s.incidents where inc.injected >= start && !own.contains(inc.faultID) {
      add("incident \(inc.id)", "incident #\(inc.id) \(inc.title) (not a fault of this experiment)")
    }
    for (id, why) in Self.breaches(s).sorted(by: { $0.key < $1.key })
    where !expected.contains(id) && !breachedAtStart.contains(id) {
      add("breach \(id)", "\(id) outside the steady state: \(why)")
    }
    for a in s.firingAlerts.values.sorted(by: { $0.name < $1.name }) where (a.activeAt ?? now) >= start {
      guard !Self.alertConcerns(a, expected) else { continue }
      add("alert \(a.name) \(a.labels.sorted { $0.key < $1.key })", "alert \(a.name) fired")
    }
  }

  /// Whether an alert's labels name one of the expected workloads (its service, app, deployment,
  /// statefulset, workload or pod label; the namespace when it has one).
  static func alertConcerns(_ a: Alert, _ expected: Set<String>) -> Bool {
    let names = ["service", "app", "deployment", "statefulset", "workload", "job_name"].compactMap { a.labels[$0] }
    let pod = a.labels["pod"]
    return expected.contains { id in
      let parts = id.split(separator: "/", maxSplits: 1).map(String.init)
      guard parts.count == 2 else { return false }
      if let ns = a.labels["namespace"], ns != parts[0] { return false }
      return names.contains(parts[1]) || (pod?.hasPrefix(parts[1] + "-") ?? false)
    }
  }

  mutating func judgeNoUnexpected(_ i: Int, _ c: Judging) {
    if let first = unexpected.first {
      settle(i, .failed(at: c.now, evidence: first.text), c.now)
    } else if c.observingEnded && activeSettled && impactOver(c.s) {
      settle(i, .passed(at: c.now, evidence: "nothing happened outside the method's targets"), c.now)
    }
  }
}
