import Foundation

/// Splits a byte stream into newline-delimited lines however the bytes arrive (a watch body comes
/// in network-sized chunks that cut events anywhere, even inside a UTF-8 sequence). A line longer
/// than `maxLine` is never held whole: its bytes are dropped as they come until its newline, and
/// in its place `onLine` gets `LineSplitter.oversized(bytes)`, so memory stays bounded whatever a
/// server sends.
public struct LineSplitter: Sendable {
  /// The largest watch event read (16 MiB): the API server stores objects of at most ~1.5 MiB in
  /// etcd and takes requests of at most 3 MiB, so a longer line is not a Kubernetes event.
  public static let maxEvent = 16 << 20
  public let maxLine: Int
  private var pending: [UInt8] = []
  /// Bytes of the oversized line being dropped (nil: none is).
  private var dropping: Int?
  /// Lines refused for their size so far.
  public private(set) var refused = 0

  public init(maxLine: Int = LineSplitter.maxEvent) { self.maxLine = maxLine }

  /// What `onLine` gets in place of a line over the limit: a NUL, then "oversized N" (N its bytes).
  public static func oversized(_ bytes: Int) -> Data { Data([0]) + Data("oversized \(bytes)".utf8) }

  /// The size of a line that was refused, when `line` is the marker `oversized` makes.
  public static func refusedSize(_ line: Data) -> Int? {
    guard line.first == 0, line.count < 40 else { return nil }
    return Int(String(decoding: line.dropFirst("\u{0}oversized ".utf8.count), as: UTF8.self))
  }

  /// Feeds a chunk; `onLine` gets each complete, non-empty line (without its newline) and returns
  /// false to stop. Returns false when `onLine` did.
  public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ onLine: (Data) -> Bool) -> Bool {
    var start = 0
    var i = 0
    while i < chunk.count {
      if chunk[i] == 0x0A {
        if let dropped = dropping {
          let total = dropped + (i - start)
          dropping = nil
          refused += 1
          start = i + 1
          i += 1
          if !onLine(Self.oversized(total)) { return false }
          continue
        }
        let line: Data
        if pending.isEmpty {
          line = Data(UnsafeBufferPointer(rebasing: chunk[start..<i]))
        } else {
          pending.append(contentsOf: chunk[start..<i])
          line = Data(pending)
          pending.removeAll(keepingCapacity: false)
        }
        start = i + 1
        if line.count > maxLine {
          refused += 1
          if !onLine(Self.oversized(line.count)) { return false }
        } else if !line.isEmpty && !onLine(line) {
          return false
        }
      }
      i += 1
    }
    guard start < chunk.count else { return true }
    let rest = chunk.count - start
    if let dropped = dropping {
      dropping = dropped + rest
    } else if pending.count + rest > maxLine {
      dropping = pending.count + rest
      pending = []
    } else {
      pending.append(contentsOf: chunk[start...])
    }
    return true
  }

  public mutating func feed(_ data: Data, _ onLine: (Data) -> Bool) -> Bool {
    data.withUnsafeBytes { raw in feed(raw.bindMemory(to: UInt8.self), onLine) }
  }

  /// Bytes of an unfinished line held back (never more than `maxLine`).
  public var pendingCount: Int { pending.count }
}
