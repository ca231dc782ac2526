import ClusterState

/// The pods pane's `/` filter: a substring of namespace/name, status, node or role, or a label's
/// `key=value`; `!text` inverts. Compared without case. ASCII (every name Kubernetes accepts) is
/// compared in place, with no string made a pod; anything else by `lowercased()`.
enum PodFilter {
  /// What a filter's text asks for, worked out once for all the pods it is matched against.
  struct Needle {
    /// The text to find (without the `!` that inverts it).
    let text: String
    let inverted: Bool
    /// Matched against namespace/name as one (the text has a `/`).
    let path: Bool
    /// May be a label's `key=value`.
    let label: Bool
    /// Every pod matches.
    var all: Bool { text.isEmpty }

    /// `needle`: the filter lowercased.
    init(_ needle: String) {
      // `!!x` is `x` again; a lone `!` is text.
      var (t, inverted) = (Substring(needle), false)
      while t.hasPrefix("!") && t.count > 1 {
        t = t.dropFirst()
        inverted.toggle()
      }
      self.inverted = inverted
      text = String(t)
      path = text.utf8.contains(UInt8(ascii: "/"))
      label = text.utf8.contains(UInt8(ascii: "="))
    }
  }

  /// Whether the pod matches `needle` (lowercased).
  static func matches(_ p: Pod, _ needle: Needle) -> Bool {
    matches(needle, namespace: p.namespace, name: p.name, status: p.status, node: p.node, role: p.role) {
      p.labels
    }
  }

  /// The same from the fields it reads; the labels are asked for only by a `key=value` that nothing
  /// else matched.
  static func matches(
    _ needle: Needle, namespace: String, name: String, status: String, node: String?, role: String?,
    labels: () -> [String: String]
  ) -> Bool {
    func found() -> Bool {
      let text = needle.text
      if needle.path {
        if contains(namespace + "/" + name, text) { return true }
      } else if contains(namespace, text) || contains(name, text) {
        return true
      }
      if contains(status, text) { return true }
      if let n = node, contains(n, text) { return true }
      if let r = role, contains(r, text) { return true }
      if needle.label {
        for (k, v) in labels() where (k + "=" + v).lowercased() == text { return true }
      }
      return false
    }
    return found() != needle.inverted
  }

  /// Whether every pod `needle` matches also matches `old`: the old text within the new, neither
  /// inverted, and no label's `key=value` (matched whole, not as a substring).
  static func narrows(_ old: String, to needle: String) -> Bool {
    if old.isEmpty { return true }
    return !old.hasPrefix("!") && !needle.hasPrefix("!") && !needle.contains("=") && needle.contains(old)
  }

  /// Whether `hay`, lowercased, contains `needle` (lowercased).
  static func contains(_ hay: String, _ needle: String) -> Bool {
    if needle.isEmpty { return true }
    var (h, n) = (hay, needle)
    let ascii: Bool? = h.withUTF8 { hb in
      n.withUTF8 { nb in
        guard nb.count <= hb.count else { return false }
        for b in hb where b >= 0x80 { return nil }
        for b in nb where b >= 0x80 { return nil }
        let first = nb[0]
        var i = 0
        while i <= hb.count - nb.count {
          if lower(hb[i]) == first {
            var j = 1
            while j < nb.count && lower(hb[i + j]) == nb[j] { j += 1 }
            if j == nb.count { return true }
          }
          i += 1
        }
        return false
      }
    }
    return ascii ?? hay.lowercased().contains(needle)
  }

  @inline(__always) private static func lower(_ b: UInt8) -> UInt8 { b &- 65 < 26 ? b | 0x20 : b }
}
