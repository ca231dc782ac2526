import ClusterState
import Experiments

extension ExperimentPane {
  /// The differences the tests show, in one line (nil without a control group).
  static func statisticsHeadline(_ run: ExperimentRun, _ t: Theme) -> [[(String, Style)]] {
    guard let stats = run.statistics else { return [] }
    let differs = stats.tests.filter { $0.direction == .higher || $0.direction == .lower }
    let judged = stats.tests.filter { $0.direction != .insufficient }.count
    if differs.isEmpty {
      let text =
        judged == 0
        ? "tests: waiting for \(GroupStatistics.minimumBlocks) blocks of \(GroupStatistics.blockSeconds) s a group"
        : "tests: no difference shown in \(judged) figures (95%, Holm)"
      return [[(text, t.style(.muted))]]
    }
    let list = differs.sorted { ($0.adjusted ?? 1) < ($1.adjusted ?? 1) }.map {
      "\($0.workload) \($0.figure.rawValue) \($0.direction.rawValue) \($0.shiftText ?? "")"
    }
    return [[("tests: " + list.joined(separator: "; "), t.style(.warn, [.bold]))]]
  }

  /// The tests of control against experimental: differences first (smallest corrected p first),
  /// then figures without one, then how many still lack data.
  static func statisticsLines(_ run: ExperimentRun, width: Int, _ t: Theme) -> [[(String, Style)]] {
    guard let stats = run.statistics else { return [] }
    let tests = stats.tests
    let wide = width >= 100
    var lines: [[(String, Style)]] = [
      [
        (
          "tests, experimental vs control: \(GroupStatistics.blockSeconds) s block means, 95%, Holm-corrected",
          t.style(.title, [.bold])
        )
      ]
    ]
    let judged = tests.filter { $0.direction != .insufficient }.sorted { ($0.adjusted ?? 1) < ($1.adjusted ?? 1) }
    for test in judged {
      let differs = test.direction == .higher || test.direction == .lower
      var text = Fmt.fit(test.workload + " " + test.figure.rawValue, wide ? 22 : 16) + " "
      text += Fmt.fit(test.direction.rawValue, 14) + " "
      text += Fmt.fit(test.shiftText ?? "", wide ? 24 : 20) + " "
      text += "p " + GroupStatistics.Test.pText(test.adjusted ?? test.p ?? 1)
      if wide {
        text += "  " + test.test + " n " + test.n.map(String.init).joined(separator: "/")
        if let e = test.effect { text += "  effect " + GroupStatistics.Test.signed((e * 100).rounded() / 100) }
        if let sp = test.spreadP, sp < GroupStatistics.alpha { text += "  spread differs" }
      }
      lines.append([(text, t.style(differs ? .warn : .muted, differs ? [.bold] : []))])
    }
    let waiting = tests.filter { $0.direction == .insufficient }
    if let first = waiting.first {
      lines.append([
        ("insufficient data for \(waiting.count) of \(tests.count): " + (first.note ?? ""), t.style(.muted))
      ])
    } else if tests.isEmpty {
      lines.append([
        (
          "the first block closes \(GroupStatistics.blockSeconds) s after the method's start; "
            + "\(GroupStatistics.minimumBlocks) blocks a group are needed", t.style(.muted)
        )
      ])
    }
    return lines
  }

  /// Each probe of `probes:`: its kind and mode, its state, its last answers (oldest first) and the
  /// newest one's words.
  static func probeLines(_ run: ExperimentRun, ascii: Bool, _ t: Theme) -> [[(String, Style)]] {
    let probes = run.experiment.probes
    guard !probes.isEmpty else { return [] }
    let nameW = min(24, max(8, probes.map(\.name.count).max() ?? 8))
    return probes.map { p in
      let st = run.probeStatus[p.name] ?? ProbeStatus()
      let role: Theme.Role = st.state == .failing ? .error : st.state == .passing ? .ok : .muted
      let history = st.history.suffix(20).map { $0 ? (ascii ? "." : "·") : (ascii ? "x" : "✗") }.joined()
      return [
        ("probe ", t.style(.muted)), (Fmt.fit(p.name, nameW) + " ", t.style(.title)),
        (Fmt.fit(p.kind.label + " " + p.mode.rawValue, 15) + " ", t.style(.muted)),
        (Fmt.fit(st.state.rawValue, 8) + " ", t.style(role, [.bold])), (Fmt.fit(history, 20) + "  ", t.style(role)),
        (Sanitize.line(st.last?.detail ?? ""), t.style(.muted)),
      ]
    }
  }

  /// The error budget near the top, short: the share spent and the burn rates (bold past the
  /// burn-rate stop condition's bound, or past 1 without one).
  static func budgetLine(_ run: ExperimentRun, _ state: ClusterSnapshot, _ t: Theme) -> [[(String, Style)]] {
    guard let b = run.budget else { return [] }
    let burn = run.burnCondition
    let windows = burn ?? Experiment.BurnRate()
    let burning = (b.burnRate(over: windows.fast, now: state.now) ?? 0) > (burn?.above ?? 1)
    let spent = b.spent.map { Numbers.share($0) + " spent" } ?? "no traffic yet"
    return [
      [
        ("budget ", t.style(.muted)), (spent, t.style(burning ? .warn : .info, [.bold])),
        (
          " of \(b.slo.label); burn " + b.burnText(fast: windows.fast, slow: windows.slow, now: state.now),
          t.style(burning ? .warn : .muted)
        ),
      ]
    ]
  }

}
