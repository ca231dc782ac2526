import Foundation

/// The colours of the console, by role. Theme files set roles one a line, as btop's do:
/// `theme[main_fg]="#cc8800"`. Unknown keys are ignored, missing ones come from the built-in default.
public struct Theme: Sendable, Equatable {
  public enum Role: String, CaseIterable, Sendable {
    case main_bg, main_fg, title, border, border_focus, header_bg, header_fg, badge_bg, badge_fg
    case selected_bg, selected_fg, muted, inactive, ok, warn, error, progress, info
    case cpu, mem, io, latency, loss, gauge_fill, gauge_over, gauge_empty, fault, dialog_bg, key
  }

  public var name: String
  public var colors: [Role: Color]
  /// Lines of the file that were ignored, for the log.
  public var ignored: [String] = []

  public init(name: String, colors: [Role: Color]) {
    self.name = name
    self.colors = colors
  }

  public subscript(_ role: Role) -> Color { colors[role] ?? Theme.builtin.colors[role] ?? .default }

  public func style(_ fg: Role, bg: Role? = nil, _ attrs: Attributes = []) -> Style {
    Style(fg: self[fg], bg: bg.map { self[$0] } ?? self[.main_bg], attrs: attrs)
  }

  /// The dark default, built in so the console never lacks a colour.
  public static let builtin = Theme(
    name: "default",
    colors: [
      .main_bg: .default, .main_fg: .rgb(0xd0, 0xd0, 0xd0), .title: .rgb(0xee, 0xee, 0xee),
      .border: .rgb(0x5a, 0x5a, 0x6a), .border_focus: .rgb(0x5f, 0xaf, 0xff), .header_bg: .rgb(0x26, 0x32, 0x48),
      .header_fg: .rgb(0xee, 0xee, 0xee), .badge_bg: .rgb(0xd7, 0x87, 0x00), .badge_fg: .rgb(0x10, 0x10, 0x10),
      .selected_bg: .rgb(0x30, 0x50, 0x80), .selected_fg: .rgb(0xff, 0xff, 0xff), .muted: .rgb(0x8a, 0x8a, 0x8a),
      .inactive: .rgb(0x58, 0x58, 0x58), .ok: .rgb(0x5f, 0xd7, 0x5f), .warn: .rgb(0xff, 0xaf, 0x00),
      .error: .rgb(0xff, 0x5f, 0x5f), .progress: .rgb(0x5f, 0xaf, 0xff), .info: .rgb(0x87, 0xd7, 0xff),
      .cpu: .rgb(0x87, 0xd7, 0x87), .mem: .rgb(0xaf, 0x87, 0xff), .io: .rgb(0xff, 0xd7, 0x87),
      .latency: .rgb(0x5f, 0xd7, 0xd7), .loss: .rgb(0xff, 0x87, 0x87), .gauge_fill: .rgb(0x5f, 0xd7, 0x5f),
      .gauge_over: .rgb(0xff, 0x5f, 0x5f), .gauge_empty: .rgb(0x44, 0x44, 0x44), .fault: .rgb(0xff, 0x5f, 0xaf),
      .dialog_bg: .rgb(0x1c, 0x1c, 0x28), .key: .rgb(0xff, 0xd7, 0x5f),
    ])

  public struct LoadError: Error, CustomStringConvertible, Sendable {
    public var description: String
  }

  /// Parses a theme file's text. Throws with the line number on the first malformed line.
  public static func parse(_ text: String, name: String) throws -> Theme {
    var theme = Theme(name: name, colors: builtin.colors)
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]"), let eq = line.firstIndex(of: "="),
        close < eq
      else {
        throw LoadError(description: "line \(n + 1): expected theme[key]=\"value\", got \(line.prefix(40))")
      }
      let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
      var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
      if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
        value = String(value.dropFirst().dropLast())
      }
      guard let role = Role(rawValue: key) else {
        theme.ignored.append("line \(n + 1): unknown key \(key)")
        continue
      }
      guard let color = parseColor(value) else {
        throw LoadError(description: "line \(n + 1): \(key): cannot read colour \"\(value.prefix(20))\"")
      }
      theme.colors[role] = color
    }
    return theme
  }

  static let ansiNames: [String: UInt8] = [
    "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
    "brightblack": 8, "gray": 8, "grey": 8, "brightred": 9, "brightgreen": 10, "brightyellow": 11, "brightblue": 12,
    "brightmagenta": 13, "brightcyan": 14, "brightwhite": 15,
  ]

  /// `#rrggbb`, `#rgb`, `default`, an ANSI name (`red`, `brightred`) or a 256-colour index `0`-`255`.
  public static func parseColor(_ text: String) -> Color? {
    let v = text.lowercased()
    if v == "default" || v.isEmpty { return .default }
    if let n = ansiNames[v] { return .ansi(n) }
    if let n = Int(v), (0...255).contains(n) { return .indexed(UInt8(n)) }
    guard v.hasPrefix("#") else { return nil }
    let hex = Array(v.dropFirst())
    func h(_ s: [Character]) -> UInt8? { UInt8(String(s), radix: 16) }
    if hex.count == 6, let r = h(Array(hex[0..<2])), let g = h(Array(hex[2..<4])), let b = h(Array(hex[4..<6])) {
      return .rgb(r, g, b)
    }
    if hex.count == 3, let r = h([hex[0], hex[0]]), let g = h([hex[1], hex[1]]), let b = h([hex[2], hex[2]]) {
      return .rgb(r, g, b)
    }
    return nil
  }

  /// Finds a theme by name in the theme folders, or reads a path. A broken file gives the default
  /// and a message saying why.
  public static func load(_ nameOrPath: String, searchPaths: [String]) -> (Theme, String?) {
    var candidates: [String] = []
    if nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme") {
      candidates.append(nameOrPath)
    } else {
      if nameOrPath == "default" { return (builtin, nil) }
      for dir in searchPaths { candidates.append(dir + "/" + nameOrPath + ".theme") }
    }
    for path in candidates where FileManager.default.fileExists(atPath: path) {
      guard let data = FileManager.default.contents(atPath: path) else {
        return (builtin, "theme \(path): cannot read the file; using the default theme")
      }
      guard let text = String(data: data, encoding: .utf8) else {
        return (builtin, "theme \(path): not UTF-8 text; using the default theme")
      }
      do {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return (try parse(text, name: name), nil)
      } catch {
        return (builtin, "theme \(path): \(error); using the default theme")
      }
    }
    return (
      builtin,
      "theme \"\(nameOrPath)\" not found (looked in \(searchPaths.joined(separator: ", "))); using the default theme"
    )
  }

  /// Names of the themes found in the folders, for cycling with a key.
  public static func available(in searchPaths: [String]) -> [String] {
    var names: Set<String> = ["default"]
    for dir in searchPaths {
      for f in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where f.hasSuffix(".theme") {
        names.insert(String(f.dropLast(6)))
      }
    }
    return names.sorted()
  }
}

/// Glyph sets: Unicode blocks and box drawing where the locale is UTF-8, ASCII where it is not.
public struct Glyphs: Sendable, Equatable {
  public var horizontal: Unicode.Scalar
  public var vertical: Unicode.Scalar
  public var topLeft: Unicode.Scalar
  public var topRight: Unicode.Scalar
  public var bottomLeft: Unicode.Scalar
  public var bottomRight: Unicode.Scalar
  public var spark: [Unicode.Scalar]
  public var gaugeFull: Unicode.Scalar
  public var gaugeEmpty: Unicode.Scalar
  public var marker: Unicode.Scalar
  public var dot: Unicode.Scalar
  public var arrow: String
  public var name: String

  public static let unicode = Glyphs(
    horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
    spark: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], gaugeFull: "█", gaugeEmpty: "░", marker: "│", dot: "●",
    arrow: "→", name: "block")

  public static let braille = Glyphs(
    horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
    spark: ["⠀", "⣀", "⣀", "⣤", "⣤", "⣶", "⣶", "⣿", "⣿"], gaugeFull: "■", gaugeEmpty: "·", marker: "│", dot: "●",
    arrow: "→", name: "braille")

  public static let ascii = Glyphs(
    horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
    spark: [" ", ".", ".", ":", "-", "=", "+", "*", "#"], gaugeFull: "#", gaugeEmpty: ".", marker: "|", dot: "*",
    arrow: "->", name: "ascii")

  public static func named(_ name: String) -> Glyphs? {
    switch name {
    case "block", "unicode": return .unicode
    case "braille": return .braille
    case "ascii": return .ascii
    default: return nil
    }
  }
}
