import ClusterState
import Experiments
import TestSupport
import XCTest

/// The A/A check before the method, and `compare` hypotheses, on the demo with its control group.
final class CompareTests: XCTestCase {
  func run(
    _ yaml: String, warm: Seconds = 130, limit: Seconds = 700, before: ((Harness) -> Void)? = nil
  ) throws -> ExperimentRun {
    try runWithControlGroup(yaml, warm: warm, limit: limit, before: before)
  }

  static func yaml(method: String, hypotheses: String, comparable: String = "") -> String {
    """
    title: t
    groups:
      experimental: {namespace: pipeline}
      control: {namespace: pipeline-control}
    \(comparable)
    method:
    \(method)
    hypotheses:
    \(hypotheses)
    """
  }

  static let delay =
    "  - {fault: network-delay, target: {workload: flask}, mode: all, strength: {delay-ms: 300, jitter-ms: 10}, duration: 60s}"

  /// The experimental Flask slowed for the whole warm-up (within its steady state's 250 ms): its
  /// baseline differs from the control's.
  func slowFlask(_ h: Harness) {
    h.inject(.networkDelay, .workload(namespace: "pipeline", name: "flask")) {
      $0.delayMs = 60
      $0.jitterMs = 0
      $0.duration = 600
    }
  }

  func testGroupsThatDifferBeforeAnyFaultDoNotStart() throws {
    let r = try run(Self.yaml(method: "  - wait: 30s", hypotheses: "  - recovers-within: 2m"), before: slowFlask)
    guard case .finished(.notRun(let why))? = Optional(r.phase) else { return XCTFail("\(r.phase)") }
    XCTAssertTrue(why.contains("the groups differ before any fault"), why)
    XCTAssertTrue(why.contains("p99 of flask"), why)
    XCTAssertNil(r.methodStart, "no step ran")
    XCTAssertTrue(r.steps.isEmpty)
  }

  func testOtherwiseWarnStartsAndSaysSo() throws {
    let r = try run(
      Self.yaml(
        method: "  - wait: 30s", hypotheses: "  - recovers-within: 2m",
        comparable: "  comparable: {tolerance: 10%, otherwise: warn}"), before: slowFlask)
    XCTAssertNotNil(r.methodStart)
    XCTAssertTrue(r.log.contains { $0.text.hasPrefix("A/A check: the groups differ before any fault") }, "\(r.log)")
    XCTAssertFalse(try XCTUnwrap(r.groupsCheck).differences.isEmpty)
  }

  func testAlikeGroupsAndTooLittleHistory() throws {
    let alike = try run(Self.yaml(method: "  - wait: 30s", hypotheses: "  - recovers-within: 2m"))
    XCTAssertTrue(alike.log.contains { $0.text.hasPrefix("A/A check: the groups are alike") }, "\(alike.log)")
    let early = try run(Self.yaml(method: "  - wait: 30s", hypotheses: "  - recovers-within: 2m"), warm: 6)
    XCTAssertTrue(early.log.contains { $0.text.hasPrefix("A/A check: the groups were not compared") }, "\(early.log)")
    XCTAssertNotNil(early.methodStart, "too little history is no reason not to run")
  }

  func testWorseByAtMostFailsOnADelayAndHoldsWithout() throws {
    let h =
      "  - compare: {workload: flask, figure: p99, worse-by-at-most: 20%}\n  - compare: {workload: flask, figure: p99, differs: true}"
    let slowed = try run(Self.yaml(method: Self.delay, hypotheses: h))
    guard case .failed(_, let why) = slowed.outcomes[0] else { return XCTFail("\(slowed.outcomes)") }
    XCTAssertTrue(why.contains("p99 of flask") && why.contains("limit 20%"), why)
    guard case .passed = slowed.outcomes[1] else { return XCTFail("\(slowed.outcomes)") }
    let calm = try run(
      Self.yaml(
        method: "  - wait: 60s",
        hypotheses:
          "  - compare: {workload: flask, figure: p99, worse-by-at-most: 20%}\n  - compare: {workload: flask, figure: errors, worse-by-at-most: 1}\n  - compare: {workload: flask, figure: p99, differs: false}"
      ))
    for (i, o) in calm.outcomes.enumerated() {
      guard case .passed = o else { return XCTFail("hypothesis \(i): \(o)") }
    }
  }

  func testBadCompareAndComparableFields() {
    func error(_ yaml: String) -> String { parseError(yaml, file: "f.yaml") }
    XCTAssertTrue(
      error(Self.yaml(method: "  - wait: 1s", hypotheses: "  - compare: {workload: flask}")).contains(
        "compare needs workload and figure"))
    XCTAssertTrue(
      error(
        Self.yaml(
          method: "  - wait: 1s",
          hypotheses: "  - compare: {workload: flask, figure: p99, differs: true, worse-by-at-most: 5%}")
      ).contains("not both"))
    XCTAssertTrue(
      error(Self.yaml(method: "  - wait: 1s", hypotheses: "  - compare: {workload: flask, figure: p99}")).contains(
        "worse-by-at-most"))
    XCTAssertTrue(
      error(
        Self.yaml(
          method: "  - wait: 1s", hypotheses: "  - recovers-within: 1m", comparable: "  comparable: {otherwise: maybe}")
      ).contains("refuse (do not start) or warn"))
    XCTAssertTrue(
      error(
        Self.yaml(
          method: "  - wait: 1s", hypotheses: "  - recovers-within: 1m", comparable: "  comparable: {tolerance: lots}")
      ).contains("a share such as 10%"))
  }
}
