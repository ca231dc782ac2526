import ClusterState

public enum PodSort: String, CaseIterable, Sendable {
  case name, status, restarts, age, cpu, memory, node

  public var title: String {
    switch self {
    case .name: return "NAME"
    case .status: return "STATUS"
    case .restarts: return "RESTARTS"
    case .age: return "AGE"
    case .cpu: return "CPU"
    case .memory: return "MEM"
    case .node: return "NODE"
    }
  }
}

/// What the pods table shows: sort, filter, selection and scroll.
public struct PodsView: Equatable, Sendable {
  public var sort: PodSort = .name
  public var descending = false
  public var filter = ""
  public var selected = 0
  public var offset = 0
  /// The selected pod, kept across re-sorts.
  public var selectedID: String?
  public init() {}

  /// The first row shown of `count` in `rows`: `offset` moved as little as keeps the selection in
  /// view, and never past the end.
  public func window(rows: Int, count: Int) -> Int {
    let rows = max(1, rows)
    var first = offset
    if selected < first { first = selected }
    if selected >= first + rows { first = selected - rows + 1 }
    return max(0, min(first, max(0, count - rows)))
  }
}

/// The filtered, sorted list of pods. Recomputed only when the pods, the metrics a sort depends on,
/// the sort or the filter change, so a frame costs only its visible rows.
public final class PodList {
  private var key: (Int, Int, PodSort, Bool, String, String?)?
  public private(set) var ids: [String] = []
  public private(set) var readyCount = 0
  public private(set) var namespaceCount = 0
  /// The namespaces of the pods (for permission checks).
  public private(set) var namespaces = Set<String>()
  /// Pods on each node as kubectl counts them (every pod not Succeeded or Failed: a terminating pod
  /// still holds its place), for the nodes section of the resources pane.
  public private(set) var podsPerNode: [String: Int] = [:]

  public init() {}

  public func update(_ state: ClusterSnapshot, _ view: PodsView) {
    let metricsKey = (view.sort == .cpu || view.sort == .memory) ? state.metricsRevision : 0
    if let k = key, k.0 == state.podsRevision, k.1 == metricsKey, k.2 == view.sort, k.3 == view.descending,
      k.4 == view.filter, k.5 == state.namespace
    {
      return
    }
    // The namespace shown is part of the key: the console's view of one namespace has the
    // snapshot's revision.
    key = (state.podsRevision, metricsKey, view.sort, view.descending, view.filter, state.namespace)
    let needle = view.filter.lowercased()
    // Sort light keys, not pods: one number and one string a row besides namespace and name.
    struct Row {
      var id: String
      var ns: String
      var name: String
      var num: Double
      var str: String
    }
    var rows: [Row] = []
    rows.reserveCapacity(state.pods.count)
    for p in state.pods.values where needle.isEmpty || PodList.matches(p, needle) {
      var row = Row(id: p.id, ns: p.namespace, name: p.name, num: 0, str: "")
      switch view.sort {
      case .name: break
      case .status:
        row.num = -Double(p.health.rawValue)
        row.str = p.status
      case .restarts: row.num = -Double(p.restarts)
      case .age: row.num = -p.created
      case .node: row.str = p.node ?? ""
      case .cpu: row.num = -(state.podSeries[row.id]?.cpuMilli.last ?? -1)
      case .memory: row.num = -(state.podSeries[row.id]?.memoryBytes.last ?? -1)
      }
      rows.append(row)
    }
    let descending = view.descending
    rows.sort { a, b in
      let less: Bool
      if a.num != b.num {
        less = a.num < b.num
      } else if a.str != b.str {
        less = a.str < b.str
      } else if a.ns != b.ns {
        less = a.ns < b.ns
      } else {
        less = a.name < b.name
      }
      return descending ? !less : less
    }
    ids = rows.map(\.id)
    var ready = 0
    var namespaces = Set<String>()
    var perNode: [String: Int] = [:]
    for p in state.pods.values {
      if p.isReady { ready += 1 }
      namespaces.insert(p.namespace)
      if let n = p.node, p.phase != .succeeded, p.phase != .failed { perNode[n, default: 0] += 1 }
    }
    podsPerNode = perNode
    readyCount = ready
    namespaceCount = namespaces.count
    self.namespaces = namespaces
  }

  /// `/` filter: substring of namespace/name, status, node or a label `key=value`; `!text` inverts.
  static func matches(_ p: Pod, _ needle: String) -> Bool {
    if needle.hasPrefix("!") && needle.count > 1 { return !matches(p, String(needle.dropFirst())) }
    if p.id.lowercased().contains(needle) || p.status.lowercased().contains(needle) { return true }
    if let n = p.node, n.lowercased().contains(needle) { return true }
    if needle.contains("=") {
      for (k, v) in p.labels where (k + "=" + v).lowercased() == needle { return true }
    }
    if let r = p.role, r.lowercased() == needle { return true }
    return false
  }
}

public enum PodsPane {
  /// `namespaceWidth`: the longest namespace shown (the column takes it, up to 24 on wide panes).
  static func columns(width: Int, showNamespace: Bool, namespaceWidth: Int = 10) -> [Column] {
    var cols: [Column] = []
    if showNamespace && width >= 100 {
      cols.append(Column("NAMESPACE", max(9, min(width >= 150 ? 24 : 16, namespaceWidth))))
    }
    cols.append(Column("NAME", 0))
    cols.append(Column("READY", 5, right: true))
    cols.append(Column("STATUS", 17))
    cols.append(Column("RST", 3, right: true))
    cols.append(Column("AGE", 6, right: true))
    if width >= 70 { cols.append(Column("ROLE", 7)) }
    if width >= 60 { cols.append(Column("CPU", 5, right: true)) }
    if width >= 90 { cols.append(Column("MEM", 6, right: true)) }
    if width >= 110 { cols.append(Column("NODE", 8)) }
    let fixed = cols.reduce(0) { $0 + $1.width + 1 }
    let nameWidth = max(10, min(40, width - fixed))
    if let i = cols.firstIndex(where: { $0.title == "NAME" }) { cols[i].width = nameWidth }
    return cols
  }

  /// Rows of the table that fit in an area of `height` (minus the header line).
  public static func visibleRows(height: Int) -> Int { max(0, height - 3) }

  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, list: PodList, view: PodsView, focused: Bool,
    ctx: RenderContext, filterEditing: Bool
  ) {
    let t = ctx.theme
    var badge =
      "\(list.ids.count)/\(state.pods.count) pods, \(list.readyCount) ready, sort \(view.sort.title)\(view.descending ? "v" : "^")"
    if state.podDetailsPending { badge = "labels loading  " + badge }
    // A list that stopped being kept up to date says so, and since when.
    if let since = state.disconnectedSince, !state.pods.isEmpty {
      badge = "STALE \(Fmt.age(state.now - since))  " + badge
    }
    if !view.filter.isEmpty || filterEditing { badge = "filter /\(view.filter)\(filterEditing ? "_" : "")  " + badge }
    let inner = Widgets.box(&buf, area, title: "Pods", focused: focused, ctx: ctx, badge: badge)
    guard inner.height >= 1, inner.width >= 10 else { return }
    let cols = columns(
      width: inner.width, showNamespace: list.namespaceCount > 1,
      namespaceWidth: list.namespaces.map(\.count).max() ?? 10)
    var x = inner.x
    for c in cols {
      let title = c.title == view.sort.title ? c.title + (view.descending ? "v" : "^") : c.title
      buf.write(x, inner.y, Fmt.fit(title, c.width, right: c.right), t.style(.muted, [.bold]), maxWidth: inner.maxX - x)
      x += c.width + 1
    }
    let rows = inner.height - 1
    if list.ids.isEmpty {
      var msg = state.pods.isEmpty ? "no pods yet" : "no pod matches /\(view.filter)"
      if state.pods.isEmpty, case .disconnected(let why) = state.connection { msg = "no pods known: " + why }
      buf.write(inner.x + 1, inner.y + 1, msg, t.style(.muted), maxWidth: inner.width - 1)
      return
    }
    let first = view.window(rows: rows, count: list.ids.count)
    for r in 0..<rows {
      let i = first + r
      guard i < list.ids.count, let pod = state.pods[list.ids[i]] else { break }
      let y = inner.y + 1 + r
      let selected = i == view.selected
      var style = rowStyle(pod, t)
      if selected {
        style = Style(fg: t[.selected_fg], bg: t[.selected_bg], attrs: focused ? [.bold] : [])
        buf.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style)
      }
      var x = inner.x
      let series = state.podSeries[pod.id]
      for c in cols {
        var cellStyle = style
        let text: String
        switch c.title {
        case "NAMESPACE": text = pod.namespace
        case "NAME": text = pod.name
        case "READY": text = "\(pod.readyContainers)/\(pod.totalContainers)"
        case "STATUS":
          text = pod.status
          if !selected { cellStyle = statusStyle(pod, t) }
        case "RST": text = String(pod.restarts)
        case "AGE": text = Fmt.age(state.now - pod.created)
        case "ROLE": text = pod.role ?? ""
        case "CPU": text = Fmt.cpu(series?.cpuMilli.last)
        case "MEM": text = Fmt.bytes(series?.memoryBytes.last)
        case "NODE": text = pod.node ?? "<none>"
        default: text = ""
        }
        buf.write(x, y, Fmt.fit(text, c.width, right: c.right), cellStyle, maxWidth: inner.maxX - x)
        x += c.width + 1
      }
    }
    // A scroll indicator on the right border when the list is longer than the pane.
    if list.ids.count > rows && rows > 0 && area.width > 2 {
      let pos = inner.y + 1 + min(rows - 1, first * rows / max(1, list.ids.count - rows + 1))
      buf.put(area.maxX - 1, pos, ctx.glyphs.gaugeFull, t.style(.border_focus))
    }
  }

  static func rowStyle(_ pod: Pod, _ t: Theme) -> Style {
    switch pod.health {
    case .ok: return t.style(.main_fg)
    case .progressing: return t.style(.progress)
    case .warning: return t.style(.warn)
    case .failing: return t.style(.error)
    }
  }

  static func statusStyle(_ pod: Pod, _ t: Theme) -> Style {
    switch pod.health {
    case .ok: return t.style(.ok)
    case .progressing: return t.style(.progress, [.bold])
    case .warning: return t.style(.warn, [.bold])
    case .failing: return t.style(.error, [.bold])
    }
  }
}
