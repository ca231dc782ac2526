import ClusterState
import XCTest

/// The reducer and the incident arithmetic on hand-made actions: no simulator.
final class ReducerTests: XCTestCase {
  func pod(_ name: String, ready: Bool, at t: Seconds = 0) -> Pod {
    Pod(
      namespace: "shop", name: name, phase: .running, status: "Running",
      readyContainers: ready ? 1 : 0,
      totalContainers: 1, created: t, workload: "web")
  }

  func web(ready: Int, desired: Int = 2) -> Workload {
    Workload(
      kind: .deployment, namespace: "shop", name: "web", desiredReplicas: desired, currentReplicas: desired,
      readyReplicas: ready)
  }

  /// A store whose executor confirms faults on pods web-a at the current time.
  func makeStore() -> Store {
    let store = Store()
    store.dispatch([
      .podUpserted(pod("web-a", ready: true)), .podUpserted(pod("web-b", ready: true)),
      .workloadUpserted(web(ready: 2)),
    ])
    store.executor = { [unowned store] effect in
      switch effect {
      case .inject(let id, let req):
        let ends = req.kind.isOneShot ? store.state.now : store.state.now + req.parameters.duration
        return [.faultStarted(id: id, time: store.state.now, ends: ends, pods: ["shop/web-a"], workloads: ["shop/web"])]
      case .abort(let ids): return ids.map { .faultEnded(id: $0, time: store.state.now, reason: "aborted") }
      case .notify, .followLogs, .restoreLeftovers, .moveLever: return []
      }
    }
    return store
  }

  func testMTTDAndMTTRArithmetic() {
    let store = makeStore()
    store.dispatch(.tick(100))
    store.dispatch(.requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "web-a"))))
    XCTAssertEqual(store.state.incidents.count, 1)
    XCTAssertEqual(store.state.incidents[0].injected, 100)
    XCTAssertEqual(store.state.incidents[0].status, .detecting)
    // Still healthy at 100.5; readiness lost at 101.5.
    store.dispatch(.tick(100.5))
    store.dispatch(.podUpserted(pod("web-a", ready: false)))
    store.dispatch(.workloadUpserted(web(ready: 1)))
    store.dispatch(.tick(101.5))
    var inc = store.state.incidents[0]
    XCTAssertEqual(inc.detected, 101.5)
    XCTAssertEqual(inc.ttd!, 1.5, accuracy: 1e-9)
    XCTAssertTrue(inc.detectedBy!.contains("replica shortfall"), inc.detectedBy!)
    // Healthy again at 105; the hold is 10 s, so recovery is confirmed at 115 and dated 105.
    store.dispatch(.podDeleted(id: "shop/web-a"))
    store.dispatch(.podUpserted(pod("web-c", ready: true, at: 103)))
    store.dispatch(.workloadUpserted(web(ready: 2)))
    store.dispatch(.tick(105))
    XCTAssertEqual(store.state.incidents[0].status, .recovering)
    store.dispatch(.tick(114.9))
    XCTAssertEqual(store.state.incidents[0].status, .recovering)
    store.dispatch(.tick(115))
    inc = store.state.incidents[0]
    XCTAssertEqual(inc.status, .recovered)
    XCTAssertEqual(inc.ttr!, 5, accuracy: 1e-9)
    let sum = store.state.summary
    XCTAssertEqual(sum.meanTTR!, 5, accuracy: 1e-9)
    XCTAssertEqual(sum.maxTTR!, 5, accuracy: 1e-9)
    XCTAssertEqual(sum.meanTTD!, 1.5, accuracy: 1e-9)
  }

  func testRelapseDuringTheHoldRestartsIt() {
    let store = makeStore()
    store.dispatch(.tick(10))
    store.dispatch(.requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "web-a"))))
    store.dispatch(.workloadUpserted(web(ready: 1)))
    store.dispatch(.tick(11))
    store.dispatch(.workloadUpserted(web(ready: 2)))
    store.dispatch(.tick(12))
    store.dispatch(.workloadUpserted(web(ready: 1)))
    store.dispatch(.tick(15))
    store.dispatch(.workloadUpserted(web(ready: 2)))
    store.dispatch(.tick(16))
    store.dispatch(.tick(26))
    XCTAssertEqual(store.state.incidents[0].status, .recovered)
    XCTAssertEqual(store.state.incidents[0].ttr!, 6, accuracy: 1e-9, "from T0 to the start of the last healthy stretch")
  }

  func testFaultWithoutImpactClosesAsNoImpact() {
    let store = makeStore()
    store.dispatch(.tick(0))
    var req = FaultRequest(kind: .networkDelay, target: .workload(namespace: "shop", name: "web"))
    req.parameters.duration = 20
    store.dispatch(.requestFault(req))
    store.dispatch(.tick(20))
    store.dispatch(.faultEnded(id: 1, time: 20, reason: "expired"))
    store.dispatch(.tick(29))
    XCTAssertEqual(store.state.incidents[0].status, .detecting)
    store.dispatch(.tick(30))
    XCTAssertEqual(store.state.incidents[0].status, .noImpact)
    XCTAssertNil(store.state.incidents[0].ttr)
  }

  func testReadOnlyRefusesFaultsWithAReason() {
    var state = ClusterSnapshot()
    state.session.readOnly = true
    let store = Store(state: state)
    var executed = 0
    var told: [String] = []
    store.executor = { _ in
      executed += 1
      return []
    }
    store.notifier = { told.append($0) }
    store.dispatch(.requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "a", name: "b"))))
    XCTAssertEqual(executed, 0)
    XCTAssertEqual(told, ["Fault refused: read-only mode (--read-only)"])
  }

  func testPanicAbortsOnlyActiveFaults() {
    let store = makeStore()
    store.dispatch(.requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "web-a"))))
    store.dispatch(.requestFault(FaultRequest(kind: .cpuHog, target: .pod(namespace: "shop", name: "web-a"))))
    XCTAssertEqual(store.state.activeFaults.map(\.id), [2])
    store.dispatch(.abortAllFaults)
    XCTAssertEqual(store.state.activeFaults.count, 0)
    XCTAssertEqual(store.state.faults[1].state, .ended(reason: "aborted"))
  }

  func testDeletedPodLosesItsSeries() {
    let store = makeStore()
    store.dispatch(.podMetrics(time: 1, [PodSample(podID: "shop/web-a", cpuMilli: 5, memoryBytes: 6)]))
    XCTAssertNotNil(store.state.podSeries["shop/web-a"])
    store.dispatch(.podDeleted(id: "shop/web-a"))
    XCTAssertNil(store.state.podSeries["shop/web-a"])
    XCTAssertNil(store.state.pods["shop/web-a"])
    // Samples for unknown pods are dropped, not kept forever.
    store.dispatch(.podMetrics(time: 2, [PodSample(podID: "shop/ghost", cpuMilli: 5, memoryBytes: 6)]))
    XCTAssertNil(store.state.podSeries["shop/ghost"])
  }

  func testTimelineIsBounded() {
    let store = Store()
    for i in 0..<(ClusterSnapshot.timelineLimit + 50) {
      store.dispatch(.event(ClusterEvent(time: Double(i), reason: "Killing", object: "pod/x", message: "m")))
    }
    XCTAssertEqual(store.state.timeline.count, ClusterSnapshot.timelineLimit)
    XCTAssertEqual(store.state.events.count, ClusterSnapshot.eventLimit)
  }
}

final class SmallPartsTests: XCTestCase {
  func testRingBufferKeepsTheNewest() {
    var r = RingBuffer(capacity: 3)
    XCTAssertNil(r.last)
    for v in 1...5 { r.append(Double(v)) }
    XCTAssertEqual(r.values, [3, 4, 5])
    XCTAssertEqual(r.suffix(2), [4, 5])
    XCTAssertEqual(r.suffix(10), [3, 4, 5])
    XCTAssertEqual(r.last, 5)
    XCTAssertEqual(r.count, 3)
  }

  func testDurationFormat() {
    XCTAssertEqual(formatDuration(0), "0.0s")
    XCTAssertEqual(formatDuration(9.84), "9.8s")
    XCTAssertEqual(formatDuration(59.99), "1m00s")
    XCTAssertEqual(formatDuration(65), "1m05s")
    XCTAssertEqual(formatDuration(3725), "1h02m")
    XCTAssertEqual(formatDuration(-1), "-")
  }

  func testRoleSelectorCoversOperatorsInTheWild() {
    let s = RoleSelector.default
    XCTAssertTrue(s.isPrimary(["role": "primary"]))
    XCTAssertTrue(s.isPrimary(["role": "master"]))
    XCTAssertTrue(s.isPrimary(["spilo-role": "master"]))
    XCTAssertTrue(s.isPrimary(["cnpg.io/instanceRole": "primary"]))
    XCTAssertFalse(s.isPrimary(["spilo-role": "replica"]))
    XCTAssertFalse(s.isPrimary(["app": "primary"]))
    let custom = RoleSelector.parse("db-role=writer|leader")!
    XCTAssertTrue(custom.isPrimary(["db-role": "leader"]))
    XCTAssertNil(RoleSelector.parse("nonsense"))
    XCTAssertNil(RoleSelector.parse("=x"))
  }

  func testWeightedRandomIsStable() {
    var a = SplitMix64(seed: 42)
    var b = SplitMix64(seed: 42)
    XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
    var c = SplitMix64(seed: 1)
    for _ in 0..<1000 {
      let u = c.unit()
      XCTAssertTrue(u >= 0 && u < 1)
    }
  }
}

/// Incidents keep to their blast radius: a fault on a service that depends on another's workload,
/// injected while that one's incident recovers, does not hold it open; both are named as overlapping.
final class OverlappingIncidentTests: XCTestCase {
  func pod(_ name: String, _ workload: String, ready: Bool) -> Pod {
    Pod(
      namespace: "shop", name: name, phase: .running, status: "Running", readyContainers: ready ? 1 : 0, created: 0,
      workload: workload)
  }

  func workload(_ name: String, ready: Int) -> Workload {
    Workload(
      kind: .deployment, namespace: "shop", name: name, desiredReplicas: 1, currentReplicas: 1, readyReplicas: ready)
  }

  func testAnIncidentIsJudgedOnItsOwnFaultAndKeepsItsTTR() {
    var s = ClusterSnapshot()
    for a: Action in [
      .tick(0), .podUpserted(pod("db-0", "db", ready: true)), .podUpserted(pod("web-0", "web", ready: true)),
      .workloadUpserted(workload("db", ready: 1)), .workloadUpserted(workload("web", ready: 1)),
      .serviceUpserted(ServiceInfo(namespace: "shop", name: "db", workload: "shop/db"), dependsOn: []),
      .serviceUpserted(ServiceInfo(namespace: "shop", name: "web", workload: "shop/web"), dependsOn: ["shop/db"]),
    ] { _ = reduce(&s, a) }
    // #1: the database's pod is killed at 10 s.
    _ = reduce(&s, .tick(10))
    _ = reduce(&s, .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "db-0"))))
    _ = reduce(&s, .faultStarted(id: 1, time: 10, ends: 10, pods: ["shop/db-0"], workloads: ["shop/db"]))
    _ = reduce(&s, .workloadUpserted(workload("db", ready: 0)))
    _ = reduce(&s, .tick(11))
    XCTAssertNotNil(s.incidents[0].detected)
    XCTAssertTrue(s.incidents[0].services.contains("shop/web"), "web depends on db: #1 watches it too")
    // #2: a CPU hog on web at 15 s for a minute: web's p99 rises.
    _ = reduce(&s, .tick(15))
    var hog = FaultRequest(kind: .cpuHog, target: .workload(namespace: "shop", name: "web"))
    hog.parameters.duration = 60
    _ = reduce(&s, .requestFault(hog))
    _ = reduce(&s, .faultStarted(id: 2, time: 15, ends: 75, pods: ["shop/web-0"], workloads: ["shop/web"]))
    XCTAssertEqual(s.incidents[0].overlaps, [2])
    XCTAssertEqual(s.incidents[1].overlaps, [1])
    XCTAssertTrue(s.timeline.contains { $0.text.hasSuffix("(overlaps #1)") })
    // The database is back at 20 s; web stays slow through the hog.
    _ = reduce(&s, .workloadUpserted(workload("db", ready: 1)))
    for t in stride(from: 20.0, through: 40, by: 1) {
      _ = reduce(&s, .tick(t))
      _ = reduce(&s, .serviceMetrics(time: t, [ServiceSample(namespace: "shop", service: "web", p99Ms: 900)]))
    }
    XCTAssertEqual(s.incidents[0].status, .recovered, "#1 is judged on the database, not on the hog's doing")
    XCTAssertEqual(s.incidents[0].ttr ?? -1, 10, accuracy: 1.01, "db Ready again 10 s after the kill")
    XCTAssertEqual(s.incidents[1].status, .degraded, "#2 is still degraded by its own hog")
  }
}
