import Foundation

/// Splits a byte stream into newline-delimited lines however the bytes arrive (a watch body comes
/// in network-sized chunks that cut events anywhere, even inside a UTF-8 sequence).
public struct LineSplitter: Sendable {
  private var pending: [UInt8] = []
  public init() {}

  /// Feeds a chunk; `onLine` gets each complete, non-empty line (without its newline) and returns
  /// false to stop. Returns false when `onLine` did.
  public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ onLine: (Data) -> Bool) -> Bool {
    var start = 0
    var i = 0
    while i < chunk.count {
      if chunk[i] == 0x0A {
        let line: Data
        if pending.isEmpty {
          line = Data(UnsafeBufferPointer(rebasing: chunk[start..<i]))
        } else {
          pending.append(contentsOf: chunk[start..<i])
          line = Data(pending)
          pending.removeAll(keepingCapacity: true)
        }
        start = i + 1
        if !line.isEmpty && !onLine(line) { return false }
      }
      i += 1
    }
    if start < chunk.count { pending.append(contentsOf: chunk[start...]) }
    return true
  }

  public mutating func feed(_ data: Data, _ onLine: (Data) -> Bool) -> Bool {
    data.withUnsafeBytes { raw in feed(raw.bindMemory(to: UInt8.self), onLine) }
  }

  /// Bytes of an unfinished line held back.
  public var pendingCount: Int { pending.count }
}
