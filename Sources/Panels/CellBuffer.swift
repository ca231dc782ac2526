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
public struct CellBuffer: Equatable, Sendable {
  public let width: Int
  public let height: Int
  public var cells: [Cell]

  public init(width: Int, height: Int, fill: Cell = Cell()) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: fill, count: self.width * self.height)
  }

  public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { cells[y * width + x] = newValue }
  }

  @inline(__always)
  public mutating func put(_ x: Int, _ y: Int, _ scalar: Unicode.Scalar, _ style: Style) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    cells[y * width + x] = Cell(scalar, style)
  }

  public mutating func fill(_ r: Rect, _ style: Style, _ scalar: Unicode.Scalar = " ") {
    let x0 = max(0, r.x)
    let x1 = min(width, r.maxX)
    let y0 = max(0, r.y)
    let y1 = min(height, r.maxY)
    guard x0 < x1, y0 < y1 else { return }
    for y in y0..<y1 {
      for x in x0..<x1 { cells[y * width + x] = Cell(scalar, style) }
    }
  }

  /// Writes `text` from (x, y), clipped to `maxWidth` columns and the buffer; returns the columns used.
  /// Control and wide characters become `?` so a frame never shifts.
  @discardableResult
  public mutating func write(_ x: Int, _ y: Int, _ text: String, _ style: Style, maxWidth: Int = Int.max) -> Int {
    guard y >= 0, y < height else { return 0 }
    let limit = min(maxWidth, width - x)
    var col = 0
    for s in text.unicodeScalars {
      if col >= limit { break }
      let v = s.value
      let safe: Unicode.Scalar = (v < 0x20 || (v >= 0x7f && v < 0xa0) || isWide(v)) ? "?" : s
      if x + col >= 0 { cells[y * width + x + col] = Cell(safe, style) }
      col += 1
    }
    return max(0, col)
  }

  /// The text of the buffer, one line a row, trailing spaces removed (what snapshot tests compare).
  public var text: String {
    var lines: [String] = []
    for y in 0..<height {
      var line = String.UnicodeScalarView()
      for x in 0..<width { line.append(cells[y * width + x].scalar) }
      var s = String(line)
      while s.hasSuffix(" ") { s.removeLast() }
      lines.append(s)
    }
    return lines.joined(separator: "\n")
  }
}

/// East Asian wide and emoji ranges, which take two columns; we keep one cell per scalar.
@inline(__always)
func isWide(_ v: UInt32) -> Bool {
  (v >= 0x1100 && v <= 0x115F) || (v >= 0x2E80 && v <= 0xA4CF) || (v >= 0xAC00 && v <= 0xD7A3)
    || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0xFE30 && v <= 0xFE4F) || (v >= 0xFF00 && v <= 0xFF60)
    || (v >= 0xFFE0 && v <= 0xFFE6) || (v >= 0x1F300 && v <= 0x1FAFF) || (v >= 0x20000 && v <= 0x3FFFD)
    || (v >= 0x0300 && v <= 0x036F) || v == 0x200B || v == 0x200D
}
