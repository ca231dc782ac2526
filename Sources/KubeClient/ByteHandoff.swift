import Foundation

/// Bytes handed from a transfer's thread to a decoding thread, so that the server's answer is read
/// while the bytes before it decode, on another core. At most `cap` bytes wait: past that the
/// transfer waits too, and TCP holds the server back, as when the transfer decoded them itself.
final class ByteHandoff: @unchecked Sendable {
  private let condition = NSCondition()
  private var chunks: [[UInt8]] = []
  private var head = 0
  private var queued = 0
  private var finished = false
  private var stopped = false
  let cap: Int
  /// The most bytes that waited at once.
  private(set) var mostQueued = 0

  init(cap: Int = 32 << 20) { self.cap = cap }

  /// Hands bytes over (copied); false once the decoder has stopped, so that the transfer stops.
  func push(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while queued >= cap && !stopped { condition.wait() }
    if stopped { return false }
    // Small pieces join the last chunk not taken yet: fewer, larger hand-overs.
    if chunks.count > head, chunks[chunks.count - 1].count < 1 << 20 {
      chunks[chunks.count - 1].append(contentsOf: bytes)
    } else {
      chunks.append(Array(bytes))
    }
    queued += bytes.count
    mostQueued = max(mostQueued, queued)
    condition.broadcast()
    return true
  }

  /// The transfer has ended: the decoder takes what is left, then gets nil.
  func finish() {
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// The decoder gives up: what waits is dropped and the transfer is told to stop.
  func stop() {
    condition.lock()
    stopped = true
    chunks = []
    head = 0
    queued = 0
    condition.broadcast()
    condition.unlock()
  }

  /// The next bytes in order; nil once the transfer has finished and everything was taken (or the
  /// decoder stopped).
  func take() -> [UInt8]? {
    condition.lock()
    defer { condition.unlock() }
    while head == chunks.count && !finished && !stopped { condition.wait() }
    guard head < chunks.count, !stopped else { return nil }
    let chunk = chunks[head]
    chunks[head] = []
    head += 1
    queued -= chunk.count
    if head >= 64 {
      chunks.removeFirst(head)
      head = 0
    }
    condition.broadcast()
    return chunk
  }
}
