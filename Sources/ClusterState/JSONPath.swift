import Foundation

/// A JSON path of the simple kind probes use: `$`, then `.name`, `["name"]` or `[index]` steps
/// (`$.status`, `$.items[0].metadata.name`, `$["a.b"]`). No filters, wildcards or slices.
public struct JSONPath: Sendable, Equatable {
  public enum Step: Sendable, Equatable {
    case key(String)
    case index(Int)
  }
  public let steps: [Step]
  public let text: String

  public init?(_ text: String) {
    self.text = text
    var chars = Substring(text)
    guard chars.first == "$" else { return nil }
    chars = chars.dropFirst()
    var steps: [Step] = []
    while let c = chars.first {
      if c == "." {
        chars = chars.dropFirst()
        let name = chars.prefix { $0 != "." && $0 != "[" }
        guard !name.isEmpty else { return nil }
        steps.append(.key(String(name)))
        chars = chars.dropFirst(name.count)
      } else if c == "[" {
        guard let close = chars.firstIndex(of: "]") else { return nil }
        let inner = chars[chars.index(after: chars.startIndex)..<close]
        if let n = Int(inner), n >= 0 {
          steps.append(.index(n))
        } else if inner.count >= 2, let q = inner.first, q == "\"" || q == "'", inner.last == q {
          steps.append(.key(String(inner.dropFirst().dropLast())))
        } else {
          return nil
        }
        chars = chars[chars.index(after: close)...]
      } else {
        return nil
      }
    }
    self.steps = steps
  }

  /// The value at the path in a JSON document, as text: a string as it is, a number as written
  /// shortest (`2`, `0.5`), `true`/`false`, `null`; an object or list as `{...}`/`[...]` (nil: no
  /// such value, or not JSON).
  public func value(in data: Data) -> String? {
    guard var v = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
    for step in steps {
      switch (step, v) {
      case (.key(let k), .object(let d)):
        guard let next = d[k] else { return nil }
        v = next
      case (.index(let i), .array(let a)):
        guard i < a.count else { return nil }
        v = a[i]
      default: return nil
      }
    }
    switch v {
    case .string(let s): return s
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    case .array: return "[...]"
    case .object: return "{...}"
    }
  }
}

/// Any JSON value.
enum JSONValue: Decodable {
  case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let d = try? c.decode(Double.self) {
      self = .number(d)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([JSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: JSONValue].self))
    }
  }
}
