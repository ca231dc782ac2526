/// A container's log as the logs pane follows it: which pod and container, and its last lines,
/// bounded (`LogFollow.capacity` lines of at most `LogDecoder.maxLine` bytes each).
public struct LogRequest: Sendable, Equatable, Hashable, Codable {
  public var namespace: String
  public var pod: String
  /// nil: the pod's only (or first) container.
  public var container: String?
  /// The container's previous instance (after a restart).
  public var previous: Bool
  public var tailLines: Int

  public init(namespace: String, pod: String, container: String? = nil, previous: Bool = false, tailLines: Int = 200) {
    self.namespace = namespace
    self.pod = pod
    self.container = container
    self.previous = previous
    self.tailLines = tailLines
  }

  public var podID: String { PodID(namespace: namespace, name: pod).key }
  public var label: String {
    pod + (container.map { "/" + $0 } ?? "") + (previous ? " (previous)" : "")
  }
}

public enum LogLevel: String, Sendable, Equatable, Codable {
  case error, warning, info
}

public struct LogLine: Sendable, Equatable, Codable {
  /// From the line's RFC 3339 timestamp (`timestamps=true`), nil when it had none.
  public var time: Seconds?
  public var text: String
  public var level: LogLevel

  public init(time: Seconds?, text: String, level: LogLevel? = nil) {
    self.time = time
    self.text = text
    self.level = level ?? LogDecoder.classify(text)
  }
}

/// The followed log in the state: the newest lines, the count received, what was dropped past
/// the cap, and the stream's status in words.
public struct LogFollow: Sendable, Equatable, Codable {
  public static let capacity = 5000
  public var request: LogRequest
  /// Oldest first; at most `capacity`.
  public private(set) var lines: [LogLine] = []
  public private(set) var received = 0
  public var status: String

  public init(request: LogRequest, status: String = "connecting") {
    self.request = request
    self.status = status
  }

  /// Lines dropped from the front to keep to the cap.
  public var dropped: Int { received - lines.count }

  public mutating func append(_ new: [LogLine]) {
    received += new.count
    if new.count >= Self.capacity {
      lines = Array(new.suffix(Self.capacity))
      return
    }
    let over = lines.count + new.count - Self.capacity
    // Drop in chunks (an eighth of the cap at a time): amortised O(1) a line.
    if over > 0 { lines.removeFirst(min(lines.count, max(over, Self.capacity / 8))) }
    lines.append(contentsOf: new)
  }
}

/// A log stream's bytes into lines, however they arrive: split at any byte (even inside a UTF-8
/// sequence), a line longer than `maxLine` cut into pieces (marked), bytes that are not UTF-8
/// replaced, the `timestamps=true` prefix read into the line's time.
public struct LogDecoder: Sendable {
  public static let maxLine = 4096
  private var pending: [UInt8] = []
  /// The piece of a cut line that comes next is marked as its continuation.
  private var continuing = false
  public var timestamps: Bool

  public init(timestamps: Bool = true) { self.timestamps = timestamps }

  public mutating func feed(_ bytes: some Sequence<UInt8>) -> [LogLine] {
    if let out = bytes.withContiguousStorageIfAvailable({ feed(buffer: $0) }) { return out }
    let copy = Array(bytes)
    return copy.withUnsafeBufferPointer { feed(buffer: $0) }
  }

  /// Whole lines straight from the buffer; only a line cut by the chunk's end is copied aside.
  public mutating func feed(buffer b: UnsafeBufferPointer<UInt8>) -> [LogLine] {
    var out: [LogLine] = []
    var start = 0
    while start < b.count {
      var nl = start
      while nl < b.count && b[nl] != 0x0A { nl += 1 }
      if nl < b.count && pending.isEmpty && nl - start < Self.maxLine {
        out.append(line(UnsafeBufferPointer(rebasing: b[start..<nl]), cut: false))
        start = nl + 1
        continue
      }
      // Copied aside in runs (cut by the chunk's end, or too long): never more than maxLine held.
      var k = start
      let end = min(nl, b.count)
      while k < end {
        let n = min(Self.maxLine - pending.count, end - k)
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: b[k..<(k + n)]))
        k += n
        if let piece = cutIfFull() { out.append(piece) }
      }
      if nl < b.count {
        out.append(pending.withUnsafeBufferPointer { line($0, cut: false) })
        pending.removeAll(keepingCapacity: true)
      }
      start = nl + 1
    }
    return out
  }

  /// The held line's first piece, once it reaches maxLine.
  mutating func cutIfFull() -> LogLine? {
    guard pending.count >= Self.maxLine else { return nil }
    // Cut before a UTF-8 continuation byte, not inside a character.
    var at = pending.count
    while at > pending.count - 4, at > 0, pending[at - 1] & 0xC0 == 0x80 { at -= 1 }
    if at > 0, pending[at - 1] & 0xC0 == 0xC0 { at -= 1 }
    if at == 0 { at = pending.count }
    let head = Array(pending[..<at])
    pending.removeFirst(at)
    return head.withUnsafeBufferPointer { line($0, cut: true) }
  }

  /// What is left at the stream's end (a last line without its newline).
  public mutating func finish() -> [LogLine] {
    defer { pending.removeAll() }
    return pending.isEmpty ? [] : [pending.withUnsafeBufferPointer { line($0, cut: false) }]
  }

  mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, cut: Bool) -> LogLine {
    var text = String(decoding: bytes, as: UTF8.self)
    if text.hasSuffix("\r") { text.removeLast() }
    var time: Seconds?
    if timestamps && !continuing, let space = text.firstIndex(of: " "),
      let t = Timestamps.parse(text[..<space])
    {
      time = t
      text = String(text[text.index(after: space)...])
    }
    if continuing { text = "↪ " + text }
    if cut { text += " …" }
    continuing = cut
    return LogLine(time: time, text: text)
  }

  /// Error and warning lines by the words logs use for them (and an HTTP 5xx in an access log).
  public static func classify(_ text: some StringProtocol) -> LogLevel {
    var s = String(text)
    return s.withUTF8 { classify(bytes: $0) }
  }

  static let errorWords = ["error", "fatal", "panic", "critical", "traceback", "exception"].map { Array($0.utf8) }
  static let warningWord = Array("warn".utf8)

  /// One pass of byte comparisons (ASCII case folded): a log pouring lines classifies each.
  static func classify(bytes b: UnsafeBufferPointer<UInt8>) -> LogLevel {
    var warning = false
    var i = 0
    while i < b.count {
      let c = b[i] | 0x20
      if c == UInt8(ascii: "e") || c == UInt8(ascii: "f") || c == UInt8(ascii: "p") || c == UInt8(ascii: "c")
        || c == UInt8(ascii: "t")
      {
        for w in errorWords where w[0] == c && matches(b, i, w) { return .error }
      } else if c == UInt8(ascii: "w"), !warning {
        warning = matches(b, i, warningWord)
      } else if b[i] == UInt8(ascii: "\""), i + 4 < b.count, b[i + 1] == 0x20, b[i + 2] == UInt8(ascii: "5"),
        b[i + 3] >= 0x30, b[i + 3] <= 0x39, b[i + 4] >= 0x30, b[i + 4] <= 0x39
      {
        return .error  // `" 5xx` of an access log
      }
      i += 1
    }
    return warning ? .warning : .info
  }

  static func matches(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ w: [UInt8]) -> Bool {
    guard at + w.count <= b.count else { return false }
    for k in 0..<w.count where (b[at + k] | 0x20) != w[k] { return false }
    return true
  }
}
