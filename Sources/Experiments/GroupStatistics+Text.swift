import ClusterState

extension GroupStatistics.Test {
  /// The figure's unit, as the shift is given in.
  var unit: String {
    switch figure {
    case .p50, .p99: return " ms"
    case .cpu: return "m"
    case .ready: return " pods"
    case .errors, .loss: return " pts"
    }
  }

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
    case .noDifference: text += "no difference shown"
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
    for t in tests where t.direction != .insufficient {
      let key = t.workload + "|" + t.figure.rawValue
      guard statisticsShown[key] != t.direction else { continue }
      statisticsShown[key] = t.direction
      note(now, "comparison: " + t.summary)
    }
  }
}
