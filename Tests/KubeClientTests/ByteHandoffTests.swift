import Foundation
import XCTest

@testable import KubeClient

/// The hand-over between a list's transfer and its decoder: every byte in order, no more than its
/// cap waiting, and a decoder that gives up stops the transfer.
final class ByteHandoffTests: XCTestCase {
  func testEveryByteArrivesInOrderAndNoMoreThanTheCapWaits() {
    let handoff = ByteHandoff(cap: 64 << 10)
    let sent = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
    final class Got: @unchecked Sendable { var bytes: [UInt8] = [] }
    let got = Got()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      while let chunk = handoff.take() {
        got.bytes += chunk
        if got.bytes.count % 7 == 0 { usleep(100) }  // a decoder slower at times
      }
      done.signal()
    }
    var i = 0
    while i < sent.count {
      let n = min(sent.count - i, 1 + (i % 20_000))
      let ok = sent[i..<(i + n)].withUnsafeBufferPointer { handoff.push($0) }
      XCTAssertTrue(ok)
      i += n
    }
    handoff.finish()
    done.wait()
    XCTAssertEqual(got.bytes, sent)
    XCTAssertLessThanOrEqual(handoff.mostQueued, (64 << 10) + 20_000, "the transfer waited at the cap")
  }

  func testADecoderThatStopsStopsTheTransfer() {
    let handoff = ByteHandoff(cap: 1 << 10)
    let chunk = [UInt8](repeating: 7, count: 512)
    XCTAssertTrue(chunk.withUnsafeBufferPointer { handoff.push($0) })
    XCTAssertEqual(handoff.take()?.count, 512)
    handoff.stop()
    XCTAssertFalse(chunk.withUnsafeBufferPointer { handoff.push($0) }, "the transfer is told to stop")
    XCTAssertNil(handoff.take())
  }
}
