import Foundation

// The exposition parser's pieces: names, label sets, values and timestamps, byte by byte.
extension ExpositionParser {
  // MARK: - Pieces

  static func text(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> String {
    guard e > s else { return "" }
    return String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
  }

  /// A hash of bytes, eight at a time (FxHash-style multiply and rotate; the tail and the length
  /// folded in last). Equal bytes give equal hashes; hits are compared byte for byte anyway.
  @inline(__always) static func hash(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> UInt64 {
    let k: UInt64 = 0x517c_c1b7_2722_0a95
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    guard e > s, let base = b.baseAddress else { return h }
    let raw = UnsafeRawPointer(base)
    var i = s
    while i + 8 <= e {
      let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = ((h << 5 | h >> 59) ^ w) &* k
      i += 8
    }
    var tail = UInt64(e - s) << 56
    var shift: UInt64 = 0
    while i < e {
      tail ^= UInt64(b[i]) << shift
      shift += 8
      i += 1
    }
    h = ((h << 5 | h >> 59) ^ tail) &* k
    return h ^ (h >> 32)
  }

  @inline(__always) func sameKey(_ series: Series, _ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
    guard series.keyCount == e - s else { return false }
    return keys.withUnsafeBufferPointer { k in memcmp(k.baseAddress! + series.keyStart, b.baseAddress! + s, e - s) == 0
    }
  }

  @inline(__always) static func equal(_ key: [UInt8], _ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
    guard key.count == e - s else { return false }
    return key.withUnsafeBufferPointer { k in memcmp(k.baseAddress!, b.baseAddress! + s, e - s) == 0 }
  }

  /// A name: short ones are stored inline in the String (no allocation), longer ones interned.
  func name(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> String {
    e - s <= 15 ? Self.text(b, s, e) : Self.interned(&names, b, s, e, limit: 100_000)
  }

  /// The text of bytes from a table of those seen before (by hash, then compared), else made and kept.
  @inline(__always) static func interned(
    _ table: inout [UInt64: String], _ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, limit: Int
  ) -> String {
    let h = hash(b, s, e)
    if let n = table[h], n.utf8.count == e - s,
      n.utf8.withContiguousStorageIfAvailable({ memcmp($0.baseAddress!, b.baseAddress! + s, e - s) == 0 })
        ?? n.utf8.elementsEqual(UnsafeBufferPointer(rebasing: b[s..<e]))
    {
      return n
    }
    let n = text(b, s, e)
    if table.count < limit { table[h] = n }
    return n
  }

  /// `{a="x",b="y\"z"}` from just after the name to the end of the series.
  func labels(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> [MetricLabel]? {
    var start = start
    while start < end && Self.isSpace(b[start]) { start += 1 }
    guard start < end else { return [] }
    guard b[start] == 0x7B, b[end - 1] == 0x7D else { return nil }
    var out: [MetricLabel] = []
    var i = start + 1
    let close = end - 1
    while true {
      while i < close && (Self.isSpace(b[i])) { i += 1 }
      if i == close { return out }
      let nameStart = i
      guard Self.isNameStart(b[i]) else { return nil }
      while i < close && Self.isNameChar(b[i]) { i += 1 }
      let name = name(b, nameStart, i)
      while i < close && Self.isSpace(b[i]) { i += 1 }
      guard i < close, b[i] == 0x3D else { return nil }  // =
      i += 1
      while i < close && Self.isSpace(b[i]) { i += 1 }
      guard i < close, b[i] == 0x22 else { return nil }  // "
      i += 1
      // Most values have no escapes: taken straight from the buffer.
      let valueStart = i
      while i < close && b[i] != 0x22 && b[i] != 0x5C { i += 1 }
      if i < close && b[i] == 0x22 {
        // Short values are stored inline in the String (no allocation); longer ones are interned.
        let value =
          i - valueStart <= 15
          ? Self.text(b, valueStart, i) : Self.interned(&values, b, valueStart, i, limit: 400_000)
        out.append(MetricLabel(name, value))
        i += 1
        while i < close && Self.isSpace(b[i]) { i += 1 }
        if i == close { return out }
        guard b[i] == 0x2C else { return nil }  // ,
        i += 1
        continue
      }
      var bytes = Array(UnsafeBufferPointer(rebasing: b[valueStart..<i]))
      var closed = false
      while i < close {
        let c = b[i]
        if c == 0x5C {
          guard i + 1 < close else { return nil }
          switch b[i + 1] {
          case 0x6E: bytes.append(0x0A)  // \n
          case 0x5C: bytes.append(0x5C)
          case 0x22: bytes.append(0x22)
          default:
            bytes.append(0x5C)
            bytes.append(b[i + 1])
          }
          i += 2
          continue
        }
        if c == 0x22 {
          closed = true
          i += 1
          break
        }
        bytes.append(c)
        i += 1
      }
      guard closed else { return nil }
      out.append(MetricLabel(name, String(decoding: bytes, as: UTF8.self)))
      while i < close && Self.isSpace(b[i]) { i += 1 }
      if i == close { return out }
      guard b[i] == 0x2C else { return nil }  // ,
      i += 1
    }
  }

  static let powersOf10: [Double] = (0...22).map { pow(10, Double($0)) }

  /// A float as Prometheus writes them: decimal, exponent, NaN, +Inf, -Inf (any case).
  static func number(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
    let len = e - s
    // Any length the format allows (a long decimal is valid); past 4 KiB it is not a number.
    guard len > 0, len <= 4096 else { return nil }
    var i = s
    var negative = false
    if b[i] == 0x2D || b[i] == 0x2B {
      negative = b[i] == 0x2D
      i += 1
    }
    guard i < e else { return nil }
    // NaN and Inf, in any case.
    if b[i] | 0x20 == 0x6E || b[i] | 0x20 == 0x69 {
      let word = e - i == 3 ? (UInt32(b[i] | 0x20) << 16 | UInt32(b[i + 1] | 0x20) << 8 | UInt32(b[i + 2] | 0x20)) : 0
      if word == 0x6E_616E && i == s { return .nan }  // "nan", unsigned
      if word == 0x69_6E66 { return negative ? -.infinity : .infinity }  // "inf"
      return nil
    }
    // Fast path (exact): up to 15 significant digits and a power of ten within 1e22, which IEEE
    // multiplication or division rounds correctly (Clinger).
    var mantissa: Int64 = 0
    var digits = 0
    var fraction = 0
    var j = i
    var sawDot = false
    var sawDigit = false
    while j < e {
      let c = b[j]
      if c >= 0x30 && c <= 0x39 {
        sawDigit = true
        if digits > 0 || c != 0x30 { digits += 1 }
        if digits > 15 { break }
        mantissa = mantissa * 10 + Int64(c - 0x30)
        if sawDot { fraction += 1 }
      } else if c == 0x2E && !sawDot {
        sawDot = true
      } else {
        break
      }
      j += 1
    }
    if sawDigit && digits <= 15 {
      var exponent = 0
      var ok = j == e
      if !ok && (b[j] | 0x20) == 0x65 {  // e, E
        var k = j + 1
        var expNegative = false
        if k < e && (b[k] == 0x2D || b[k] == 0x2B) {
          expNegative = b[k] == 0x2D
          k += 1
        }
        var expDigits = 0
        while k < e && b[k] >= 0x30 && b[k] <= 0x39 && expDigits < 4 {
          exponent = exponent * 10 + Int(b[k] - 0x30)
          expDigits += 1
          k += 1
        }
        if expNegative { exponent = -exponent }
        ok = expDigits > 0 && k == e
      }
      let power = exponent - fraction
      if ok && power >= -22 && power <= 22 {
        let m = Double(mantissa)
        let v = power >= 0 ? m * powersOf10[power] : m / powersOf10[-power]
        return negative ? -v : v
      }
    }
    // Everything else (many digits, large exponents) through strtod, which must read all of it.
    return strtodNumber(b, s, len)
  }

  /// A number strtod reads, all of it; only digits, sign, dot and exponent (strtod would also read
  /// hex floats and words).
  static func strtodNumber(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ len: Int) -> Double? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: len + 1) { tmp -> Double? in
      for k in 0..<len {
        let c = b[s + k]
        // Only digits, sign, dot and exponent: strtod would also read hex floats and words.
        guard (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2B || c == 0x2D || c | 0x20 == 0x65 else { return nil }
        tmp[k] = CChar(bitPattern: c)
      }
      tmp[len] = 0
      var endPtr: UnsafeMutablePointer<CChar>?
      let v = strtod(tmp.baseAddress!, &endPtr)
      guard let endPtr, endPtr - tmp.baseAddress! == len else { return nil }
      return v
    }
  }

  static func integer(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int64? {
    // An int64 as Go's strconv.ParseInt reads it: a sign, then digits (leading zeros any number).
    var i = s
    var negative = false
    if i < e && (b[i] == 0x2D || b[i] == 0x2B) {
      negative = b[i] == 0x2D
      i += 1
    }
    guard i < e else { return nil }
    var v: Int64 = 0
    while i < e {
      guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
      let (m, o1) = v.multipliedReportingOverflow(by: 10)
      let (a, o2) =
        negative ? m.subtractingReportingOverflow(Int64(b[i] - 0x30)) : m.addingReportingOverflow(Int64(b[i] - 0x30))
      guard !o1 && !o2 else { return nil }
      v = a
      i += 1
    }
    return v
  }

  static func unescape(_ s: String, quotes: Bool) -> String {
    guard s.contains("\\") else { return s }
    var out = ""
    var escaped = false
    for ch in s {
      if escaped {
        switch ch {
        case "n": out.append("\n")
        case "\\": out.append("\\")
        case "\"" where quotes: out.append("\"")
        default:
          out.append("\\")
          out.append(ch)
        }
        escaped = false
      } else if ch == "\\" {
        escaped = true
      } else {
        out.append(ch)
      }
    }
    if escaped { out.append("\\") }
    return out
  }
}
