import ClusterState
import Monkey

/// kube-monkey's schedule: a row per workload carrying its labels: kill mode, the label's MTBF,
/// the next kill with a countdown, the last kill and how the system healed (TTR), and the MTBF
/// measured since the monkey started beside the configured one. Opted-out and mislabelled
/// workloads stay in the list with the reason.
public enum MonkeyPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, schedule: MonkeySchedule, focused: Bool, ctx: RenderContext
  ) {
    let t = ctx.theme
    let inner = Widgets.box(&buf, area, title: "Monkey", focused: focused, ctx: ctx, badge: "kube-monkey labels")
    guard inner.height >= 1, inner.width >= 20 else { return }
    var rows = Widgets.Rows(inner)
    let warn = schedule.status.contains("PAUSED") || schedule.status.contains("DRY RUN")
    rows.line(&buf, [(schedule.status, t.style(warn ? .warn : .muted, warn ? [.bold] : []))])
    if schedule.rows.isEmpty {
      rows.line(
        &buf,
        [
          ("no workload carries kube-monkey labels (kube-monkey/enabled=enabled, /mtbf, /identifier)", t.style(.warn))
        ])
      return
    }
    let wide = inner.width >= 110
    let nameW = min(28, max(12, schedule.rows.map(\.workload.count).max() ?? 12))
    var header = Fmt.fit("WORKLOAD", nameW) + " " + Fmt.fit("MTBF", 5) + " " + Fmt.fit("NEXT", 8) + " "
    if wide { header += Fmt.fit("KILL MODE", 24) + " " + Fmt.fit("TODAY", 5) + " " }
    header += Fmt.fit("MEASURED", 12) + " " + Fmt.fit("LAST TTR", 10) + " LAST KILL"
    rows.line(&buf, [(header, t.style(.title, [.bold]))])
    for r in schedule.rows {
      var parts: [(String, Style)] = [
        (Fmt.fit(r.workload, nameW) + " ", t.style(r.problem == nil ? .main_fg : .muted)),
        (Fmt.fit(r.mtbf, 5) + " ", t.style(.muted)),
      ]
      if let problem = r.problem {
        parts.append((problem, t.style(problem.hasPrefix("opted out") ? .muted : .warn)))
        rows.line(&buf, parts)
        continue
      }
      let next = r.next.map { "in " + formatDuration(max(0, $0 - schedule.now)) } ?? "-"
      parts.append((Fmt.fit(next, 8) + " ", t.style(r.next == nil ? .muted : .fault, r.next == nil ? [] : [.bold])))
      if wide {
        parts.append((Fmt.fit(r.mode, 24) + " ", t.style(.muted)))
        parts.append((Fmt.fit(String(r.plannedToday), 5) + " ", t.style(.muted)))
      }
      let measured = r.measuredMTBF.map { formatDuration($0) + " (\(r.failures))" } ?? "-"
      parts.append((Fmt.fit(measured, 12) + " ", t.style(r.measuredMTBF == nil ? .muted : .info)))
      let ttr = r.lastTTR.map(formatDuration) ?? r.lastOutcome ?? "-"
      parts.append((Fmt.fit(ttr, 10) + " ", t.style(r.lastTTR != nil ? .ok : r.lastOutcome == nil ? .muted : .warn)))
      if let k = r.lastKill {
        parts.append((formatDuration(max(0, schedule.now - k.at)) + " ago: " + k.outcome, t.style(.main_fg)))
      } else {
        parts.append(("none yet", t.style(.muted)))
      }
      rows.line(&buf, parts)
    }
  }

  /// The pane before the monkey starts.
  public static func renderOff(_ buf: inout CellBuffer, _ area: Rect, focused: Bool, ctx: RenderContext) {
    let inner = Widgets.box(&buf, area, title: "Monkey", focused: focused, ctx: ctx)
    guard inner.height >= 1 else { return }
    buf.write(inner.x, inner.y, "monkey mode is off: M starts it", ctx.theme.style(.muted), maxWidth: inner.width)
  }
}
