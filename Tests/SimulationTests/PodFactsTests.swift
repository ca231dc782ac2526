import Simulation
import TestSupport
import XCTest

@testable import ClusterState

/// The checks of each second read the pods' facts from a cache kept between ticks: through pod
/// kills, a primary's failover and a stopped node (pods, readiness, roles and node readiness all
/// change), the cache must always hold what a fresh pass over the pods finds.
final class PodFactsTests: XCTestCase {
  func testTheCachedFactsAreAlwaysWhatAFreshPassFinds() {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.executor = { [store] e in demo.perform(e, state: store.state) }
    store.dispatch(demo.actions(atVirtual: 5))
    let flask = store.state.pods.values.first { $0.workload == "flask" }!
    var reused = 0
    var worked = 0
    var lastKey: PodFacts.Key?
    for t in stride(from: 5.5, through: 150, by: 0.5) {
      switch t {
      case 10:
        store.dispatch(
          .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: flask.namespace, name: flask.name))))
      case 40:
        store.dispatch(
          .requestFault(FaultRequest(kind: .killPrimary, target: .workload(namespace: "pipeline", name: "postgres"))))
      case 80:
        var req = FaultRequest(kind: .nodeStop, target: .node(name: flask.node!))
        req.parameters.duration = 50
        store.dispatch(.requestFault(req))
      default: break
      }
      store.dispatch(demo.actions(atVirtual: t))
      // The facts are worked out at each whole second, with the checks that read them.
      guard t == t.rounded() else { continue }
      let s = store.state
      guard let cached = s.podFactsCache?.facts else { return XCTFail("no facts after a tick at \(t)") }
      var bare = s
      bare.podFactsCache = nil
      XCTAssertEqual(cached, bare.podFacts, "at \(t)")
      XCTAssertEqual(s.outOfBounds, HealthCheck.outOfBounds(in: bare), "at \(t)")
      if cached.key == lastKey { reused += 1 } else { worked += 1 }
      lastKey = cached.key
    }
    XCTAssertTrue(store.state.timeline.contains { $0.text.contains("primary of postgres is now") })
    XCTAssertGreaterThan(worked, 5, "worked out again as the pods changed")
    XCTAssertGreaterThan(reused, 20, "reused while nothing changed")
  }

  /// A node that turns NotReady, or a service that fronts another workload, with no pod changing:
  /// worked out again.
  func testANodeOrServiceChangeAloneWorksTheFactsOutAgain() throws {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.dispatch(demo.actions(atVirtual: 5))
    var node = try XCTUnwrap(store.state.nodes["node-b1"])
    XCTAssertEqual(store.state.zones.first { $0.name == "zone-b" }?.readyNodes, 1)
    node.ready = false
    store.dispatch([.nodeUpserted(node), .tick(6)])
    XCTAssertEqual(store.state.zones.first { $0.name == "zone-b" }?.readyNodes, 0)
    // The flask service's selector changed to the Postgres pods (same service, another workload).
    var svc = try XCTUnwrap(store.state.services["pipeline/flask"])
    svc.workload = "pipeline/postgres"
    store.dispatch([.serviceUpserted(svc, dependsOn: []), .tick(7)])
    let endpoints = try XCTUnwrap(store.state.podFactsCache?.facts?.endpoints)
    XCTAssertEqual(endpoints["pipeline/flask"], endpoints["pipeline/postgres"])
  }

  /// A restored snapshot (a replay's seek) carries no facts: they are worked out from its pods.
  func testARestoredSnapshotWorksItsFactsOut() throws {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.dispatch(demo.actions(atVirtual: 5))
    let data = try JSONEncoder().encode(store.state)
    XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("withPrimary"), "never written")
    let back = try JSONDecoder().decode(ClusterSnapshot.self, from: data)
    XCTAssertNil(back.podFactsCache?.facts)
    let other = Store()
    other.dispatch(.restore(back))
    other.dispatch(.tick(6))
    XCTAssertEqual(other.state.podFactsCache?.facts?.withPrimary, ["pipeline/postgres"])
  }
}
