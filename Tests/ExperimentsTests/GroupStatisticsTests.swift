import ClusterState
import Experiments
import Statistics
import TestSupport
import XCTest

/// Control against experimental as tests, on the demo with its control group.
final class GroupStatisticsTests: XCTestCase {
  func run(_ yaml: String, seed: UInt64 = 1, warm: Seconds = 130, limit: Seconds = 600) throws -> ExperimentRun {
    try runWithControlGroup(yaml, seed: seed, warm: warm, limit: limit)
  }

  static func experiment(_ method: String) -> String {
    """
    title: t
    groups:
      experimental: {namespace: pipeline}
      control: {namespace: pipeline-control}
    method:
    \(method)
    hypotheses:
      - {name: recovers, recovers-within: 300s}
    """
  }

  func test(_ r: ExperimentRun, _ workload: String, _ f: Experiment.Figure) throws -> GroupStatistics.Test {
    try XCTUnwrap(r.statistics?.tests.first { $0.workload == workload && $0.figure == f }, "\(workload) \(f)")
  }

  func testADelayOnFlaskIsAShiftOfItsP99AgainstTheControl() throws {
    let r = try run(
      Self.experiment(
        """
          - fault: network-delay
            target: {workload: flask}
            mode: all
            strength: {delay-ms: 300, jitter-ms: 10}
            duration: 90s
        """))
    let p99 = try test(r, "flask", .p99)
    XCTAssertEqual(p99.direction, .higher, p99.summary)
    XCTAssertEqual(p99.test, "Mann-Whitney U")
    XCTAssertGreaterThanOrEqual(p99.n[0], GroupStatistics.minimumBlocks)
    let shift = try XCTUnwrap(p99.shift)
    XCTAssertGreaterThan(shift, 150, p99.summary)
    XCTAssertLessThanOrEqual(try XCTUnwrap(p99.lower), shift)
    XCTAssertGreaterThanOrEqual(try XCTUnwrap(p99.upper), shift)
    XCTAssertLessThan(try XCTUnwrap(p99.adjusted), 0.05)
    XCTAssertGreaterThan(try XCTUnwrap(p99.effect), 0.8, "nearly every block higher")
    // Each group against its own baseline: the experimental group moved, the control did not much.
    XCTAssertGreaterThan(try XCTUnwrap(p99.fromBaseline[0]), 150)
    XCTAssertLessThan(abs(try XCTUnwrap(p99.fromBaseline[1])), 50)
    XCTAssertTrue(r.log.contains { $0.text.hasPrefix("comparison: p99 of flask: experimental higher") }, "\(r.log)")
  }

  func testNoFaultShowsNoDifference() throws {
    let r = try run(Self.experiment("  - wait: 80s"))
    let tests = try XCTUnwrap(r.statistics?.tests)
    XCTAssertFalse(tests.isEmpty)
    let differs = tests.filter { $0.direction == .higher || $0.direction == .lower }
    XCTAssertTrue(differs.isEmpty, differs.map(\.summary).joined(separator: "\n"))
    XCTAssertTrue(tests.contains { $0.direction == .noDifference })
  }

  func testTooShortIsInsufficientNeverAPass() throws {
    // 25 s of the method: five blocks of 5 s a group, six needed.
    let r = try run(Self.experiment("  - wait: 25s"), limit: 130 + 5 + 27)
    let tests = try XCTUnwrap(r.statistics?.tests)
    XCTAssertFalse(tests.isEmpty)
    for t in tests {
      XCTAssertEqual(t.direction, .insufficient, t.summary)
      XCTAssertNil(t.p)
      XCTAssertTrue(t.summary.contains("insufficient data"), t.summary)
    }
  }

  func testWithoutAControlGroupThereAreNoTests() throws {
    let yaml = Self.experiment("  - wait: 20s").replacingOccurrences(
      of: "  control: {namespace: pipeline-control}\n", with: "")
    let r = try run(yaml)
    XCTAssertNil(r.statistics)
  }

  /// Counts, not rates: a handful of requests with one failure is no evidence.
  func testCountsFromSamples() {
    var s = GroupStatistics.Samples()
    for _ in 0..<10 { s.count(requests: 4, failedPercent: 25) }
    XCTAssertEqual(s.requests, 40)
    XCTAssertEqual(s.failures, 10)
    s.count(requests: .nan, failedPercent: 10)
    s.count(requests: 10, failedPercent: 250)
    XCTAssertEqual(s.requests, 50)
    XCTAssertEqual(s.failures, 20, "a percentage past 100 counts as 100")
  }
}
