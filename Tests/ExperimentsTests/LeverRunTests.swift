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

/// Stop signals: one that says stop before the method vetoes it (preflight); an experiment's own
/// alert stop condition aborts it when a matching alert fires.
final class StopSignalRunTests: XCTestCase {
  func testASignalSayingStopVetoesTheStart() throws {
    let h = Harness(seed: 1)
    h.run(to: 20)
    h.store.dispatch(.stopSignal(name: "go/no-go http://cerberus", stopping: "says False (no-go)"))
    var r = ExperimentRun(
      try ExperimentFile.parse(
        "title: t\ngroups: {experimental: {namespace: pipeline}}\nmethod: [{fault: pod-kill, target: {workload: flask}}]\nhypotheses: [{recovers-within: 2m}]",
        file: "t.yaml"), at: h.state.now)
    _ = r.step(h.state)
    XCTAssertEqual(r.verdict, .notRun("stop signal go/no-go http://cerberus: says False (no-go)"))
  }

  func testAnAlertStopConditionAbortsTheRun() throws {
    let yaml = """
      title: CPU on flask
      groups: {experimental: {namespace: pipeline}}
      method:
        - fault: cpu-hog
          target: {workload: flask}
          duration: 2m
      hypotheses:
        - recovers-within: 5m
      stop-conditions:
        - alerts: 'alertname="FlaskCPUHigh", severity=~"warning|critical"'
      """
    let e = try ExperimentFile.parse(yaml, file: "t.yaml")
    XCTAssertEqual(
      e.stopConditions.first?.label, #"alerts {alertname="FlaskCPUHigh", severity=~"warning|critical"} firing"#)
    let h = Harness(seed: 1)
    h.run(to: 20)
    var r = ExperimentRun(e, at: h.state.now)
    var t = h.now
    while !r.isFinished && t < 200 {
      t = ((t + 0.1) * 10).rounded() / 10
      h.run(to: t)
      if !h.state.activeFaults.isEmpty, h.state.alerts.isEmpty {
        let a = Alert(name: "FlaskCPUHigh", state: "firing", labels: ["severity": "warning"], summary: "", activeAt: t)
        h.store.dispatch(.alerts([a], time: t))
      }
      for a in r.step(h.state) { h.store.dispatch(a) }
    }
    XCTAssertEqual(
      r.verdict,
      .aborted(
        #"stop condition alerts {alertname="FlaskCPUHigh", severity=~"warning|critical"} firing: alert FlaskCPUHigh firing"#
      ))
    XCTAssertTrue(h.state.activeFaults.isEmpty)
    XCTAssertEqual(
      parseError(
        "title: t\ngroups: {experimental: {namespace: p}}\nmethod: [{wait: 1s}]\nhypotheses: [{recovers-within: 1m}]\nstop-conditions:\n  - alerts: 'severity=critical'\n",
        file: "s.yaml"),
      "s.yaml:6: alert selector severity=critical: a quoted value expected after severity=")
  }
}
