import ClusterState

extension ExperimentRun {
  /// The recorded run a journal holds, as `chaostui judge` reads it again: the faults are the
  /// recording's (the run asks for none that happen), and the method starts when it started then.
  public struct Recorded: Sendable, Equatable {
    /// The title it ran under (its faults' origin).
    public var title: String
    /// When the method started (nil: it never did).
    public var methodStart: Seconds?
    public init(title: String, methodStart: Seconds?) {
      self.title = title
      self.methodStart = methodStart
    }
  }

  /// Before the method: steady for long enough starts it; too long outside the steady state (or no
  /// Prometheus for its probes) and it does not run.
  mutating func checkSteadyBefore(_ s: ClusterSnapshot, _ now: Seconds) {
    if let r = recorded {
      // Judged again: the method starts when it did in the recording, whatever this file's steady state.
      if let m = r.methodStart, now >= m { startMethod(s, now, why: "the method starts (when the recording's did)") }
      return
    }
    // The team's lever and the stop signals veto the start (preflight); a lever unknown, it waits.
    if let why = s.haltReason {
      finish(now, .notRun(why))
      return
    }
    if let why = cannotRun(s), s.isDemo || now - created >= 10 {
      // The demo never has Prometheus; a real cluster's source may report itself in a moment.
      steadyStateBefore = []
      finish(now, .notRun(why))
      return
    }
    let v = steadyStateViolations(s) + (s.injectionRefusal.map { [$0] } ?? [])
    if !v.isEmpty { steadySince = nil }
    if v.isEmpty, now - (steadySince ?? now) < Self.steadyFor {
      // Steady, for how long? A monitoring source's first figures may be a round away.
      if steadySince == nil { steadySince = now }
    } else if v.isEmpty {
      startMethod(s, now)
    } else if now - created >= experiment.steadyState.timeout {
      steadyStateBefore = v
      finish(
        now, .notRun("not in the steady state after \(formatDuration(now - created)): " + v.joined(separator: "; ")))
    }
  }

  /// The method starts: the baselines and the A/A check (which may refuse it), what the hypotheses
  /// compare with later.
  mutating func startMethod(
    _ s: ClusterSnapshot, _ now: Seconds, why: String = "steady for \(formatDuration(steadyFor)): the method starts"
  ) {
    steadyStateBefore = []
    if experiment.control != nil {
      var stats = GroupStatistics()
      stats.takeBaseline(experiment, in: s)
      statistics = stats
      if let why = checkGroups(now) {
        finish(now, .notRun(why))
        return
      }
    }
    methodStart = now
    breachedAtStart = Set(Self.breaches(s).keys)
    for case .primaryChanges(let w, _) in experiment.hypotheses.map(\.kind) {
      initialPrimary[id(w)] = s.primaries[id(w)]
    }
    for case .zoneShareBelow(let svc, let zone, _, _) in experiment.hypotheses.map(\.kind) {
      initialShare[svc + "@" + zone] = s.zoneTraffic[svc.contains("/") ? svc : ns + "/" + svc]?.latest(zone) ?? 0
    }
    phase = experiment.method.isEmpty ? .observing : .method(step: 1, of: experiment.method.count)
    note(now, why)
  }
}
