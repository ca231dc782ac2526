import ClusterState
import Console
import Foundation
import Recording
import Simulation
import XCTest

/// `chaostui follow --pod`: the journal of a chaostui in a pod, read from its log (JSON lines among
/// the command's own), shows the session as the journal file does.
final class FollowPodLogTests: XCTestCase {
  func testAFollowerOnAPodLogSeesTheSessionsIncident() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ct-podlog-\(UUID().uuidString).jsonl")
      .path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (op, writer) = recordingOperator(path, started: 1_800_000_000)
    op.advanceVirtual(to: 5)
    writer.flush()
    let feed = JournalFeed(name: "the log of pod chaos/run-1")
    var offset = 0
    /// What the writer appended, as the pod log gives it: with the command's own lines between.
    func ship() {
      let data = FileManager.default.contents(atPath: path)!
      guard data.count > offset else { return }
      feed.feed(Array("+\(offset)  a line of chaostui run's own\n".utf8))
      // In two pieces cut anywhere, as a stream delivers them.
      let fresh = Array(data[offset...])
      let cut = fresh.count / 3
      feed.feed(fresh[..<cut])
      feed.feed(fresh[cut...])
      offset = data.count
    }
    ship()
    let follower = try JournalFollower(feed: feed, wait: 1, sleep: { _ in XCTFail("it had a snapshot") })
    var wall = 1_800_000_005.0
    follower.clock = { wall }
    XCTAssertNil(follower.journalPath, "no report beside a pod log")
    let fc = Console(source: follower, readOnly: true)
    fc.advance(realTime: 0)
    XCTAssertEqual(fc.state.pods.count, op.state.pods.count)
    op.store.dispatch(
      .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: "flask-7c9d8f5b6d-2pxzf"))))
    var t: Seconds = 5
    while t < 40 {
      t += 0.5
      wall += 0.5
      op.advanceVirtual(to: t)
      writer.flush()
      ship()
      fc.advance(realTime: t)
      XCTAssertEqual(fc.state.incidents.map(\.status), op.state.incidents.map(\.status), "at \(t)")
    }
    XCTAssertEqual(fc.state.incidents.first?.status, .recovered)
    XCTAssertEqual(fc.state.now, op.state.now)
    feed.ended = "the pod's run has ended (Succeeded)"
    fc.advance(realTime: t + 20)
    XCTAssertEqual(follower.following?.problem, "the pod's run has ended (Succeeded)")
  }

  func testNoJournalInTheLogSaysHowToGetOne() {
    let feed = JournalFeed(name: "the log of pod chaos/run-1")
    feed.feed(Array("chaostui run: something\n".utf8))
    var slept = 0.0
    XCTAssertThrowsError(try JournalFollower(feed: feed, wait: 2, sleep: { slept += $0 })) {
      XCTAssertEqual(
        "\($0)",
        "the log of pod chaos/run-1: no journal in it (is chaostui there run with --journal-stdout?) after 2.0s")
    }
    XCTAssertEqual(slept, 2, accuracy: 0.01)
    let refused = JournalFeed(name: "the log of pod chaos/run-1")
    refused.problem = "the log of pod chaos/run-1: forbidden"
    refused.ended = "refused"
    XCTAssertThrowsError(try JournalFollower(feed: refused, wait: 60, sleep: { _ in })) {
      XCTAssertEqual("\($0)", "the log of pod chaos/run-1: forbidden")
    }
    let done = JournalFeed(name: "the log of pod chaos/run-1")
    done.ended = "the pod's run has ended (Succeeded)"
    XCTAssertThrowsError(try JournalFollower(feed: done, wait: 60, sleep: { _ in })) {
      XCTAssertEqual(
        "\($0)",
        "the log of pod chaos/run-1: the pod's run has ended (Succeeded), with no journal in it (is chaostui there run with --journal-stdout?)"
      )
    }
  }

  /// A pod still starting (the log API answers 400 until its container runs) is waited for until
  /// its journal comes or the one waiting gives up, which the wait's sleep says by throwing.
  func testTheWaitForAStartingPodEndsWhenGivenUp() {
    struct GaveUp: Error {}
    let feed = JournalFeed(name: "the log of pod chaos/run-1")
    feed.problem = "the log of pod chaos/run-1: container is waiting to start: ContainerCreating"
    var looks = 0
    XCTAssertThrowsError(
      try JournalFollower(
        feed: feed, wait: 300,
        sleep: { _ in
          looks += 1
          if looks == 42 { throw GaveUp() }
        })
    ) { XCTAssertTrue($0 is GaveUp, "\($0)") }
    XCTAssertEqual(looks, 42)
  }
}
