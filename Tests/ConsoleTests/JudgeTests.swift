import ClusterState
import Console
import Experiments
import Foundation
import Recording
import Simulation
import XCTest

/// `chaostui judge`: a recorded run judged again from the journal alone gives the recording's
/// verdict with the file it ran with, and another one with a changed file, saying why.
final class JudgeTests: XCTestCase {
  /// One recorded session of "Kill the Postgres primary" with its control group, shared by the tests.
  nonisolated(unsafe) static var recorded: (journal: JournalReader, live: ExperimentRun)?

  static func session() throws -> (journal: JournalReader, live: ExperimentRun) {
    if let recorded { return recorded }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-judge-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var o = Simulator.Options()
    o.controlGroup = true
    let c = Console(source: DemoCluster(options: o))
    let path = dir.appendingPathComponent("x.jsonl").path
    c.record(
      to: JournalWriter(path: path, header: SessionJournal.Header(chaostui: "test", started: 0, info: c.source.info)))
    c.advanceVirtual(to: 40)
    c.startExperiment(try ExperimentFile.load(path: ExperimentConsoleTests.experiments + "/kill-postgres-primary.yaml"))
    var t: Seconds = 40
    while !(c.experiment?.isFinished ?? true) && t < 300 {
      t += 0.5
      c.advanceVirtual(to: t)
    }
    c.advanceVirtual(to: t + 5)
    c.stop()
    let r = (try JournalReader.load(path: path), c.experiment!)
    recorded = r
    return r
  }

  func source() throws -> String {
    try String(contentsOfFile: ExperimentConsoleTests.experiments + "/kill-postgres-primary.yaml", encoding: .utf8)
  }

  func testTheRecordedFileGivesTheRecordedVerdict() throws {
    let (journal, live) = try Self.session()
    XCTAssertEqual(live.verdict, .passed)
    let j = try Judge.judge(journal, experiment: nil, index: nil)
    XCTAssertTrue(j.fromJournal)
    XCTAssertEqual(j.recorded.file, try source(), "the journal keeps the file as it was read")
    XCTAssertEqual(j.run.verdict, .passed)
    XCTAssertFalse(j.changed)
    XCTAssertEqual(j.run.methodStart, live.methodStart, "the method starts when the recording's did")
    for (row, h) in zip(j.rows, live.outcomes) {
      XCTAssertEqual(row.recorded, "held")
      guard case .passed = row.judged, case .passed = h else { return XCTFail("\(row.name): \(row.judged)") }
    }
  }

  func testATighterThresholdTurnsThePassIntoAFailAndSaysWhy() throws {
    let (journal, _) = try Self.session()
    let tight = try source().replacingOccurrences(of: "for: 15s", with: "for: 3s")
      .replacingOccurrences(of: "title: Kill the Postgres primary", with: "title: Kill it, judged tighter")
    let j = try Judge.judge(journal, experiment: try ExperimentFile.parse(tight, file: "tight.yaml"), index: 0)
    XCTAssertTrue(j.changed)
    guard case .failed(let why) = j.run.verdict else { return XCTFail("\(String(describing: j.run.verdict))") }
    XCTAssertTrue(why.joined().contains("data unavailable for at most 15 s: postgres unavailable for"), "\(why)")
    // Renamed, the file still finds its faults (they ran under the recorded title): the rest held.
    let held = j.rows.filter { if case .passed = $0.judged { return true } else { return false } }
    XCTAssertEqual(held.map(\.name), ["the replica is promoted", "a new pod starts and the system recovers"])
  }

  func testAStopConditionThatWouldHaveFiredAbortsTheJudgedRun() throws {
    let (journal, _) = try Self.session()
    let stop = try source().replacingOccurrences(
      of: "{service: flask, figure: errors, max: 50, for: 60s}",
      with: "{service: flask, figure: errors, max: 1, for: 2s}")
    let j = try Judge.judge(journal, experiment: try ExperimentFile.parse(stop, file: "stop.yaml"), index: nil)
    guard case .aborted(let why) = j.run.verdict else { return XCTFail("\(String(describing: j.run.verdict))") }
    XCTAssertTrue(why.contains("flask errors"), why)
  }

  func testNewAndDroppedHypothesesAreNamed() throws {
    let (journal, _) = try Self.session()
    let changed = try source().replacingOccurrences(of: "name: the replica is promoted", with: "name: promoted")
    let j = try Judge.judge(journal, experiment: try ExperimentFile.parse(changed, file: "c.yaml"), index: nil)
    XCTAssertEqual(j.rows.first?.name, "promoted")
    XCTAssertNil(j.rows.first?.recorded, "new")
    XCTAssertEqual(j.dropped, ["the replica is promoted"])
  }

  func testBadJournalsGetWordsNotAVerdict() throws {
    let (journal, _) = try Self.session()
    XCTAssertThrowsError(try Judge.judge(journal, experiment: nil, index: 3)) {
      XCTAssertEqual("\($0)", "there is no experiment 4: the journal holds 1")
    }
    // A journal from before the file was kept: the file must be given.
    var old = journal
    old.records = journal.records.map { r in
      guard case .experiment(let t, var e) = r else { return r }
      e.file = nil
      return .experiment(t, e)
    }
    XCTAssertThrowsError(try Judge.judge(old, experiment: nil, index: nil)) {
      XCTAssertTrue("\($0)".contains("give it with --experiment FILE"), "\($0)")
    }
    // A journal's copy that is not an experiment: the parser's words, with where it came from.
    var bad = journal
    bad.records = journal.records.map { r in
      guard case .experiment(let t, var e) = r else { return r }
      e.file = "title: x\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - fault: rm -rf /\n"
      return .experiment(t, e)
    }
    XCTAssertThrowsError(try Judge.judge(bad, experiment: nil, index: nil)) {
      XCTAssertTrue("\($0)".contains("the journal's copy of"), "\($0)")
      XCTAssertTrue("\($0)".contains("rm -rf"), "\($0)")
    }
    // No experiment at all.
    var none = journal
    none.records = journal.records.filter { if case .experiment = $0 { return false } else { return true } }
    XCTAssertThrowsError(try Judge.judge(none, experiment: nil, index: nil)) {
      XCTAssertEqual("\($0)", "the journal holds no experiment's verdict")
    }
  }
}
