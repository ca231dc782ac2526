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
  /// Series parsed anew (not from the cache of earlier scrapes).
  public var newSeries = 0
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
    /// The last scrape that had it.
    var seen = 0
  }
  /// The bytes of every cached series, one after the other (one buffer, not one array a series).
  var keys: [UInt8] = []
  private var cache: [UInt64: Int] = [:]
  private var series: [Series] = []
  /// Metric and label names, interned (the same few hundred names recur in every series).
  var names: [UInt64: String] = [:]
  /// Label values, interned: a container's labels (pod, id, image...) recur in each of its series.
  var values: [UInt64: String] = [:]
  /// `# TYPE` and `# HELP` lines seen before, by their bytes' hash.
  private var comments: [UInt64: (bytes: [UInt8], name: String, type: MetricType?, help: String?)] = [:]
  /// The cache keeps what the last scrape had; series no scrape has had since are dropped once they
  /// are as many as the live ones, and never kept past this many (a target whose labels churn cannot
  /// grow it forever). A target with more live series than this keeps them all: no cliff.
  public var maxCachedSeries = 200_000
  /// Scrapes parsed, and the series the one under way has had.
  private var scrape = 0
  private var live = 0

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
    scrape &+= 1
    live = 0
    defer { if series.count > max(maxCachedSeries, 2 * live) { keepLive() } }
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

  /// Only the series this scrape had, in a table of their own; the interned names and values start
  /// over (they fill again from the next scrape's new series).
  private func keepLive() {
    var keptKeys: [UInt8] = []
    var kept: [Series] = []
    var index: [UInt64: Int] = [:]
    keptKeys.reserveCapacity(keys.count / max(1, series.count) * live)
    kept.reserveCapacity(live)
    index.reserveCapacity(live)
    keys.withUnsafeBufferPointer { b in
      for var s in series where s.seen == scrape {
        let h = Self.hash(b, s.keyStart, s.keyStart + s.keyCount)
        keptKeys.append(contentsOf: UnsafeBufferPointer(rebasing: b[s.keyStart..<(s.keyStart + s.keyCount)]))
        s.keyStart = keptKeys.count - s.keyCount
        if index[h] == nil { index[h] = kept.count }
        kept.append(s)
      }
    }
    (keys, series, cache) = (keptKeys, kept, index)
    names.removeAll()
    values.removeAll()
    comments.removeAll()
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
    guard let s = seriesOf(b, seriesStart, nameEnd, seriesEnd, into: &out) else { return "invalid labels" }
    out.samples.append(ExpositionSample(name: s.name, labels: s.labels, value: value, timestampMs: timestamp))
    return nil
  }

  /// The series of a sample's `name{labels}` bytes: from the cache, or parsed once and cached; nil
  /// when its labels cannot be read.
  private func seriesOf(
    _ b: UnsafeBufferPointer<UInt8>, _ seriesStart: Int, _ nameEnd: Int, _ seriesEnd: Int,
    into out: inout ExpositionResult
  ) -> Series? {
    let hash = Self.hash(b, seriesStart, seriesEnd)
    var index = cache[hash]
    if let k = index, !sameKey(series[k], b, seriesStart, seriesEnd) { index = nil }
    if index == nil {
      guard let labels = labels(b, nameEnd, seriesEnd) else { return nil }
      let s = Series(
        keyStart: keys.count, keyCount: seriesEnd - seriesStart, name: name(b, seriesStart, nameEnd), labels: labels)
      keys.append(contentsOf: UnsafeBufferPointer(rebasing: b[seriesStart..<seriesEnd]))
      series.append(s)
      index = series.count - 1
      out.newSeries += 1
      if cache[hash] == nil { cache[hash] = index }
    }
    if series[index!].seen != scrape {
      series[index!].seen = scrape
      live += 1
    }
    return series[index!]
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
}
