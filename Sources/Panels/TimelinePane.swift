import ClusterState

public enum TimelinePane {
  public static func incidentLine(_ inc: Incident, now: Seconds) -> String {
    let ttd = inc.ttd.map { "TTD " + formatDuration($0) } ?? (inc.status == .noImpact ? "TTD -" : "TTD ...")
    let ttr: String
    if let r = inc.ttr {
      ttr = "TTR " + formatDuration(r)
    } else if inc.isOpen {
      ttr = "open " + formatDuration(now - inc.injected)
    } else {
      ttr = "TTR -"
    }
    let overlaps = inc.overlaps.isEmpty ? "" : "  overlaps " + inc.overlaps.map { "#\($0)" }.joined(separator: ",")
    // Mitigated before recovered (users fine, replicas still coming): the time to mitigate too.
    var ttm = ""
    if inc.usersAffected == true, let m = inc.ttm, m < (inc.ttr ?? .infinity) - 0.05 {
      ttm = "TTM " + formatDuration(m) + "  "
    }
    return "#\(inc.id) \(inc.title)  \(ttd)  \(ttm)\(ttr)  \(inc.status.rawValue)\(overlaps)"
  }

  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, focused: Bool, scroll: Int, ctx: RenderContext
  ) {
    let t = ctx.theme
    let sum = state.summary
    var badge = "\(sum.incidents) incident\(sum.incidents == 1 ? "" : "s")"
    if let m = sum.meanTTR { badge += ", MTTR \(formatDuration(m))" }
    let inner = Widgets.box(&buf, area, title: "Timeline", focused: focused, ctx: ctx, badge: badge)
    guard inner.height >= 1, inner.width >= 20 else { return }
    var y = inner.y
    // The incidents still open, and the latest closed one, on top.
    var shown = state.incidents.filter(\.isOpen).suffix(3)
    if shown.isEmpty, let last = state.incidents.last { shown = [last] }
    let incidentRows = min(shown.count, max(0, inner.height - 2))
    for inc in shown.suffix(incidentRows) {
      let role: Theme.Role =
        inc.status == .recovered || inc.status == .noImpact ? .ok : (inc.detected == nil ? .info : .error)
      buf.write(inner.x, y, incidentLine(inc, now: state.now), t.style(role, [.bold]), maxWidth: inner.width)
      y += 1
    }
    let left = inner.maxY - y
    guard left > 0 else { return }
    if state.timeline.isEmpty {
      buf.write(inner.x, y, "no faults yet: select a pod, press f", t.style(.muted), maxWidth: inner.width)
      return
    }
    let end = max(0, state.timeline.count - scroll)
    let entries = state.timeline[max(0, end - left)..<end]
    for e in entries {
      let clock = Fmt.clock(e.time - state.sessionStart).dropFirst(2)
      var x = inner.x
      x += buf.write(x, y, String(clock.suffix(5)) + " ", t.style(.muted))
      if let id = e.incident, let inc = state.incidents.first(where: { $0.id == id }) {
        x += buf.write(x, y, Fmt.fit(Fmt.relative(e.time - inc.injected), 7, right: true) + " ", t.style(.info))
      } else {
        x += buf.write(x, y, Fmt.fit("", 8), t.style(.muted))
      }
      let role: Theme.Role
      switch e.kind {
      case .fault: role = .fault
      case .detected, .warning: role = .error
      case .recovered: role = .ok
      case .scale, .promotion, .note: role = .info
      case .ended: role = .warn
      case .event, .info: role = .main_fg
      }
      buf.write(
        x, y, e.text, t.style(role, e.kind == .fault || e.kind == .recovered || e.kind == .detected ? [.bold] : []),
        maxWidth: inner.maxX - x)
      y += 1
    }
  }
}
