import ClusterState
import Foundation

/// The followed container's log: newest at the bottom, errors and warnings coloured, a marked row
/// where each fault was injected, search (only the matching lines, the match highlighted), wrap or
/// cut, paused on a line count while new lines keep arriving. Only the rows on screen are built, from
/// the newest back, so a log pouring thousands of lines a second costs a frame what the pane shows.
public enum LogsPane {
  public struct Options: Equatable, Sendable {
    public var search = ""
    public var searching = false
    public var wrap = false
    public var pausedAt: Int?
    public var scroll = 0
    public init(search: String = "", searching: Bool = false, wrap: Bool = false, pausedAt: Int? = nil, scroll: Int = 0)
    {
      self.search = search
      self.searching = searching
      self.wrap = wrap
      self.pausedAt = pausedAt
      self.scroll = scroll
    }
  }

  public static func render(
    _ buf: inout CellBuffer, _ area: Rect, state: ClusterSnapshot, options o: Options, focused: Bool,
    ctx: RenderContext
  ) {
    let t = ctx.theme
    guard let f = state.logs else {
      let inner = Widgets.box(&buf, area, title: "Logs", focused: focused, ctx: ctx)
      if inner.height >= 1 {
        buf.write(inner.x, inner.y, "l on a pod follows its log", t.style(.muted), maxWidth: inner.width)
      }
      return
    }
    var badge = f.status + (o.pausedAt != nil ? "  PAUSED" : "") + "  \(f.received) lines"
    if f.dropped > 0 { badge += " (\(f.dropped) older dropped)" }
    if o.wrap { badge += "  wrap" }
    let inner = Widgets.box(&buf, area, title: "Logs " + f.request.label, focused: focused, ctx: ctx, badge: badge)
    guard inner.height >= 1, inner.width >= 20 else { return }
    var top = inner.y
    let needle = o.search.lowercased()
    if o.searching || !o.search.isEmpty {
      let cursor = o.searching ? "▏" : ""
      buf.write(inner.x, top, "/" + o.search + cursor, t.style(.key, [.bold]), maxWidth: inner.width)
      top += 1
    }
    let height = inner.maxY - top
    guard height > 0 else { return }
    let timeW = 10
    let rows = lines(f, state: state, options: o, height: height, textWidth: max(1, inner.width - timeW - 1), t)
    if rows.isEmpty {
      let why =
        !needle.isEmpty
        ? "no line matches /\(o.search)" : f.lines.isEmpty ? "no lines yet (\(f.status))" : "scrolled past the start"
      buf.write(inner.x, top, why, t.style(.muted), maxWidth: inner.width)
      return
    }
    for (k, row) in rows.reversed().enumerated() {
      let y = top + k
      buf.write(inner.x, y, Fmt.fit(row.0, timeW), t.style(.muted), maxWidth: inner.width)
      let x = inner.x + timeW + 1
      if needle.isEmpty || row.3 {
        buf.write(x, y, row.1, row.2, maxWidth: inner.maxX - x)
      } else {
        highlight(&buf, x, y, row.1, needle, row.2, maxX: inner.maxX)
      }
    }
  }

  /// The rows shown, from the newest back (time column, text, style, is a fault mark): the lines
  /// (matching the search), wrapped or not, with a mark where each fault was injected.
  static func lines(
    _ f: LogFollow, state: ClusterSnapshot, options o: Options, height: Int, textWidth textW: Int, _ t: Theme
  ) -> [(String, String, Style, Bool)] {
    let needle = o.search.lowercased()
    let shown = o.pausedAt.map { max(0, min(f.lines.count, $0 - f.dropped)) } ?? f.lines.count
    let faults = state.faults.sorted { $0.started < $1.started }
    // Rows from the newest back: (time column, text, style, is a fault mark).
    var rows: [(String, String, Style, Bool)] = []
    var skip = o.scroll
    var fi = faults.count - 1
    func push(_ time: String, _ text: String, _ style: Style, mark: Bool = false) -> Bool {
      var pieces: [String] = [text]
      if o.wrap && text.count > textW {
        pieces = []
        var rest = Substring(text)
        while !rest.isEmpty {
          pieces.append(String(rest.prefix(textW)))
          rest = rest.dropFirst(textW)
        }
      }
      for (k, p) in pieces.enumerated().reversed() {
        if skip > 0 {
          skip -= 1
          continue
        }
        rows.append((k == 0 ? time : "", p, style, mark))
        if rows.count >= height { return false }
      }
      return true
    }
    var i = shown - 1
    walk: while i >= 0 {
      let line = f.lines[i]
      while fi >= 0, let lt = line.time, lt < faults[fi].started {
        let fault = faults[fi]
        fi -= 1
        guard needle.isEmpty else { continue }
        let text = "── fault #\(fault.id) \(fault.request.kind.rawValue) injected on \(fault.request.targetLabel) ──"
        if !push(stamp(fault.started, state), text, t.style(.fault, [.bold]), mark: true) { break walk }
      }
      i -= 1
      if !needle.isEmpty && !line.text.lowercased().contains(needle) { continue }
      let role: Theme.Role = line.level == .error ? .error : line.level == .warning ? .warn : .main_fg
      if !push(line.time.map { stamp($0, state) } ?? "", line.text, t.style(role)) { break }
    }
    return rows
  }

  /// The demo's times from the session's start (`T+00:01:20`, history before it `T-...`); a real
  /// cluster's as the UTC time of day.
  static func stamp(_ time: Seconds, _ state: ClusterSnapshot) -> String {
    if state.isDemo {
      let d = time - state.sessionStart
      return d >= 0 ? Fmt.clock(d) : "T-" + Fmt.clock(-d).dropFirst(2)
    }
    let s = safeInt(time) % 86_400
    return pad2(s / 3600) + ":" + pad2((s / 60) % 60) + ":" + pad2(s % 60)
  }

  static func highlight(
    _ buf: inout CellBuffer, _ x0: Int, _ y: Int, _ text: String, _ needle: String, _ style: Style, maxX: Int
  ) {
    var x = x0
    var rest = Substring(text)
    while x < maxX, !rest.isEmpty {
      guard let r = rest.range(of: needle, options: .caseInsensitive) else {
        buf.write(x, y, String(rest), style, maxWidth: maxX - x)
        return
      }
      x += buf.write(x, y, String(rest[..<r.lowerBound]), style, maxWidth: maxX - x)
      var hit = style
      hit.attrs.insert(.reverse)
      x += buf.write(x, y, String(rest[r]), hit, maxWidth: maxX - x)
      rest = rest[r.upperBound...]
    }
  }
}
