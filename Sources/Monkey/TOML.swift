import Foundation

/// A value of kube-monkey's config: from the TOML file (typed) or from an environment variable
/// (text, read as the key needs it, as viper does).
enum TOMLValue: Equatable {
  case string(String, origin: String)
  case int(Int, origin: String)
  case bool(Bool, origin: String)
  case list([String], origin: String)
  case text(String, fromEnvironment: String)

  var origin: String {
    switch self {
    case .string(_, let o), .int(_, let o), .bool(_, let o), .list(_, let o): return o
    case .text(_, let v): return "$" + v
    }
  }

  var shown: String {
    switch self {
    case .string(let s, _), .text(let s, _): return "\"\(s)\""
    case .int(let n, _): return String(n)
    case .bool(let b, _): return String(b)
    case .list(let l, _): return "[" + l.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
  }

  var string: String? {
    switch self {
    case .string(let s, _), .text(let s, _): return s
    default: return nil
    }
  }

  var int: Int? {
    switch self {
    case .int(let n, _): return n
    case .text(let s, _): return Int(s.trimmingCharacters(in: .whitespaces))
    default: return nil
    }
  }

  var bool: Bool? {
    switch self {
    case .bool(let b, _): return b
    case .text(let s, _):
      switch s.lowercased() {
      case "true", "1", "yes": return true
      case "false", "0", "no": return false
      default: return nil
      }
    default: return nil
    }
  }

  /// An environment variable's list is comma-separated (`kube-system,monitoring`).
  var list: [String]? {
    switch self {
    case .list(let l, _): return l
    case .text(let s, _):
      return s.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    default: return nil
    }
  }
}

/// The part of TOML kube-monkey's file uses: `[section]`, `key = value` with strings, whole
/// numbers, booleans and lists of strings, `#` comments. Keys come back as `section.key`.
enum TOML {
  static func parse(_ text: String, name: String) throws -> [String: TOMLValue] {
    var out: [String: TOMLValue] = [:]
    var section = ""
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let at = "\(name):\(n + 1)"
      let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
      if line.isEmpty { continue }
      if line.hasPrefix("[") {
        guard line.hasSuffix("]"), line.count > 2 else {
          throw MonkeyConfig.LoadError("\(at): a section is written [name]")
        }
        section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        continue
      }
      guard let eq = line.firstIndex(of: "=") else {
        throw MonkeyConfig.LoadError("\(at): expected key = value, found \(line.prefix(40))")
      }
      let key = line[..<eq].trimmingCharacters(in: .whitespaces)
      let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
      guard !key.isEmpty else { throw MonkeyConfig.LoadError("\(at): a value without a key") }
      guard let v = Self.value(value, origin: at) else {
        throw MonkeyConfig.LoadError(
          "\(at): cannot read the value of \(key) (a string in quotes, a whole number, true/false or a list of strings)"
        )
      }
      out[(section.isEmpty ? "" : section + ".") + key] = v
    }
    return out
  }

  static func value(_ s: String, origin: String) -> TOMLValue? {
    if s == "true" { return .bool(true, origin: origin) }
    if s == "false" { return .bool(false, origin: origin) }
    if let n = Int(s) { return .int(n, origin: origin) }
    if let str = quoted(s) { return .string(str, origin: origin) }
    if s.hasPrefix("["), s.hasSuffix("]") {
      let inner = s.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
      if inner.isEmpty { return .list([], origin: origin) }
      var items: [String] = []
      for part in splitList(inner) {
        let p = part.trimmingCharacters(in: .whitespaces)
        if p.isEmpty { continue }  // a trailing comma
        guard let str = quoted(p) else { return nil }
        items.append(str)
      }
      return .list(items, origin: origin)
    }
    return nil
  }

  static func quoted(_ s: String) -> String? {
    guard s.count >= 2, let q = s.first, q == "\"" || q == "'", s.last == q else { return nil }
    let body = String(s.dropFirst().dropLast())
    return q == "'"
      ? body : body.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
  }

  /// Commas outside quotes.
  static func splitList(_ s: String) -> [String] {
    var parts: [String] = []
    var current = ""
    var quote: Character?
    for ch in s {
      if let q = quote {
        if ch == q { quote = nil }
        current.append(ch)
      } else if ch == "\"" || ch == "'" {
        quote = ch
        current.append(ch)
      } else if ch == "," {
        parts.append(current)
        current = ""
      } else {
        current.append(ch)
      }
    }
    parts.append(current)
    return parts
  }

  /// A `#` outside quotes starts a comment.
  static func stripComment(_ line: String) -> String {
    var quote: Character?
    for (i, ch) in line.enumerated() {
      if let q = quote {
        if ch == q { quote = nil }
      } else if ch == "\"" || ch == "'" {
        quote = ch
      } else if ch == "#" {
        return String(line.prefix(i))
      }
    }
    return line
  }
}
