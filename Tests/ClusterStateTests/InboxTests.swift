import ClusterState
import Foundation
import XCTest

/// The inbox wakes the console's loop on every post (its terminal then draws the news within a
/// frame instead of at the next tick), including what a context's forwarding inbox hands on.
final class InboxTests: XCTestCase {
  final class Count: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
  }

  func testEveryPostWakesAfterTheActionsAreIn() {
    let inbox = Inbox()
    let wakes = Count()
    let seenAtWake = Count()
    inbox.onPost {
      wakes.add()
      // The loop woken drains at once: what was posted must already be there.
      if !inbox.drain().isEmpty { seenAtWake.add() }
    }
    inbox.post([.tick(1)])
    inbox.post([.tick(2), .tick(3)])
    XCTAssertEqual(wakes.value, 2)
    XCTAssertEqual(seenAtWake.value, 2)
    XCTAssertTrue(inbox.drain().isEmpty)
  }

  func testAForwardingInboxWakesItsTarget() {
    let target = Inbox()
    let wakes = Count()
    target.onPost { wakes.add() }
    let member = Inbox(forwardingTo: target) { $0 }
    member.post([.tick(1)])
    XCTAssertEqual(wakes.value, 1)
    XCTAssertEqual(target.drain().count, 1)
  }

  func testPostsFromManyThreadsEachWake() {
    let inbox = Inbox()
    let wakes = Count()
    inbox.onPost { wakes.add() }
    DispatchQueue.concurrentPerform(iterations: 200) { i in inbox.post([.tick(Double(i))]) }
    XCTAssertEqual(wakes.value, 200)
    XCTAssertEqual(inbox.drain().count, 200)
  }
}
