import ClusterState
import Console
import Experiments
import Foundation
import Simulation
import XCTest

/// A runbook gate in the console: its question comes up by itself; y confirms (a note with who
/// and what), n aborts the experiment; the prerequisites show before y.
final class GateConsoleTests: XCTestCase {
  let yaml = """
    title: Gated kill
    prerequisites: [DR dashboard open]
    groups: {experimental: {namespace: pipeline}}
    method:
      - gate: Confirm the DR dashboard is green
      - fault: pod-kill
        target: {workload: flask}
        mode: one
    hypotheses:
      - recovers-within: 2m
    """

  /// A console whose experiment waits at its gate, and the time then.
  func atTheGate() throws -> (Console, Seconds) {
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    c.operatorName = "eve@bastion"
    c.advanceVirtual(to: 5)
    c.startExperiment(try ExperimentFile.parse(yaml, file: "g.yaml"))
    var t: Seconds = 5
    while c.ui.dialog == nil && t < 120 {
      t += 0.5
      c.advanceVirtual(to: t)
    }
    return (c, t)
  }

  func testTheGateAsksAndYConfirms() throws {
    let (c, t) = try atTheGate()
    XCTAssertEqual(c.ui.dialog, .gate("Confirm the DR dashboard is green"))
    let text = c.render(width: 80, height: 24).text
    XCTAssertTrue(text.contains("Runbook gate") && text.contains("y confirms"), text)
    c.handle(.char("x"))
    XCTAssertEqual(c.ui.message, "The experiment waits at its gate: y confirms, n aborts it, ! panics")
    XCTAssertTrue(c.state.faults.isEmpty)
    c.handle(.char("y"))
    XCTAssertNil(c.ui.dialog)
    XCTAssertEqual(
      c.state.timeline.last { $0.kind == .note }?.text,
      "note (eve@bastion): gate confirmed: Confirm the DR dashboard is green")
    c.advanceVirtual(to: t + 1)
    XCTAssertEqual(c.state.faults.count, 1, "the method went on")
  }

  func testNAbortsTheExperiment() throws {
    let (c, _) = try atTheGate()
    c.handle(.char("n"))
    XCTAssertEqual(c.experiment?.isFinished, true)
    guard case .aborted(let why)? = c.experiment?.verdict else { return XCTFail("not aborted") }
    XCTAssertTrue(why.hasPrefix("gate \"Confirm the DR dashboard is green\" refused by"), why)
  }
}
