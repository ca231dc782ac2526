import ClusterState
import KubeClient
import PromClient
import Simulation
import Transport
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
      case .notify: return []
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
    state.readOnly = true
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
