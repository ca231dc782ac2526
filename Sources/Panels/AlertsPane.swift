import ClusterState
import Foundation

/// The steady state as the monitoring stack sees it: the queries file's PromQL checks (value,
/// bound, pass or fail), Prometheus' alerts (firing, pending, since when) and its scrape targets'
/// health (down ones with the scrape error). Without Prometheus it says where these come from
/// and which built-in bounds the incident tracker uses.
public enum AlertsPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, focused: Bool, ctx: RenderContext
  ) {
    let t = ctx.theme
    let firing = state.alerts.filter { $0.state == "firing" }.count
    let failing = state.promChecks.filter { $0.violation != nil || $0.error != nil }.count
    var badge = "\(firing) firing"
    if !state.promChecks.isEmpty { badge += "  \(failing)/\(state.promChecks.count) checks failing" }
    let inner = Widgets.box(&buf, area, title: "Alerts & checks", focused: focused, ctx: ctx, badge: badge)
    guard inner.height >= 1, inner.width >= 20 else { return }
    var lines: [(String, Style)] = []
    let b = state.steadyState
    let builtIn =
      "built-in bounds: p99<=\(Int(b.maxP99Ms))ms loss<=\(HealthCheck.fmt1(b.maxLossPercent))% "
      + "errors<=\(HealthCheck.fmt1(b.maxErrorPercent))% replicas Ready; hold \(Int(b.hold))s"
    // The checks first: they decide incidents.
    checkLines(state, t, &lines)
    nowLines(state, t, &lines)
    lines.append((builtIn, t.style(.muted)))
    sourceLines(state, t, &lines)
    alertLines(state, t, firing: firing, &lines)
    for (i, l) in lines.prefix(inner.height).enumerated() {
      buf.write(inner.x, inner.y + i, l.0, l.1, maxWidth: inner.width)
    }
    if lines.count > inner.height, inner.height >= 2 {
      buf.write(
        inner.x, inner.maxY - 1, Fmt.fit("... \(lines.count - inner.height + 1) more (z zooms)", inner.width),
        t.style(.muted))
    }
  }

  /// The queries file's PromQL checks: value, bound, pass or fail.
  static func checkLines(_ state: ClusterSnapshot, _ t: Theme, _ lines: inout [(String, Style)]) {
    if !state.promChecks.isEmpty {
      let nameW = min(24, max(10, state.promChecks.map(\.name.count).max() ?? 10))
      for c in state.promChecks {
        let (mark, role): (String, Theme.Role) =
          c.error != nil
          ? ("ERR ", .warn) : c.violation != nil ? ("FAIL", .error) : c.value == nil ? ("--  ", .muted) : ("ok  ", .ok)
        var text = mark + " " + Fmt.fit(c.name, nameW) + " "
        if let e = c.error {
          let own = c.name + " query: "
          text += e.hasPrefix(own) ? String(e.dropFirst(own.count)) : e
        } else {
          text += Fmt.fit(c.value.map(PromCheck.fmt) ?? "no data", 9, right: true) + "  " + Fmt.fit(c.bound, 10)
          if !c.detail.isEmpty { text += " " + c.detail }
          if let s = c.scope { text += "  [" + s + "]" }
        }
        lines.append((text, t.style(role, role == .error ? [.bold] : [])))
      }
    }
  }

  /// What is outside the built-in bounds now, over every workload and service (worked out by the
  /// reducer each whole second; first: it matters most), or why it is not known.
  static func nowLines(_ state: ClusterSnapshot, _ t: Theme, _ lines: inout [(String, Style)]) {
    // reducer each whole second; first: it matters most), then the bounds themselves.
    let now = state.outOfBounds
    if let unknown = state.steadyStateUnknown {
      let text: String
      switch unknown {
      case .noPods(let why): text = "unknown: no pod is known (\(why))"
      case .stale(let since, let why):
        text = "unknown: no answer from the cluster for \(Fmt.age(state.now - since)); shown as it was then (\(why))"
      case .waiting: text = "unknown: waiting for the first list of pods"
      case .empty: text = "nothing to check: no pod or workload in " + (state.namespace ?? "any namespace")
      }
      lines.append(("now: " + text, t.style(unknown == .empty ? .muted : .warn, [.bold])))
      for v in now { lines.append(("last seen: " + v, t.style(.error))) }
    } else if now.isEmpty {
      lines.append(("now: every workload and service within the steady state", t.style(.ok)))
    } else {
      for v in now { lines.append(("now: " + v, t.style(.error, [.bold]))) }
    }
  }

  /// Every source of figures: what it feeds, why it gives nothing, or its error.
  static func sourceLines(_ state: ClusterSnapshot, _ t: Theme, _ lines: inout [(String, Style)]) {
    for src in state.sources {
      let (mark, role): (String, Theme.Role) =
        switch src.health {
        case .working: ("ok   ", .ok)
        case .empty: ("EMPTY", .warn)
        case .failing: ("FAIL ", .error)
        case .ignored: ("OFF  ", .muted)
        }
      lines.append(("\(mark) \(src.name): \(src.detail)", t.style(role, src.health == .failing ? [.bold] : [])))
    }
  }

  /// Alerts, firing before pending, oldest first; the targets that are down.
  static func alertLines(_ state: ClusterSnapshot, _ t: Theme, firing: Int, _ lines: inout [(String, Style)]) {
    if let targets = state.targets {
      let sorted = state.alerts.sorted {
        $0.state != $1.state ? $0.state == "firing" : ($0.activeAt ?? 0) < ($1.activeAt ?? 0)
      }
      let pending = state.alerts.count - firing
      lines.append(("alerts: \(firing) firing, \(pending) pending", t.style(.title, [.bold])))
      for a in sorted {
        let since = a.activeAt.map { " " + Fmt.age(max(0, state.now - $0)) } ?? ""
        let severity = a.labels["severity"].map { " " + $0 } ?? ""
        let text =
          Fmt.fit(a.state.uppercased(), 8) + a.shownName + severity + since
          + (a.summary.isEmpty ? "" : "  " + a.summary)
        lines.append((text, t.style(a.state == "firing" ? .error : .warn, a.state == "firing" ? [.bold] : [])))
      }
      let down = targets.filter { $0.health != "up" }
      lines.append(
        (
          "targets: \(targets.count - down.count) up, \(down.count) down",
          t.style(down.isEmpty ? .title : .warn, [.bold])
        ))
      for d in down.sorted(by: { ($0.job, $0.instance) < ($1.job, $1.instance) }) {
        let age = d.lastScrape.map { " " + Fmt.age(max(0, state.now - $0)) + " ago" } ?? ""
        lines.append(
          (
            Fmt.fit(d.health.uppercased(), 8) + d.job + " " + d.instance + age + "  " + d.lastError,
            t.style(.error)
          ))
      }
    } else {
      lines.append(
        (
          state.isDemo
            ? "alerts and target health come from Prometheus: chaostui --prometheus URL on a real cluster"
            : state.isMultiContext
              ? "alerts and target health come from each context's Prometheus: prometheus: in the config's contexts"
              : "alerts and target health come from Prometheus: --prometheus URL",
          t.style(.muted)
        ))
    }
  }
}
