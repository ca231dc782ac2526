import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

/// The faults that go through the API's own operations: force delete, eviction with a disruption
/// budget, scale, cordon — on the demo cluster's virtual clock.
final class SimulatorOperationTests: XCTestCase {
  func testForceDeleteRemovesThePodAtOnce() {
    let h = Harness()
    h.run(to: 10)
    let victim = h.flask[0].name
    h.inject(.podKill, .pod(namespace: "pipeline", name: victim)) { $0.gracePeriod = 0 }
    h.runUntil(11) { s in s.pods["pipeline/" + victim] == nil }
    XCTAssertNil(h.pod(victim), "grace 0: gone within a tick, not after the 5 s grace period")
  }

  func testEvictionHonoursTheDisruptionBudget() {
    let h = Harness()
    h.run(to: 10)
    // flask: 3 ready, minAvailable 2: the first eviction is allowed, the rest refused with the API's words.
    h.inject(.evict, flaskWorkload) { $0.mode = .all }
    let fault = h.state.faults.last!
    XCTAssertEqual(fault.pods.count, 1)
    XCTAssertTrue(h.notice?.contains("Cannot evict pod as it would violate the pod's disruption budget") ?? false)
    // While one is down, another eviction is refused outright.
    h.inject(.evict, .pod(namespace: "pipeline", name: h.flask.first { $0.isReady }!.name))
    XCTAssertEqual(
      h.state.faults.filter { $0.state == .active || $0.pods.count > 0 }.count, 1, "a refused eviction starts no fault")
    XCTAssertEqual(
      h.state.faults.last?.state,
      .failed("429 Too Many Requests: " + h.notice!.components(separatedBy: "429 Too Many Requests: ").last!),
      "it is kept as failed")
    XCTAssertTrue(h.notice?.contains("failed: 429 Too Many Requests") ?? false, h.notice ?? "")
    // Postgres has no budget: evicting it is allowed.
    h.inject(.evict, .pod(namespace: "pipeline", name: "postgres-1"))
    XCTAssertEqual(h.pod("postgres-1")?.status, "Terminating")
  }

  func testScaleDownThenBack() {
    let h = Harness()
    h.run(to: 10)
    h.inject(.scale, .workload(namespace: "pipeline", name: "spark-worker")) {
      $0.replicas = 1
      $0.duration = 30
    }
    XCTAssertEqual(h.state.workloads["pipeline/spark-worker"]?.desiredReplicas, 1)
    h.run(to: 35)
    XCTAssertEqual(h.pods("spark-worker").count, 1)
    // At the end the replicas are set back and the workload heals.
    let back = h.runUntil(80) { s in s.workloads["pipeline/spark-worker"].map { $0.readyReplicas == 3 } ?? false }
    XCTAssertNotNil(back)
    XCTAssertGreaterThanOrEqual(back!, 40)
    XCTAssertTrue(h.state.events.contains { $0.message.contains("back to 3") })
  }

  func testCordonKeepsNewPodsOffTheNodeUntilUncordoned() {
    let h = Harness()
    h.run(to: 10)
    let node = h.flask[0].node!
    h.inject(.cordon, .node(name: node)) { $0.duration = 60 }
    XCTAssertTrue(h.state.nodes[node]?.unschedulable ?? false)
    // Kill every flask pod: none of the replacements lands on the cordoned node.
    h.inject(.podKill, flaskWorkload) { $0.mode = .all }
    h.run(to: 40)
    let replacements = h.flask.filter { !$0.isTerminating }
    XCTAssertEqual(replacements.count, 3)
    XCTAssertFalse(replacements.contains { $0.node == node })
    h.run(to: 71)
    XCTAssertFalse(h.state.nodes[node]?.unschedulable ?? true, "uncordoned when the fault ends")
  }

  func testPanicUndoesScaleAndCordon() {
    let h = Harness()
    h.run(to: 10)
    h.inject(.scale, .workload(namespace: "pipeline", name: "spark-worker")) { $0.replicas = 0 }
    h.inject(.cordon, .node(name: "node-a1"))
    h.store.dispatch(.abortAllFaults)
    h.run(to: 11)
    XCTAssertEqual(h.state.workloads["pipeline/spark-worker"]?.desiredReplicas, 3)
    XCTAssertFalse(h.state.nodes["node-a1"]!.unschedulable)
  }
}

/// Fault targeting is FaultPlan's, for the demo as for a real cluster: the configured primary
/// selector decides which pod "kill primary" hits.
final class DemoTargetingTests: XCTestCase {
  func testTheDemoHonoursTheConfiguredPrimarySelector() {
    let h = Harness()
    h.run(to: 10)
    var state = h.state
    // A selector under which the replica is "the primary": the demo must kill that one.
    state.session.roleSelector = RoleSelector.parse("role=replica")!
    let replica = state.pods.values.first { $0.workload == "postgres" && $0.role == "replica" }!
    let out = h.cluster.perform(
      .inject(id: 1, FaultRequest(kind: .killPrimary, target: .workload(namespace: "pipeline", name: "postgres"))),
      state: state)
    guard
      case .faultStarted(_, _, _, let pods, _)? = out.first(where: {
        if case .faultStarted = $0 { true } else { false }
      })
    else { return XCTFail("not started: \(out)") }
    XCTAssertEqual(pods, [replica.id])
    // Nothing matches: refused in words.
    state.session.roleSelector = RoleSelector.parse("cnpg.io/instanceRole=primary")!
    let none = h.cluster.perform(
      .inject(id: 2, FaultRequest(kind: .killPrimary, target: .workload(namespace: "pipeline", name: "postgres"))),
      state: state)
    XCTAssertEqual(
      none, [.faultFailed(id: 2, message: "no pod of workload pipeline/postgres matches the primary selector")])
  }
}
