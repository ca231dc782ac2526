import ClusterState

/// A colour as a theme names it; the terminal backend maps it to what the terminal can show.
public enum Color: Hashable, Sendable {
  /// The terminal's own foreground or background.
  case `default`
  /// One of the 16 ANSI colours (0-7 normal, 8-15 bright).
  case ansi(UInt8)
  /// An xterm 256-colour palette index.
  case indexed(UInt8)
  case rgb(UInt8, UInt8, UInt8)
}

public struct Attributes: OptionSet, Hashable, Sendable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  public static let bold = Attributes(rawValue: 1)
  public static let reverse = Attributes(rawValue: 2)
  public static let underline = Attributes(rawValue: 4)
  public static let dim = Attributes(rawValue: 8)
}

public struct Style: Hashable, Sendable {
  public var fg: Color
  public var bg: Color
  public var attrs: Attributes
  public init(fg: Color = .default, bg: Color = .default, attrs: Attributes = []) {
    self.fg = fg
    self.bg = bg
    self.attrs = attrs
  }
  public static let plain = Style()
  public func with(_ a: Attributes) -> Style { Style(fg: fg, bg: bg, attrs: attrs.union(a)) }
  public func on(_ bg: Color) -> Style { Style(fg: fg, bg: bg, attrs: attrs) }
}

public struct Cell: Equatable, Sendable {
  public var scalar: Unicode.Scalar
  public var style: Style
  public init(_ scalar: Unicode.Scalar = " ", _ style: Style = .plain) {
    self.scalar = scalar
    self.style = style
  }
}

public struct Rect: Equatable, Sendable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int
  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }
  public var isEmpty: Bool { width <= 0 || height <= 0 }
  public var maxX: Int { x + width }
  public var maxY: Int { y + height }
  /// The area inside a one-cell border.
  public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }

  /// Splits into a top part of `n` rows and the rest.
  public func splitTop(_ n: Int) -> (Rect, Rect) {
    let h = min(max(0, n), height)
    return (Rect(x: x, y: y, width: width, height: h), Rect(x: x, y: y + h, width: width, height: height - h))
  }
  /// Splits into a left part of `n` columns and the rest.
  public func splitLeft(_ n: Int) -> (Rect, Rect) {
    let w = min(max(0, n), width)
    return (Rect(x: x, y: y, width: w, height: height), Rect(x: x + w, y: y, width: width - w, height: height))
  }
  /// Splits into rows whose heights follow `weights`.
  public func rows(_ weights: [Int]) -> [Rect] {
    let total = max(1, weights.reduce(0, +))
    var out: [Rect] = []
    var y0 = y
    for (i, wgt) in weights.enumerated() {
      let h = i == weights.count - 1 ? maxY - y0 : height * wgt / total
      out.append(Rect(x: x, y: y0, width: width, height: h))
      y0 += h
    }
    return out
  }
  public func columns(_ weights: [Int]) -> [Rect] {
    let total = max(1, weights.reduce(0, +))
    var out: [Rect] = []
    var x0 = x
    for (i, wgt) in weights.enumerated() {
      let w = i == weights.count - 1 ? maxX - x0 : width * wgt / total
      out.append(Rect(x: x0, y: y, width: w, height: height))
      x0 += w
    }
    return out
  }
}

/// An in-memory screen: what a frame draws, what the backend diffs, what snapshot tests read.
///
/// A character takes the cells Unicode says it does (`UnicodeTables.cellWidth`): a wide one (CJK,
/// most emoji) its cell and the next, which holds `CellBuffer.continuation`; combining marks and
/// invisible format characters (zero-width, bidi controls) none (they are dropped); controls and
/// unassigned code points show as `?`. Nothing is written outside `clip` (a pane's rectangle), and
/// overwriting half of a wide character blanks its other half, so a row never shifts.
public struct CellBuffer: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public var cells: [Cell]
  /// The second cell of a wide character: drawn by its first.
  public static let continuation: Unicode.Scalar = "\u{0}"
  /// Where writes land (nil: the whole buffer). Screens set it to each pane's rectangle.
  public var clip: Rect? {
    didSet {
      let c = clip ?? bounds
      cx0 = max(0, c.x)
      cy0 = max(0, c.y)
      cx1 = min(width, c.maxX)
      cy1 = min(height, c.maxY)
    }
  }
  private var cx0 = 0
  private var cy0 = 0
  private var cx1: Int
  private var cy1: Int

  public init(width: Int, height: Int, fill: Cell = Cell()) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: fill, count: self.width * self.height)
    cx1 = self.width
    cy1 = self.height
  }

  public static func == (a: CellBuffer, b: CellBuffer) -> Bool {
    a.width == b.width && a.height == b.height && a.cells == b.cells
  }

  public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { cells[y * width + x] = newValue }
  }

  /// Before cell `i` (at column `x`) is overwritten: the other half of a wide character it is part
  /// of becomes a blank.
  @inline(__always)
  mutating func unpair(_ i: Int, x: Int) {
    let v = cells[i].scalar.value
    if v == 0 {
      if x > 0 { cells[i - 1].scalar = " " }
    } else if v >= 0x1100, x + 1 < width, cells[i + 1].scalar.value == 0 {
      cells[i + 1].scalar = " "
    }
  }

  @inline(__always)
  public mutating func put(_ x: Int, _ y: Int, _ scalar: Unicode.Scalar, _ style: Style) {
    guard x >= cx0, y >= cy0, x < cx1, y < cy1 else { return }
    let i = y * width + x
    unpair(i, x: x)
    cells[i] = Cell(scalar, style)
  }

  public mutating func fill(_ r: Rect, _ style: Style, _ scalar: Unicode.Scalar = " ") {
    let x0 = max(cx0, r.x)
    let x1 = min(cx1, r.maxX)
    let y0 = max(cy0, r.y)
    let y1 = min(cy1, r.maxY)
    guard x0 < x1, y0 < y1 else { return }
    for y in y0..<y1 {
      unpair(y * width + x0, x: x0)
      unpair(y * width + x1 - 1, x: x1 - 1)
      for x in x0..<x1 { cells[y * width + x] = Cell(scalar, style) }
    }
  }

  /// Writes `text` from (x, y), clipped to `maxWidth` columns, the clip and the buffer; returns the
  /// columns used. Wide characters take two cells (one that would be cut shows as a space),
  /// zero-width ones none, controls `?`.
  @discardableResult
  public mutating func write(_ x: Int, _ y: Int, _ text: String, _ style: Style, maxWidth: Int = Int.max) -> Int {
    guard y >= cy0, y < cy1 else { return 0 }
    let limit = min(maxWidth, cx1 - x)
    var col = 0
    for s in text.unicodeScalars {
      if col >= limit { break }
      let v = s.value
      let w = v >= 0x20 && v < 0x7F ? 1 : UnicodeTables.cellWidth(v)
      if w == 0 { continue }
      let at = x + col
      if w == 2 {
        if col + 2 > limit {
          if at >= cx0 { place(at, y, " ", style) }
          col += 1
          break
        }
        if at >= cx0 {
          place(at, y, s, style)
          place(at + 1, y, Self.continuation, style)
        } else if at + 1 >= cx0 {
          place(at + 1, y, " ", style)
        }
        col += 2
        continue
      }
      if at >= cx0 { place(at, y, w < 0 ? "?" : s, style) }
      col += 1
    }
    return max(0, col)
  }

  @inline(__always)
  mutating func place(_ x: Int, _ y: Int, _ s: Unicode.Scalar, _ style: Style) {
    let i = y * width + x
    unpair(i, x: x)
    cells[i] = Cell(s, style)
  }

  /// The text of the buffer, one line a row, trailing spaces removed (what snapshot tests compare).
  public var text: String {
    var lines: [String] = []
    for y in 0..<height {
      var line = String.UnicodeScalarView()
      for x in 0..<width where cells[y * width + x].scalar.value != 0 { line.append(cells[y * width + x].scalar) }
      var s = String(line)
      while s.hasSuffix(" ") { s.removeLast() }
      lines.append(s)
    }
    return lines.joined(separator: "\n")
  }
}

/// Cells `text` takes on a terminal, as `CellBuffer.write` lays it out.
public func cellWidth(of text: some StringProtocol) -> Int {
  var n = 0
  for s in text.unicodeScalars {
    let v = s.value
    let w = v >= 0x20 && v < 0x7F ? 1 : UnicodeTables.cellWidth(v)
    n += w < 0 ? 1 : w
  }
  return n
}
