import ClusterState

/// Number and time formats the panes share, in kubectl's and k9s's style.
public enum Fmt {
  /// Splits `text` into lines of at most `width` characters at spaces (a word longer than the
  /// width is cut). An empty text is one empty line.
  public static func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0, text.count > width else { return [text] }
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
      var w = String(word)
      if line.isEmpty {
        line = w
      } else if line.count + 1 + w.count <= width {
        line += " " + w
      } else {
        lines.append(line)
        line = w
      }
      while line.count > width {
        lines.append(String(line.prefix(width)))
        w = String(line.dropFirst(width))
        line = w
      }
    }
    if !line.isEmpty || lines.isEmpty { lines.append(line) }
    return lines
  }

  /// kubectl's age: 45s, 5m12s, 25m, 3h10m, 20h, 3d4h, 40d.
  public static func age(_ d: Seconds) -> String { Numbers.age(d) }

  public static func cpu(_ milli: Double?) -> String { Numbers.cpu(milli) }

  public static func bytes(_ b: Double?) -> String {
    guard let b, b.isFinite else { return "-" }
    let units = ["B", "Ki", "Mi", "Gi", "Ti"]
    var v = b
    var i = 0
    while v >= 1024 && i < units.count - 1 {
      v /= 1024
      i += 1
    }
    return (v >= 100 || i == 0 ? "\(safeInt(v.rounded()))" : one(v)) + units[i]
  }

  public static func rate(_ b: Double?) -> String {
    guard let b else { return "-" }
    return bytes(b).replacingOccurrences(of: "i", with: "") + "/s"
  }

  public static func ms(_ v: Double?) -> String {
    guard let v, v.isFinite else { return "-" }
    if v >= 10_000 { return one(v / 1000) + "s" }
    if v >= 100 { return "\(safeInt(v.rounded()))ms" }
    return one(v) + "ms"
  }

  public static func percent(_ v: Double?) -> String {
    guard let v, v.isFinite else { return "-" }
    return v >= 10 ? "\(safeInt(v.rounded()))%" : one(v) + "%"
  }

  public static func one(_ v: Double) -> String { Numbers.one(v) }

  /// A clock on the session: `T+01:02:03`.
  public static func clock(_ d: Seconds) -> String {
    let s = max(0, safeInt(d))
    return "T+" + two(s / 3600) + ":" + two((s / 60) % 60) + ":" + two(s % 60)
  }

  /// A time relative to a reference: `+12.3s`.
  public static func relative(_ d: Seconds) -> String { (d < 0 ? "-" : "+") + formatDuration(abs(d)) }

  static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

  /// Pads or truncates to exactly `width` columns (truncation marks with `~`), by the cells each
  /// character takes (a wide one two, a combining mark none).
  public static func fit(_ s: String, _ width: Int, right: Bool = false) -> String {
    guard width > 0 else { return "" }
    let n = s.utf8.allSatisfy { $0 < 0x80 } ? s.utf8.count : cellWidth(of: s)
    if n == width { return s }
    if n > width {
      if width == 1 { return "~" }
      var out = String.UnicodeScalarView()
      var used = 0
      for u in s.unicodeScalars {
        let w = cellWidth(of: String(u))
        if used + w > width - 1 { break }
        out.append(u)
        used += w
      }
      return String(out) + String(repeating: " ", count: width - 1 - used) + "~"
    }
    let pad = String(repeating: " ", count: width - n)
    return right ? pad + s : s + pad
  }

  /// A name with its context's alias when its namespace has one ("b:flask"), so that two contexts'
  /// workloads of one name stay apart in the panes that show names alone.
  public static func named(_ name: String, namespace: String) -> String {
    ContextName.split(namespace).alias.map { ContextName.qualify($0, name) } ?? name
  }

  /// `named` fitted to `width` columns: where "primary:flask" is too wide, the alias gives way
  /// before the name ("pr:flask", then "p:flask"), so a narrow pane still tells both apart.
  public static func named(_ name: String, namespace: String, width: Int) -> String {
    guard let alias = ContextName.split(namespace).alias else { return fit(name, width) }
    let room = width - 1 - cellWidth(of: name)
    let shown = alias.count <= room ? alias : String(alias.prefix(max(1, room)))
    return fit(ContextName.qualify(shown, name), width)
  }
}
