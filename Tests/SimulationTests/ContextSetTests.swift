import ClusterState
import Simulation
import XCTest

/// Two demo clusters as one session: every fault reaches only the cluster its target is in, with
/// that cluster's own names; the panic key ends each fault where it was made; a log is followed in
/// its own context.
final class ContextSetTests: XCTestCase {
  func session(bReadOnly: Bool = false) -> (ContextSet, Store) {
    var o = Simulator.Options()
    o.controlGroup = false
    var o2 = o
    o2.seed = 2
    var sb = ContextStatus(alias: "b", name: "standby")
    if bReadOnly { sb.readOnlyReason = "the config file says read-only (contexts)" }
    let set = ContextSet([
      (DemoCluster(options: o), ContextStatus(alias: "a", name: "primary")), (DemoCluster(options: o2), sb),
    ])
    let store = Store()
    store.executor = { [unowned store] effect in set.perform(effect, state: store.state) }
    store.dispatch(set.actions(atVirtual: 0))
    return (set, store)
  }

  func advance(_ set: ContextSet, _ store: Store, from: Seconds, to: Seconds) {
    for t in stride(from: from, through: to, by: 0.5) { store.dispatch(set.actions(atVirtual: t)) }
  }

  func testAFaultReachesOnlyItsOwnContext() {
    let (set, store) = session()
    XCTAssertEqual(store.state.contexts.map(\.alias), ["a", "b"])
    XCTAssertEqual(store.state.contexts.map(\.connection), [.simulated, .simulated])
    let before = store.state.pods
    XCTAssertNotNil(before["a:pipeline/postgres-0"])
    XCTAssertNotNil(before["b:pipeline/postgres-0"])
    XCTAssertFalse(before.keys.contains { !$0.hasPrefix("a:") && !$0.hasPrefix("b:") }, "every pod names its context")

    store.dispatch(
      .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "b:pipeline", name: "postgres-0"))))
    advance(set, store, from: 0.5, to: 3)
    let after = store.state
    XCTAssertEqual(after.faults.count, 1)
    XCTAssertEqual(after.faults[0].pods, ["b:pipeline/postgres-0"])
    XCTAssertEqual(after.incidents.first?.workloads, ["b:pipeline/postgres"])
    let b0 = after.pods["b:pipeline/postgres-0"]
    XCTAssertTrue(
      b0 == nil || b0!.isTerminating || b0!.created > before["b:pipeline/postgres-0"]!.created, "b's pod was killed")
    XCTAssertEqual(after.pods["a:pipeline/postgres-0"]?.created, before["a:pipeline/postgres-0"]?.created)
    XCTAssertEqual(after.pods["a:pipeline/postgres-0"]?.isTerminating, false, "a's pod of the same name is untouched")
  }

  func testThePanicKeyEndsEachFaultWhereItWasMade() {
    let (set, store) = session()
    var hog = FaultRequest(kind: .cpuHog, target: .workload(namespace: "a:pipeline", name: "flask"))
    hog.parameters.duration = 600
    store.dispatch(.requestFault(hog))
    hog.target = .workload(namespace: "b:pipeline", name: "spark-master")
    store.dispatch(.requestFault(hog))
    advance(set, store, from: 0.5, to: 2)
    XCTAssertEqual(store.state.activeFaults.count, 2)
    store.dispatch(.abortAllFaults)
    advance(set, store, from: 2.5, to: 3)
    XCTAssertEqual(
      store.state.activeFaults.count, 0, store.state.faults.map { "\($0.id) \($0.state)" }.joined(separator: ", "))
  }

  func testAReadOnlyContextSendsNothing() {
    let (set, store) = session(bReadOnly: true)
    let before = store.state.pods["b:pipeline/postgres-0"]
    store.dispatch(
      .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "b:pipeline", name: "postgres-0"))))
    advance(set, store, from: 0.5, to: 3)
    XCTAssertTrue(store.state.faults.isEmpty)
    XCTAssertEqual(store.state.pods["b:pipeline/postgres-0"]?.created, before?.created)
  }

  func testALogIsFollowedInItsOwnContext() {
    let (set, store) = session()
    let req = LogRequest(namespace: "b:pipeline", pod: "postgres-0")
    store.dispatch(.followLogs(req))
    advance(set, store, from: 0.5, to: 3)
    XCTAssertEqual(store.state.logs?.request, req)
    XCTAssertFalse(store.state.logs?.lines.isEmpty ?? true, "b's lines come back, named with b")
  }
}
