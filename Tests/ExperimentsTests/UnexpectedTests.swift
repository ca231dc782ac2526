import ClusterState
import TestSupport
import XCTest

@testable import Experiments

/// What happens outside what an experiment's method targets is named as unexpected, and a file can
/// make that fail the experiment.
final class UnexpectedTests: XCTestCase {
  func run(_ yaml: String, limit: Seconds = 400, during: ((Harness, Seconds) -> Void)? = nil) throws -> ExperimentRun {
    try runWithControlGroup(yaml, warm: 10, limit: limit, during: during)
  }

  static let yaml = """
    title: t
    groups:
      experimental: {namespace: pipeline}
      control: {namespace: pipeline-control}
    method:
      - {fault: network-delay, target: {workload: postgres}, mode: all, strength: {delay-ms: 300}, duration: 30s}
    hypotheses:
      - recovers-within: 3m
      - no-unexpected-incidents: true
    """

  func testAFaultElsewhereIsUnexpectedAndFailsTheHypothesis() throws {
    let r = try run(Self.yaml) { h, t in
      // Someone kills a Flask pod of the control group while the experiment runs.
      if t == 25 {
        h.inject(.podKill, .workload(namespace: "pipeline-control", name: "flask")) { $0.mode = .one }
      }
    }
    let texts = r.unexpected.map(\.text)
    XCTAssertTrue(
      texts.contains { $0.hasPrefix("incident #") && $0.contains("not a fault of this experiment") }, "\(texts)")
    XCTAssertTrue(texts.contains { $0.hasPrefix("pipeline-control/flask outside the steady state") }, "\(texts)")
    XCTAssertFalse(texts.contains { $0.hasPrefix("pipeline/flask") }, "Flask calls Postgres: a dependant, expected")
    guard case .failed(_, let why) = r.outcomes[1] else { return XCTFail("\(r.outcomes)") }
    XCTAssertTrue(why.contains("not a fault of this experiment") || why.contains("pipeline-control/flask"), why)
    XCTAssertTrue(r.log.contains { $0.text.hasPrefix("unexpected at the verdict: ") }, "\(r.log)")
  }

  func testNothingElsewhereHolds() throws {
    let r = try run(Self.yaml)
    XCTAssertEqual(r.unexpected, [], "\(r.unexpected)")
    guard case .passed(_, let why) = r.outcomes[1] else { return XCTFail("\(r.outcomes)") }
    XCTAssertEqual(why, "nothing happened outside the method's targets")
  }

  func testAlertsAboutTheTargetsAreExpected() {
    let alert = { (labels: [String: String]) in
      Alert(name: "Slow", state: "firing", labels: labels, summary: "", activeAt: 1)
    }
    let expected: Set<String> = ["pipeline/postgres", "pipeline/flask"]
    XCTAssertTrue(ExperimentRun.alertConcerns(alert(["service": "flask"]), expected))
    XCTAssertTrue(ExperimentRun.alertConcerns(alert(["namespace": "pipeline", "pod": "postgres-0"]), expected))
    XCTAssertFalse(ExperimentRun.alertConcerns(alert(["namespace": "pipeline-control", "service": "flask"]), expected))
    XCTAssertFalse(ExperimentRun.alertConcerns(alert(["service": "spark-master"]), expected))
  }
}
