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
public func format1(_ v: Double) -> String {
  let scaled = safeInt((v * 10).rounded())
  return "\(scaled / 10).\(abs(scaled % 10))"
}

/// Two digits: 05.
public func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
