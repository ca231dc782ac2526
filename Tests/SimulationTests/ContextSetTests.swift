import ClusterState
import Experiments
import Simulation
import XCTest

/// Two demo clusters, a (seed 1) and b (seed 2), as one session's source, wired to a store.
func twoDemoContexts(bReadOnly: Bool = false) -> (ContextSet, Store) {
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

/// Two demo clusters as one session: every fault reaches only the cluster its target is in, with
/// that cluster's own names; the panic key ends each fault where it was made; a log is followed in
/// its own context.
final class ContextSetTests: XCTestCase {
  func session(bReadOnly: Bool = false) -> (ContextSet, Store) { twoDemoContexts(bReadOnly: bReadOnly) }

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

  /// A context's own Prometheus, as the set sees it: what it posts, when it is started and stopped.
  final class OwnSource: ActionSource {
    var inbox: Inbox?
    var stopped = false
    func start(inbox: Inbox) { self.inbox = inbox }
    func stop() { stopped = true }
  }

  func testAContextsOwnPrometheusSpeaksForThatContextOnly() {
    let (set, store) = session()
    let prom = OwnSource()
    set.add(prom, toMember: 1)
    let inbox = Inbox()
    set.start(inbox: inbox)
    _ = inbox.drain()
    let firing = Alert(
      name: "PostgresDown", state: "firing", labels: ["namespace": "pipeline"], summary: "", activeAt: 1)
    prom.inbox?.post([.alerts([firing], time: 2)])
    store.dispatch(inbox.drain())
    XCTAssertEqual(store.state.alerts.map(\.shownName), ["b:PostgresDown"])
    XCTAssertEqual(store.state.alerts.first?.labels["namespace"], "b:pipeline")
    set.stop()
    XCTAssertTrue(prom.stopped, "the context's own sources stop with it")
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

/// An experiment whose groups live in different clusters: the method acts in the experimental
/// group's context only, and the control group is read from the other.
final class ContextExperimentTests: XCTestCase {
  func run(_ yaml: String) throws -> (ExperimentRun, Store) {
    let (set, store) = twoDemoContexts()
    let e = try ExperimentFile.parse(yaml, file: "t.yaml")
    var r = ExperimentRun(e, at: 0)
    var t: Seconds = 0
    while !r.isFinished && t < 400 {
      t = ((t + 0.1) * 10).rounded() / 10
      store.dispatch(set.actions(atVirtual: t))
      for a in r.step(store.state) { store.dispatch(a) }
    }
    return (r, store)
  }

  func testGroupsNameTheirContext() throws {
    let (r, store) = try run(
      """
      title: Kill the primary in a, b as control
      groups:
        experimental: {namespace: pipeline, context: a}
        control: {namespace: pipeline, context: b}
      method:
        - fault: kill-primary
          target: {workload: postgres}
      hypotheses:
        - {name: promoted, primary-changes: postgres, within: 30s}
        - recovers-within: 90s
      """)
    XCTAssertEqual(r.verdict, .passed, r.log.map(\.text).joined(separator: "\n"))
    XCTAssertEqual(r.experiment.experimental.namespace, "a:pipeline")
    XCTAssertEqual(r.experiment.control?.namespace, "b:pipeline")
    XCTAssertEqual(store.state.faults.map(\.workloads), [["a:pipeline/postgres"]], "the fault was made in a only")
  }

  func testAGroupInNoContextOfTheSessionIsAbortedInWords() throws {
    let (r, store) = try run(
      """
      title: No context named
      groups:
        experimental: {namespace: pipeline}
      method:
        - fault: pod-kill
          target: {workload: flask}
      hypotheses:
        - recovers-within: 60s
      """)
    guard case .notRun(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertEqual(
      why, "this session shows several contexts (a, b): groups.experimental must name one (context: ALIAS)")
    XCTAssertTrue(store.state.faults.isEmpty, "nothing was sent to either cluster")
  }
}
