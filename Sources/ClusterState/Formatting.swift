import Foundation

/// Numbers and durations in words for the timeline, notices and logs (the panes add their own
/// column formats in Panels' `Fmt`).
@inline(__always)
public func safeInt(_ d: Double) -> Int {
  if d.isNaN { return 0 }
  return Int(max(-9.0e15, min(9.0e15, d)))
}

/// `9.8s`, `1m05s`, `1h02m`.
public func formatDuration(_ d: Seconds) -> String {
  if d.isNaN || d < 0 { return "-" }
  if d < 60 {
    let tenths = (d * 10).rounded() / 10
    return tenths >= 60 ? "1m00s" : String(format1(tenths)) + "s"
  }
  let total = safeInt(d.rounded())
  if total < 3600 { return "\(total / 60)m" + pad2(total % 60) + "s" }
  return "\(total / 3600)h" + pad2((total % 3600) / 60) + "m"
}

/// One decimal: 12.3.
public func format1(_ v: Double) -> String { Numbers.one(v) }

/// The number formats shared by the core's texts and the panes (Panels' `Fmt` adds column formats).
public enum Numbers {
  /// One decimal, with its sign: 12.3, -0.5.
  public static func one(_ v: Double) -> String {
    let scaled = safeInt((v * 10).rounded())
    return (scaled < 0 ? "-" : "") + "\(abs(scaled) / 10).\(abs(scaled) % 10)"
  }

  /// kubectl's age: 45s, 5m12s, 25m, 3h10m, 20h, 3d4h, 40d.
  public static func age(_ d: Seconds) -> String {
    let s = max(0, safeInt(d))
    if s < 120 { return "\(s)s" }
    let m = s / 60
    if m < 10 { return "\(m)m\(s % 60)s" }
    if m < 180 { return "\(m)m" }
    let h = m / 60
    if h < 8 { return "\(h)h\(m % 60)m" }
    if h < 48 { return "\(h)h" }
    let d = h / 24
    if d < 8 { return "\(d)d\(h % 24)h" }
    return "\(d)d"
  }

  /// A share in percent, small ones kept readable: 12%, 1.5%, 0.015%.
  public static func share(_ share: Double) -> String {
    let v = share * 100
    if v == 0 { return "0%" }
    if v >= 10 { return "\(safeInt(v.rounded()))%" }
    if v >= 1 { return one(v) + "%" }
    return String(format: "%.2g%%", v)
  }

  /// CPU as kubectl top writes it: 250m, 1.5 (cores).
  public static func cpu(_ milli: Double?) -> String {
    guard let m = milli, m.isFinite else { return "-" }
    if m < 1000 { return "\(safeInt(m.rounded()))m" }
    return one(m / 1000)
  }
}

/// Two digits: 05.
public func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// The one reader of durations: Go's (`90s`, `1h30m`, `1.5h`, `250ms`, as Chaos Mesh and kube-monkey
/// write them), kubectl's ages (`3d4h`, `2y`), and with `plainSeconds` a bare number of seconds (the
/// experiment file's `30`). Units: ns, us, µs, ms, s, m, h, d (24 h), y (365 d). Nil when unreadable.
public enum Durations {
  static let units: [(String, Double)] = [
    ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
    ("y", 365 * 86_400),
  ]

  public static func seconds(_ text: String, plainSeconds: Bool = false) -> Seconds? {
    let t = text.trimmingCharacters(in: .whitespaces)
    if plainSeconds, let n = Double(t), n >= 0, n.isFinite { return n }
    var rest = Substring(t)
    guard !rest.isEmpty else { return nil }
    var total = 0.0
    while !rest.isEmpty {
      let digits = rest.prefix { ($0.isASCII && $0.isNumber) || $0 == "." }
      guard !digits.isEmpty, let v = Double(digits) else { return nil }
      rest = rest.dropFirst(digits.count)
      // The longest unit first: "ms" before "m", "us" before nothing else.
      guard let (u, scale) = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count }) else {
        return nil
      }
      rest = rest.dropFirst(u.count)
      total += v * scale
    }
    return total.isFinite ? total : nil
  }
}

/// chaostui's folder of state: `$XDG_STATE_HOME/chaostui`, else `~/.local/state/chaostui` (the
/// sessions, this user's record of changes, the demo's lever).
public func chaostuiStateFolder(_ env: [String: String]) -> String {
  (env["XDG_STATE_HOME"] ?? ((env["HOME"] ?? "/tmp") + "/.local/state")) + "/chaostui"
}

/// The folders of chaostui's shared files (`themes`, `experiments`) that come with its binary, found
/// from the binary's own path: the package's `<prefix>/share/chaostui/NAME` (a .deb puts the binary in
/// /usr/bin and them in /usr/share/chaostui), and for a development build (`CHECKOUT/.build/...`, the
/// path /proc/self/exe gives, symbolic links resolved) the checkout's `NAME`.
public func chaostuiShareFolders(executable: String, name: String) -> [(path: String, origin: String)] {
  let bin = URL(fileURLWithPath: executable).deletingLastPathComponent()
  var folders = [(bin.appendingPathComponent("../share/chaostui/" + name).standardized.path, "package")]
  if let build = executable.range(of: "/.build/") {
    folders.append((String(executable[..<build.lowerBound]) + "/" + name, "checkout"))
  }
  return folders
}
