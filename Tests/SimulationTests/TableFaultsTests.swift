import Experiments
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Simulation

/// The faults added through the fault table: zone outage, network partition, bandwidth limit. In the
/// demo each has its effect and ends by itself; on a real cluster each is carried out (or greyed) as
/// its row says.
final class TableFaultsTests: XCTestCase {
  /// A demo store at t = 10 s with the request injected; `steps` advances the virtual clock.
  func demo(_ req: FaultRequest) -> (Store, DemoCluster) {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.executor = { [store] e in demo.perform(e, state: store.state) }
    store.dispatch(demo.actions(atVirtual: 10))
    store.dispatch(.requestFault(req))
    return (store, demo)
  }

  func advance(_ store: Store, _ demo: DemoCluster, from: Seconds, to: Seconds) {
    for t in stride(from: from, through: to, by: 0.5) { store.dispatch(demo.actions(atVirtual: t)) }
  }

  func testZoneOutageStopsEveryNodeOfTheZoneAndTrafficMovesAway() throws {
    var req = FaultRequest(kind: .zoneOutage, target: .zone(name: "zone-b"))
    req.parameters.duration = 60
    let (store, demo) = self.demo(req)
    XCTAssertEqual(store.state.activeFaults.count, 1, "started")
    advance(store, demo, from: 10.5, to: 20)
    var s = store.state
    XCTAssertEqual(s.nodes["node-b1"]?.ready, false, "zone-b's node NotReady")
    XCTAssertEqual(s.nodes["node-a1"]?.ready, true, "zone-a untouched")
    let onB = s.pods.values.filter { $0.node == "node-b1" }
    XCTAssertFalse(onB.isEmpty)
    XCTAssertTrue(onB.allSatisfy { !$0.isReady }, "its pods unready")
    XCTAssertEqual(s.zoneTraffic["pipeline/flask"]?.latest("zone-b") ?? 0, 0, accuracy: 0.1, "no traffic to zone-b")
    XCTAssertEqual(s.incidents.count, 1)
    XCTAssertEqual(s.incidents[0].title, "zone-outage zone zone-b")
    // Past the toleration (30 s) the node controller evicts them; replacements run in zone-a.
    advance(store, demo, from: 20.5, to: 60)
    s = store.state
    XCTAssertTrue(
      s.pods.values.filter { $0.node == "node-b1" }.allSatisfy(\.isTerminating), "evicted after the toleration")
    let flask = s.pods.values.filter { $0.workload == "flask" && $0.namespace == "pipeline" && $0.isReady }
    XCTAssertGreaterThanOrEqual(flask.count, 3, "Flask back to its replicas in zone-a")
    advance(store, demo, from: 60.5, to: 75)
    s = store.state
    XCTAssertTrue(s.activeFaults.isEmpty, "ended by itself")
    XCTAssertEqual(s.nodes["node-b1"]?.ready, true, "started again")
  }

  func testZoneOutageFromTheMenuTargetsThePodsZoneAndAsksWithTheNodes() throws {
    let (store, demo) = self.demo(FaultRequest(kind: .cordon, target: .node(name: "none")))
    advance(store, demo, from: 10.5, to: 12)
    let s = store.state
    let pod = try XCTUnwrap(s.pods.values.first { $0.node == "node-a2" })
    let req = try XCTUnwrap(FaultPlan.request(for: .zoneOutage, podID: pod.id, scope: .pod, state: s))
    XCTAssertEqual(req.target, .zone(name: "zone-a"))
    XCTAssertTrue(req.kind.descriptor.effect(req, s).hasPrefix("node-a1, node-a2 stop"))
    let radius = FaultPlan.blastRadius(req, state: s)
    XCTAssertEqual(radius.count, s.pods.values.filter { ["node-a1", "node-a2"].contains($0.node ?? "") }.count)
    // A real cluster: done on the nodes, refused in words (never pending).
    XCTAssertEqual(req.kind.descriptor.needs, .onNode)
    guard case .onNode = FaultExecution.of(req, pods: [], state: s) else {
      return XCTFail("zone outage is done on the nodes")
    }
  }

  func testZoneOutageInAnExperimentFile() throws {
    let e = try ExperimentFile.parse(
      "title: z\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - {fault: zone-outage, target: {zone: zone-b}, duration: 45s}\n",
      file: "z.yaml")
    guard case .fault(let req) = e.method[0] else { return XCTFail() }
    XCTAssertEqual(req.target, .zone(name: "zone-b"))
    XCTAssertEqual(req.parameters.duration, 45)
    XCTAssertThrowsError(
      try ExperimentFile.parse(
        "title: z\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - {fault: zone-outage, target: {workload: flask}}\n",
        file: "z.yaml")
    ) {
      XCTAssertEqual(
        "\($0)", "z.yaml:4: zone-outage acts on a zone's nodes: its target names the zone alone (target: {zone: NAME})")
    }
  }
}

extension TableFaultsTests {
  func testANetworkPartitionFromTheDatabaseFailsTheWebTierThenHeals() throws {
    var req = FaultRequest(kind: .networkPartition, target: .workload(namespace: "pipeline", name: "flask"))
    req.parameters.peer = "postgres"
    req.parameters.duration = 30
    let (store, demo) = self.demo(req)
    XCTAssertEqual(store.state.activeFaults.count, 1, "started")
    advance(store, demo, from: 10.5, to: 25)
    let flask = try XCTUnwrap(store.state.workloadSeries["pipeline/flask"])
    XCTAssertGreaterThan(flask.errorPercent.last ?? 0, 80, "every query times out: 503s")
    XCTAssertGreaterThan(flask.latencyP99Ms.last ?? 0, 1000, "waits out the connect timeout")
    XCTAssertEqual(store.state.incidents.count, 1)
    XCTAssertNotNil(store.state.incidents[0].detected, "detected")
    advance(store, demo, from: 25.5, to: 70)
    XCTAssertTrue(store.state.activeFaults.isEmpty, "ended by itself")
    XCTAssertLessThan(store.state.workloadSeries["pipeline/flask"]?.errorPercent.last ?? 100, 5, "healed")
    XCTAssertNotNil(store.state.incidents[0].recovered, "recovered")
  }

  func testAPartitionPicksTheDatabaseFirstAndPlusMinusCyclesThePeer() throws {
    let (store, demo) = self.demo(FaultRequest(kind: .cordon, target: .node(name: "none")))
    advance(store, demo, from: 10.5, to: 12)
    let s = store.state
    let pod = try XCTUnwrap(s.pods.values.first { $0.workload == "flask" && $0.namespace == "pipeline" })
    var req = try XCTUnwrap(FaultPlan.request(for: .networkPartition, podID: pod.id, scope: .allOfWorkload, state: s))
    XCTAssertEqual(req.parameters.peer, "postgres", "the database it calls")
    XCTAssertTrue(req.kind.descriptor.effect(req, s).hasPrefix("no packets both ways between it and postgres"))
    let peers = FaultTable.partitionPeers(req, s)
    XCTAssertFalse(peers.contains("flask"), "never itself")
    var seen: Set<String> = []
    for _ in peers {
      FaultPlan.adjust(&req, up: true, state: s)
      seen.insert(req.parameters.peer ?? "")
    }
    XCTAssertEqual(seen, Set(peers), "+ goes round every other workload")
  }

  func testAPartitionWithNoOneOnTheOtherSideFailsInWords() {
    var req = FaultRequest(kind: .networkPartition, target: .workload(namespace: "pipeline", name: "flask"))
    req.parameters.peer = "nothing-here"
    let (store, _) = self.demo(req)
    XCTAssertTrue(store.state.activeFaults.isEmpty)
    XCTAssertTrue(
      store.state.timeline.contains { $0.text.contains("no workload nothing-here in pipeline to cut off") },
      store.state.timeline.map(\.text).description)
  }

  func testPartitionFieldsInAnExperimentFile() throws {
    func parse(_ strength: String) -> String {
      do {
        let e = try ExperimentFile.parse(
          "title: p\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - {fault: network-partition, target: {workload: flask}, strength: \(strength)}\n",
          file: "p.yaml")
        guard case .fault(let req) = e.method[0] else { return "?" }
        return "\(req.parameters.peer ?? "-") \(req.parameters.direction)"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(parse("{peer: postgres, direction: to}"), "postgres to")
    XCTAssertEqual(parse("{peer: postgres}"), "postgres both")
    XCTAssertEqual(parse("{peer: postgres, direction: up}"), "p.yaml:4: strength.direction: must be to, from or both")
  }
}

extension TableFaultsTests {
  /// Flask's p50 and errors under a bandwidth limit of `kbit`, 15 s in.
  func shaped(_ kbit: Double) -> (p50: Double, errors: Double, store: Store, demo: DemoCluster) {
    var req = FaultRequest(kind: .bandwidthLimit, target: .workload(namespace: "pipeline", name: "flask"))
    req.parameters.rateKbit = kbit
    req.parameters.duration = 30
    let (store, demo) = self.demo(req)
    advance(store, demo, from: 10.5, to: 25)
    let f = store.state.workloadSeries["pipeline/flask"]
    return (f?.latencyP50Ms.last ?? 0, f?.errorPercent.last ?? 0, store, demo)
  }

  func testABandwidthLimitSlowsByItsRateAndPastItDropsRequests() {
    let (baseline, _, _, _) = shaped(10_000_000)
    let wide = shaped(102_400)
    let mid = shaped(10_240)
    let narrow = shaped(1024)
    XCTAssertLessThan(wide.p50 - baseline, 5, "100 Mbit/s: hardly seen")
    XCTAssertGreaterThan(mid.p50, wide.p50 + 10, "10 Mbit/s: each 16 KB answer takes its transfer time and queues")
    XCTAssertLessThan(mid.errors, 5, "below the rate nothing is lost")
    XCTAssertGreaterThan(narrow.errors, 50, "1 Mbit/s is below what the tier sends: most requests time out")
    XCTAssertEqual(narrow.store.state.incidents.count, 1)
    advance(narrow.store, narrow.demo, from: 25.5, to: 70)
    XCTAssertTrue(narrow.store.state.activeFaults.isEmpty, "ended by itself")
    XCTAssertLessThan(narrow.store.state.workloadSeries["pipeline/flask"]?.errorPercent.last ?? 100, 5, "healed")
  }

  func testBandwidthStepsAndFieldsAreChecked() throws {
    var req = FaultRequest(kind: .bandwidthLimit, target: .pod(namespace: "pipeline", name: "flask-0"))
    FaultPlan.adjust(&req, up: true, state: ClusterSnapshot())
    XCTAssertEqual(req.parameters.rateKbit, 256, "+ is a narrower link")
    XCTAssertEqual(
      req.kind.descriptor.effect(req, ClusterSnapshot()).prefix(38), "outgoing traffic at most 256 kbit/s, 2")
    XCTAssertEqual(FaultTable.rateText(1536), "1.5 Mbit/s")
    func parse(_ strength: String) -> String {
      do {
        let e = try ExperimentFile.parse(
          "title: b\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - {fault: bandwidth-limit, target: {workload: flask}, strength: \(strength)}\n",
          file: "b.yaml")
        guard case .fault(let r) = e.method[0] else { return "?" }
        return "\(r.parameters.rateKbit) \(r.parameters.limitBytes) \(r.parameters.bufferBytes)"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(parse("{rate-kbit: 512, limit-bytes: 4096, buffer-bytes: 1500}"), "512.0 4096 1500")
    XCTAssertEqual(parse("{rate-kbit: 0}"), "b.yaml:4: strength.rate-kbit: must be at least 1 kbit/s")
    XCTAssertEqual(parse("{limit-bytes: 0}"), "b.yaml:4: strength.limit-bytes: must be 1 to 2147483647")
  }
}
