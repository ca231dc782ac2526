import ClusterState

/// Oversubscription in view: each node's requests and limits against its allocatable CPU and
/// memory (limits past 100% are overcommitted, and said so) with its usage; then the pods nearest
/// their memory limit with their QoS class and priority (the kubelet evicts BestEffort and the
/// lowest priority first); then the last evictions with the kubelet's reason.
public enum CapacityPane {
  public struct NodeFigures: Equatable, Sendable {
    public var pods = 0
    public var cpuRequest = 0.0, cpuLimit = 0.0, memRequest = 0.0, memLimit = 0.0
    /// A pod with no limit can take the whole node: its limit is the node's.
    public var unlimited = 0
  }

  /// Sums of the node's live pods.
  public static func figures(_ node: Node, _ state: ClusterSnapshot) -> NodeFigures {
    var f = NodeFigures()
    for p in state.pods.values where p.node == node.name && !p.isTerminating && p.phase != .failed {
      f.pods += 1
      f.cpuRequest += p.cpuRequestMilli
      f.memRequest += p.memoryRequestBytes ?? 0
      f.cpuLimit += p.cpuLimitMilli ?? node.cpuCapacityMilli
      f.memLimit += p.memoryLimitBytes > 0 ? p.memoryLimitBytes : node.memoryCapacityBytes
      if p.cpuLimitMilli == nil || p.memoryLimitBytes <= 0 { f.unlimited += 1 }
    }
    return f
  }

  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, focused: Bool, ctx: RenderContext
  ) {
    let t = ctx.theme
    let inner = Widgets.box(
      &buf, area, title: "Capacity", focused: focused, ctx: ctx, badge: "requests / limits / use vs allocatable")
    guard inner.height >= 1, inner.width >= 40 else { return }
    var rows = Widgets.Rows(inner)
    let nameW = min(16, max(6, state.nodes.keys.map(\.count).max() ?? 6))
    nodeRows(&buf, &rows, state, t, nameW: nameW)
    guard rows.left > 2 else { return }
    rows.skip()
    podRows(&buf, &rows, state, t, nameW: nameW)
  }

  /// Each node: its pods, CPU and memory requests, limits and use against allocatable.
  static func nodeRows(
    _ buf: inout CellBuffer, _ rows: inout Widgets.Rows, _ state: ClusterSnapshot, _ t: Theme, nameW: Int
  ) {
    func pct(_ v: Double, _ of: Double) -> Double { of > 0 ? v / of * 100 : 0 }
    let widths = [9, 10, 9, 9, 10, 9]
    let titles = ["CPU req", "CPU lim", "CPU use", "MEM req", "MEM lim", "MEM use"]
    rows.line(
      &buf,
      [
        (
          Fmt.fit("NODE", nameW) + " " + Fmt.fit("PODS", 4, right: true) + "  "
            + zip(titles, widths).map { Fmt.fit($0, $1) }.joined(), t.style(.title, [.bold])
        )
      ])
    // Use from the nodes' own figures (metrics.k8s.io), else the sum of their pods' last samples.
    var podUse: [String: (cpu: Double, mem: Double)] = [:]
    if state.nodeUsage.isEmpty {
      for p in state.pods.values {
        guard let n = p.node, let s = state.podSeries[p.id] else { continue }
        podUse[n, default: (0, 0)].cpu += s.cpuMilli.last ?? 0
        podUse[n, default: (0, 0)].mem += s.memoryBytes.last ?? 0
      }
    }
    for n in state.nodes.values.sorted(by: { $0.name < $1.name }) {
      let f = figures(n, state)
      let use =
        state.nodeUsage[n.name]
        ?? podUse[n.name].map { NodeUsage(node: n.name, cpuMilli: $0.cpu, memoryBytes: $0.mem) }
      let cpuLimPct = pct(f.cpuLimit, n.cpuCapacityMilli)
      let memLimPct = pct(f.memLimit, n.memoryCapacityBytes)
      let over = cpuLimPct > 100 || memLimPct > 100
      func cell(_ text: String, _ w: Int) -> String { Fmt.fit(text, w) }
      var parts: [(String, Style)] = [
        (Fmt.fit(n.name, nameW) + " ", t.style(n.ready ? .main_fg : .error)),
        (Fmt.fit(String(f.pods), 4, right: true) + "  ", t.style(.muted)),
        (cell("\(Int(pct(f.cpuRequest, n.cpuCapacityMilli)))%", widths[0]), t.style(.main_fg)),
        (
          cell("\(Int(cpuLimPct))%", widths[1]),
          t.style(cpuLimPct > 100 ? .warn : .main_fg, cpuLimPct > 100 ? [.bold] : [])
        ),
        (cell(use.map { "\(Int(pct($0.cpuMilli, n.cpuCapacityMilli)))%" } ?? "-", widths[2]), t.style(.info)),
        (cell("\(Int(pct(f.memRequest, n.memoryCapacityBytes)))%", widths[3]), t.style(.main_fg)),
        (
          cell("\(Int(memLimPct))%", widths[4]),
          t.style(memLimPct > 100 ? .warn : .main_fg, memLimPct > 100 ? [.bold] : [])
        ),
        (cell(use.map { "\(Int(pct($0.memoryBytes, n.memoryCapacityBytes)))%" } ?? "-", widths[5]), t.style(.info)),
      ]
      if over { parts.append(("overcommitted", t.style(.warn, [.bold]))) }
      if f.unlimited > 0 { parts.append(("  \(f.unlimited) without limits", t.style(.muted))) }
      rows.line(&buf, parts)
    }
  }

  /// The pods nearest their memory limit (QoS class, priority), then the last evictions.
  static func podRows(
    _ buf: inout CellBuffer, _ rows: inout Widgets.Rows, _ state: ClusterSnapshot, _ t: Theme, nameW: Int
  ) {
    let podW = nameW + 18
    rows.line(
      &buf,
      [
        (
          Fmt.fit("POD (by memory use / limit)", podW) + " " + Fmt.fit("QOS", 11) + " " + Fmt.fit("PRIO", 6)
            + " " + Fmt.fit("MEM use / req / lim", 27) + " CPU use / req / lim", t.style(.title, [.bold])
        )
      ])
    let ranked = state.pods.values.filter { !$0.isTerminating && $0.phase == .running }.map {
      p -> (Pod, Double?, Double?) in
      (p, state.podSeries[p.id]?.memoryBytes.last, state.podSeries[p.id]?.cpuMilli.last)
    }.sorted { a, b in
      let ra = a.0.memoryLimitBytes > 0 ? (a.1 ?? 0) / a.0.memoryLimitBytes : 0
      let rb = b.0.memoryLimitBytes > 0 ? (b.1 ?? 0) / b.0.memoryLimitBytes : 0
      return ra != rb ? ra > rb : a.0.name < b.0.name
    }
    let evictions = state.events.filter { $0.reason == "Evicted" }.suffix(3)
    let room = max(0, rows.left - (evictions.isEmpty ? 0 : evictions.count + 1))
    for (p, mem, cpu) in ranked.prefix(room) {
      let ratio = p.memoryLimitBytes > 0 ? (mem ?? 0) / p.memoryLimitBytes : 0
      rows.line(
        &buf,
        [
          (Fmt.fit(p.name, podW) + " ", t.style(.main_fg)),
          (Fmt.fit(p.qosClass, 11) + " ", t.style(p.qosClass == "BestEffort" ? .warn : .muted)),
          (Fmt.fit(p.priority.map(String.init) ?? "-", 6) + " ", t.style(.muted)),
          (
            Fmt.fit(
              Fmt.bytes(mem) + " / " + (p.memoryRequestBytes.map { Fmt.bytes($0) } ?? "-") + " / "
                + (p.memoryLimitBytes > 0 ? Fmt.bytes(p.memoryLimitBytes) : "-"), 27) + " ",
            t.style(ratio > 0.9 ? .error : ratio > 0.75 ? .warn : .main_fg)
          ),
          (
            Fmt.cpu(cpu) + " / " + (p.cpuRequestMilli > 0 ? Fmt.cpu(p.cpuRequestMilli) : "-") + " / "
              + (p.cpuLimitMilli.map { Fmt.cpu($0) } ?? "-"), t.style(.muted)
          ),
        ])
    }
    if !evictions.isEmpty {
      rows.line(&buf, [("LAST EVICTIONS", t.style(.title, [.bold]))])
      for e in evictions {
        rows.line(&buf, [(e.object + ": ", t.style(.error, [.bold])), (e.message, t.style(.warn))])
      }
    }
  }
}
