import ClusterState
import Experiments
import TestSupport
import XCTest

/// An experiment and the team's safety lever: engaged before the method, the run does not start;
/// engaged during it, the run is aborted with who and why; unknown, the method waits.
final class LeverRunTests: XCTestCase {
  let file = """
    title: Delay on flask
    groups: {experimental: {namespace: pipeline}}
    steady-state: {timeout: 40s}
    method:
      - fault: network-delay
        target: {workload: flask}
        duration: 60s
    hypotheses:
      - recovers-within: 2m
    """
  let engaged = SafetyLever(status: .engaged, by: "alice@bastion", at: 0, reason: "real outage", location: "cm")

  func run(lever: (ClusterSnapshot) -> SafetyLever?) throws -> (ExperimentRun, Harness) {
    let h = Harness(seed: 1)
    h.run(to: 20)
    var r = ExperimentRun(try ExperimentFile.parse(file, file: "t.yaml"), at: h.state.now)
    var t = h.now
    while !r.isFinished && t < 300 {
      t = ((t + 0.1) * 10).rounded() / 10
      h.run(to: t)
      if let l = lever(h.state), h.state.chaos.lever != l { h.store.dispatch(.lever(l)) }
      for a in r.step(h.state) { h.store.dispatch(a) }
    }
    return (r, h)
  }

  func testEngagedBeforeTheMethodTheRunDoesNotStart() throws {
    let (r, h) = try run { _ in self.engaged }
    XCTAssertEqual(r.verdict, .notRun("the safety lever is engaged by alice@bastion (real outage)"))
    XCTAssertTrue(h.state.faults.isEmpty)
  }

  func testEngagedDuringTheMethodTheRunIsAbortedAndItsFaultUndone() throws {
    var faulted = false
    let (r, h) = try run { s in
      faulted = faulted || !s.activeFaults.isEmpty
      return faulted ? self.engaged : SafetyLever(status: .released, location: "cm")
    }
    XCTAssertEqual(r.verdict, .aborted("the safety lever is engaged by alice@bastion (real outage)"))
    XCTAssertEqual(h.state.faults.count, 1)
    XCTAssertFalse(h.state.faults[0].isActive, "the lever's reducer set it back")
  }

  func testUnknownTheMethodWaitsThenDoesNotRun() throws {
    let (r, h) = try run { _ in SafetyLever(status: .unknown, problem: "forbidden", location: "cm") }
    guard case .notRun(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertTrue(why.contains("the safety lever's state is unknown (forbidden)"), why)
    XCTAssertTrue(h.state.faults.isEmpty)
  }
}
