import ClusterState
import Console
import Foundation
import Panels
import Recording
import Simulation
import TestSupport
import XCTest

/// The logs pane: l follows the selected pod, the fault's row marks when it was injected, search,
/// wrap, pause, another container; a pouring log is journaled at most 200 lines a second.
final class LogsConsoleTests: XCTestCase {
  func makeConsole() -> Console {
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    c.advanceVirtual(to: 5)
    return c
  }

  func select(_ c: Console, _ name: String) {
    for _ in 0..<20 where c.ui.pods.selectedID?.hasSuffix("/" + name) != true { c.handle(.char("j")) }
  }

  func testFollowThroughAFaultSearchWrapPauseContainer() {
    let c = makeConsole()
    select(c, "postgres-0")
    c.handle(.char("l"))
    XCTAssertEqual(c.ui.focus, .logs)
    XCTAssertEqual(c.state.logs?.request.pod, "postgres-0")
    c.store.dispatch(
      .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: "postgres-0"))))
    for t in stride(from: 5.5, through: 40, by: 0.5) { c.advanceVirtual(to: t) }
    var text = c.render(width: 120, height: 40).text
    XCTAssertTrue(text.contains("── fault #1 pod-kill injected on pod pipeline/postgres-0 ──"), text)
    XCTAssertTrue(text.contains("LOG:  received fast shutdown request"), text)
    XCTAssertTrue(text.contains("── postgres-0 was replaced: the new pod's log ──"), text)
    assertSnapshot(c.render(width: 80, height: 24), named: "logs-failover-80x24")
    // Search: only the matching lines, the count of lines unchanged.
    c.handle(.char("/"))
    for ch in "shutdown" { c.handle(.char(ch)) }
    c.handle(.enter)
    text = c.render(width: 120, height: 40).text
    XCTAssertTrue(text.contains("/shutdown"), text)
    XCTAssertFalse(text.contains("checkpoint"), "only matching lines")
    c.handle(.escape)
    XCTAssertEqual(c.ui.logs.search, "")
    // Pause: new lines arrive, the pane stays.
    c.handle(.char(" "))
    let paused = c.ui.logs.pausedAt
    XCTAssertNotNil(paused)
    for t in stride(from: 40.5, through: 70, by: 0.5) { c.advanceVirtual(to: t) }
    XCTAssertGreaterThan(c.state.logs!.received, paused!)
    XCTAssertTrue(c.render(width: 120, height: 40).text.contains("PAUSED"))
    c.handle(.char(" "))
    XCTAssertNil(c.ui.logs.pausedAt)
    // Wrap and the other container.
    c.handle(.char("w"))
    XCTAssertTrue(c.ui.logs.wrap)
    c.handle(.char("c"))
    XCTAssertEqual(c.state.logs?.request.container, "exporter")
    XCTAssertTrue(c.render(width: 120, height: 40).text.contains("Logs postgres-0/exporter"))
    // l again: back to the pods.
    c.handle(.char("l"))
    XCTAssertEqual(c.ui.focus, .pods)
    // Esc in the pane (no search): closed, nothing followed any more.
    c.handle(.char("l"))
    XCTAssertEqual(c.ui.focus, .logs)
    c.handle(.escape)
    XCTAssertEqual(c.ui.focus, .pods)
    XCTAssertNil(c.state.logs)
    XCTAssertFalse(c.render(width: 120, height: 40).text.contains("Logs postgres-0"))
  }

  func testAPouringLogIsJournaledAtMost200LinesASecondAndReplays() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-logs-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let c = makeConsole()
    let path = dir.appendingPathComponent("l.jsonl").path
    c.record(
      to: JournalWriter(path: path, header: SessionJournal.Header(chaostui: "test", started: 0, info: c.source.info)))
    let req = LogRequest(namespace: "pipeline", pod: "postgres-1")
    c.store.dispatch(.followLogs(req))
    for s in 0..<3 {
      c.advanceVirtual(to: 6 + Double(s))
      for _ in 0..<10 {
        c.store.dispatch(.logLines(req, (0..<100).map { LogLine(time: c.state.now, text: "ERROR burst \($0)") }))
      }
    }
    c.advanceVirtual(to: 10)
    c.stop()
    let journal = try JournalReader.load(path: path)
    let kept = journal.records.reduce(0) { n, r in
      if case .action(_, .logLines(_, let l)) = r { return n + l.filter { $0.text.hasPrefix("ERROR burst") }.count }
      return n
    }
    XCTAssertEqual(kept, 600, "200 a second of 1,000")
    XCTAssertTrue(
      journal.records.contains {
        if case .note(_, let t) = $0 {
          return t.contains("log lines of postgres-1 not journaled")
        } else {
          return false
        }
      })
    let r = Console(source: RecordedSession(journal: journal), readOnly: true)
    r.advanceVirtual(to: 10)
    XCTAssertEqual(r.state.logs?.request, req, "the replay follows what the session followed")
    XCTAssertTrue(r.state.logs!.lines.contains { $0.text == "ERROR burst 99" })
  }
}
