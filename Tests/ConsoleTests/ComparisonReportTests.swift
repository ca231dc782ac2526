import ClusterState
import Console
import Experiments
import Foundation
import Recording
import Simulation
import XCTest

/// An experiment with a control group, recorded: the journal keeps its tests and block means, and
/// the session report draws both groups' distributions side by side.
final class ComparisonReportTests: XCTestCase {
  func testTheReportDrawsBothGroupsOfEachFigure() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-cmp-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var o = Simulator.Options()
    o.controlGroup = true
    let c = Console(source: DemoCluster(options: o))
    c.use(catalog: ExperimentCatalog.load(directory: ExperimentConsoleTests.experiments))
    let path = dir.appendingPathComponent("s.jsonl").path
    var clock = 0.0
    let writer = JournalWriter(
      path: path, header: SessionJournal.Header(chaostui: "test", started: 1_800_000_000, info: c.source.info),
      clock: { clock })
    c.record(to: writer)
    var t: Seconds = 0
    func run(until end: Seconds) {
      while t < end {
        t += 0.5
        clock = t
        c.advanceVirtual(to: t)
      }
    }
    // Two minutes of history first: the A/A check has a baseline.
    run(until: 130)
    c.handle(.char("x"))
    let i = c.ui.catalog.entries.firstIndex { $0.experiment?.title == "Network delay against Postgres" }!
    for _ in 0..<i { c.handle(.char("j")) }
    c.handle(.enter)
    c.handle(.char("y"))
    while !(c.experiment?.isFinished ?? true) && t < 400 { run(until: t + 0.5) }
    XCTAssertEqual(c.experiment?.verdict, .passed, c.experiment!.log.map(\.text).joined(separator: "\n"))
    writer.close()
    c.stop()

    let report = SessionReport(journal: try JournalReader.load(path: path))
    let record = try XCTUnwrap(report.experiments.first)
    XCTAssertTrue(try XCTUnwrap(record.groupsCheck).hasPrefix("A/A check: the groups are alike"), "\(record)")
    let p99 = try XCTUnwrap(record.comparison?.first { $0.workload == "postgres" && $0.figure == "p99" })
    XCTAssertEqual(p99.direction, "higher")
    XCTAssertEqual(p99.unit, "ms")
    XCTAssertGreaterThanOrEqual(p99.experimental?.count ?? 0, GroupStatistics.minimumBlocks)
    XCTAssertEqual(p99.experimental?.count, p99.n[0], "the blocks the test was worked out on")
    let html = report.html()
    XCTAssertTrue(html.contains("<svg class=\"distribution\" data-figure=\"p99\" data-workload=\"postgres\""), html)
    XCTAssertTrue(html.contains("experimental ("), "both groups labelled")
    XCTAssertTrue(html.contains("control ("))
    XCTAssertFalse(html.contains("data-figure=\"errors\""), "counts are a table row, not a drawing")
    let md = report.markdown()
    XCTAssertTrue(md.contains("| postgres | p99 | higher | +"), md)
  }

  /// Names from a cluster are escaped in the drawing and the table.
  func testHostileNamesAreEscaped() throws {
    let test = SessionJournal.ExperimentRecord.Test(
      workload: "<script>alert(1)</script>|x", figure: "p99", test: "Mann-Whitney U", direction: "higher", n: [6, 6],
      unit: "ms", shift: 10, lower: .infinity, upper: 12, p: 0.002, pHolm: 0.01,
      experimental: [1, 2, 3, .nan, 4, 5, 6], control: [1, 1, 1, 1, 1, 1])
    XCTAssertNil(test.lower, "an infinite bound is not kept")
    XCTAssertEqual(test.experimental, [1, 2, 3, 4, 5, 6], "NaN is not kept")
    let record = SessionJournal.ExperimentRecord(
      t: 1, title: "t", verdict: "passed", passed: true, hypotheses: [], comparison: [test],
      groupsCheck: "A/A check: \u{1b}]52;c;aGk=\u{07}",
      budget: .init(
        slo: "<b>checkout</b> 99.5% over 30d", spent: 0.00015, badEvents: 265, allowed: 1_761_940,
        incidents: [[1, 0.00015]]))
    let data = try JSONEncoder().encode(record)
    XCTAssertEqual(try JSONDecoder().decode(SessionJournal.ExperimentRecord.self, from: data), record)
    let old = #"{"k":"exp","t":1,"title":"t","verdict":"passed","passed":true,"hypotheses":[]}"#
    XCTAssertNil(try JSONDecoder().decode(SessionJournal.ExperimentRecord.self, from: Data(old.utf8)).comparison)
    // Through a journal into the report.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-cmp-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("s.jsonl").path
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    let writer = JournalWriter(
      path: path, header: SessionJournal.Header(chaostui: "test", started: 1_800_000_000, info: c.source.info))
    writer.snapshot(c.state)
    writer.experiment(record)
    writer.close()
    let report = SessionReport(journal: try JournalReader.load(path: path))
    let html = report.html()
    XCTAssertFalse(html.contains("<script>"), html)
    XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;|x"), html)
    XCTAssertFalse(html.contains("\u{1b}"), "no escape byte reaches the file")
    XCTAssertTrue(html.contains("<svg class=\"distribution\""))
    let md = report.markdown()
    XCTAssertFalse(md.contains("<script>"), md)
    XCTAssertTrue(md.contains("\\|x"), "a | in a name cannot forge a column: \(md)")
    // The error budget: by experiment, by incident, and the session's in all.
    XCTAssertTrue(md.contains("spent by this session's experiments: 0.015%."), md)
    let expected = ##"0.015% spent \(265 of 1761940 failed requests allowed\); by incident: \#1 0.015%."##
    XCTAssertTrue(md.contains(expected), md)
    XCTAssertTrue(html.contains("&lt;b&gt;checkout&lt;/b&gt; 99.5% over 30d: 0.015% spent"), html)
    let json = try JSONSerialization.jsonObject(with: report.json()) as? [String: Any]
    let exp = (json?["experiments"] as? [[String: Any]])?.first
    XCTAssertEqual((exp?["budget"] as? [String: Any])?["bad_events"] as? Double, 265)
  }
}
