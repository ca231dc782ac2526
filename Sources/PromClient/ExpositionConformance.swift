import Foundation

/// The Prometheus text format (0.0.4) and OpenMetrics 1.0 text, checked strictly, for naming a
/// target whose exposition breaks them ("not conformant: line 12: ..."). The scrape itself stays
/// lenient (`ExpositionParser` keeps every good sample); this says what a strict reader such as
/// Prometheus would refuse: the first violation, or nil.
public enum ExpositionConformance {
  public struct Violation: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
  }

  public static func check(_ data: Data, openMetrics: Bool) -> Violation? {
    var c = Checker(om: openMetrics)
    let bytes = [UInt8](data)
    var lineNo = 0
    var start = 0
    while start < bytes.count {
      lineNo += 1
      var end = start
      while end < bytes.count && bytes[end] != 0x0A { end += 1 }
      let line = Array(bytes[start..<end])
      if c.sawEOF { return Violation(line: lineNo, message: "text after # EOF") }
      if let why = c.line(line) { return Violation(line: lineNo, message: why) }
      start = end + 1
    }
    if let why = c.finish() { return Violation(line: lineNo, message: why) }
    if openMetrics && !c.sawEOF { return Violation(line: lineNo, message: "no # EOF at the end") }
    return nil
  }
}

/// One pass over the lines, with what the format says must hold across them.
struct Checker {
  let om: Bool
  var sawEOF = false
  var types: [String: String] = [:]
  var helps = Set<String>()
  var units = Set<String>()
  var sampled = Set<String>()
  var current: String?
  var closed = Set<String>()
  var series = Set<String>()
  /// Histogram buckets by family and labels without `le`: the last bound, value, the +Inf count.
  var buckets: [String: (le: Double, value: Double, inf: Double?)] = [:]

  static let omTypes: Set = [
    "counter", "gauge", "histogram", "gaugehistogram", "stateset", "info", "summary", "unknown",
  ]
  static let textTypes: Set = ["counter", "gauge", "histogram", "summary", "untyped"]

  mutating func line(_ l: [UInt8]) -> String? {
    guard String(validating: l, as: UTF8.self) != nil else { return "not valid UTF-8" }
    if l.last == 0x0D { return "a carriage return (lines end with \\n only)" }
    if l.isEmpty || l.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return om ? "an empty line" : nil }
    if om && (l[0] == 0x20 || l[0] == 0x09) { return "a line starting with a space" }
    var s = Scanner(l, om: om)
    s.blanks()
    if s.peek == 0x23 { return comment(&s) }
    return sample(&s)
  }

  mutating func comment(_ s: inout Scanner) -> String? {
    s.i += 1
    let text = String(decoding: s.b[s.i...], as: UTF8.self)
    if om && text == " EOF" {
      sawEOF = true
      return finish()
    }
    if om && !text.hasPrefix(" ") { return "no space after #" }
    let words = om ? String(text.dropFirst()) : text
    let parts = words.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: !om).map(String.init)
    let word = parts.first ?? ""
    guard ["HELP", "TYPE", "UNIT"].contains(word) && (om || word != "UNIT") else {
      return om ? "a comment that is not # HELP, # TYPE, # UNIT or # EOF" : nil
    }
    guard parts.count >= 2, Scanner.isMetricName(Array(parts[1].utf8)) else {
      return "# \(word) without a valid metric name"
    }
    let name = parts[1]
    let rest = parts.count > 2 ? parts[2...].joined(separator: " ") : ""
    if let why = enter(name) { return why }
    if sampled.contains(name) { return "# \(word) \(name) after its samples" }
    switch word {
    case "TYPE":
      guard types[name] == nil else { return "a second # TYPE for \(name)" }
      guard (om ? Self.omTypes : Self.textTypes).contains(rest) else { return "unknown metric type \"\(rest)\"" }
      types[name] = rest
    case "HELP":
      guard helps.insert(name).inserted else { return "a second # HELP for \(name)" }
      if let why = Scanner.checkEscapes(Array(rest.utf8), quotes: om) { return "# HELP \(name): \(why)" }
    default:
      guard units.insert(name).inserted else { return "a second # UNIT for \(name)" }
      if !rest.isEmpty && !name.hasSuffix("_" + rest) { return "# UNIT \(rest): \(name) does not end in _\(rest)" }
    }
    return nil
  }

  /// The family a sample of `name` belongs to, by the suffixes its declared type allows.
  func family(of name: String) -> String {
    for suffix in ["_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"]
    where name.hasSuffix(suffix) {
      let base = String(name.dropLast(suffix.count))
      if let t = types[base], Self.suffixes(t).contains(suffix) { return base }
    }
    return name
  }

  static func suffixes(_ type: String) -> Set<String> {
    switch type {
    case "counter": return ["_total", "_created"]
    case "histogram": return ["_bucket", "_count", "_sum", "_created"]
    case "gaugehistogram": return ["_bucket", "_gcount", "_gsum"]
    case "summary": return ["_count", "_sum", "_created"]
    case "info": return ["_info"]
    default: return []
    }
  }

  /// Lines of one family stay together in OpenMetrics.
  mutating func enter(_ f: String) -> String? {
    guard om, current != f else { return nil }
    if closed.contains(f) { return "\(f) comes again after another metric family (families are not interleaved)" }
    if let c = current {
      closed.insert(c)
      if let why = closeHistograms(c) { return why }
    }
    current = f
    return nil
  }

  mutating func sample(_ s: inout Scanner) -> String? {
    guard let name = s.name(metric: true) else { return "a sample must start with a valid metric name" }
    let f = family(of: name)
    if let why = enter(f) { return why }
    sampled.insert(f)
    let type = types[f] ?? (om ? "unknown" : "untyped")
    if om {
      if type == "counter" && !name.hasSuffix("_total") && !name.hasSuffix("_created") {
        return "counter \(f): a sample named \(name) (counters are name_total)"
      }
      if type == "info" && name == f { return "info \(f): a sample named \(name) (info metrics are name_info)" }
    }
    var labels: [(String, String)] = []
    if s.om ? s.peek == 0x7B : s.skippingBlanks(to: 0x7B) {
      let (l, why) = s.labels()
      if let why { return why }
      labels = l
    }
    guard s.separator() else { return "no value after the series" }
    guard let value = s.number(om: om, timestamp: false) else { return "invalid value" }
    var ts = ""
    if s.separator(), s.peek != 0x23 {
      let t0 = s.i
      guard s.number(om: om, timestamp: true) != nil else { return "invalid timestamp" }
      ts = String(decoding: s.b[t0..<s.i], as: UTF8.self)
    }
    if s.peek == 0x23 {
      guard om else { return "text after the value" }
      guard
        (type == "counter" && name.hasSuffix("_total")) || (type.hasSuffix("histogram") && name.hasSuffix("_bucket"))
      else { return "an exemplar on \(name) (only on counters' _total and histograms' _bucket)" }
      if let why = s.exemplar() { return why }
    }
    s.blanks()
    guard s.atEnd else { return "text after the value" }
    let names = labels.map(\.0)
    if Set(names).count != names.count { return "a label named twice" }
    if om && names.contains(where: { $0.hasPrefix("__") }) { return "a label name starting with __ (reserved)" }
    let key = name + "{" + labels.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}" + ts
    guard series.insert(key).inserted else { return "\(name) with the same labels twice" }
    return values(name, f, type, labels, value)
  }

  mutating func values(_ name: String, _ f: String, _ type: String, _ labels: [(String, String)], _ value: Double)
    -> String?
  {
    let counting =
      (type == "counter" && name.hasSuffix("_total")) || name.hasSuffix("_count") || name.hasSuffix("_bucket")
    if om && counting && (value.isNaN || value < 0) { return "\(name) is \(value) (a count is never negative or NaN)" }
    if type == "summary" && name == f && !labels.contains(where: { $0.0 == "quantile" }) {
      return "summary \(f): a sample without a quantile label"
    }
    guard type.hasSuffix("histogram") && name.hasSuffix("_bucket") else {
      if om && type == "histogram" && name == f + "_count",
        let inf = buckets[group(f, labels)]?.inf, inf != value
      {
        return "\(name) is \(value) but the +Inf bucket counts \(inf)"
      }
      return nil
    }
    guard let le = labels.first(where: { $0.0 == "le" })?.1 else { return "\(name) without an le label" }
    guard let bound = Double(le.lowercased() == "+inf" ? "inf" : le) else { return "le=\"\(le)\" is not a number" }
    let g = group(f, labels)
    if om, let last = buckets[g] {
      if bound <= last.le { return "\(name) le=\"\(le)\" after le=\"\(last.le)\" (buckets go up)" }
      if value < last.value { return "\(name) le=\"\(le)\" counts less than the bucket before it" }
    }
    buckets[g] = (bound, value, bound == .infinity ? value : buckets[g]?.inf)
    return nil
  }

  func group(_ f: String, _ labels: [(String, String)]) -> String {
    f + "{" + labels.filter { $0.0 != "le" }.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
  }

  /// A histogram's buckets end with le="+Inf".
  mutating func closeHistograms(_ f: String) -> String? {
    guard om, types[f]?.hasSuffix("histogram") == true else { return nil }
    for (g, b) in buckets where g.hasPrefix(f + "{") && b.inf == nil {
      return "histogram \(f): no le=\"+Inf\" bucket"
    }
    return nil
  }

  mutating func finish() -> String? { current.flatMap { closeHistograms($0) } }
}

/// Reads the tokens of one line, by the rules of its format.
struct Scanner {
  let b: [UInt8]
  let om: Bool
  var i = 0

  init(_ b: [UInt8], om: Bool) {
    self.b = b
    self.om = om
  }

  var atEnd: Bool { i >= b.count }
  /// The byte at the position (0 at the end).
  var peek: UInt8 { i < b.count ? b[i] : 0 }

  static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
  static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F }
  static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

  static func isMetricName(_ n: [UInt8]) -> Bool {
    guard let f = n.first, isLetter(f) || f == 0x3A else { return false }
    return n.allSatisfy { isLetter($0) || isDigit($0) || $0 == 0x3A }
  }

  mutating func blanks() { while i < b.count && Self.isBlank(b[i]) { i += 1 } }

  /// 0.0.4: blanks, then `c` (true, at it); else back where it was.
  mutating func skippingBlanks(to c: UInt8) -> Bool {
    let at = i
    blanks()
    if peek == c { return true }
    i = at
    return false
  }

  /// The separator between tokens: one space (OpenMetrics) or blanks (0.0.4). False at the end.
  mutating func separator() -> Bool {
    if om {
      guard peek == 0x20, i + 1 < b.count else { return false }
      i += 1
      return true
    }
    guard Self.isBlank(peek) else { return false }
    blanks()
    return !atEnd
  }

  mutating func name(metric: Bool) -> String? {
    let s = i
    guard i < b.count, Self.isLetter(b[i]) || (metric && b[i] == 0x3A) else { return nil }
    while i < b.count && (Self.isLetter(b[i]) || Self.isDigit(b[i]) || (metric && b[i] == 0x3A)) { i += 1 }
    return String(decoding: b[s..<i], as: UTF8.self)
  }

  /// `{name="value",...}`: the labels, or why they are invalid.
  mutating func labels() -> ([(String, String)], String?) {
    var out: [(String, String)] = []
    i += 1
    while true {
      if !om { blanks() }
      if peek == 0x7D {
        if om && b[i - 1] == 0x2C { return (out, "a comma before } (not in OpenMetrics)") }
        i += 1
        return (out, nil)
      }
      guard let n = name(metric: false) else { return (out, "an invalid label name") }
      if !om { blanks() }
      guard peek == 0x3D else { return (out, "no = after label \(n)") }
      i += 1
      if !om { blanks() }
      guard peek == 0x22 else { return (out, "label \(n): the value is not in double quotes") }
      i += 1
      let v0 = i
      while i < b.count && b[i] != 0x22 {
        if b[i] == 0x5C {
          guard i + 1 < b.count, [0x5C, 0x22, 0x6E].contains(b[i + 1]) else {
            return (out, "label \(n): an escape other than \\\\, \\\" or \\n")
          }
          i += 1
        }
        i += 1
      }
      guard i < b.count else { return (out, "label \(n): the value's quote is not closed") }
      out.append((n, String(decoding: b[v0..<i], as: UTF8.self)))
      i += 1
      if !om { blanks() }
      if peek == 0x2C {
        i += 1
      } else if peek != 0x7D {
        return (out, "no comma between labels")
      }
    }
  }

  /// A value or timestamp as the format writes it, up to the next blank.
  mutating func number(om: Bool, timestamp: Bool) -> Double? {
    let s = i
    while i < b.count && !Self.isBlank(b[i]) { i += 1 }
    let t = String(decoding: b[s..<i], as: UTF8.self)
    if timestamp && !om {
      // Milliseconds, an int64.
      let digits = t.hasPrefix("-") || t.hasPrefix("+") ? t.dropFirst() : Substring(t)
      guard !digits.isEmpty, digits.utf8.allSatisfy(Self.isDigit), let v = Int64(t) else { return nil }
      return Double(v)
    }
    let lower = t.lowercased()
    let unsigned = lower.hasPrefix("+") || lower.hasPrefix("-") ? String(lower.dropFirst()) : lower
    if !timestamp && (unsigned == "inf" || unsigned == "infinity") {
      guard !om || unsigned.count != lower.count else { return nil }
      return lower.hasPrefix("-") ? -.infinity : .infinity
    }
    if !timestamp && lower == "nan" { return .nan }
    // [digits][.digits][e[sign]digits], at least one digit before the exponent.
    var k = unsigned.utf8.makeIterator()
    var mantissa = 0
    var dot = false
    var exp = -1
    var expSign = false
    while let c = k.next() {
      if Self.isDigit(c) {
        if exp >= 0 { exp += 1 } else { mantissa += 1 }
      } else if c == 0x2E && !dot && exp < 0 {
        dot = true
      } else if c == 0x65 && exp < 0 && mantissa > 0 {
        exp = 0
      } else if (c == 0x2B || c == 0x2D) && exp == 0 && !expSign {
        expSign = true
      } else {
        return nil
      }
    }
    guard mantissa > 0, exp != 0 else { return nil }
    return Double(t)
  }

  /// ` # {labels} value [timestamp]` after a sample (OpenMetrics).
  mutating func exemplar() -> String? {
    guard i + 2 < b.count, b[i + 1] == 0x20, b[i + 2] == 0x7B else { return "an exemplar is # {labels} value" }
    i += 2
    let (labels, why) = labels()
    if let why { return "exemplar: " + why }
    let size = labels.reduce(0) { $0 + $1.0.unicodeScalars.count + $1.1.unicodeScalars.count }
    if size > 128 { return "exemplar labels of \(size) characters (at most 128)" }
    guard separator(), number(om: true, timestamp: false) != nil else { return "exemplar: invalid value" }
    if separator() {
      guard number(om: true, timestamp: true) != nil else { return "exemplar: invalid timestamp" }
    }
    return nil
  }

  /// Escapes of a HELP text: `\\`, `\\n` (and `\\"` in OpenMetrics).
  static func checkEscapes(_ t: [UInt8], quotes: Bool) -> String? {
    var k = 0
    while k < t.count {
      if t[k] == 0x5C {
        guard k + 1 < t.count, t[k + 1] == 0x5C || t[k + 1] == 0x6E || (quotes && t[k + 1] == 0x22) else {
          return "an invalid escape"
        }
        k += 1
      }
      k += 1
    }
    return nil
  }
}
