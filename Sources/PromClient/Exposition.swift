import ClusterState
import Foundation
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// One label of a sample.
public struct MetricLabel: Sendable, Hashable {
  public var name: String
  public var value: String
  public init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }
}

/// The type a `# TYPE` line declares.
public enum MetricType: String, Sendable {
  case counter, gauge, histogram, summary, untyped, unknown, info, stateset, gaugehistogram
}

/// One sample of an exposition: a series (name and labels), a value and, if given, a timestamp.
public struct ExpositionSample: Sendable, Equatable {
  public var name: String
  public var labels: [MetricLabel]
  public var value: Double
  /// Milliseconds since the epoch, when the line carries one.
  public var timestampMs: Int64?

  public init(name: String, labels: [MetricLabel] = [], value: Double, timestampMs: Int64? = nil) {
    self.name = name
    self.labels = labels
    self.value = value
    self.timestampMs = timestampMs
  }

  public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }

  public static func == (a: ExpositionSample, b: ExpositionSample) -> Bool {
    a.name == b.name && a.labels == b.labels && a.timestampMs == b.timestampMs
      && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
  }
}

/// What a parse found: samples, metric families (type, help) and the lines it could not read.
public struct ExpositionResult: Sendable {
  public var samples: [ExpositionSample] = []
  public var types: [String: MetricType] = [:]
  public var help: [String: String] = [:]
  /// Lines that are not valid (1-based line number and why); they are skipped, the rest is kept.
  public var errors: [(line: Int, message: String)] = []
  /// OpenMetrics: whether the `# EOF` marker was seen (a body without it is truncated).
  public var sawEOF = false
}

/// A parser of the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text. Byte-level,
/// one pass; series already seen (the same bytes of `name{labels}` as an earlier scrape) are reused
/// from a cache instead of being parsed and allocated again, as Prometheus' scrape cache does. Bad
/// lines are reported and skipped: a scrape with one broken line still shows the rest.
public final class ExpositionParser: @unchecked Sendable {
  struct Series {
    /// Where the series' bytes (`name{labels}`) are in `keys`.
    var keyStart: Int
    var keyCount: Int
    var name: String
    var labels: [MetricLabel]
  }
  /// The bytes of every cached series, one after the other (one buffer, not one array a series).
  private var keys: [UInt8] = []
  private var cache: [UInt64: Int] = [:]
  private var series: [Series] = []
  /// Metric and label names, interned (the same few hundred names recur in every series).
  private var names: [UInt64: String] = [:]
  /// Label values, interned: a container's labels (pod, id, image...) recur in each of its series.
  private var values: [UInt64: String] = [:]
  /// `# TYPE` and `# HELP` lines seen before, by their bytes' hash.
  private var comments: [UInt64: (bytes: [UInt8], name: String, type: MetricType?, help: String?)] = [:]
  /// The cache is dropped past this many series (a target with churning labels cannot grow it forever).
  public var maxCachedSeries = 200_000

  public init() {}

  public var cachedSeries: Int { series.count }

  /// Parses `data`. `openMetrics`: timestamps in seconds, `# EOF` expected, exemplars allowed.
  public func parse(_ data: Data, openMetrics: Bool = false) -> ExpositionResult {
    data.withUnsafeBytes { raw in parse(raw.bindMemory(to: UInt8.self), openMetrics: openMetrics) }
  }

  public func parse(_ buf: UnsafeBufferPointer<UInt8>, openMetrics: Bool) -> ExpositionResult {
    var out = ExpositionResult()
    out.samples.reserveCapacity(buf.count / 64)
    if series.isEmpty {
      // A first scrape: room for about a series a line, so that the tables do not grow step by step.
      cache.reserveCapacity(buf.count / 160)
      series.reserveCapacity(buf.count / 160)
      keys.reserveCapacity(buf.count)
    }
    if series.count > maxCachedSeries {
      series.removeAll()
      keys.removeAll()
      cache.removeAll()
      names.removeAll()
      values.removeAll()
      comments.removeAll()
    }
    let n = buf.count
    var i = 0
    var lineNo = 0
    while i < n {
      lineNo += 1
      var end = i
      while end < n && buf[end] != 0x0A { end += 1 }
      var lineEnd = end
      if lineEnd > i && buf[lineEnd - 1] == 0x0D { lineEnd -= 1 }  // CRLF
      if out.sawEOF {
        if lineEnd > i { out.errors.append((lineNo, "content after # EOF")) }
      } else if let problem = line(buf, i, lineEnd, openMetrics: openMetrics, into: &out) {
        if out.errors.count < 100 { out.errors.append((lineNo, problem)) }
      }
      i = end + 1
    }
    return out
  }

  // MARK: - Lines

  @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
  @inline(__always) static func isNameStart(_ c: UInt8) -> Bool {
    (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c == 0x3A
  }
  @inline(__always) static func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) }

  /// One line; returns why it is invalid, or nil.
  func line(
    _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, openMetrics: Bool, into out: inout ExpositionResult
  ) -> String? {
    var i = start
    while i < end && Self.isSpace(b[i]) { i += 1 }
    if i == end { return openMetrics ? "empty line" : nil }
    if b[i] == 0x23 { return comment(b, i + 1, end, openMetrics: openMetrics, into: &out) }
    // The series: name, then labels in braces.
    let seriesStart = i
    guard Self.isNameStart(b[i]) else { return "a sample must start with a metric name" }
    i += 1
    while i < end && Self.isNameChar(b[i]) { i += 1 }
    let nameEnd = i
    var j = i
    while j < end && Self.isSpace(b[j]) { j += 1 }
    if j < end && b[j] == 0x7B { i = j }  // spaces before the labels are allowed
    if i < end && b[i] == 0x7B {  // {
      i += 1
      var inQuotes = false
      while i < end {
        let c = b[i]
        if inQuotes {
          if c == 0x5C {
            i += 2
            continue
          }
          if c == 0x22 { inQuotes = false }
        } else if c == 0x22 {
          inQuotes = true
        } else if c == 0x7D {
          break
        }
        i += 1
      }
      guard i < end else { return "labels not closed with }" }
      i += 1
    }
    let seriesEnd = i
    // The value.
    guard i < end && Self.isSpace(b[i]) else { return "no value after the series" }
    while i < end && Self.isSpace(b[i]) { i += 1 }
    let valueStart = i
    while i < end && !Self.isSpace(b[i]) { i += 1 }
    guard let value = Self.number(b, valueStart, i) else {
      return "invalid value \"\(Self.text(b, valueStart, min(i, valueStart + 40)))\""
    }
    // An optional timestamp; then, in OpenMetrics, an optional exemplar (# {...} value [ts]).
    while i < end && Self.isSpace(b[i]) { i += 1 }
    var timestamp: Int64?
    if i < end && b[i] != 0x23 {
      let tsStart = i
      while i < end && !Self.isSpace(b[i]) { i += 1 }
      if openMetrics {
        // Seconds; a value past Int64 milliseconds is invalid, not a crash (found by fuzzing).
        guard let s = Self.number(b, tsStart, i), s.isFinite, abs(s) < 9.2e15 else { return "invalid timestamp" }
        timestamp = Int64((s * 1000).rounded())
      } else {
        guard let ms = Self.integer(b, tsStart, i) else { return "invalid timestamp" }
        timestamp = ms
      }
      while i < end && Self.isSpace(b[i]) { i += 1 }
    }
    if i < end && !(openMetrics && b[i] == 0x23) { return "unexpected text after the value" }
    // The series, from the cache or parsed once.
    let hash = Self.hash(b, seriesStart, seriesEnd)
    var index = cache[hash]
    if let k = index, !sameKey(series[k], b, seriesStart, seriesEnd) { index = nil }
    if index == nil {
      guard let labels = labels(b, nameEnd, seriesEnd) else { return "invalid labels" }
      let s = Series(
        keyStart: keys.count, keyCount: seriesEnd - seriesStart, name: name(b, seriesStart, nameEnd), labels: labels)
      keys.append(contentsOf: UnsafeBufferPointer(rebasing: b[seriesStart..<seriesEnd]))
      series.append(s)
      index = series.count - 1
      if cache[hash] == nil { cache[hash] = index }
    }
    let s = series[index!]
    out.samples.append(ExpositionSample(name: s.name, labels: s.labels, value: value, timestampMs: timestamp))
    return nil
  }

  func comment(
    _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, openMetrics: Bool, into out: inout ExpositionResult
  ) -> String? {
    // A TYPE or HELP line seen in an earlier scrape: its meaning is known.
    let h = Self.hash(b, start, end)
    if let c = comments[h], Self.equal(c.bytes, b, start, end) {
      if let t = c.type { out.types[c.name] = t }
      if let help = c.help { out.help[c.name] = help }
      return nil
    }
    var i = start
    while i < end && Self.isSpace(b[i]) { i += 1 }
    let wordStart = i
    while i < end && !Self.isSpace(b[i]) { i += 1 }
    let word = Self.text(b, wordStart, i)
    if word == "EOF" && openMetrics {
      out.sawEOF = true
      return nil
    }
    guard word == "TYPE" || word == "HELP" || word == "UNIT" else { return nil }  // other comments
    while i < end && Self.isSpace(b[i]) { i += 1 }
    let nameStart = i
    while i < end && !Self.isSpace(b[i]) { i += 1 }
    let name = Self.text(b, nameStart, i)
    guard !name.isEmpty else { return "# \(word) without a metric name" }
    if i < end { i += 1 }
    let rest = Self.text(b, i, end)
    switch word {
    case "TYPE":
      guard let t = MetricType(rawValue: rest.trimmingCharacters(in: .whitespaces)) else {
        return "unknown metric type \"\(rest)\""
      }
      out.types[name] = t
      remember(h, b, start, end, name, t, nil)
    case "HELP":
      let help = Self.unescape(rest, quotes: false)
      out.help[name] = help
      remember(h, b, start, end, name, nil, help)
    default: break
    }
    return nil
  }

  func remember(
    _ h: UInt64, _ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ name: String, _ type: MetricType?,
    _ help: String?
  ) {
    guard comments.count < 50_000 else { return }
    comments[h] = (Array(UnsafeBufferPointer(rebasing: b[s..<e])), name, type, help)
  }

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
    guard len > 0, len < 64 else { return nil }
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
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: len + 1) { tmp -> Double? in
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
    var i = s
    var negative = false
    if i < e && b[i] == 0x2D {
      negative = true
      i += 1
    }
    guard i < e, e - i <= 18 else { return nil }
    var v: Int64 = 0
    while i < e {
      guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
      v = v * 10 + Int64(b[i] - 0x30)
      i += 1
    }
    return negative ? -v : v
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
