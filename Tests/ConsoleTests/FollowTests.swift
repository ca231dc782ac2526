import ClusterState
import Console
import Foundation
import Panels
import Recording
import Simulation
import XCTest

/// `chaostui follow`: a journal being written, shown live from another process' point of view (only
/// the file is shared): the same incidents as the session, a line cut short waits for its end, a
/// journal replaced under its name (the size cap's rewrite) is read again, the lag is shown.
final class FollowTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-follow-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  func operatorConsole(_ path: String, started: Double) -> (Console, JournalWriter) {
    recordingOperator(path, started: started)
  }

  func testTheFollowerShowsTheSessionAsItIsWritten() throws {
    let path = dir.appendingPathComponent("s.jsonl").path
    let (op, writer) = operatorConsole(path, started: 1_800_000_000)
    op.advanceVirtual(to: 5)
    writer.flush()
    let follower = try JournalFollower(path: path)
    var wall = 1_800_000_005.0
    follower.clock = { wall }
    let fc = Console(source: follower, readOnly: true)
    fc.advance(realTime: 0)
    XCTAssertEqual(fc.state.pods.count, op.state.pods.count)
    // A pod kill in the session: the follower has its incident, detected and recovered, as it goes.
    op.store.dispatch(
      .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: "flask-7c9d8f5b6d-2pxzf"))))
    var t: Seconds = 5
    while t < 40 {
      t += 0.5
      wall += 0.5
      op.advanceVirtual(to: t)
      writer.flush()
      fc.advance(realTime: t)
      XCTAssertEqual(fc.state.incidents.map(\.status), op.state.incidents.map(\.status), "at \(t)")
    }
    XCTAssertEqual(fc.state.incidents.first?.status, .recovered)
    XCTAssertEqual(fc.state.now, op.state.now)
    XCTAssertLessThan(follower.lag, 1.01)
    let header = fc.render(width: 100, height: 30).text.split(separator: "\n")[0]
    XCTAssertTrue(header.contains("FOLLOWING  lag "), String(header))
    // Its keys change nothing: greyed with the reason; notes belong to the session's own chaostui.
    fc.handle(.char("f"))
    XCTAssertEqual(fc.ui.message, "fault is disabled: following: a session is changed from its own chaostui")
    fc.handle(.char("m"))
    XCTAssertNil(fc.ui.dialog)
    // The session stops writing: the follower says so.
    wall += 30
    XCTAssertEqual(follower.following?.problem?.hasPrefix("nothing new for 30"), true, "\(follower.following!)")
  }

  func testALineCutShortWaitsAndAReplacedJournalIsReadAgain() throws {
    let path = dir.appendingPathComponent("s.jsonl").path
    let (op, writer) = operatorConsole(path, started: 0)
    op.advanceVirtual(to: 3)
    writer.flush()
    let follower = try JournalFollower(path: path)
    _ = follower.actions(at: 0)
    // Half a line on the end of the file: nothing until its newline comes.
    let line = #"{"a":{"notice":{"_0":"written in two halves"}},"k":"a","t":3}"#
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try h.seekToEnd()
    try h.write(contentsOf: Data(line.prefix(20).utf8))
    XCTAssertTrue(follower.actions(at: 1).isEmpty)
    try h.write(contentsOf: Data((line.dropFirst(20) + "\n").utf8))
    try h.close()
    XCTAssertEqual(follower.actions(at: 2), [.notice("written in two halves")])
    // The journal replaced under its name (a rewrite, a rotation): read again from its last snapshot.
    let other = dir.appendingPathComponent("other.jsonl").path
    let (op2, w2) = operatorConsole(other, started: 0)
    op2.advanceVirtual(to: 7)
    w2.flush()
    XCTAssertEqual(rename(other, path), 0)
    let again = follower.actions(at: 3)
    guard case .restore(let snap)? = again.first else { return XCTFail("\(again.prefix(2))") }
    XCTAssertEqual(snap.readOnlyReason, "following: a session is changed from its own chaostui")
    XCTAssertGreaterThan(again.count, 1, "the actions after the snapshot too")
    // The journal gone: said, the last state kept.
    try FileManager.default.removeItem(atPath: path)
    _ = follower.actions(at: 4)
    XCTAssertEqual(follower.following?.problem, "the journal is gone (\(path))")
  }

  func testNotAJournalIsRefusedInWords() throws {
    let path = dir.appendingPathComponent("x.jsonl").path
    try Data("<html>\u{1b}[31m</html>\n".utf8).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try JournalFollower(path: path)) {
      XCTAssertTrue("\($0)".contains("not a chaostui journal"), "\($0)")
    }
  }
}

/// The operator's demo console, recording to `path`; the session's wall clock starts at `started`.
func recordingOperator(_ path: String, started: Double) -> (Console, JournalWriter) {
  let c = Console(source: DemoCluster(options: Simulator.Options()))
  let w = JournalWriter(
    path: path, header: SessionJournal.Header(chaostui: "test", started: started, info: c.source.info))
  c.record(to: w)
  return (c, w)
}
