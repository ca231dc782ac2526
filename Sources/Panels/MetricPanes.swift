import ClusterState
import Foundation

/// Workloads in display order: those behind a service first, then by namespace and name.
/// Sorted once per change of the set of workloads, not every frame.
final class WorkloadOrder: @unchecked Sendable {
  private let lock = NSLock()
  private var revision = -1
  private var ids: [String] = []
  static let shared = WorkloadOrder()

  func ordered(_ state: ClusterSnapshot, limit: Int) -> [Workload] {
    lock.lock()
    defer { lock.unlock() }
    if revision != state.objectsRevision || ids.count != state.workloads.count {
      revision = state.objectsRevision
      let withService = Set(state.services.values.map(\.workload))
      let keyed = state.workloads.values.map { (withService.contains($0.id) ? 0 : 1, $0.namespace, $0.name, $0.id) }
      ids = keyed.sorted { a, b in
        if a.0 != b.0 { return a.0 < b.0 }
        return a.1 != b.1 ? a.1 < b.1 : a.2 < b.2
      }.map(\.3)
    }
    return ids.prefix(limit).compactMap { state.workloads[$0] }
  }
}

func orderedWorkloads(_ state: ClusterSnapshot, limit: Int = Int.max) -> [Workload] {
  WorkloadOrder.shared.ordered(state, limit: limit)
}

/// How old a real source's newest sample is, for a pane's title: past three cadences (45 s) it is
/// stale. nil for the demo or before the first sample. Narrow panes (80 columns) keep the age and
/// drop the words.
struct SampleAge {
  let badge: String
  let stale: Bool

  init?(_ at: Seconds?, state: ClusterSnapshot, wide: Bool, label: String) {
    guard let at, !state.isDemo else { return nil }
    let age = max(0, state.now - at)
    stale = age > 45
    badge = (wide ? label + "  sample " : "") + "\(Fmt.age(age)) ago" + (stale ? " STALE" : "")
  }
}

public enum ResourcesPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, selectedPod: String?, focused: Bool,
    ctx: RenderContext,
    podsPerNode: [String: Int] = [:]
  ) {
    let t = ctx.theme
    let age = SampleAge(state.metricsAt, state: state, wide: area.width >= 50, label: "CPU / MEM")
    let boxed = Widgets.box(
      &buf, area, title: "Resources", focused: focused, ctx: ctx, badge: age?.badge ?? "CPU / MEM / IO")
    guard boxed.height >= 1, boxed.width >= 20,
      let inner = notes(&buf, boxed, state: state, stale: age?.stale ?? false, t)
    else { return }
    let wanted = min(state.workloads.count, 4) + 2
    let podLines = inner.height >= wanted && selectedPod != nil ? 2 : 0
    let rows = inner.height - podLines
    let nameW = min(13, max(8, inner.width / 6))
    workloadRows(&buf, inner, state: state, rows: rows, nameW: nameW, ctx: ctx)
    // Nodes and zones, where there is room below the workloads.
    let shown = min(rows, state.workloads.count)
    let nodeRows = inner.height - podLines - shown - 1
    if nodeRows >= 2 && !state.nodes.isEmpty {
      nodeLines(
        &buf, inner, state: state, top: inner.y + shown + 1, count: nodeRows, nameW: nameW, podsPerNode: podsPerNode,
        t)
    }
    if podLines > 0, let id = selectedPod, let pod = state.pods[id] {
      podSparklines(&buf, inner, state: state, pod: pod, ctx: ctx)
    }
  }

  /// Old samples or the metrics source's note above the figures; the rows left (nil: none).
  static func notes(_ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, stale: Bool, _ t: Theme) -> Rect? {
    var inner = area
    if stale && state.metricsNote == nil {
      buf.write(
        inner.x, inner.y, "no new metrics for \(Fmt.age(state.now - (state.metricsAt ?? 0))): the values below are old",
        t.style(.warn), maxWidth: inner.width)
      inner = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
      guard inner.height >= 1 else { return nil }
    }
    if let note = state.metricsNote {
      // Up to two lines: the reason often comes after a long URL.
      let chars = Array(note)
      let lines = chars.count > inner.width && inner.height >= 4 ? 2 : 1
      for l in 0..<lines {
        let part = String(chars.dropFirst(l * inner.width).prefix(inner.width))
        buf.write(inner.x, inner.y + l, part, t.style(.warn), maxWidth: inner.width)
      }
      inner = Rect(x: inner.x, y: inner.y + lines, width: inner.width, height: inner.height - lines)
      guard inner.height >= 1 else { return nil }
    }
    return inner
  }

  /// Each workload: CPU, memory and IO sparklines with their last values.
  static func workloadRows(
    _ buf: inout CellBuffer, _ inner: Rect, state: ClusterSnapshot, rows: Int, nameW: Int, ctx: RenderContext
  ) {
    let t = ctx.theme
    let groups = inner.width >= 60 ? 3 : 2
    let valueW = 7
    let sparkW = max(2, (inner.width - nameW - groups * (valueW + 6)) / groups)
    for (r, w) in orderedWorkloads(state, limit: rows).enumerated() {
      let y = inner.y + r
      let healthy = w.readyReplicas >= w.desiredReplicas
      buf.write(
        inner.x, y, Fmt.named(w.name, namespace: w.namespace, width: nameW),
        t.style(healthy ? .main_fg : .warn, healthy ? [] : [.bold]))
      let s = state.workloadSeries[w.id]
      var x = inner.x + nameW + 1
      let metrics: [(String, RingBuffer?, Theme.Role, (Double?) -> String)] = [
        ("cpu", s?.cpuMilli, .cpu, Fmt.cpu), ("mem", s?.memoryBytes, .mem, Fmt.bytes),
        ("io", s?.ioBytesPerSec, .io, Fmt.rate),
      ]
      for (label, series, role, fmt) in metrics.prefix(groups) {
        buf.write(x, y, label, t.style(.muted))
        x += 4
        Widgets.sparkline(
          &buf, x: x, y: y, width: sparkW, values: series?.suffix(sparkW) ?? [], maxValue: (series?.max ?? 0) * 1.25,
          style: t.style(role), glyphs: ctx.glyphs)
        x += sparkW + 1
        buf.write(x, y, Fmt.fit(fmt(series?.last), valueW, right: true), t.style(.title), maxWidth: inner.maxX - x)
        x += valueW + 1
      }
    }
  }

  /// The nodes by zone: status, pods, capacity and use.
  static func nodeLines(
    _ buf: inout CellBuffer, _ inner: Rect, state: ClusterSnapshot, top: Int, count nodeRows: Int, nameW: Int,
    podsPerNode: [String: Int], _ t: Theme
  ) {
    var y = top
    let nodes = state.nodes.values.sorted { $0.zone != $1.zone ? $0.zone < $1.zone : $0.name < $1.name }
    buf.write(inner.x, y, Fmt.fit("nodes", nameW), t.style(.muted, [.bold]))
    let usage = !state.nodeUsage.isEmpty
    buf.write(
      inner.x + nameW + 1, y,
      usage ? "zone     status    pods   cpu use/cap     mem use/cap" : "zone     status    pods  cpu cap  mem cap",
      t.style(.muted, [.bold]), maxWidth: inner.width - nameW - 1)
    y += 1
    for (i, n) in nodes.enumerated() where y < top + nodeRows {
      if i == nodeRows - 2 && nodes.count > nodeRows - 1 {
        buf.write(inner.x, y, "... \(nodes.count - i) more nodes", t.style(.muted))
        break
      }
      buf.write(inner.x, y, Fmt.fit(n.name, nameW), t.style(n.ready ? (n.unschedulable ? .warn : .main_fg) : .error))
      let line =
        Fmt.fit(n.zone, 8) + " " + Fmt.fit(n.ready ? (n.unschedulable ? "Cordoned" : "Ready") : "NotReady", 9) + " "
        + Fmt.fit(String(podsPerNode[n.name] ?? 0), 4, right: true) + "  "
        + (usage
          ? Fmt.fit(Fmt.cpu(state.nodeUsage[n.name]?.cpuMilli) + "/" + Fmt.cpu(n.cpuCapacityMilli), 12, right: true)
            + "  "
            + Fmt.fit(
              Fmt.bytes(state.nodeUsage[n.name]?.memoryBytes) + "/" + Fmt.bytes(n.memoryCapacityBytes), 14,
              right: true)
          : Fmt.fit(Fmt.cpu(n.cpuCapacityMilli), 7, right: true) + "  "
            + Fmt.fit(Fmt.bytes(n.memoryCapacityBytes), 7, right: true))
      buf.write(inner.x + nameW + 1, y, line, t.style(n.ready ? .title : .error), maxWidth: inner.width - nameW - 1)
      y += 1
    }
  }

  /// The selected pod's CPU and memory against its request and limit.
  static func podSparklines(
    _ buf: inout CellBuffer, _ inner: Rect, state: ClusterSnapshot, pod: Pod, ctx: RenderContext
  ) {
    let t = ctx.theme
    let id = pod.id
    let y = inner.maxY - 2
    let s = state.podSeries[id]
    let name = "pod " + pod.name
    buf.write(inner.x, y, Fmt.fit(name, inner.width), t.style(.info, [.bold]))
    let half = inner.width / 2
    let sw = max(2, half - 20)
    buf.write(inner.x, y + 1, "cpu", t.style(.muted))
    Widgets.sparkline(
      &buf, x: inner.x + 4, y: y + 1, width: sw, values: s?.cpuMilli.suffix(sw) ?? [], maxValue: nil,
      style: t.style(.cpu),
      glyphs: ctx.glyphs)
    buf.write(
      inner.x + 5 + sw, y + 1, Fmt.cpu(s?.cpuMilli.last) + "/" + Fmt.cpu(pod.cpuRequestMilli) + "req",
      t.style(.title),
      maxWidth: half - sw - 5)
    buf.write(inner.x + half, y + 1, "mem", t.style(.muted))
    Widgets.sparkline(
      &buf, x: inner.x + half + 4, y: y + 1, width: sw, values: s?.memoryBytes.suffix(sw) ?? [],
      maxValue: pod.memoryLimitBytes > 0 ? pod.memoryLimitBytes : nil, style: t.style(.mem), glyphs: ctx.glyphs)
    buf.write(
      inner.x + half + 5 + sw, y + 1, Fmt.bytes(s?.memoryBytes.last) + "/" + Fmt.bytes(pod.memoryLimitBytes),
      t.style(.title), maxWidth: inner.maxX - (inner.x + half + 5 + sw))
  }
}

public enum NetworkPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, focused: Bool, ctx: RenderContext
  ) {
    let t = ctx.theme
    let bounds = state.steadyState
    let bound = "p99 < \(Int(bounds.maxP99Ms))ms"
    let age = SampleAge(state.serviceMetricsAt, state: state, wide: area.width >= 50, label: bound)
    let stale = age?.stale ?? false
    var inner = Widgets.box(&buf, area, title: "Network", focused: focused, ctx: ctx, badge: age?.badge ?? bound)
    guard inner.height >= 1, inner.width >= 20 else { return }
    // A failed query, or (while stale) why the source is failing.
    if let note = state.networkNote ?? (stale ? state.metricsNote : nil) {
      buf.write(inner.x, inner.y, note, t.style(.warn), maxWidth: inner.width)
      inner = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
      guard inner.height >= 1 else { return }
    }
    let services = state.services.values.sorted { $0.id < $1.id }
    if services.isEmpty {
      let why =
        state.isDemo
        ? "no services measured"
        : "no service figures yet: they come from --prometheus (blackbox probes, request histograms) or --scrape"
      buf.write(inner.x, inner.y, why, t.style(.muted), maxWidth: inner.width)
      return
    }
    let nameW = min(13, max(8, inner.width / 6))
    // The pods' network throughput (cAdvisor's counters), where a source has it and there is room.
    let throughput =
      inner.width >= 60 && services.contains { (state.workloadSeries[$0.workload]?.networkBytesPerSec.count ?? 0) > 0 }
    let cols = [("p50", 7), ("p99", 7), ("loss", 6), ("err", 6)] + (throughput ? [("rx+tx", 9)] : [])
    let fixed = nameW + cols.reduce(0) { $0 + $1.1 }
    let sparkW = inner.width - fixed - 2
    var y = inner.y
    if inner.height > services.count {
      var x = inner.x + nameW
      for (title, w) in cols {
        buf.write(x, y, Fmt.fit(title, w, right: true), t.style(.muted, [.bold]))
        x += w
      }
      if sparkW >= 6 { buf.write(x + 2, y, Fmt.fit("p99 history", sparkW), t.style(.muted, [.bold])) }
      y += 1
    }
    // A second line a service for its error history, where there is one and room for it.
    let errorHistory = services.contains { (state.workloadSeries[$0.workload]?.errorPercent.count ?? 0) > 0 }
    let perService = errorHistory ? max(1, min(2, (inner.maxY - y) / services.count)) : 1
    for svc in services {
      guard y < inner.maxY else { break }
      serviceRow(
        &buf, svc, state: state, y: y, inner: inner, layout: (nameW, fixed, sparkW, cols), errors: perService == 2,
        ctx: ctx)
      y += perService
    }
  }
  /// One service: p50, p99, loss, errors (throughput), its p99 history and, with room, its errors'.
  static func serviceRow(
    _ buf: inout CellBuffer, _ svc: ServiceInfo, state: ClusterSnapshot, y: Int, inner: Rect,
    layout: (nameW: Int, fixed: Int, sparkW: Int, cols: [(String, Int)]), errors perService2: Bool, ctx: RenderContext
  ) {
    let t = ctx.theme
    let bounds = state.steadyState
    let (nameW, fixed, sparkW, cols) = layout
    let throughput = cols.count > 4
    let s = state.workloadSeries[svc.workload]
    let p50 = s?.latencyP50Ms.last
    let p99 = s?.latencyP99Ms.last
    let loss = s?.lossPercent.last
    let err = s?.errorPercent.last
    let slow = (p99 ?? 0) > bounds.maxP99Ms
    let lossy = (loss ?? 0) > bounds.maxLossPercent
    let failing = (err ?? 0) > bounds.maxErrorPercent
    let bad = slow || lossy || failing
    buf.write(
      inner.x, y, Fmt.named(svc.name, namespace: svc.namespace, width: nameW - 1),
      t.style(bad ? .error : .main_fg, bad ? [.bold] : []))
    var x = inner.x + nameW
    let values: [(String, Bool)] =
      [(Fmt.ms(p50), false), (Fmt.ms(p99), slow), (Fmt.percent(loss), lossy), (Fmt.percent(err), failing)]
      + (throughput ? [(Fmt.rate(s?.networkBytesPerSec.last), false)] : [])
    for (i, (v, over)) in values.enumerated() {
      buf.write(x, y, Fmt.fit(v, cols[i].1, right: true), over ? t.style(.error, [.bold]) : t.style(.title))
      x += cols[i].1
    }
    if sparkW >= 4 {
      Widgets.sparkline(
        &buf, x: x + 2, y: y, width: sparkW, values: s?.latencyP99Ms.suffix(sparkW) ?? [],
        maxValue: bounds.maxP99Ms * 1.5, style: t.style(slow ? .error : .latency), glyphs: ctx.glyphs)
      if perService2 && y + 1 < inner.maxY {
        buf.write(inner.x + nameW, y + 1, Fmt.fit("errors", fixed - nameW, right: true), t.style(.muted))
        Widgets.sparkline(
          &buf, x: x + 2, y: y + 1, width: sparkW, values: s?.errorPercent.suffix(sparkW) ?? [], maxValue: 10,
          style: t.style(.loss), glyphs: ctx.glyphs)
      }
    }
  }
}

public enum HPAPane {
  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, focused: Bool, ctx: RenderContext
  ) {
    let t = ctx.theme
    let inner = Widgets.box(&buf, area, title: "Autoscaling", focused: focused, ctx: ctx, badge: "HPA")
    guard inner.height >= 1, inner.width >= 20 else { return }
    let hpas = state.hpas.values.sorted { $0.id < $1.id }
    if hpas.isEmpty {
      buf.write(inner.x, inner.y, "no HorizontalPodAutoscalers", t.style(.muted), maxWidth: inner.width)
      return
    }
    var y = inner.y
    for h in hpas {
      guard y < inner.maxY else { break }
      let w = state.workloads[h.workloadID]
      let ready = w?.readyReplicas ?? 0
      // Label column: 9 wide, 6 in narrow panes (80-column terminals).
      let lw = inner.width >= 40 ? 9 : 6
      countsLine(&buf, h, ready: ready, y: y, inner: inner, labelWidth: lw, ctx: ctx)
      y += 1
      guard y < inner.maxY else { break }
      let util = h.currentUtilization
      buf.write(inner.x, y, Fmt.fit("cpu", lw - 1), t.style(.muted))
      let label = " \(Fmt.percent(util)) / \(Fmt.percent(h.targetUtilization))"
      let gw = max(4, inner.width - lw - label.count)
      Widgets.gauge(
        &buf, x: inner.x + lw, y: y, width: gw, value: util ?? 0, full: max(200, h.targetUtilization * 2),
        target: h.targetUtilization,
        ctx: ctx)
      buf.write(
        inner.x + lw + gw, y, label, t.style((util ?? 0) > h.targetUtilization ? .warn : .title),
        maxWidth: inner.maxX - inner.x - lw - gw)
      y += 1
      guard y < inner.maxY else { break }
      // Why it does not scale, from the controller itself (ScalingActive=False: FailedGetResourceMetric...).
      if let c = h.stuck {
        let text = "\(c.type)=\(c.status) \(c.reason)" + (c.message.isEmpty ? "" : ": " + c.message)
        buf.write(
          inner.x + lw, y, text, c.type == "ScalingLimited" ? t.style(.muted) : t.style(.error, [.bold]),
          maxWidth: inner.width - lw)
        y += 1
        guard y < inner.maxY else { break }
      }
      let last = h.lastScaleTime.map { "scaled \(Fmt.age(state.now - $0)) ago" } ?? "not scaled yet"
      let used = buf.write(inner.x, y, Fmt.fit("", lw) + last, t.style(.muted), maxWidth: inner.width)
      // Replica history, scaled to the autoscaler's maximum, where there is room.
      let sparkX = inner.x + max(used, lw + 16) + 1
      let sparkW = inner.maxX - sparkX - 9
      if sparkW >= 6, let history = state.hpaReplicas[h.id], history.count > 1 {
        buf.write(sparkX, y, "replicas", t.style(.muted))
        Widgets.sparkline(
          &buf, x: sparkX + 9, y: y, width: sparkW, values: history.suffix(sparkW),
          maxValue: Double(h.maxReplicas), style: t.style(.info), glyphs: ctx.glyphs)
      }
      if y + 1 < inner.maxY {
        y += 1
        buf.write(
          inner.x, y, Fmt.fit("", lw) + (lw < 9 ? "down window " : "scale-down window ") + Fmt.age(h.scaleDownWindow),
          t.style(.muted),
          maxWidth: inner.width)
      }
      y += 1
    }
  }

  /// Name, min/current/desired/max and a dot a possible replica (ready, wanted, not wanted).
  static func countsLine(
    _ buf: inout CellBuffer, _ h: HPA, ready: Int, y: Int, inner: Rect, labelWidth lw: Int, ctx: RenderContext
  ) {
    let t = ctx.theme
    var x = inner.x
    x += buf.write(x, y, Fmt.named(h.name, namespace: h.namespace, width: lw - 1), t.style(.title, [.bold]))
    x += 1
    let scaling = h.desiredKnown && (h.desiredReplicas != h.currentReplicas || ready < h.desiredReplicas)
    let wide = inner.width >= 50
    let des = h.desiredKnown ? String(h.desiredReplicas) : "-"
    let counts =
      wide
      ? "min \(h.minReplicas)  cur \(h.currentReplicas)  des \(des)  max \(h.maxReplicas)"
      : "cur \(h.currentReplicas) des \(des) (\(h.minReplicas)..\(h.maxReplicas))"
    x += buf.write(
      x, y, counts,
      t.style(scaling ? .warn : .main_fg, scaling ? [.bold] : []), maxWidth: inner.maxX - x)
    x += 2
    // One dot a possible replica: ready, wanted but not ready, not wanted.
    if inner.maxX - x >= h.maxReplicas {
      for i in 0..<h.maxReplicas {
        let role: Theme.Role = i < ready ? .ok : (i < h.desiredReplicas ? .warn : .gauge_empty)
        buf.put(x + i, y, i < h.desiredReplicas ? ctx.glyphs.dot : ctx.glyphs.gaugeEmpty, t.style(role))
      }
    }
  }
}
