import ClusterState

/// The bulk of a journal read without a JSON decoder: the pod and workload sample lines
/// (`{"k":"pm","t":T,"s":[[N,v,...],...]}`, numbers and `null` only), straight from the file's bytes.
enum MetricRows {
  /// Each line's byte range (without its newline), empty lines left out.
  static func lines(_ bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
    var out: [Range<Int>] = []
    out.reserveCapacity(bytes.count / 200)
    guard let base = bytes.baseAddress else { return out }
    var start = 0
    while start < bytes.count {
      let rest = bytes.count - start
      let end: Int
      if let nl = memchr(base + start, 0x0A, rest) {
        end = base.distance(to: UnsafeRawPointer(nl))
      } else {
        end = bytes.count
      }
      if end > start { out.append(start..<end) }
      start = end + 1
    }
    return out
  }

  /// Whether the line at `r` starts with `prefix`.
  static func starts(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, _ prefix: [UInt8]) -> Bool {
    guard r.count >= prefix.count else { return false }
    for (k, byte) in prefix.enumerated() where b[r.lowerBound + k] != byte { return false }
    return true
  }

  /// The number right after `prefix` at the start of the line at `r` (`{"k":"tick","t":12.5}`) and
  /// where it ends; nil when the line does not start so.
  static func number(after prefix: [UInt8], _ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> (Double, end: Int)? {
    guard r.count > prefix.count, starts(b, r, prefix) else { return nil }
    var at = r.lowerBound + prefix.count
    guard case .some(.some(let v)) = number(b, &at, r.upperBound) else { return nil }
    return (v, at)
  }

  /// The time and rows of a metrics line; nil when it is not one (or cut short).
  static func parse(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> (Seconds, [[Double?]])? {
    var i = range.lowerBound
    let end = range.upperBound
    guard let tAt = find(b, Array(#""t":"#.utf8), from: i, to: end) else { return nil }
    i = tAt
    guard case .some(.some(let t)) = number(b, &i, end) else { return nil }
    guard var j = find(b, Array(#""s":["#.utf8), from: i, to: end) else { return nil }
    var rows: [[Double?]] = []
    while j < end, b[j] == UInt8(ascii: "[") {
      j += 1
      var row: [Double?] = []
      row.reserveCapacity(10)
      while j < end, b[j] != UInt8(ascii: "]") {
        guard let v = number(b, &j, end) else { return nil }
        row.append(v)
        if j < end, b[j] == UInt8(ascii: ",") { j += 1 }
      }
      guard j < end else { return nil }
      rows.append(row)
      j += 1  // ]
      if j < end, b[j] == UInt8(ascii: ",") { j += 1 }
    }
    // A whole line ends `]}`; anything else was cut.
    guard j < end, b[j] == UInt8(ascii: "]") else { return nil }
    return (t, rows)
  }

  static func find(_ b: UnsafeRawBufferPointer, _ needle: [UInt8], from: Int, to end: Int) -> Int? {
    var i = from
    while i + needle.count <= end {
      if b[i] == needle[0] {
        var k = 1
        while k < needle.count && b[i + k] == needle[k] { k += 1 }
        if k == needle.count { return i + k }
      }
      i += 1
    }
    return nil
  }

  static let powers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }

  /// A JSON number or `null` at `i`, up to the next `,`, `]` or `}`. `.some(nil)` is `null`;
  /// nil is not a number. Exact: at most 15 digits and a power of ten up to 22 take one correctly
  /// rounded operation (Clinger's fast path); anything longer goes to the standard library.
  static func number(_ b: UnsafeRawBufferPointer, _ i: inout Int, _ end: Int) -> Double?? {
    let start = i
    while i < end, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "]"), b[i] != UInt8(ascii: "}") { i += 1 }
    guard i > start else { return nil }
    var k = start
    if b[k] == UInt8(ascii: "n") {
      return i - start == 4 && b[k + 1] == UInt8(ascii: "u") && b[k + 2] == UInt8(ascii: "l")
        && b[k + 3] == UInt8(ascii: "l") ? .some(nil) : nil
    }
    var negative = false
    if b[k] == UInt8(ascii: "-") {
      negative = true
      k += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0
    var exponent = 0
    var sawDigit = false
    var fast = true
    while k < i, b[k] >= 0x30, b[k] <= 0x39 {
      mantissa = mantissa &* 10 &+ UInt64(b[k] - 0x30)
      if mantissa > 0 { digits += 1 }
      sawDigit = true
      k += 1
    }
    if k < i, b[k] == UInt8(ascii: ".") {
      k += 1
      while k < i, b[k] >= 0x30, b[k] <= 0x39 {
        mantissa = mantissa &* 10 &+ UInt64(b[k] - 0x30)
        if mantissa > 0 { digits += 1 }
        exponent -= 1
        sawDigit = true
        k += 1
      }
    }
    if k < i, b[k] == UInt8(ascii: "e") || b[k] == UInt8(ascii: "E") {
      k += 1
      var expNegative = false
      if k < i, b[k] == UInt8(ascii: "-") || b[k] == UInt8(ascii: "+") {
        expNegative = b[k] == UInt8(ascii: "-")
        k += 1
      }
      var e = 0
      var sawExp = false
      while k < i, b[k] >= 0x30, b[k] <= 0x39 {
        e = min(e * 10 + Int(b[k] - 0x30), 100_000)
        sawExp = true
        k += 1
      }
      guard sawExp else { return nil }
      exponent += expNegative ? -e : e
    }
    guard sawDigit, k == i else { return nil }
    if digits > 15 || abs(exponent) > 22 { fast = false }
    if !fast {
      return Double(String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)).map {
        .some($0)
      }
    }
    var v = Double(mantissa)
    v = exponent < 0 ? v / powers[-exponent] : v * powers[exponent]
    return .some(negative ? -v : v)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
