import ClusterState
import Experiments
import TestSupport
import XCTest

/// Runbook gates: the method waits at a gate until it is confirmed (later steps come later by the
/// wait); past its timeout it aborts, or goes on, as the gate says; prerequisites are read.
final class GateTests: XCTestCase {
  func file(otherwise: String = "abort") -> String {
    """
    title: Gated kill
    prerequisites: [DR dashboard open, on-call told]
    groups: {experimental: {namespace: pipeline}}
    method:
      - gate: Confirm the DR dashboard is green
        timeout: 30s
        otherwise: \(otherwise)
      - fault: pod-kill
        target: {workload: flask}
        mode: one
    hypotheses:
      - recovers-within: 2m
    """
  }

  /// Steps the run until `until` says stop; `answer` may confirm the gate at a time.
  func run(_ yaml: String, confirmAt: Seconds? = nil, limit: Seconds = 300) throws -> (ExperimentRun, Harness) {
    let h = Harness(seed: 1)
    h.run(to: 20)
    var r = ExperimentRun(try ExperimentFile.parse(yaml, file: "g.yaml"), at: h.state.now)
    var t = h.now
    while !r.isFinished && t < limit {
      t = ((t + 0.1) * 10).rounded() / 10
      h.run(to: t)
      for a in r.step(h.state) { h.store.dispatch(a) }
      if let c = confirmAt, let g = r.pendingGate, t - g.since >= c {
        XCTAssertTrue(h.state.faults.isEmpty, "nothing injected while the gate waits")
        r.confirmGate(at: t, by: "ops@bastion")
      }
    }
    return (r, h)
  }

  func testTheMethodWaitsForTheGate() throws {
    let e = try ExperimentFile.parse(file(), file: "g.yaml")
    XCTAssertEqual(e.prerequisites, ["DR dashboard open", "on-call told"])
    XCTAssertEqual(e.method.first, .gate(Experiment.Gate(text: "Confirm the DR dashboard is green", timeout: 30)))
    let (r, h) = try run(file(), confirmAt: 12)
    XCTAssertEqual(r.verdict, .passed)
    XCTAssertTrue(r.log.contains { $0.text == "gate \"Confirm the DR dashboard is green\" confirmed by ops@bastion" })
    let gateSteps = r.steps.filter { $0.label.hasPrefix("gate: ") }
    XCTAssertEqual(gateSteps.first?.status, "succeeded")
    let waited = (gateSteps.first?.end ?? 0) - (gateSteps.first?.start ?? 0)
    XCTAssertEqual(waited, 12, accuracy: 0.2)
    let injected = try XCTUnwrap(h.state.faults.first?.started)
    XCTAssertGreaterThanOrEqual(injected, gateSteps.first!.end!, "the fault came after the gate")
  }

  func testPastItsTimeoutTheGateAbortsOrGoesOn() throws {
    let (aborted, h) = try run(file())
    XCTAssertEqual(aborted.verdict, .aborted("gate \"Confirm the DR dashboard is green\" not confirmed within 30.0s"))
    XCTAssertTrue(h.state.faults.isEmpty)
    let (went, h2) = try run(file(otherwise: "continue"))
    XCTAssertEqual(went.verdict, .passed)
    XCTAssertEqual(h2.state.faults.count, 1)
    XCTAssertTrue(went.log.contains { $0.text.hasSuffix("not confirmed within 30.0s: going on") })
    XCTAssertEqual(
      parseError(file(otherwise: "maybe"), file: "g.yaml"), "g.yaml:7: otherwise must be abort or continue")
  }

  func testARefusedGateAbortsTheRun() throws {
    let h = Harness(seed: 1)
    h.run(to: 20)
    var r = ExperimentRun(try ExperimentFile.parse(file(), file: "g.yaml"), at: h.state.now)
    var t = h.now
    while r.pendingGate == nil && t < 200 {
      t += 0.5
      h.run(to: t)
      for a in r.step(h.state) { h.store.dispatch(a) }
    }
    XCTAssertEqual(r.refuseGate(at: t, by: "ops"), [.abortAllFaults])
    XCTAssertEqual(r.verdict, .aborted("gate \"Confirm the DR dashboard is green\" refused by ops"))
  }
}
