import ClusterState

// What a run shows while it goes: where each pending hypothesis stands, each stop condition's margin.
extension ExperimentRun {
  /// Where a pending hypothesis stands now, in words (the pane shows it until it settles).
  public func progress(_ i: Int, _ s: ClusterSnapshot) -> String {
    let h = experiment.hypotheses[i]
    func fig(_ f: Experiment.Figure, _ svc: String) -> String {
      f.value(service: svc, namespace: ns, in: s).map {
        "\(svc) \(f.rawValue) \(Experiment.Figure.text($0)) now"
      }
        ?? "\(svc) \(f.rawValue): no figure"
    }
    guard methodStart != nil else { return "waiting for the steady state" }
    switch h.kind {
    case .primaryChanges(let w, _):
      let was = (initialPrimary[id(w)] ?? nil) ?? "none"
      let now = s.primaries[id(w)] ?? "none"
      return now == was ? "no new primary yet (was \(was))" : "primary \(now) (was \(was))"
    case .replicas(let w, let reach, _, let back, _):
      let ready = s.workloads[id(w)]?.readyReplicas ?? 0
      return reachedAt[i] == nil
        ? "\(ready) ready, waiting for \(reach)" : "\(ready) ready, waiting for \(back ?? reach)"
    case .crosses(let f, let svc, _, _, _), .staysWithin(let f, let svc, _, _): return fig(f, svc)
    case .unavailableAtMost(let w, _):
      return "\(w) unavailable \(formatDuration(unavailable[i] ?? 0)) so far"
    case .recoversWithin:
      let own = Set(ownFaults(s).map(\.id))
      let open = s.incidents.filter { own.contains($0.faultID) && $0.isOpen }.count
      return open == 0 ? "no incident open" : "\(open) incident\(open == 1 ? "" : "s") open"
    case .alertFires(let name, _): return "\(name) not firing"
    case .detectedWithin:
      let own = Set(ownFaults(s).map(\.id))
      let open = s.incidents.filter { own.contains($0.faultID) && $0.ttd == nil }.count
      return open == 0 ? "no incident yet" : "\(open) incident\(open == 1 ? "" : "s") not detected yet"
    case .mitigatedWithin:
      let own = Set(ownFaults(s).map(\.id))
      let open = s.incidents.filter { own.contains($0.faultID) && $0.detected != nil && $0.mitigated == nil }.count
      return open == 0 ? "nothing to mitigate now" : "\(open) incident\(open == 1 ? "" : "s") not mitigated yet"
    case .probe(let name):
      guard let st = probeStatus[name], st.answers > 0 else { return "no answer yet" }
      return "\(st.state.rawValue): \(st.answers) answers, \(st.failures) failed"
    case .noUnexpected:
      return unexpected.isEmpty ? "nothing unexpected so far" : "\(unexpected.count) unexpected"
    case .compare(let w, let f, _):
      guard let t = statistics?.tests.first(where: { $0.workload == w && $0.figure == f }) else {
        return "waiting for the first tests"
      }
      return t.direction == .insufficient ? "insufficient data so far" : "so far: " + t.summary
    case .zoneShareBelow(let svc, let zone, _, _):
      let share = s.zoneTraffic[svc.contains("/") ? svc : ns + "/" + svc]?.latest(zone)
      return "\(zone) has \(share.map { PromCheck.fmt($0.rounded()) + "%" } ?? "no share") of \(svc)"
    }
  }

  /// Each stop condition now, in words (what follows its label), and whether it is past its bound:
  /// a figure with its margin (and for how long it has been past it), a probe's state, the looks
  /// made for harm, the burn rates.
  public func stopConditionStatus(_ s: ClusterSnapshot) -> [(text: String, past: Bool)] {
    experiment.stopConditions.enumerated().map { i, c in
      switch c.kind {
      case .figure(let figure, let service, let bound, let above, _, _):
        guard let v = figure.value(service: service, namespace: ns, in: s) else { return ("no figure", false) }
        let m = above ? bound - v : v - bound
        var text = "now \(Numbers.one(v)), " + (m >= 0 ? "margin \(Numbers.one(m))" : "PAST by \(Numbers.one(-m))")
        if let since = breachedSince[i] { text += " for \(formatDuration(s.now - since))" }
        return (text, m < 0)
      case .probe(let name):
        let state = probeStatus[name]?.state ?? .waiting
        return ("now " + state.rawValue, state == .failing)
      case .harm(let h): return ("\(harmLooks[i] ?? 0) of \(h.looks) looks made", false)
      case .alerts(let a):
        let firing = Self.alertsFiring(a, s)
        return (firing ?? "none firing", firing != nil)
      case .burnRate(let b):
        guard let budget else { return ("no budget", false) }
        return ("now " + budget.burnText(fast: b.fast, slow: b.slow, now: s.now), false)
      }
    }
  }
}
