import Foundation
import Panels
import Simulation
import TestSupport
import XCTest
import Yams

@testable import ClusterState
@testable import KubeClient

/// DNS errors, clock skew, IO latency and HTTP abort: the Chaos Mesh resources chaostui sends are
/// what the real CRDs' schemas accept (lab/crds, taken from Chaos Mesh); in the demo each has an
/// effect the panes show, ends by itself, and the panic key ends it.
final class NewFaultsTests: XCTestCase {
  static let crds = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../lab/crds").standardized.path

  /// `value` checked against an OpenAPI v3 schema: types, enums, required keys, no unknown key.
  func check(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
    var problems: [String] = []
    switch schema["type"] as? String {
    case "object":
      guard let obj = value as? [String: Any] else { return ["\(path): not an object"] }
      let props = schema["properties"] as? [String: Any]
      for key in (schema["required"] as? [String]) ?? [] where obj[key] == nil {
        problems.append("\(path).\(key): required, missing")
      }
      for (k, v) in obj {
        if let p = props?[k] as? [String: Any] {
          problems += check(v, p, at: path + "." + k)
        } else if let extra = schema["additionalProperties"] as? [String: Any] {
          problems += check(v, extra, at: path + "." + k)
        } else if props != nil {
          problems.append("\(path).\(k): not in the schema")
        }
      }
    case "array":
      guard let a = value as? [Any] else { return ["\(path): not an array"] }
      if let items = schema["items"] as? [String: Any] { for v in a { problems += check(v, items, at: path + "[]") } }
    case "string":
      guard let s = value as? String else { return ["\(path): not a string"] }
      if let e = schema["enum"] as? [String], !e.contains(s) { problems.append("\(path): \(s) not one of \(e)") }
    case "integer":
      if !(value is Int) { problems.append("\(path): not an integer") }
    case "boolean":
      if !(value is Bool) { problems.append("\(path): not a boolean") }
    default: break
    }
    return problems
  }

  func pods(_ workload: String, containers: [String]) -> [Pod] {
    (0..<2).map { i in
      var p = Pod(
        namespace: "pipeline", name: "\(workload)-\(i)", phase: .running, status: "Running", created: 0,
        labels: ["app": workload], workload: workload)
      p.containerNames = containers
      return p
    }
  }

  func testTheResourcesAreWhatTheRealCRDsAccept() throws {
    let cases: [(FaultKind, String, [String])] = [
      (.dnsError, "flask", ["flask"]), (.timeSkew, "flask", ["flask"]),
      (.ioLatency, "postgres", ["postgres", "exporter"]), (.httpAbort, "flask", ["flask"]),
      (.containerKill, "flask", ["flask"]), (.networkDelay, "postgres", ["postgres"]), (.cpuHog, "flask", ["flask"]),
    ]
    for (kind, workload, containers) in cases {
      let req = FaultRequest(kind: kind, target: .workload(namespace: "pipeline", name: workload))
      let body = try XCTUnwrap(
        ChaosMesh.body(
          req, id: 3, session: "s1", pods: pods(workload, containers: containers), state: ClusterSnapshot()))
      let text = try String(contentsOfFile: Self.crds + "/\(body.plural).yaml", encoding: .utf8)
      let crd = try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any])
      let spec = crd["spec"] as! [String: Any]
      let names = spec["names"] as! [String: Any]
      XCTAssertEqual(body.json["kind"] as? String, names["kind"] as? String)
      let version = (spec["versions"] as! [[String: Any]]).first { $0["name"] as? String == "v1alpha1" }!
      let schema = ((version["schema"] as! [String: Any])["openAPIV3Schema"] as! [String: Any])
      let specSchema = (schema["properties"] as! [String: Any])["spec"] as! [String: Any]
      let problems = check(body.json["spec"]!, specSchema, at: "\(body.plural).spec")
      XCTAssertEqual(problems, [], "\(kind)")
      if kind == .dnsError {
        // The checker itself: a bad mode and an unknown field are found.
        let bad: [String: Any] = ["mode": "sometimes", "selector": [String: Any](), "action": "error", "bogus": 1]
        XCTAssertEqual(check(bad, specSchema, at: "x").count, 2, check(bad, specSchema, at: "x").description)
      }
    }
    let io = ChaosMesh.body(
      FaultRequest(kind: .ioLatency, target: .workload(namespace: "pipeline", name: "postgres")), id: 1, session: "s",
      pods: pods("postgres", containers: ["postgres"]), state: ClusterSnapshot())!
    let ioSpec = io.json["spec"] as! [String: Any]
    XCTAssertEqual(ioSpec["volumePath"] as? String, "/var/lib/postgresql/data")
    XCTAssertEqual(ioSpec["delay"] as? String, "100ms")
    let skew = ChaosMesh.body(
      FaultRequest(kind: .timeSkew, target: .pod(namespace: "pipeline", name: "flask-0")), id: 1, session: "s",
      pods: pods("flask", containers: ["flask"]), state: ClusterSnapshot())!
    XCTAssertEqual((skew.json["spec"] as! [String: Any])["timeOffset"] as? String, "-600s")
    XCTAssertEqual(Set(ChaosMesh.plurals).count, 7, "every CRD in lab/crds is one chaostui makes")
  }

  /// Each fault on its natural target in the demo: what it does, then gone by itself.
  func testEachNewFaultHasAVisibleEffectAndEnds() {
    func run(_ kind: FaultKind, _ target: String, duration: Seconds = 30, check: (ClusterSnapshot) -> String?) {
      let demo = DemoCluster(options: Simulator.Options())
      let store = Store()
      store.executor = { [store] e in demo.perform(e, state: store.state) }
      store.dispatch(demo.actions(atVirtual: 10))
      var req = FaultRequest(kind: kind, target: .workload(namespace: "pipeline", name: target))
      req.parameters.duration = duration
      store.dispatch(.requestFault(req))
      XCTAssertEqual(store.state.activeFaults.count, 1, "\(kind) started")
      for t in stride(from: 10.5, through: 30, by: 0.5) { store.dispatch(demo.actions(atVirtual: t)) }
      if let problem = check(store.state) { XCTFail("\(kind): \(problem)") }
      for t in stride(from: 30.5, through: 45, by: 0.5) { store.dispatch(demo.actions(atVirtual: t)) }
      XCTAssertTrue(store.state.activeFaults.isEmpty, "\(kind) ended by itself")
      XCTAssertEqual(store.state.incidents.count, 1, "\(kind): an incident")
    }
    let flask = "pipeline/flask"
    run(.dnsError, "flask") { s in
      (s.workloadSeries[flask]?.errorPercent.last ?? 0) > 50
        ? nil : "Flask errors \(s.workloadSeries[flask]?.errorPercent.last ?? -1)"
    }
    run(.httpAbort, "flask") { s in
      (s.workloadSeries[flask]?.errorPercent.last ?? 0) > 90
        ? nil : "Flask errors \(s.workloadSeries[flask]?.errorPercent.last ?? -1)"
    }
    run(.timeSkew, "flask") { s in
      (s.workloadSeries[flask]?.errorPercent.last ?? 0) > 20
        ? nil : "token checks: errors \(s.workloadSeries[flask]?.errorPercent.last ?? -1)"
    }
    run(.timeSkew, "postgres") { s in
      s.workloads["pipeline/postgres"]!.readyReplicas < 2 ? nil : "the skewed replica should stop being Ready"
    }
    run(.ioLatency, "postgres") { s in
      let db = s.workloadSeries["pipeline/postgres"]?.latencyP99Ms.last ?? 0
      let web = s.workloadSeries[flask]?.latencyP99Ms.last ?? 0
      return db > 250 && web > 300 ? nil : "p99 postgres \(db), flask \(web)"
    }
    // The panic key ends one at once.
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.executor = { [store] e in demo.perform(e, state: store.state) }
    store.dispatch(demo.actions(atVirtual: 10))
    store.dispatch(
      .requestFault(FaultRequest(kind: .dnsError, target: .workload(namespace: "pipeline", name: "flask"))))
    store.dispatch(.abortAllFaults)
    XCTAssertTrue(store.state.activeFaults.isEmpty)
  }
}

/// Node faults in the demo: a stopped node goes NotReady, its pods lose readiness, the node
/// controller evicts them after their toleration and their controllers replace them elsewhere; a
/// drain cordons and evicts within the disruption budgets; both are set back at their end.
final class NodeFaultsTests: XCTestCase {
  func demo() -> (DemoCluster, Store) {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.executor = { [store] e in demo.perform(e, state: store.state) }
    store.dispatch(demo.actions(atVirtual: 10))
    return (demo, store)
  }

  func testAStoppedNodeEvictsAfterItsTolerationThenComesBack() {
    let (demo, store) = demo()
    let node = store.state.pods.values.first { $0.workload == "flask" }!.node!
    let onNode = store.state.pods.values.filter { $0.node == node }.map(\.id)
    XCTAssertFalse(onNode.isEmpty)
    var req = FaultRequest(kind: .nodeStop, target: .node(name: node))
    req.parameters.duration = 90
    XCTAssertEqual(FaultPlan.blastRadius(req, state: store.state).count, onNode.count)
    store.dispatch(.requestFault(req))
    store.dispatch(demo.actions(atVirtual: 11))
    XCTAssertEqual(store.state.nodes[node]?.ready, false)
    XCTAssertTrue(onNode.allSatisfy { store.state.pods[$0]?.isReady == false }, "its pods lose readiness")
    for t in stride(from: 11.5, through: 38, by: 0.5) { store.dispatch(demo.actions(atVirtual: t)) }
    XCTAssertTrue(onNode.allSatisfy { store.state.pods[$0]?.isTerminating == false }, "not before the toleration")
    for t in stride(from: 38.5, through: 70, by: 0.5) { store.dispatch(demo.actions(atVirtual: t)) }
    XCTAssertTrue(onNode.allSatisfy { store.state.pods[$0]?.isTerminating ?? true }, "evicted after 30 s")
    let flaskElsewhere = store.state.pods.values.filter {
      $0.workload == "flask" && $0.node != node && $0.isReady && $0.namespace == "pipeline"
    }
    XCTAssertGreaterThanOrEqual(flaskElsewhere.count, 3, "replaced on the other nodes")
    XCTAssertTrue(
      store.state.timeline.contains { $0.text.contains("TaintManagerEviction") || $0.text.contains("NotReady") })
    for t in stride(from: 70.5, through: 120, by: 0.5) { store.dispatch(demo.actions(atVirtual: t)) }
    XCTAssertEqual(store.state.nodes[node]?.ready, true, "started again at the end")
    XCTAssertEqual(store.state.incidents.first?.title, "node-stop node \(node)")
    XCTAssertFalse(store.state.incidents.first?.workloads.isEmpty ?? true, "it watches the node's workloads")
    XCTAssertNotNil(store.state.incidents.first?.detected, "the pods' lost readiness is detected")
    XCTAssertTrue(store.state.activeFaults.isEmpty)
    XCTAssertTrue(
      onNode.allSatisfy { id in store.state.pods[id].map { !$0.isTerminating } ?? true }, "evicted pods gone")
  }

  func testADrainCordonsEvictsWithinBudgetsAndUncordons() {
    let (demo, store) = demo()
    var notices: [String] = []
    store.notifier = { notices.append($0) }
    let node = store.state.pods.values.first { $0.workload == "flask" }!.node!
    let before = store.state.pods.values.filter { $0.node == node }.count
    var req = FaultRequest(kind: .drain, target: .node(name: node))
    req.parameters.duration = 40
    store.dispatch(.requestFault(req))
    XCTAssertEqual(store.state.nodes[node]?.unschedulable, true)
    XCTAssertTrue(notices.contains { $0.hasPrefix("Drained \(node): evicted ") }, "\(notices)")
    let evicting = store.state.pods.values.filter { $0.node == node && $0.isTerminating }.count
    XCTAssertGreaterThan(evicting, 0)
    XCTAssertLessThanOrEqual(evicting, before)
    for t in stride(from: 10.5, through: 60, by: 0.5) { store.dispatch(demo.actions(atVirtual: t)) }
    XCTAssertEqual(store.state.nodes[node]?.unschedulable, false, "uncordoned at the end")
    XCTAssertEqual(
      store.state.pods.values.filter { $0.workload == "flask" && $0.namespace == "pipeline" && $0.isReady }.count, 3)
  }
}

/// Oversubscription: requests and limits against allocatable per node, QoS classes, and memory
/// pressure that makes the demo's kubelet evict the lowest priority first, with the reason.
final class CapacityTests: XCTestCase {
  func testQoSClassesAndNodeFigures() {
    var best = Pod(namespace: "a", name: "be", phase: .running, created: 0, node: "n1")
    XCTAssertEqual(best.qosClass, "BestEffort")
    var g = Pod(
      namespace: "a", name: "g", phase: .running, created: 0, node: "n1", cpuRequestMilli: 500, memoryLimitBytes: 1e9)
    g.cpuLimitMilli = 500
    g.memoryRequestBytes = 1e9
    XCTAssertEqual(g.qosClass, "Guaranteed")
    var b = g
    b.name = "b"
    b.cpuLimitMilli = 2000
    XCTAssertEqual(b.qosClass, "Burstable")
    var s = ClusterSnapshot()
    let node = Node(name: "n1", zone: "z", cpuCapacityMilli: 2000, memoryCapacityBytes: 4e9)
    s.objects.nodes["n1"] = node
    best.node = "n1"
    for p in [best, g, b] { s.podSet.pods[p.id] = p }
    let f = CapacityPane.figures(node, s)
    XCTAssertEqual(f.pods, 3)
    XCTAssertEqual(f.cpuRequest, 1000)
    XCTAssertEqual(f.cpuLimit, 500 + 2000 + 2000, "a pod without a limit can take the whole node")
    XCTAssertEqual(f.unlimited, 1)
    XCTAssertEqual(f.memLimit, 1e9 + 1e9 + 4e9)
  }

  func testMemoryPressureEvictsTheLowestPriorityFirstWithTheReason() {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.executor = { [store] e in demo.perform(e, state: store.state) }
    store.dispatch(demo.actions(atVirtual: 10))
    // The node with a Spark worker (priority 0) and something of higher priority.
    let worker = store.state.pods.values.first { $0.workload == "spark-worker" && $0.namespace == "pipeline" }!
    let node = worker.node!
    XCTAssertEqual(worker.priority, 0)
    XCTAssertEqual(worker.qosClass, "Burstable")
    var req = FaultRequest(kind: .memoryPressure, target: .node(name: node))
    req.parameters.pressureMiB = 1000
    store.dispatch(.requestFault(req))
    var evicted: [ClusterEvent] = []
    for t in stride(from: 10.5, through: 20, by: 0.5) {
      store.dispatch(demo.actions(atVirtual: t))
      evicted = store.state.events.filter { $0.reason == "Evicted" }
    }
    XCTAssertFalse(evicted.isEmpty)
    let first = evicted[0]
    XCTAssertTrue(first.object.contains("spark-worker"), "the lowest priority first: \(first.object)")
    XCTAssertTrue(
      first.message.hasPrefix("The node was low on resource: memory. Container spark was using "), first.message)
    XCTAssertTrue(first.message.contains("which exceeds its request of 1024Mi (priority 0)"), first.message)
    XCTAssertEqual(evicted.count, 1, "a 1.2 GiB worker frees the 1000 MiB asked")
    XCTAssertTrue(store.state.timeline.contains { $0.text.contains("low on resource: memory") })
  }
}

extension NewFaultsTests {
  /// A state with the workloads' pods, as the executor reads them.
  func state(_ workloads: [String: [String]]) -> ClusterSnapshot {
    var s = ClusterSnapshot()
    for (w, containers) in workloads {
      for p in pods(w, containers: containers) { s.podSet.pods[p.id] = p }
      s.objects.workloads["pipeline/" + w] = Workload(
        kind: .deployment, namespace: "pipeline", name: w, desiredReplicas: 2, currentReplicas: 2, readyReplicas: 2)
    }
    return s
  }

  /// The spec a fault sends, checked against its CRD in lab/crds; the problems found.
  func problems(_ req: FaultRequest, _ s: ClusterSnapshot, pods: [Pod]) throws -> (
    spec: [String: Any], found: [String], schema: [String: Any]
  ) {
    let body = try XCTUnwrap(ChaosMesh.body(req, id: 3, session: "s1", pods: pods, state: s))
    let text = try String(contentsOfFile: Self.crds + "/\(body.plural).yaml", encoding: .utf8)
    let crd = try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any])
    let version = ((crd["spec"] as! [String: Any])["versions"] as! [[String: Any]]).first {
      $0["name"] as? String == "v1alpha1"
    }!
    let schema = ((version["schema"] as! [String: Any])["openAPIV3Schema"] as! [String: Any])
    let specSchema = (schema["properties"] as! [String: Any])["spec"] as! [String: Any]
    let spec = body.json["spec"] as! [String: Any]
    return (spec, check(spec, specSchema, at: "\(body.plural).spec"), specSchema)
  }

  func testANetworkPartitionNamesThePeersPodsAsTheCRDWants() throws {
    let s = state(["flask": ["flask"], "postgres": ["postgres"]])
    var req = FaultRequest(kind: .networkPartition, target: .workload(namespace: "pipeline", name: "flask"))
    req.parameters.peer = "postgres"
    let (spec, found, schema) = try problems(req, s, pods: pods("flask", containers: ["flask"]))
    XCTAssertEqual(found, [])
    XCTAssertEqual(spec["action"] as? String, "partition")
    XCTAssertEqual(spec["direction"] as? String, "both")
    let target = try XCTUnwrap(spec["target"] as? [String: Any])
    let selector = try XCTUnwrap(target["selector"] as? [String: Any])
    XCTAssertEqual(selector["labelSelectors"] as? [String: String], ["app": "postgres"])
    XCTAssertEqual((spec["selector"] as? [String: Any])?["labelSelectors"] as? [String: String], ["app": "flask"])
    // A direction the CRD does not know is found by the checker; nothing on the other side is refused.
    var bad = spec
    bad["direction"] = "sideways"
    bad["target"] = ["mode": "all", "selector": ["namespaces": "pipeline"]]
    XCTAssertEqual(
      check(bad, schema, at: "x").sorted(),
      ["x.direction: sideways not one of [\"to\", \"from\", \"both\"]", "x.target.selector.namespaces: not an array"]
        .sorted(), "the checker sees a wrong direction and a wrong target")
    req.parameters.peer = "redis"
    guard case .refused(let why) = FaultExecution.of(req, pods: [], state: s) else { return XCTFail("refused") }
    XCTAssertEqual(why, "workload pipeline/redis has no pods to cut off")
    req.parameters.peer = nil
    guard case .refused = FaultExecution.of(req, pods: [], state: s) else { return XCTFail("refused") }
  }
}

extension NewFaultsTests {
  func testABandwidthLimitIsWhatTheCRDAccepts() throws {
    let s = state(["flask": ["flask"]])
    var req = FaultRequest(kind: .bandwidthLimit, target: .workload(namespace: "pipeline", name: "flask"))
    req.parameters.rateKbit = 256
    let (spec, found, schema) = try problems(req, s, pods: pods("flask", containers: ["flask"]))
    XCTAssertEqual(found, [])
    XCTAssertEqual(spec["action"] as? String, "bandwidth")
    let bw = try XCTUnwrap(spec["bandwidth"] as? [String: Any])
    XCTAssertEqual(bw["rate"] as? String, "256kbit")
    XCTAssertEqual(bw["limit"] as? Int, 20_971_520)
    XCTAssertEqual(bw["buffer"] as? Int, 10_000)
    var bad = spec
    bad["bandwidth"] = ["rate": "1mbit", "limit": "lots"]
    XCTAssertEqual(
      check(bad, schema, at: "x").sorted(),
      ["x.bandwidth.buffer: required, missing", "x.bandwidth.limit: not an integer"],
      "the checker sees a missing buffer and a limit that is not a number")
  }
}
