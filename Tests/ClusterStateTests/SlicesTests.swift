import ClusterState
import Foundation
import XCTest

/// The state's slices: each revision moves by itself when its slice is written, and only then; the
/// journal layout stays flat.
final class SlicesTests: XCTestCase {
  func pod(_ name: String, ready: Bool = true) -> Pod {
    Pod(
      namespace: "shop", name: name, phase: .running, status: "Running", readyContainers: ready ? 1 : 0,
      totalContainers: 1, created: 0, workload: "web")
  }

  /// Dispatches an action and returns which revisions moved.
  func moved(_ store: Store, _ action: Action) -> Set<String> {
    let before = store.state.revisions
    store.dispatch(action)
    let after = store.state.revisions
    var out = Set<String>()
    if before.clock != after.clock { out.insert("clock") }
    if before.session != after.session { out.insert("session") }
    if before.pods != after.pods { out.insert("pods") }
    if before.objects != after.objects { out.insert("objects") }
    if before.metrics != after.metrics { out.insert("metrics") }
    if before.monitoring != after.monitoring { out.insert("monitoring") }
    if before.faults != after.faults { out.insert("faults") }
    if before.logs != after.logs { out.insert("logs") }
    if out.isEmpty { XCTAssertEqual(before.any, after.any) } else { XCTAssertNotEqual(before.any, after.any) }
    return out
  }

  func testEachFamilyMovesItsOwnSlice() {
    let store = Store()
    store.dispatch(.tick(10))
    XCTAssertEqual(moved(store, .podUpserted(pod("web-a"))), ["pods", "session"])  // and when it was heard
    XCTAssertEqual(moved(store, .podUpserted(pod("web-a"))), [], "the same pod again changes nothing")
    XCTAssertEqual(moved(store, .podUpserted(pod("web-a", ready: false))), ["pods"])
    let web = Workload(
      kind: .deployment, namespace: "shop", name: "web", desiredReplicas: 1, currentReplicas: 1, readyReplicas: 1)
    XCTAssertEqual(moved(store, .workloadUpserted(web)), ["objects"])
    XCTAssertEqual(moved(store, .workloadUpserted(web)), [])
    XCTAssertEqual(
      moved(store, .podMetrics(time: 10, [PodSample(podID: "shop/web-a", cpuMilli: 5, memoryBytes: 1)])), ["metrics"])
    XCTAssertEqual(moved(store, .metricsNote("no metrics API")), ["monitoring"])
    XCTAssertEqual(moved(store, .faultsUnavailable([.dnsError: "no DNSChaos"])), ["faults"])
    XCTAssertEqual(moved(store, .connection(.simulated)), [], "the connection it already has")
    XCTAssertEqual(moved(store, .connection(.connected)), ["session"])
    XCTAssertEqual(moved(store, .tick(10.5)), [], "within the second: nothing judged anew is different")
    XCTAssertTrue(moved(store, .tick(11)).contains("clock"), "each whole second redraws what shows an age")
    XCTAssertEqual(moved(store, .notice("hello")), [])
  }

  func testRestoreMovesEveryRevision() {
    let store = Store()
    store.dispatch([.tick(5), .podUpserted(pod("web-a"))])
    let snap = store.state
    XCTAssertEqual(
      moved(store, .restore(snap)), ["clock", "session", "pods", "objects", "metrics", "monitoring", "faults", "logs"])
    XCTAssertEqual(store.state, snap, "equal in what it shows; only the memo keys moved")
  }

  /// Journals keep one flat object: old journals read, and what is written now reads back whole.
  func testLayoutStaysFlat() throws {
    let store = Store()
    store.dispatch([.tick(5), .podUpserted(pod("web-a")), .metricsNote("note")])
    let data = try JSONEncoder().encode(store.state)
    let top = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    for key in ["now", "pods", "workloads", "podSeries", "metricsNote", "faults", "timeline", "context", "isDemo"] {
      XCTAssertNotNil(top[key], key)
    }
    for key in ["session", "podSet", "objects", "metrics", "monitoring", "chaos", "revisions"] {
      XCTAssertNil(top[key], "no nested slice \(key)")
    }
    let back = try JSONDecoder().decode(ClusterSnapshot.self, from: data)
    XCTAssertEqual(back, store.state)
    XCTAssertEqual(back.pods["shop/web-a"]?.name, "web-a")
  }
}
