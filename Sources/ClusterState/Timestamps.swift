import Foundation

/// The one timestamp codec: RFC 3339 as the API server, Prometheus and journals write it
/// (`2026-11-27T15:04:05.123456789Z`, `+02:00` offsets), to and from Unix seconds; no formatter, no
/// locale. Plain Doubles: it is also compiled alone into the fuzz target (Fuzz/run.sh).
public enum Timestamps {
  /// Unix seconds of an RFC 3339 time (any fraction, `Z` or an offset); nil when it is not one.
  public static func parse(_ s: some StringProtocol) -> Double? {
    let b = Array(s.utf8)
    guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A else { return nil }
    func n(_ from: Int, _ len: Int) -> Int? {
      var v = 0
      for i in from..<from + len {
        guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
        v = v * 10 + Int(b[i] - 0x30)
      }
      return v
    }
    guard let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2), let sec = n(17, 2),
      (1...12).contains(mo), (1...31).contains(d)
    else { return nil }
    var i = 19
    var frac = 0.0
    if i < b.count, b[i] == 0x2E {
      i += 1
      var scale = 0.1
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
        frac += Double(b[i] - 0x30) * scale
        scale /= 10
        i += 1
      }
    }
    guard i < b.count, b[i] == 0x5A || b[i] == 0x2B || b[i] == 0x2D else { return nil }
    var offset = 0
    if b[i] != 0x5A {
      guard b.count >= i + 6, let oh = n(i + 1, 2), let om = n(i + 4, 2) else { return nil }
      offset = (oh * 3600 + om * 60) * (b[i] == 0x2B ? 1 : -1)
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = mo <= 2 ? y - 1 : y
    let era = (yy >= 0 ? yy : yy - 399) / 400
    let yoe = yy - era * 400
    let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return Double(days * 86_400 + h * 3600 + mi * 60 + sec - offset) + frac
  }

  /// RFC 3339 in UTC: `2026-11-27T15:04:05Z`, with `fraction` digits of the second (3: `.123`).
  public static func format(_ t: Double, fraction: Int = 0) -> String {
    guard t.isFinite else { return "-" }
    let scale = pow(10, Double(max(0, min(9, fraction))))
    // To the nearest unit of the last digit shown (a whole second: the second it is in).
    let ticks = fraction > 0 ? (t * scale).rounded() : t.rounded(.down)
    let whole = Int((ticks / scale).rounded(.down))
    let part = Int(ticks - Double(whole) * scale)
    let days = Int((Double(whole) / 86_400).rounded(.down))
    let secs = whole - days * 86_400
    // The civil date of a day count (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    func p(_ v: Int, _ n: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, n - s.count)) + s
    }
    var out = "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secs / 3600, 2)):\(p(secs / 60 % 60, 2)):\(p(secs % 60, 2))"
    if fraction > 0 { out += "." + p(part, min(9, fraction)) }
    return out + "Z"
  }
}
