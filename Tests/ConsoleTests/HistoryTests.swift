import ClusterState
import Console
import Foundation
import Recording
import Simulation
import XCTest

/// `chaostui history` on hand-made journals with known counts a week: a week with no session, a
/// noisy alert, a SEV that starts on a Sunday before midnight and heals after it (it counts in the
/// week it started), an alert just after midnight (the next week).
final class HistoryTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-history-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  /// A demo session recorded from wall time `started`; `script` acts at each virtual second.
  func journal(_ name: String, started: Double, seconds: Seconds, _ script: (Console, Seconds) -> Void) -> String {
    let path = dir.appendingPathComponent(name).path
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    let w = JournalWriter(
      path: path, header: SessionJournal.Header(chaostui: "t", started: started, info: c.source.info))
    c.record(to: w)
    var t: Seconds = 0
    while t < seconds {
      t += 1
      c.advanceVirtual(to: t)
      script(c, t)
    }
    w.close()
    return path
  }

  func alert(_ name: String, _ service: String, _ severity: String, at t: Seconds) -> Alert {
    Alert(name: name, state: "firing", labels: ["service": service, "severity": severity], summary: "", activeAt: t)
  }

  func testWeeksServicesAndSevs() throws {
    // Tuesday 17 November 2026, 10:00 UTC: a noisy alert (30 s, no incident), a long critical one.
    let tuesday = 1_794_909_600.0
    XCTAssertEqual(History.day(History.weekStart(tuesday)), "2026-11-16")
    _ = journal("a.jsonl", started: tuesday, seconds: 420) { c, t in
      let cpu = alert("FlaskCPUHigh", "flask", "warning", at: 10)
      let down = alert("PostgresDown", "postgres", "critical", at: 60)
      if t == 10 { c.store.dispatch(.alerts([cpu], time: t)) }
      if t == 40 { c.store.dispatch(.alerts([], time: t)) }
      if t == 60 { c.store.dispatch(.alerts([down], time: t)) }
      if t == 400 { c.store.dispatch(.alerts([], time: t)) }
    }
    // Sunday 6 December 2026, 23:55 UTC: a pod kill at 23:59:50 that heals after midnight, and an
    // alert at 00:01:40 on Monday.
    let sunday = 1_796_601_300.0
    XCTAssertEqual(History.day(History.weekStart(sunday)), "2026-11-30")
    _ = journal("b.jsonl", started: sunday, seconds: 420) { c, t in
      if t == 290 {
        c.store.dispatch(
          .requestFault(
            FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: "flask-7c9d8f5b6d-2pxzf"))))
      }
      if t == 400 { c.store.dispatch(.alerts([alert("FlaskCPUHigh", "flask", "warning", at: 400)], time: t)) }
    }
    try Data("not a journal\n".utf8).write(to: dir.appendingPathComponent("c.jsonl"))
    let h = History.load(paths: [dir.path])
    XCTAssertEqual(h.sessions, 2)
    XCTAssertEqual(h.problems.count, 1, "the file that is not a journal is named")
    XCTAssertEqual(h.weeks.map { History.day($0.start) }, ["2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"])
    let (w1, w2, w3, w4) = (h.weeks[0], h.weeks[1], h.weeks[2], h.weeks[3])
    XCTAssertEqual([w1.sessions, w2.sessions, w3.sessions, w4.sessions], [1, 0, 1, 0])
    XCTAssertEqual(w1.services["flask"]?.alerts, 1)
    XCTAssertEqual(w1.services["flask"]?.noisy, 1, "resolved by itself in 30 s, no incident")
    XCTAssertEqual(w1.services["flask"]?.meanResolution, 30)
    XCTAssertEqual(w1.services["postgres"]?.noisy, 0, "340 s is not noisy")
    XCTAssertEqual(w1.services["postgres"]?.topAlerts.first?.name, "PostgresDown")
    XCTAssertEqual(w2, History.Week(start: w2.start), "the week with no session is there, empty")
    XCTAssertEqual(w3.incidents, 1, "the SEV counts in the week it started, Sunday's")
    XCTAssertEqual(w3.services["pipeline/flask"]?.sevs.values.reduce(0, +), 1)
    XCTAssertNotNil(w3.services["pipeline/flask"]?.mttr)
    XCTAssertEqual(w3.recoveredShare, 1)
    XCTAssertEqual(w4.incidents, 0)
    XCTAssertEqual(w4.services["flask"]?.alerts, 1, "the alert after midnight is Monday's week")
    let md = h.markdown().joined(separator: "\n")
    XCTAssertTrue(md.contains("| flask | 1 | 0 | 0 | 1 |"), md)
    XCTAssertTrue(md.contains("## Incidents by SEV level"))
    let json = try JSONSerialization.jsonObject(with: h.json()) as? [String: Any]
    XCTAssertEqual((json?["weeks"] as? [Any])?.count, 4)
    XCTAssertTrue(h.html().contains("<svg"))
  }

  func testHostileNamesStayText() {
    var f = History.SessionFacts(name: "x", started: 1_794_909_600, length: 60)
    f.alerts = [
      .init(
        name: "<script>alert(1)</script>\u{1b}]52;c;AAAA\u{07}", service: "a|b", severity: "warning",
        fired: 1_794_909_610, resolution: 5, noisy: true)
    ]
    let h = History([f])
    let md = h.markdown().joined(separator: "\n")
    XCTAssertFalse(md.contains("\u{1b}"))
    XCTAssertFalse(md.contains("<script>"))
    XCTAssertTrue(md.contains(#"| a\|b | 1 |"#), md)
    let html = h.html()
    XCTAssertFalse(html.contains("<script>"))
    XCTAssertFalse(html.contains("\u{1b}"))
    XCTAssertTrue(html.contains("&lt;script&gt;"))
  }
}

extension HistoryTests {
  /// A journal of an earlier build is read as `report` reads it.
  func testAJournalOfAnEarlierBuildCounts() throws {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/journal-v1-20261127.jsonl").path
    let report = SessionReport(journal: try JournalReader.load(path: fixture))
    let h = History.load(paths: [fixture])
    XCTAssertEqual(h.sessions, 1)
    XCTAssertTrue(h.problems.isEmpty, "\(h.problems)")
    XCTAssertEqual(h.weeks.reduce(0) { $0 + $1.incidents }, report.incidents.count)
    XCTAssertGreaterThan(report.incidents.count, 0)
  }
}
