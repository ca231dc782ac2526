import Foundation

/// Writes the journal's metric rows (`[N,v1,v2,...]`) straight as bytes: a round of 10,000 pods is
/// 10,000 rows a second, and building them as strings (a `String(format:)` per figure to round it)
/// cost most of the recording. Figures to 4 significant digits as plain decimals (`50.21`, `93580`,
/// `0.001234`), `null` for a missing or non-finite one, trailing missing ones left out.
struct RowWriter {
  private(set) var bytes: [UInt8] = []

  init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

  mutating func text(_ s: StaticString) {
    s.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// A time as Swift prints it (the shortest text that reads back as the same double).
  mutating func number(_ t: Double) { bytes.append(contentsOf: "\(t)".utf8) }

  /// `[N,v1,...]`, with a comma before it unless it is the first of its list.
  mutating func row(_ n: Int, _ values: Double?...) {
    row(n, values)
  }

  mutating func row(_ n: Int, _ values: [Double?]) {
    if let last = bytes.last, last != UInt8(ascii: "[") { bytes.append(UInt8(ascii: ",")) }
    bytes.append(UInt8(ascii: "["))
    integer(Int64(n))
    var end = values.count
    while end > 0, !(values[end - 1]?.isFinite ?? false) { end -= 1 }
    for v in values[..<end] {
      bytes.append(UInt8(ascii: ","))
      if let v, v.isFinite { figure(v) } else { text("null") }
    }
    bytes.append(UInt8(ascii: "]"))
  }

  static let powers: [Double] = (0...22).map { pow(10, Double($0)) }

  /// A finite figure to 4 significant digits: the decimal `m × 10^-k` (m of at most 4 digits) that
  /// reads back as the double nearest it.
  mutating func figure(_ v: Double) {
    if v == 0 {
      bytes.append(UInt8(ascii: "0"))
      return
    }
    let a = abs(v)
    let e = Int(log10(a).rounded(.down))
    if v < 0 { bytes.append(UInt8(ascii: "-")) }
    if e >= 3 {
      // Whole: the 4 leading digits, then zeros.
      let zeros = e - 3
      guard zeros <= 14 else {
        bytes.append(contentsOf: "\(Double(String(format: "%.4g", a)) ?? a)".utf8)
        return
      }
      let m = (a / Self.powers[zeros]).rounded()
      integer(Int64(m))
      for _ in 0..<zeros { bytes.append(UInt8(ascii: "0")) }
      return
    }
    let k = 3 - e
    guard k <= 22 else {
      bytes.append(contentsOf: "\(Double(String(format: "%.4g", a)) ?? a)".utf8)
      return
    }
    var m = Int64((a * Self.powers[k]).rounded())
    var places = k
    while places > 0, m % 10 == 0 {
      m /= 10
      places -= 1
    }
    var digits = 1
    var x = m
    while x >= 10 {
      x /= 10
      digits += 1
    }
    if digits <= places {
      bytes.append(UInt8(ascii: "0"))
      bytes.append(UInt8(ascii: "."))
      for _ in 0..<(places - digits) { bytes.append(UInt8(ascii: "0")) }
      integer(m)
    } else {
      integer(m)
      if places > 0 { bytes.insert(UInt8(ascii: "."), at: bytes.count - places) }
    }
  }

  mutating func integer(_ n: Int64) {
    if n < 0 { bytes.append(UInt8(ascii: "-")) }
    var x = n.magnitude
    let start = bytes.count
    repeat {
      bytes.append(UInt8(ascii: "0") + UInt8(x % 10))
      x /= 10
    } while x > 0
    bytes[start...].reverse()
  }
}
