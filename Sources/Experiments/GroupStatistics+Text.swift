import ClusterState

extension GroupStatistics.Test {
  /// The figure's unit, as the shift is given in.
  var unit: String { Self.unit(of: figure) }

  static func unit(of figure: Experiment.Figure) -> String {
    switch figure {
    case .p50, .p99: return " ms"
    case .cpu: return "m"
    case .ready: return " pods"
    case .errors, .loss: return " pts"
    }
  }

  /// The unit in words, for records.
  public var unitName: String { String(unit.drop { $0 == " " }) }

  public static func signed(_ v: Double) -> String { (v > 0 ? "+" : "") + Experiment.Figure.text(v) }

  public static func pText(_ p: Double) -> String {
    p < 0.001 ? "<0.001" : PromCheck.fmt((p * 1000).rounded() / 1000)
  }

  /// The shift with its interval: `+35 ms [12, 58]`.
  public var shiftText: String? {
    guard let shift else { return nil }
    var text = Self.signed(shift) + unit
    if let lower, let upper {
      text += " [" + Experiment.Figure.text(lower) + ", " + Experiment.Figure.text(upper) + "]"
    }
    return text
  }

  /// One line: what was compared, how, and what it says.
  public var summary: String {
    var text = "\(figure.rawValue) of \(workload): "
    switch direction {
    case .insufficient: return text + "insufficient data (" + (note ?? "too few samples") + ")"
    case .higher: text += "experimental higher than control"
    case .lower: text += "experimental lower than control"
    case .noDifference: text += constant ? "no difference (one value in both groups)" : "no difference shown"
    }
    if let s = shiftText { text += " by " + s }
    text += "; " + test + ", n " + n.map(String.init).joined(separator: "/")
    if let p { text += ", p " + Self.pText(p) }
    if let a = adjusted { text += " (Holm " + Self.pText(a) + ")" }
    if let e = effect { text += ", effect " + Self.signed((e * 100).rounded() / 100) }
    if let sp = spreadP, sp < GroupStatistics.alpha {
      text += ", spread differs (Brown-Forsythe p " + Self.pText(sp) + ")"
    }
    return text
  }
}

extension ExperimentRun {
  /// Writes a line to the run's log for each test whose answer changed.
  mutating func noteStatistics(_ now: Seconds) {
    guard let tests = statistics?.tests else { return }
    // A difference when it appears, and its end; "no difference" is the quiet default.
    for t in tests where t.direction != .insufficient {
      let key = t.workload + "|" + t.figure.rawValue
      let was = statisticsShown[key] ?? .noDifference
      guard was != t.direction else { continue }
      statisticsShown[key] = t.direction
      note(now, "comparison: " + t.summary)
    }
  }
}

extension GroupStatistics {
  /// The comparison in one line, for the verdict: the differences, else that there were none.
  public var verdictLine: String {
    let differs = tests.filter { $0.direction == .higher || $0.direction == .lower }
    let waiting = tests.filter { $0.direction == .insufficient }.count
    var text = "comparison at the verdict: "
    if tests.isEmpty {
      return text + "no test yet (\(Self.minimumBlocks) blocks of \(Self.blockSeconds) s a group needed)"
    }
    text +=
      differs.isEmpty
      ? "no difference shown in \(tests.count - waiting) figures"
      : "\(differs.count) of \(tests.count - waiting) figures differ: "
        + differs.map { "\($0.figure.rawValue) of \($0.workload) \($0.direction.rawValue) by \($0.shiftText ?? "?")" }
        .joined(separator: "; ")
    if waiting > 0 { text += "; insufficient data for \(waiting)" }
    return text
  }
}
