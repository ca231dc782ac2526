import ClusterState

// Each hypothesis judged on the snapshot: settled passed or failed with its evidence, or pending.
extension ExperimentRun {
  /// What a hypothesis is judged with at a step.
  struct Judging {
    var s: ClusterSnapshot
    var now: Seconds
    /// Since the method started.
    var elapsed: Seconds
    /// Since the last step.
    var dt: Seconds
    /// The observation after the method is over.
    var observingEnded: Bool
  }

  mutating func evaluate(_ s: ClusterSnapshot, now: Seconds) {
    guard let start = methodStart else { return }
    var observingEnded = false
    if case .observing = phase { observingEnded = true }
    let c = Judging(
      s: s, now: now, elapsed: now - start, dt: max(0, now - (lastTick ?? now)), observingEnded: observingEnded)
    for (i, h) in experiment.hypotheses.enumerated() where outcomes[i] == .pending {
      switch h.kind {
      case .primaryChanges(let w, let within): judgePrimaryChanges(i, h, w, within, c)
      case .replicas(let w, let reach, let within, let returnTo, let returnWithin):
        judgeReplicas(i, h, w, reach, within, returnTo, returnWithin, c)
      case .crosses(let f, let svc, let bound, let above, let within):
        judgeCrosses(i, h, f, svc, bound, above, within, c)
      case .staysWithin(let f, let svc, let bound, let above): judgeStaysWithin(i, h, f, svc, bound, above, c)
      case .unavailableAtMost(let w, let seconds): judgeUnavailableAtMost(i, h, w, seconds, c)
      case .recoversWithin(let limit): judgeRecoversWithin(i, h, limit, c)
      case .detectedWithin(let limit): judgeDetectedWithin(i, h, limit, c)
      case .zoneShareBelow(let svc, let zone, let below, let within):
        judgeZoneShareBelow(i, h, svc, zone, below, within, c)
      case .alertFires(let name, let within): judgeAlertFires(i, h, name, within, c)
      case .compare(let w, let f, let rule): judgeCompare(i, w, f, rule, c)
      case .noUnexpected: judgeNoUnexpected(i, c)
      case .mitigatedWithin(let limit): judgeMitigatedWithin(i, limit, c)
      case .probe(let name): judgeProbe(i, name, c)
      }
    }
  }

  mutating func judgePrimaryChanges(_ i: Int, _ h: Experiment.Hypothesis, _ w: String, _ within: Seconds, _ c: Judging)
  {
    let (s, now, elapsed) = (c.s, c.now, c.elapsed)
    let was = initialPrimary[id(w)] ?? nil
    if let p = s.primaries[id(w)], p != was {
      settle(
        i, .passed(at: now, evidence: "\(p) is primary (was \(was ?? "none")) after \(formatDuration(elapsed))"),
        now)
    } else if elapsed > within {
      settle(i, .failed(at: now, evidence: "no new primary of \(w) within \(formatDuration(within))"), now)
    }
  }

  mutating func judgeReplicas(
    _ i: Int, _ h: Experiment.Hypothesis, _ w: String, _ reach: Int, _ within: Seconds, _ returnTo: Int?,
    _ returnWithin: Seconds, _ c: Judging
  ) {
    let (s, now, elapsed) = (c.s, c.now, c.elapsed)
    let ready = s.workloads[id(w)]?.readyReplicas ?? 0
    if let at = reachedAt[i] {
      guard let m = returnTo else { return }
      if ready == m && (s.workloads[id(w)]?.desiredReplicas ?? m) == m {
        settle(
          i, .passed(at: now, evidence: "\(reach) reached, back to \(m) \(formatDuration(now - at)) later"), now)
      } else if now - at > returnWithin {
        settle(
          i,
          .failed(
            at: now, evidence: "still \(ready) ready \(formatDuration(returnWithin)) after reaching \(reach)"), now)
      }
    } else if ready >= reach {
      reachedAt[i] = now
      note(now, "\(h.name): \(w) reached \(ready) ready replicas after \(formatDuration(elapsed))")
      if returnTo == nil {
        settle(i, .passed(at: now, evidence: "\(ready) ready after \(formatDuration(elapsed))"), now)
      }
    } else if elapsed > within {
      settle(
        i, .failed(at: now, evidence: "\(w) had \(ready) ready, not \(reach), after \(formatDuration(within))"), now
      )
    }
  }

  mutating func judgeCrosses(
    _ i: Int, _ h: Experiment.Hypothesis, _ f: Experiment.Figure, _ svc: String, _ bound: Double, _ above: Bool,
    _ within: Seconds, _ c: Judging
  ) {
    let (s, now, elapsed) = (c.s, c.now, c.elapsed)
    if let v = f.value(service: svc, namespace: ns, in: s), above ? v > bound : v < bound {
      settle(
        i,
        .passed(
          at: now, evidence: "\(svc) \(f.rawValue) \(Experiment.Figure.text(v)) after \(formatDuration(elapsed))"),
        now)
    } else if elapsed > within {
      settle(
        i,
        .failed(
          at: now,
          evidence: "\(svc) \(f.rawValue) did not cross \(PromCheck.fmt(bound)) within \(formatDuration(within))"),
        now)
    }
  }

  mutating func judgeStaysWithin(
    _ i: Int, _ h: Experiment.Hypothesis, _ f: Experiment.Figure, _ svc: String, _ bound: Double, _ above: Bool,
    _ c: Judging
  ) {
    let (s, now, elapsed) = (c.s, c.now, c.elapsed)
    if let v = f.value(service: svc, namespace: ns, in: s), above ? v > bound : v < bound {
      settle(
        i,
        .failed(
          at: now, evidence: "\(svc) \(f.rawValue) \(Experiment.Figure.text(v)) after \(formatDuration(elapsed))"),
        now)
    } else if c.observingEnded && activeSettled && impactOver(s) {
      settle(
        i, .passed(at: now, evidence: "\(svc) \(f.rawValue) stayed \(above ? "<=" : ">=") \(PromCheck.fmt(bound))"),
        now)
    }
  }

  mutating func judgeUnavailableAtMost(
    _ i: Int, _ h: Experiment.Hypothesis, _ w: String, _ seconds: Seconds, _ c: Judging
  ) {
    let (s, now) = (c.s, c.now)
    if unavailableNow(id(w), s) { unavailable[i, default: 0] += c.dt }
    let total = unavailable[i] ?? 0
    if total > seconds {
      settle(
        i, .failed(at: now, evidence: "\(w) unavailable for \(formatDuration(total)) > \(formatDuration(seconds))"),
        now)
    } else if c.observingEnded && !unavailableNow(id(w), s) && activeSettled && impactOver(s) {
      settle(i, .passed(at: now, evidence: "\(w) unavailable for \(formatDuration(total)) in all"), now)
    }
  }

  mutating func judgeRecoversWithin(_ i: Int, _ h: Experiment.Hypothesis, _ limit: Seconds, _ c: Judging) {
    let (s, now) = (c.s, c.now)
    let own = Set(ownFaults(s).map(\.id))
    let incidents = s.incidents.filter { own.contains($0.faultID) }
    if let late = incidents.first(where: { ($0.ttr ?? (now - $0.injected)) > limit && $0.status != .noImpact }) {
      settle(
        i,
        .failed(
          at: now,
          evidence:
            "#\(late.id) \(late.ttr.map { "recovered after " + formatDuration($0) } ?? "still open after " + formatDuration(limit))"
        ), now)
    } else if c.observingEnded, !incidents.isEmpty, incidents.allSatisfy({ !$0.isOpen }) {
      let worst = incidents.compactMap(\.ttr).max()
      settle(
        i,
        .passed(
          at: now, evidence: "every incident recovered" + (worst.map { ", worst TTR " + formatDuration($0) } ?? "")),
        now)
    }
  }

  /// Every incident of the experiment's faults mitigated (what users see back within the steady
  /// state, held) within `limit` of its fault; an incident without impact needs none.
  mutating func judgeMitigatedWithin(_ i: Int, _ limit: Seconds, _ c: Judging) {
    let (s, now) = (c.s, c.now)
    let own = Set(ownFaults(s).map(\.id))
    let incidents = s.incidents.filter { own.contains($0.faultID) && $0.status != .noImpact }
    if let late = incidents.first(where: { ($0.ttm ?? (now - $0.injected)) > limit }) {
      let what =
        late.ttm.map { "mitigated after " + formatDuration($0) } ?? "not mitigated after " + formatDuration(limit)
      settle(i, .failed(at: now, evidence: "#\(late.id) \(what)"), now)
    } else if c.observingEnded, !incidents.isEmpty, incidents.allSatisfy({ $0.mitigated != nil }) {
      let worst = incidents.compactMap(\.ttm).max()
      settle(
        i,
        .passed(
          at: now, evidence: "every incident mitigated" + (worst.map { ", worst TTM " + formatDuration($0) } ?? "")),
        now)
    }
  }

  mutating func judgeDetectedWithin(_ i: Int, _ h: Experiment.Hypothesis, _ limit: Seconds, _ c: Judging) {
    let (s, now) = (c.s, c.now)
    let own = Set(ownFaults(s).map(\.id))
    let incidents = s.incidents.filter { own.contains($0.faultID) }
    if let late = incidents.first(where: { ($0.ttd ?? (now - $0.injected)) > limit }) {
      settle(
        i,
        .failed(
          at: now,
          evidence: "#\(late.id) " + (late.ttd.map { "detected after " + formatDuration($0) } ?? "not detected")
            + " (limit \(formatDuration(limit)))"), now)
    } else if !incidents.isEmpty, incidents.count >= requested, incidents.allSatisfy({ $0.ttd != nil }) {
      let worst = incidents.compactMap(\.ttd).max() ?? 0
      let by = incidents.compactMap(\.detectedBy).first.map { " by " + $0 } ?? ""
      settle(i, .passed(at: now, evidence: "detected\(by), TTD \(formatDuration(worst))"), now)
    }
  }

  mutating func judgeZoneShareBelow(
    _ i: Int, _ h: Experiment.Hypothesis, _ svc: String, _ zone: String, _ below: Double, _ within: Seconds,
    _ c: Judging
  ) {
    let (s, now, elapsed) = (c.s, c.now, c.elapsed)
    let share = s.zoneTraffic[svc.contains("/") ? svc : ns + "/" + svc]?.latest(zone)
    let before = initialShare[svc + "@" + zone] ?? 0
    if before < below {
      // Nothing to fall from: the zone had (almost) none of the traffic before the method.
      settle(
        i,
        .failed(
          at: now,
          evidence:
            "\(zone) had \(PromCheck.fmt(before.rounded()))% of \(svc) before the method: nothing to fall from"),
        now)
    } else if let share, share < below {
      settle(
        i,
        .passed(
          at: now,
          evidence: "\(zone) has \(PromCheck.fmt(share.rounded()))% of \(svc) after \(formatDuration(elapsed))"),
        now)
    } else if elapsed > within {
      settle(
        i,
        .failed(
          at: now,
          evidence:
            "\(zone) kept \(share.map { PromCheck.fmt($0.rounded()) + "%" } ?? "no share") of \(svc) after \(formatDuration(within))"
        ), now)
    }
  }

  mutating func judgeAlertFires(_ i: Int, _ h: Experiment.Hypothesis, _ name: String, _ within: Seconds, _ c: Judging) {
    let (s, now, elapsed) = (c.s, c.now, c.elapsed)
    if let a = s.firingAlerts.values.first(where: { $0.name == name }) {
      settle(i, .passed(at: now, evidence: "\(a.name) firing after \(formatDuration(elapsed))"), now)
    } else if elapsed > within {
      settle(i, .failed(at: now, evidence: "\(name) did not fire within \(formatDuration(within))"), now)
    }
  }
}
