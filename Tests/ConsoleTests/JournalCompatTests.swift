import ClusterState
import Console
import Foundation
import Recording
import XCTest

/// Journals written by an earlier chaostui still read whole, replay and report: teams compare this
/// quarter's game day with the last one's. The fixtures are real journals of earlier builds, kept as
/// they were written; a field added since (a fault's new parameter) reads as its default.
final class JournalCompatTests: XCTestCase {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// Recorded on 2026-11-27 by the build before the new faults (no `pressureMiB`, `skewSeconds`,
  /// ... in its fault parameters, no CPU limits or priorities on its pods): the demo, the experiment
  /// "Kill the Postgres primary", then the panic key.
  func testAJournalOfAnEarlierBuildReadsWholeAndReportsItsIncident() throws {
    let j = try JournalReader.load(path: Self.fixtures.appendingPathComponent("journal-v1-20261127.jsonl").path)
    XCTAssertEqual(j.notes, [], "every line read")
    let report = SessionReport(journal: j)
    XCTAssertEqual(report.incidents.count, 1)
    let incident = try XCTUnwrap(report.incidents.first)
    XCTAssertEqual(incident.workloads, ["pipeline/postgres"])
    XCTAssertEqual(try XCTUnwrap(incident.ttr), 18.4, accuracy: 0.05)
    XCTAssertEqual(report.faults.map(\.request.kind), [.killPrimary])
    XCTAssertEqual(report.experiments.map(\.title), ["Kill the Postgres primary"])
    XCTAssertEqual(report.experiments.map(\.passed), [true])
    XCTAssertTrue(report.audit.contains { $0.what.contains("panic") }, "\(report.audit)")
    // Replayed to its end in the console: the replica is the primary.
    let replay = RecordedSession(journal: j)
    let c = Console(source: replay, readOnly: true)
    c.advanceVirtual(to: replay.length)
    XCTAssertEqual(c.state.primaries["pipeline/postgres"], "postgres-1")
    XCTAssertEqual(c.state.incidents.map(\.ttr), report.incidents.map(\.ttr))
  }

  /// A line in the middle that cannot be read is skipped, and the note says which and why.
  func testAnUnreadableLineIsNamedWithItsReason() throws {
    var lines = try String(
      contentsOf: Self.fixtures.appendingPathComponent("journal-v1-20261127.jsonl"), encoding: .utf8
    ).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let i = try XCTUnwrap(lines.firstIndex { $0.contains(#""requestFault""#) })
    lines[i] = lines[i].replacingOccurrences(of: #""kind":"#, with: #""kinds":"#)
    lines.insert("not json at all", at: 5)
    let j = try JournalReader(data: Data(lines.joined(separator: "\n").utf8), name: "j")
    XCTAssertEqual(j.notes, ["2 unreadable lines skipped (the first, line 6: not a JSON record)"])
    lines.remove(at: 5)
    let one = try JournalReader(data: Data(lines.joined(separator: "\n").utf8), name: "j")
    XCTAssertEqual(one.notes, ["1 unreadable line skipped (line \(i + 1): an action: no kind at a.requestFault._0)"])
  }
}
