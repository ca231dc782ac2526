import ClusterState

/// What every pane draws with.
public struct RenderContext {
  public var theme: Theme
  public var glyphs: Glyphs
  public init(theme: Theme, glyphs: Glyphs) {
    self.theme = theme
    self.glyphs = glyphs
  }
}

public enum Widgets {
  /// Runs of differently styled text on one row of `area`, left to right, cut at its right edge.
  public static func runs(_ buf: inout CellBuffer, _ area: Rect, y: Int, _ parts: [(String, Style)]) {
    var x = area.x
    for (text, style) in parts where x < area.maxX {
      x += buf.write(x, y, text, style, maxWidth: area.maxX - x)
    }
  }

  /// Rows of runs from the top of `area`, as many as fit.
  public static func rows(_ buf: inout CellBuffer, _ area: Rect, _ lines: [[(String, Style)]]) {
    for (i, parts) in lines.prefix(area.height).enumerated() { runs(&buf, area, y: area.y + i, parts) }
  }

  /// Writes rows of runs down an area one after another, those past its bottom left out.
  public struct Rows {
    public let area: Rect
    /// The row the next line goes to.
    public private(set) var y: Int
    public init(_ area: Rect) {
      self.area = area
      y = area.y
    }
    /// Rows left below the next one's top.
    public var left: Int { area.maxY - y }
    public mutating func line(_ buf: inout CellBuffer, _ parts: [(String, Style)]) {
      guard y < area.maxY else { return }
      Widgets.runs(&buf, area, y: y, parts)
      y += 1
    }
    /// An empty row.
    public mutating func skip() { y += 1 }
  }

  /// A bordered box with a title; returns the inner area.
  @discardableResult
  public static func box(
    _ buf: inout CellBuffer, _ r: Rect, title: String, focused: Bool, ctx: RenderContext, badge: String? = nil
  ) -> Rect {
    guard r.width >= 2, r.height >= 2 else { return Rect(x: r.x, y: r.y, width: 0, height: 0) }
    let t = ctx.theme
    let g = ctx.glyphs
    let border = t.style(focused ? .border_focus : .border, focused ? [.bold] : [])
    buf.fill(r, t.style(.main_fg))
    for x in r.x + 1..<r.maxX - 1 {
      buf.put(x, r.y, g.horizontal, border)
      buf.put(x, r.maxY - 1, g.horizontal, border)
    }
    for y in r.y + 1..<r.maxY - 1 {
      buf.put(r.x, y, g.vertical, border)
      buf.put(r.maxX - 1, y, g.vertical, border)
    }
    buf.put(r.x, r.y, g.topLeft, border)
    buf.put(r.maxX - 1, r.y, g.topRight, border)
    buf.put(r.x, r.maxY - 1, g.bottomLeft, border)
    buf.put(r.maxX - 1, r.maxY - 1, g.bottomRight, border)
    if r.width > 6 {
      let used = buf.write(
        r.x + 2, r.y, " " + title + " ", t.style(focused ? .border_focus : .title, [.bold]), maxWidth: r.width - 4)
      if let badge, r.width - 4 - used > badge.count + 3 {
        buf.write(r.x + 2 + used + 1, r.y, " " + badge + " ", t.style(.muted), maxWidth: r.width - 5 - used)
      }
    }
    return r.inner
  }

  /// A sparkline of the newest `width` values, scaled to `maxValue` (or the values' own maximum).
  public static func sparkline(
    _ buf: inout CellBuffer, x: Int, y: Int, width: Int, values: [Double], maxValue: Double? = nil, style: Style,
    glyphs: Glyphs
  ) {
    guard width > 0 else { return }
    let vals = values.suffix(width)
    let top = max(maxValue ?? 0, vals.max() ?? 0, 1e-9)
    let levels = glyphs.spark.count - 1
    var col = x + width - vals.count
    for v in vals {
      let frac = max(0, min(1, v / top))
      var level = safeInt((frac * Double(levels)).rounded(.up))
      if v > 0 && level == 0 { level = 1 }
      buf.put(col, y, glyphs.spark[level], style)
      col += 1
    }
  }

  /// A horizontal gauge of `value` out of `full`, with a marker at `target`.
  public static func gauge(
    _ buf: inout CellBuffer, x: Int, y: Int, width: Int, value: Double, full: Double, target: Double?,
    ctx: RenderContext
  ) {
    guard width > 0, full > 0 else { return }
    let t = ctx.theme
    let filled = safeInt((max(0, min(1, value / full)) * Double(width)).rounded())
    let mark = target.map { safeInt((max(0, min(1, $0 / full)) * Double(width - 1)).rounded()) }
    let over = target.map { value > $0 } ?? false
    for i in 0..<width {
      if let m = mark, i == m {
        buf.put(x + i, y, ctx.glyphs.marker, t.style(.title, [.bold]))
      } else if i < filled {
        buf.put(x + i, y, ctx.glyphs.gaugeFull, t.style(over ? .gauge_over : .gauge_fill))
      } else {
        buf.put(x + i, y, ctx.glyphs.gaugeEmpty, t.style(.gauge_empty))
      }
    }
  }

  /// Text centered in a rectangle's row.
  public static func centered(_ buf: inout CellBuffer, _ r: Rect, y: Int, _ text: String, _ style: Style) {
    let n = min(cellWidth(of: text), r.width)
    buf.write(r.x + (r.width - n) / 2, y, text, style, maxWidth: r.width)
  }
}

/// A column of a table: a title, a width and alignment.
public struct Column: Sendable {
  public var title: String
  public var width: Int
  public var right: Bool
  public init(_ title: String, _ width: Int, right: Bool = false) {
    self.title = title
    self.width = width
    self.right = right
  }
}
