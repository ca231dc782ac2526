import Foundation

/// A journal's bytes as they arrive from somewhere other than a file: a pod's log, where chaostui
/// runs with `--journal-stdout`. The log holds the command's own lines too (standard error goes to
/// the same log): only whole lines that start with `{` are kept. A line is bounded (`maxLine`); a
/// longer one is dropped whole and counted. A reconnection reads the log from its start again:
/// `restart()` skips the journal bytes already delivered, so nothing is played twice.
public final class JournalFeed: @unchecked Sendable {
  public let name: String
  private let lock = NSLock()
  private var ready = Data()
  private var partial = Data()
  private var partialDropped = false
  private var delivered = 0
  private var skip = 0
  private var problemText: String?
  private var endedText: String?
  public private(set) var droppedLines = 0
  /// The longest line kept (a snapshot of 100,000 pods is some tens of MB).
  public let maxLine: Int

  public init(name: String, maxLine: Int = 256 << 20) {
    self.name = name
    self.maxLine = maxLine
  }

  /// Bytes from the log, in any pieces.
  public func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
    lock.withLock {
      var start = bytes.startIndex
      while let nl = bytes[start...].firstIndex(of: 0x0A) {
        let piece = bytes[start..<nl]
        if partialDropped || partial.count + piece.count > maxLine {
          droppedLines += 1
        } else {
          partial.append(contentsOf: piece)
          accept(partial)
        }
        partial.removeAll(keepingCapacity: true)
        partialDropped = false
        start = bytes.index(after: nl)
      }
      let rest = bytes[start...]
      if partialDropped || partial.count + rest.count > maxLine {
        partialDropped = true
        partial.removeAll()
      } else {
        partial.append(contentsOf: rest)
      }
    }
  }

  private func accept(_ line: Data) {
    guard line.first == UInt8(ascii: "{") else { return }
    let size = line.count + 1
    if skip >= size {
      skip -= size
      return
    }
    skip = 0
    ready.append(line)
    ready.append(0x0A)
    delivered += size
  }

  /// The whole lines that came since the last call.
  public func take() -> Data {
    lock.withLock {
      defer { ready.removeAll(keepingCapacity: true) }
      return ready
    }
  }

  /// The log is read from its start again (a reconnection): what was delivered is skipped.
  public func restart() {
    lock.withLock {
      skip = delivered
      partial.removeAll()
      partialDropped = false
    }
  }

  /// Why the log cannot be read now (nil: it is).
  public var problem: String? {
    get { lock.withLock { problemText } }
    set { lock.withLock { problemText = newValue } }
  }

  /// Set when the log has ended for good (the pod's run finished), in words.
  public var ended: String? {
    get { lock.withLock { endedText } }
    set { lock.withLock { endedText = newValue } }
  }
}
