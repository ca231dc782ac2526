import ClusterState

/// An experiment as a recording holds it (a replay): its hypotheses turn held or failed at the
/// times they did in the session, with the session's evidence, and the verdict shows from its time on.

extension ExperimentPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, recorded e: RecordedExperiment, now: Seconds, focused: Bool,
    ctx: RenderContext
  ) {
    let t = ctx.theme
    let done = now >= e.finished
    let elapsed = min(now, e.finished) - e.started
    let inner = Widgets.box(
      &buf, area, title: "Experiment: " + e.title + " (recorded)", focused: focused, ctx: ctx,
      badge: "+" + formatDuration(max(0, elapsed)))
    guard inner.height >= 1, inner.width >= 20 else { return }
    var lines: [[(String, Style)]] = []
    if done {
      let role: Theme.Role = e.passed ? .ok : e.verdict == "failed" ? .error : .warn
      let held = e.hypotheses.filter { $0.status == "held" }.count
      lines.append([
        ("VERDICT ", t.style(role, [.bold, .reverse])), (" " + e.verdict, t.style(role, [.bold])),
        ("  \(held)/\(e.hypotheses.count) held in \(formatDuration(e.finished - e.started))", t.style(.muted)),
      ])
    } else {
      lines.append([
        ("phase ", t.style(.muted)), ("running", t.style(.info, [.bold])),
        ("  (the recording has its verdict at +\(formatDuration(e.finished - e.started)))", t.style(.muted)),
      ])
    }
    let nameW = min(inner.width >= 100 ? 44 : 30, max(12, e.hypotheses.map(\.name.count).max() ?? 12))
    for h in e.hypotheses {
      let decided = h.status != "pending" && (h.at ?? e.finished) <= now
      let (mark, role, text): (String, Theme.Role, String)
      let at = h.at.map { "  @+" + formatDuration($0 - e.started) } ?? ""
      if !decided {
        (mark, role, text) = (ctx.glyphs == .ascii ? ".." : "…", .muted, done ? "not decided" : "pending")
      } else if h.status == "held" {
        (mark, role, text) = (ctx.glyphs == .ascii ? "ok" : "✓", .ok, h.evidence + at)
      } else {
        (mark, role, text) = (ctx.glyphs == .ascii ? "XX" : "✗", .error, h.evidence + at)
      }
      lines.append([
        (Fmt.fit(mark, 2) + " ", t.style(role, [.bold])), (Fmt.fit(h.name, nameW) + "  ", t.style(.title)),
        (text, t.style(role == .muted ? .muted : role)),
      ])
    }
    lines.append([("control and experimental groups: N shows each namespace's panes", t.style(.muted))])
    Widgets.rows(&buf, inner, lines)
  }
}
