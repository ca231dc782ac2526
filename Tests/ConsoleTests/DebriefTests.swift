import ClusterState
import Console
import Foundation
import Recording
import Simulation
import XCTest

/// The report's debrief: the session's moments in order, the notes typed at m, the action items
/// among them; a hostile note stays text in Markdown and HTML.
final class DebriefTests: XCTestCase {
  func testNotesTheLeverAndTheIncidentsMakeTheDebrief() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-debrief-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("s.jsonl").path
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    c.operatorName = "dan@bastion"
    let writer = JournalWriter(
      path: path, header: SessionJournal.Header(chaostui: "t", started: 0, info: c.source.info))
    c.record(to: writer)
    c.use(lever: nil)
    c.advanceVirtual(to: 5)
    c.store.dispatch(
      .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: "flask-7c9d8f5b6d-2pxzf"))))
    c.advanceVirtual(to: 8)
    for text in ["paused to check the DR dashboard", "action: page the DB team", "TODO: <b>fix</b> \u{1b}[2Jalerts"] {
      c.handle(.char("m"))
      for ch in text { c.handle(.char(ch)) }
      c.handle(.enter)
      c.advanceVirtual(to: c.state.now + 1)
    }
    c.advanceVirtual(to: 40)
    writer.close()
    let report = SessionReport(journal: try JournalReader.load(path: path))
    XCTAssertEqual(report.typedNotes.map(\.what).first, "paused to check the DR dashboard")
    XCTAssertEqual(report.actionItems.map(\.what), ["page the DB team", "<b>fix</b> \u{1b}[2Jalerts"])
    let whats = report.moments.map(\.what)
    let asked = whats.firstIndex { $0.hasSuffix("asked for pod-kill on pod pipeline/flask-7c9d8f5b6d-2pxzf") }
    let detected = whats.firstIndex { $0.hasPrefix("#1 pod-kill") && $0.contains("detected") }
    let note = whats.firstIndex { $0 == "dan@bastion: note: paused to check the DR dashboard" }
    let recovered = whats.firstIndex { $0.hasPrefix("#1 pod-kill") && $0.contains("recovered") }
    XCTAssertNotNil(asked, "\(whats)")
    XCTAssertTrue(asked! < detected! && detected! < note! && note! < recovered!, "\(whats)")
    let md = report.markdown()
    XCTAssertTrue(md.contains("## Debrief"))
    XCTAssertTrue(md.contains("- [ ] page the DB team (dan@bastion, +"), md)
    XCTAssertTrue(md.contains(#"- [ ] &lt;b&gt;fix&lt;/b&gt; \\x1b\[2Jalerts"#), md)
    XCTAssertFalse(md.contains("\u{1b}"))
    let html = report.html()
    XCTAssertTrue(html.contains("&lt;b&gt;fix&lt;/b&gt; \\x1b[2Jalerts"))
    XCTAssertFalse(html.contains("<b>fix"))
    let json = try JSONSerialization.jsonObject(with: report.json()) as? [String: Any]
    let items = (json?["debrief"] as? [String: Any])?["action_items"] as? [[String: Any]]
    XCTAssertEqual(items?.count, 2)
  }
}
