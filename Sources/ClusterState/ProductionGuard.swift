/// Contexts that are production (the config file's `production.contexts`, shell-style patterns such
/// as `prod-*`): shown with a red frame and badge, their dangerous keys asking for the context's
/// name to be typed, and read-only unless `--allow-prod` when `production.read-only` says so.
public struct ProductionGuard: Sendable, Equatable {
  public var contexts: [String]
  public var readOnly: Bool
  public init(contexts: [String] = [], readOnly: Bool = false) {
    self.contexts = contexts
    self.readOnly = readOnly
  }

  /// The first pattern `context` matches (nil: not production).
  public func match(_ context: String) -> String? {
    contexts.first { Self.glob($0, context) }
  }

  /// `*` any run of characters, `?` one character, anything else itself (no classes, no escapes).
  public static func glob(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern), t = Array(text)
    var (i, j) = (0, 0)
    var star: Int? = nil
    var mark = 0
    while j < t.count {
      if i < p.count && (p[i] == "?" || p[i] == t[j]) {
        i += 1
        j += 1
      } else if i < p.count && p[i] == "*" {
        star = i
        mark = j
        i += 1
      } else if let s = star {
        i = s + 1
        mark += 1
        j = mark
      } else {
        return false
      }
    }
    while i < p.count && p[i] == "*" { i += 1 }
    return i == p.count
  }
}
