import ClusterState

/// The pods pane's `/` filter: a substring of namespace/name, status, node or role, or a label's
/// `key=value`; `!text` inverts. Compared without case. ASCII (every name Kubernetes accepts) is
/// compared in place, with no string made a pod; anything else by `lowercased()`.
enum PodFilter {
  /// Whether the pod matches `needle` (lowercased).
  static func matches(_ p: Pod, _ needle: String) -> Bool {
    if needle.hasPrefix("!") && needle.count > 1 { return !matches(p, String(needle.dropFirst())) }
    if needle.contains("/") {
      if contains(p.id, needle) { return true }
    } else if contains(p.namespace, needle) || contains(p.name, needle) {
      return true
    }
    if contains(p.status, needle) { return true }
    if let n = p.node, contains(n, needle) { return true }
    if let r = p.role, contains(r, needle) { return true }
    if needle.contains("=") {
      for (k, v) in p.labels where (k + "=" + v).lowercased() == needle { return true }
    }
    return false
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
