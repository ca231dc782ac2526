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

public enum PodsPane {
  /// `namespaceWidth`: the longest namespace shown (the column takes it, up to 24 on wide panes).
  static func columns(width: Int, showNamespace: Bool, namespaceWidth: Int = 10, contextWidth: Int = 0) -> [Column] {
    var cols: [Column] = []
    // Several contexts: which one a pod is in comes first, at every width.
    if contextWidth > 0 { cols.append(Column("CTX", max(3, min(8, contextWidth)))) }
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
    if state.podsPartial {
      badge = "first \(state.pods.count) pods, the rest loading, sort \(view.sort.title)\(view.descending ? "v" : "^")"
    } else if state.podDetailsPending {
      badge = "labels loading  " + badge
    }
    // A list that stopped being kept up to date says so, and since when.
    if let since = state.disconnectedSince, !state.pods.isEmpty {
      badge = "STALE \(Fmt.age(state.now - since))  " + badge
    }
    if !view.filter.isEmpty || filterEditing { badge = "filter /\(view.filter)\(filterEditing ? "_" : "")  " + badge }
    let inner = Widgets.box(&buf, area, title: "Pods", focused: focused, ctx: ctx, badge: badge)
    guard inner.height >= 1, inner.width >= 10 else { return }
    let multi = state.isMultiContext
    let cols = columns(
      width: inner.width, showNamespace: list.namespaceCount > 1,
      namespaceWidth: list.namespaces.map { multi ? ContextName.split($0).name.count : $0.count }.max() ?? 10,
      contextWidth: multi ? state.contexts.map(\.alias.count).max() ?? 3 : 0)
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
        case "CTX": text = ContextName.split(pod.namespace).alias ?? ""
        case "NAMESPACE": text = multi ? ContextName.split(pod.namespace).name : pod.namespace
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
        case "NODE": text = pod.node.map { multi ? ContextName.split($0).name : $0 } ?? "<none>"
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
