import ClusterState

extension ExperimentRun {
  /// A burn-rate stop condition: both windows burning faster than its bound, once the run has
  /// figures for the fast window (the slow one over what there is when the run is shorter).
  func burnFired(_ b: Experiment.BurnRate, _ now: Seconds) -> String? {
    guard let budget, let start = methodStart, now - start >= b.fast, budget.seconds >= b.fast else { return nil }
    guard let fast = budget.burnRate(over: b.fast, now: now), let slow = budget.burnRate(over: b.slow, now: now),
      fast > b.above, slow > b.above
    else { return nil }
    return
      "\(Experiment.Figure.text(fast))x over \(formatDuration(b.fast)), \(Experiment.Figure.text(slow))x over \(formatDuration(b.slow))"
  }

  /// What each of the run's incidents spent of the budget: bad events from its fault's start to
  /// its recovery (or now), as a share of the window's budget.
  public func budgetByIncident(_ s: ClusterSnapshot) -> [(incident: Int, spent: Double)] {
    guard let budget, budget.allowed > 0 else { return [] }
    let own = Set(ownFaults(s).map(\.id))
    return s.incidents.filter { own.contains($0.faultID) }.map { i in
      (i.id, budget.badEvents(from: i.injected, to: i.recovered ?? s.now) / budget.allowed)
    }
  }

  /// The burn-rate stop condition (nil: none): its windows are the ones the burn rates are shown
  /// over, else 5 minutes and an hour.
  public var burnCondition: Experiment.BurnRate? { experiment.stopConditions.lazy.compactMap(\.burnRate).first }

  /// The budget at the verdict, in the log.
  mutating func noteBudget(_ s: ClusterSnapshot, _ now: Seconds) {
    guard let budget else { return }
    let windows = burnCondition ?? Experiment.BurnRate()
    var text = budget.text(now: now, fast: windows.fast, slow: windows.slow)
    let per = budgetByIncident(s).map { "#\($0.incident) \(Numbers.share($0.spent))" }
    if !per.isEmpty { text += "; by incident: " + per.joined(separator: ", ") }
    if !budget.source.isEmpty { text += " (from \(budget.source))" }
    note(now, text)
  }
}
