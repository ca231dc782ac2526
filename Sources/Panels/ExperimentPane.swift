import ClusterState
import Experiments

/// A chaos experiment as it runs: its phase (steady-state check, step k of n, observing, verdict),
/// each hypothesis turning pass or fail with its evidence and when, the stop conditions with their
/// margins, and control vs experimental side by side. At the end the verdict stays, with a summary.
public enum ExperimentPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, run: ExperimentRun, state: ClusterSnapshot, focused: Bool,
    ctx: RenderContext
  ) {
    let t = ctx.theme
    let e = run.experiment
    let elapsed = (run.finishedAt ?? state.now) - run.created
    let inner = Widgets.box(
      &buf, area, title: "Experiment: " + e.title, focused: focused, ctx: ctx, badge: "+" + formatDuration(elapsed))
    guard inner.height >= 1, inner.width >= 20 else { return }
    var lines: [[(String, Style)]] = []
    // The phase, or the verdict in large letters of colour.
    switch run.phase {
    case .finished(let v):
      let role: Theme.Role =
        switch v {
        case .passed: .ok
        case .failed: .error
        case .aborted, .notRun: .warn
        }
      let held = run.outcomes.filter { if case .passed = $0 { return true } else { return false } }.count
      lines.append([
        ("VERDICT ", t.style(role, [.bold, .reverse])),
        (" " + v.label, t.style(role, [.bold])),
        ("  \(held)/\(run.outcomes.count) held in \(formatDuration(elapsed))", t.style(.muted)),
      ])
    default:
      lines.append([("phase ", t.style(.muted)), (run.phase.label, t.style(.info, [.bold]))] + stepText(run, t))
    }
    let groups =
      "experimental \(GroupComparison.label(e.experimental))"
      + (e.control.map { "  control \(GroupComparison.label($0))" } ?? "  (no control group)")
    var groupLine: [(String, Style)] = [(groups, t.style(.muted))]
    if let check = run.groupsCheck {
      groupLine.append(
        check.notCompared != nil
          ? ("  A/A not compared", t.style(.muted))
          : check.differences.isEmpty
            ? ("  A/A alike", t.style(.ok)) : ("  A/A: groups differ before any fault", t.style(.warn, [.bold])))
    }
    lines.append(groupLine)
    // The tests' answer in one line near the top (on a short screen the details below are cut).
    lines += statisticsHeadline(run, t)
    lines += budgetLine(run, state, t)
    if let first = run.unexpected.first {
      let more = run.unexpected.count > 1 ? " (+\(run.unexpected.count - 1) more)" : ""
      lines.append([("unexpected: " + first.text + more, t.style(.warn, [.bold]))])
    }
    // Hypotheses.
    let nameW = min(inner.width >= 100 ? 44 : 30, max(12, e.hypotheses.map(\.name.count).max() ?? 12))
    for (i, h) in e.hypotheses.enumerated() {
      let o = run.outcomes[i]
      let (mark, role, text): (String, Theme.Role, String)
      switch o {
      case .pending: (mark, role, text) = (ctx.glyphs == .ascii ? ".." : "…", .muted, run.progress(i, state))
      case .passed(let at, let ev):
        (mark, role, text) = (ctx.glyphs == .ascii ? "ok" : "✓", .ok, ev + "  @" + at0(run, at))
      case .failed(let at, let ev):
        (mark, role, text) = (ctx.glyphs == .ascii ? "XX" : "✗", .error, ev + "  @" + at0(run, at))
      }
      lines.append([
        (Fmt.fit(mark, 2) + " ", t.style(role, [.bold])), (Fmt.fit(h.name, nameW) + "  ", t.style(.title)),
        (text, t.style(o == .pending ? .muted : role)),
      ])
    }
    lines += stopLines(run, state, t)
    lines += probeLines(run, ascii: ctx.glyphs == .ascii, t)
    lines += comparisonLines(e, state, width: inner.width, t)
    lines += statisticsLines(run, width: inner.width, t)
    Widgets.rows(&buf, inner, lines)
  }

  /// Each stop condition with how far it is from firing.
  static func stopLines(_ run: ExperimentRun, _ state: ClusterSnapshot, _ t: Theme) -> [[(String, Style)]] {
    zip(run.experiment.stopConditions, run.stopConditionStatus(state)).map { c, st in
      [("stop if " + c.label + ": " + st.text, t.style(st.past ? .warn : .muted, st.past ? [.bold] : []))]
    }
  }

  /// Control vs experimental, a figure a column.
  static func comparisonLines(_ e: Experiment, _ state: ClusterSnapshot, width: Int, _ t: Theme) -> [[(String, Style)]]
  {
    var lines: [[(String, Style)]] = []
    let cmp = GroupComparison(e, in: state)
    let wide = width >= 100
    let figs: [Experiment.Figure] = wide ? GroupComparison.figures : [.p99, .errors, .cpu, .ready]
    let cellW = wide ? 17 : 15
    let nameCol = 13
    if !cmp.rows.isEmpty {
      var header = Fmt.fit("exp / ctl", nameCol)
      for f in figs { header += Fmt.fit(figureTitle(f), cellW) }
      lines.append([(header, t.style(.title, [.bold]))])
      for row in cmp.rows {
        var parts: [(String, Style)] = [(Fmt.fit(row.workload, nameCol), t.style(.main_fg))]
        for f in figs {
          let (a, b) = row.values[f] ?? (nil, nil)
          let cell = format(f, a) + "/" + (cmp.control == nil ? "-" : format(f, b)) + (wide ? delta(f, a, b) : "")
          let differs = differsMuch(f, a, b)
          parts.append((Fmt.fit(cell, cellW), t.style(differs ? .warn : .muted, differs ? [.bold] : [])))
        }
        lines.append(parts)
      }
    }
    return lines
  }

  static func stepText(_ run: ExperimentRun, _ t: Theme) -> [(String, Style)] {
    guard let last = run.steps.last, last.end == nil else { return [] }
    return [("  " + last.label, t.style(.fault))]
  }

  static func at0(_ run: ExperimentRun, _ t: Seconds) -> String { "+" + formatDuration(t - run.created) }

  static func figureTitle(_ f: Experiment.Figure) -> String {
    switch f {
    case .p50: return "p50 ms"
    case .p99: return "p99 ms"
    case .errors: return "errors %"
    case .loss: return "loss %"
    case .cpu: return "cpu m"
    case .ready: return "ready"
    }
  }

  static func format(_ f: Experiment.Figure, _ v: Double?) -> String {
    guard let v else { return "-" }
    switch f {
    case .ready, .cpu: return String(Int(v.rounded()))
    default: return v >= 100 ? String(Int(v.rounded())) : Fmt.one(v)
    }
  }

  static func delta(_ f: Experiment.Figure, _ a: Double?, _ b: Double?) -> String {
    guard let a, let b else { return "" }
    let d = a - b
    if abs(d) < 0.05 { return "" }
    let text = (f == .ready || f == .cpu || abs(d) >= 100) ? String(Int(d.rounded())) : Fmt.one(d)
    return " (" + (d > 0 ? "+" : "") + text + ")"
  }

  /// A difference worth the eye: latency 50% and 20 ms apart, errors or loss 1 point, a replica.
  static func differsMuch(_ f: Experiment.Figure, _ a: Double?, _ b: Double?) -> Bool {
    guard let a, let b else { return false }
    switch f {
    case .p50, .p99: return abs(a - b) > 20 && abs(a - b) > 0.5 * min(a, b)
    case .errors, .loss: return abs(a - b) >= 1
    case .cpu: return abs(a - b) > 0.5 * max(1, min(a, b))
    case .ready: return a != b
    }
  }
}
