import ClusterState
import Console
import Experiments
import Foundation
import Recording
import Simulation
import XCTest

/// An experiment in a recorded session replays as it ran: its hypotheses pending, then held at the
/// times they held, with the session's evidence; the verdict from its time on.
final class ReplayExperimentTests: XCTestCase {
  func testAReplayShowsTheExperimentAsItRan() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-rx-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var o = Simulator.Options()
    o.controlGroup = true
    let c = Console(source: DemoCluster(options: o))
    c.use(catalog: ExperimentCatalog.load(directory: ExperimentConsoleTests.experiments))
    c.show(namespace: "pipeline")
    let path = dir.appendingPathComponent("x.jsonl").path
    c.record(
      to: JournalWriter(path: path, header: SessionJournal.Header(chaostui: "test", started: 0, info: c.source.info)))
    c.advanceVirtual(to: 10)
    let e = c.ui.catalog.entries.first { $0.experiment?.title == "Kill the Postgres primary" }!.experiment!
    c.startExperiment(e)
    var t: Seconds = 10
    while !(c.experiment?.isFinished ?? true) && t < 200 {
      t += 0.5
      c.advanceVirtual(to: t)
    }
    c.advanceVirtual(to: t + 5)
    let live = c.experiment!
    XCTAssertEqual(live.verdict, .passed)
    c.stop()

    let replay = RecordedSession(journal: try JournalReader.load(path: path))
    let r = Console(source: replay, readOnly: true)
    r.show(namespace: "pipeline")
    r.advanceVirtual(to: 9)
    XCTAssertFalse(r.render(width: 200, height: 60).text.contains("Experiment:"), "not before it started")
    // Just after it started: running, the promotion pending.
    r.advanceVirtual(to: 10.5 + 1)
    var text = r.render(width: 200, height: 60).text
    XCTAssertTrue(text.contains("Experiment: Kill the Postgres primary (recorded)"), text)
    XCTAssertTrue(text.contains("phase running"), text)
    XCTAssertTrue(text.contains("…  the replica is promoted"), text)
    // At the end: the verdict and the session's own evidence.
    r.advanceVirtual(to: replay.length)
    text = r.render(width: 200, height: 60).text
    XCTAssertTrue(text.contains("VERDICT  passed  3/3 held"), text)
    guard case .passed(_, let evidence) = live.outcomes[0] else { return XCTFail("the first hypothesis held live") }
    XCTAssertTrue(text.contains(evidence), "evidence \(evidence) in:\n\(text)")
    XCTAssertTrue(r.render(width: 80, height: 24).text.contains("VERDICT"))
  }
}
