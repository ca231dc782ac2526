import ClusterState
import Statistics

extension GroupStatistics {
  /// The A/A check's answer: the differences beyond the tolerance before any fault, or why the
  /// groups could not be compared.
  public struct GroupsCheck: Sendable, Equatable {
    public var differences: [String] = []
    /// Why nothing was compared (too little history before the method), nil when compared.
    public var notCompared: String?
    public var figures = 0

    public var summary: String {
      if let why = notCompared { return "A/A check: the groups were not compared before the method (\(why))" }
      if differences.isEmpty { return "A/A check: the groups are alike before any fault (\(figures) figures)" }
      return "A/A check: the groups differ before any fault: " + differences.joined(separator: "; ")
    }
  }

  /// The control group's median block of a figure in a window (the tolerance is a share of it).
  func controlMedian(_ pair: String, _ f: Experiment.Figure, _ window: Window) -> Double? {
    guard let c = samples(pair, f, .control, window), !c.blocks.isEmpty else { return nil }
    return SpreadTests.median(c.blocks)
  }

  /// Compares the groups' baselines with the verdict's tests: a difference counts when it is
  /// significant (Holm) and beyond the tolerance.
  public func checkGroups(_ rule: Experiment.Comparability) -> GroupsCheck {
    let tests = judge(.baseline)
    let judged = tests.filter { $0.direction != .insufficient }
    var check = GroupsCheck(figures: judged.count)
    if judged.isEmpty {
      check.notCompared =
        tests.first?.note.map { "baseline: " + $0 } ?? "no figures of both groups before the method"
      return check
    }
    for t in judged where t.direction == .higher || t.direction == .lower {
      guard let shift = t.shift else { continue }
      if Self.countFigures.contains(t.figure) {
        guard abs(shift) >= rule.points else { continue }
      } else {
        guard let m = controlMedian(t.workload, t.figure, .baseline), abs(shift) > rule.tolerance * abs(m) else {
          continue
        }
      }
      check.differences.append(t.summary)
    }
    return check
  }

  /// A compare hypothesis judged on the observation's samples: passed or failed, with the evidence.
  public func judgeCompare(
    workload: String, figure: Experiment.Figure, rule: Experiment.Hypothesis.CompareRule
  ) -> (passed: Bool, evidence: String) {
    guard let t = tests.first(where: { $0.workload == workload && $0.figure == figure }) else {
      return (false, "no \(figure.rawValue) of \(workload) in both groups")
    }
    if t.direction == .insufficient { return (false, "insufficient data: " + (t.note ?? "too few samples")) }
    switch rule {
    case .differs(let wanted):
      let differs = t.direction == .higher || t.direction == .lower
      return (differs == wanted, t.summary)
    case .worseByAtMost(let limit):
      return worseByAtMost(t, limit)
    }
  }

  /// Non-inferiority: the worse end of the 95% interval within the limit.
  func worseByAtMost(_ t: Test, _ limit: Double) -> (passed: Bool, evidence: String) {
    let name = "\(t.figure.rawValue) of \(t.workload)"
    if Self.countFigures.contains(t.figure) {
      guard let e = samples(t.workload, t.figure, .experimental, .observation),
        let c = samples(t.workload, t.figure, .control, .observation), e.requests > 0, c.requests > 0
      else { return (false, "no requests counted for \(name)") }
      let n1 = Int(e.requests.rounded())
      let n2 = Int(c.requests.rounded())
      let ci = CountTests.newcombe(min(n1, Int(e.failures.rounded())), n1, min(n2, Int(c.failures.rounded())), n2)
      let worst = 100 * ci.upper
      let text =
        "\(name): failed requests \(Test.signed(100 * (e.failures / e.requests - c.failures / c.requests))) "
        + "points, 95% interval up to \(Test.signed(worst)) (limit \(Experiment.Figure.text(limit)))"
      return (worst <= limit, text)
    }
    // Lower is worse for Ready replicas; higher for latencies and CPU.
    let lowerIsWorse = t.figure == .ready
    guard let m = controlMedian(t.workload, t.figure, .observation), m != 0 else {
      return (false, "\(name): no control figure to measure against")
    }
    guard let lo = t.lower, let hi = t.upper else {
      return (false, "\(name): too few blocks to bound the shift at 95%")
    }
    let worst = lowerIsWorse ? -lo : hi
    let share = worst / abs(m)
    let text =
      "\(name): shift \(t.shiftText ?? "?"), at worst \(Test.signed((share * 1000).rounded() / 10))% "
      + "of the control's \(Experiment.Figure.text(m))\(t.unit) (limit \(Experiment.Figure.text(limit * 100))%)"
    return (share <= limit, text)
  }
}
