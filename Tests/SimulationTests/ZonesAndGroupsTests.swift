import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import Experiments
@testable import PromClient
@testable import Simulation

/// The demo's control group (a second pipeline with the same load), zones, readiness probes that
/// time out under CPU starvation, and the load balancer's traffic share by zone.
final class ZonesAndGroupsTests: XCTestCase {
  let flaskInZoneB = FaultTarget.workload(namespace: "pipeline", name: "flask")

  func share(_ h: Harness, _ svc: String, _ zone: String) -> Double? { h.state.zoneTraffic[svc]?.latest(zone) }

  func testTheControlGroupHasTheSameLoadAndIsLeftAlone() {
    let h = Harness(controlGroup: true)
    h.run(to: 30)
    for ns in ["pipeline", "pipeline-control"] {
      for w in ["flask", "postgres", "spark-master", "spark-worker"] {
        XCTAssertNotNil(h.state.workloads[ns + "/" + w], ns + "/" + w)
      }
      XCTAssertNotNil(h.state.hpas[ns + "/flask"])
      XCTAssertEqual(h.state.primaries[ns + "/postgres"], "postgres-0")
    }
    let rps = ["pipeline", "pipeline-control"].map { h.state.workloadSeries[$0 + "/flask"]!.requestsPerSec.last! }
    XCTAssertEqual(rps[0], rps[1], accuracy: rps[1] * 0.15, "the same load, each with noise of its own")
    h.inject(.killPrimary, .workload(namespace: "pipeline", name: "postgres"))
    h.runUntil(60) { _ in false }
    XCTAssertEqual(h.state.primaries["pipeline/postgres"], "postgres-1", "the experimental group failed over")
    XCTAssertEqual(h.state.primaries["pipeline-control/postgres"], "postgres-0", "the control group untouched")
    XCTAssertTrue(
      h.state.events.filter { $0.reason == "Promoted" }.allSatisfy { $0.workload == "pipeline/postgres" },
      "events name their own namespace's workload")
  }

  func testStarvedPodsLeaveTheEndpointsAndTrafficMovesToTheOtherZone() throws {
    let h = Harness(controlGroup: true)
    h.run(to: 10)
    XCTAssertEqual(try XCTUnwrap(share(h, "pipeline/flask", "zone-b")), 100.0 / 3, accuracy: 0.1)
    h.inject(.cpuHog, flaskInZoneB) {
      $0.zone = "zone-b"
      $0.cpuMilli = 1000
      $0.duration = 30
    }
    let fault = try XCTUnwrap(h.state.faults.last)
    XCTAssertEqual(fault.pods, ["pipeline/flask-7c9d8f5b6d-2pxzf"], "only the Flask pod in zone-b")
    let out = try XCTUnwrap(h.runUntil(25) { $0.zoneTraffic["pipeline/flask"]?.latest("zone-b") == 0 })
    XCTAssertLessThanOrEqual(out - fault.started, 8, "three failed probes two seconds apart")
    XCTAssertEqual(share(h, "pipeline/flask", "zone-a"), 100)
    XCTAssertFalse(h.state.pods["pipeline/flask-7c9d8f5b6d-2pxzf"]!.isReady)
    XCTAssertTrue(
      h.state.events.contains { $0.reason == "Unhealthy" && $0.message.hasPrefix("Readiness probe failed") })
    XCTAssertEqual(
      try XCTUnwrap(share(h, "pipeline-control/flask", "zone-b")), 100.0 / 3, accuracy: 0.1,
      "the control group keeps its traffic")
    // The hog ends: the next probe answers, the pod is back in the endpoints.
    let back = try XCTUnwrap(
      h.runUntil(80) { ($0.zoneTraffic["pipeline/flask"]?.latest("zone-b") ?? 0) > 0 })
    XCTAssertLessThanOrEqual(back - (fault.started + 30), 4)
    XCTAssertEqual(h.state.zones.map(\.name), ["zone-a", "zone-b"])
  }

  func testAModerateHogLoadsThePodWithoutStarvingIt() throws {
    let h = Harness()
    h.run(to: 5)
    h.inject(.cpuHog, .workload(namespace: "pipeline", name: "flask")) { $0.duration = 30 }
    XCTAssertEqual(h.state.faults.last?.request.parameters.cpuMilli, 400, "the default strength")
    h.runUntil(30) { _ in false }
    XCTAssertTrue(h.flask.allSatisfy(\.isReady), "400m under a 500m limit: probes still answer")
  }

  func testZoneScopeInPlanning() throws {
    let h = Harness()
    h.run(to: 5)
    var req = FaultRequest(kind: .cpuHog, target: flaskInZoneB)
    req.parameters.zone = "zone-b"
    XCTAssertEqual(FaultPlan.targets(req, in: h.state).map(\.name), ["flask-7c9d8f5b6d-2pxzf"])
    XCTAssertEqual(FaultPlan.blastRadius(req, state: h.state).text, "all 1 pods of flask in zone zone-b")
    XCTAssertEqual(req.targetLabel, "workload pipeline/flask in zone zone-b")
    req.parameters.zone = "zone-x"
    XCTAssertEqual(FaultPlan.targets(req, in: h.state), [])
    XCTAssertEqual(FaultPlan.whyNoTargets(req), "workload pipeline/flask in zone zone-x has no pods")
    // The fault menu's fourth scope: the selected pod's zone.
    let a = try XCTUnwrap(h.flask.first { $0.node == "node-a1" })
    let menu = try XCTUnwrap(FaultPlan.request(for: .cpuHog, podID: a.id, scope: .zoneOfWorkload, state: h.state))
    XCTAssertEqual(menu.parameters.zone, "zone-a")
    XCTAssertEqual(FaultPlan.targets(menu, in: h.state).count, 2)
  }

  func testTheReferenceExperimentOnePassesWithTheControlGroupBeside() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../experiments")
    let e = try ExperimentFile.load(path: dir.appendingPathComponent("exhaust-flask-containers.yaml").standardized.path)
    let h = Harness(controlGroup: true)
    h.run(to: 5)
    var r = ExperimentRun(e, at: h.state.now)
    var t = h.now
    var sawComparison = false
    while !r.isFinished && t < 400 {
      t = ((t + 0.1) * 10).rounded() / 10
      h.run(to: t)
      for a in r.step(h.state) { h.store.dispatch(a) }
      let cmp = GroupComparison(e, in: h.state)
      if let flask = cmp.rows.first(where: { $0.workload == "flask" }), let (mine, theirs) = flask.values[.ready],
        let m = mine, let c = theirs, m < c
      {
        sawComparison = true
      }
    }
    XCTAssertEqual(r.verdict, .passed, r.log.map(\.text).joined(separator: "\n"))
    XCTAssertTrue(sawComparison, "the experimental group had fewer Ready Flask pods than the control group")
    guard case .passed(_, let ev) = r.outcomes[1] else { return XCTFail("\(r.outcomes)") }
    XCTAssertTrue(ev.hasPrefix("zone-b has 0% of flask after"), ev)
    guard case .passed(_, let detected) = r.outcomes[2] else { return XCTFail("\(r.outcomes)") }
    XCTAssertTrue(detected.hasPrefix("detected by "), detected)
    XCTAssertFalse(r.steadyStateDuring.isEmpty, "the steady state was checked during the run")
    XCTAssertEqual(r.steadyStateDuring.last?.violations, [], "and came back")
    XCTAssertTrue(h.state.activeFaults.isEmpty)
    let cmp = GroupComparison(e, in: h.state)
    XCTAssertEqual(cmp.control, "pipeline-control")
    XCTAssertEqual(cmp.rows.map(\.workload), ["flask", "postgres", "spark-master", "spark-worker"])
  }

  func testATrafficShareThatDoesNotFallFails() throws {
    let e = try ExperimentFile.parse(
      """
      title: wrong zone
      groups: {experimental: {namespace: pipeline}}
      method:
        - fault: cpu-hog
          target: {workload: flask, zone: zone-b}
          strength: {cpu-milli: 1000}
          duration: 20s
      hypotheses:
        - {name: zone-a empties, traffic-share: {service: flask, zone: zone-a, below: 5}, within: 15s}
      """, file: "z.yaml")
    let h = Harness()
    h.run(to: 5)
    var r = ExperimentRun(e, at: h.state.now)
    var t = h.now
    while !r.isFinished && t < 300 {
      t = ((t + 0.1) * 10).rounded() / 10
      h.run(to: t)
      for a in r.step(h.state) { h.store.dispatch(a) }
    }
    guard case .failed(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertTrue(why[0].contains("zone-a empties: zone-a kept ") && why[0].contains("% of flask after 15.0s"), why[0])
  }

  func testZoneFieldsAreReadAndCheckedInFiles() throws {
    let e = try ExperimentFile.parse(
      """
      title: z
      groups: {experimental: {namespace: pipeline}}
      method:
        - {fault: cpu-hog, target: {workload: flask, zone: zone-b}}
      hypotheses:
        - {traffic-share: {service: flask, zone: zone-b, below: 10}, within: 40s}
        - detected-within: 30s
      """, file: "z.yaml")
    guard case .fault(let req) = e.method[0] else { return XCTFail() }
    XCTAssertEqual(req.parameters.zone, "zone-b")
    XCTAssertEqual(
      e.hypotheses[0].kind, .zoneShareBelow(service: "flask", zone: "zone-b", below: 10, within: 40))
    XCTAssertEqual(e.hypotheses[1].kind, .detectedWithin(30))
    func error(_ yaml: String) -> String {
      do {
        _ = try ExperimentFile.parse(yaml, file: "b.yaml")
        return "parsed"
      } catch { return "\(error)" }
    }
    let head = "title: z\ngroups: {experimental: {namespace: pipeline}}\n"
    XCTAssertEqual(
      error(head + "method:\n  - {fault: pod-kill, target: {pod: flask-1, zone: zone-b}}\n"),
      "b.yaml:4: target.zone narrows a workload's pods")
    XCTAssertEqual(
      error(head + "method:\n  - wait: 1s\nhypotheses:\n  - traffic-share: {service: flask, zone: b, under: 3}\n"),
      "b.yaml:6: traffic-share: unknown field under (known: service, zone, below)")
  }
}

/// An experiment's PromQL probes: read from the file, evaluated by Prometheus while it runs, part of
/// its steady state before, during and after; none without Prometheus.
final class ProbeTests: XCTestCase {
  static let file = """
    title: probed
    groups: {experimental: {namespace: pipeline}}
    steady-state:
      timeout: 20s
      probes:
        - {name: error ratio, query: "sum(rate(errors[1m]))", max: 0.01}
        - {name: ready flask, query: "kube_deployment_status_replicas_ready", tolerance: [3, 9]}
    method:
      - wait: 2s
    """

  func testProbesAreReadWithTheirTolerance() throws {
    let e = try ExperimentFile.parse(Self.file, file: "p.yaml")
    XCTAssertEqual(
      e.steadyState.probes,
      [
        PromCheck(name: "error ratio", expr: "sum(rate(errors[1m]))", max: 0.01),
        PromCheck(name: "ready flask", expr: "kube_deployment_status_replicas_ready", max: 9, min: 3),
      ])
    XCTAssertThrowsError(
      try ExperimentFile.parse(
        "title: t\ngroups: {experimental: {namespace: p}}\nsteady-state:\n  probes:\n    - {name: x, query: up}\nmethod: [{wait: 1s}]\n",
        file: "p.yaml")
    ) { XCTAssertEqual("\($0)", "p.yaml:5: probe x needs a bound: max, min or tolerance") }
  }

  func testWithoutPrometheusTheRunSaysSoAndDoesNotStart() throws {
    let e = try ExperimentFile.parse(Self.file, file: "p.yaml")
    let h = Harness()
    h.run(to: 2)
    var r = ExperimentRun(e, at: h.state.now)
    XCTAssertEqual(r.step(h.state), [])
    guard case .notRun(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertTrue(why.contains("PromQL probes (error ratio, ready flask) and there is no Prometheus"), why)
  }

  func testProbeAnswersDecideTheSteadyState() throws {
    let e = try ExperimentFile.parse(Self.file, file: "p.yaml")
    let h = Harness()
    h.run(to: 2)
    h.store.dispatch(.source(SourceStatus(name: "prometheus http://p:9090", health: .working, detail: "")))
    h.store.dispatch(.tick(2))
    var r = ExperimentRun(e, at: h.state.now)
    _ = r.step(h.state)
    XCTAssertNil(r.verdict)
    XCTAssertEqual(
      r.steadyStateViolations(h.state), ["probe error ratio: no answer yet", "probe ready flask: no answer yet"])
    let bad = e.steadyState.probes.map { $0.evaluate([MetricSeries(labels: [:], points: [MetricPoint(2, 0.5)])]) }
    h.store.dispatch(.probeResults(bad, time: 2))
    XCTAssertEqual(
      r.steadyStateViolations(h.state), ["probe error ratio 0.5 > 0.01", "probe ready flask 0.5 < 3"])
    let good = zip(e.steadyState.probes, [0.0, 3.0]).map { p, v in
      p.evaluate([MetricSeries(labels: [:], points: [MetricPoint(3, v)])])
    }
    h.store.dispatch(.probeResults(good, time: 3))
    for t in stride(from: 3.0, through: 9, by: 1) {
      h.run(to: t)
      _ = r.step(h.state)
    }
    XCTAssertEqual(r.steadyStateBefore, [], "steady (for 5 s) once Prometheus answers within the bounds")
    XCTAssertNotNil(r.methodStart)
  }
}

/// A zone's share of a service's traffic measured by a monitoring source (the queries file's
/// `zone_requests_per_second`) wins over the Ready endpoints while it is fresh.
final class MeasuredZoneTrafficTests: XCTestCase {
  func testMeasuredRequestsByZoneWinWhileFresh() {
    var s = ClusterSnapshot()
    s.session.isDemo = false
    _ = reduce(&s, .nodeUpserted(Node(name: "a1", zone: "zone-a", cpuCapacityMilli: 1, memoryCapacityBytes: 1)))
    _ = reduce(&s, .nodeUpserted(Node(name: "b1", zone: "zone-b", cpuCapacityMilli: 1, memoryCapacityBytes: 1)))
    for (name, node) in [("web-1", "a1"), ("web-2", "b1")] {
      var p = Pod(
        namespace: "shop", name: name, phase: .running, status: "Running", readyContainers: 1, created: 0,
        labels: [:], workload: "web")
      p.node = node
      _ = reduce(&s, .podUpserted(p))
    }
    _ = reduce(&s, .serviceUpserted(ServiceInfo(namespace: "shop", name: "web", workload: "shop/web"), dependsOn: []))
    _ = reduce(&s, .tick(1))
    XCTAssertEqual(s.zoneTraffic["shop/web"]?.latest("zone-a"), 50, "by Ready endpoints: one a zone")
    XCTAssertEqual(s.zoneTraffic["shop/web"]?.measured, false)
    _ = reduce(&s, .zoneRequests(time: 1.5, ["shop/web": ["zone-a": 30, "zone-b": 10]]))
    _ = reduce(&s, .tick(2))
    XCTAssertEqual(s.zoneTraffic["shop/web"]?.latest("zone-a"), 75)
    XCTAssertEqual(s.zoneTraffic["shop/web"]?.measured, true)
    _ = reduce(&s, .tick(40))
    XCTAssertEqual(s.zoneTraffic["shop/web"]?.latest("zone-a"), 50, "stale after 30 s: the endpoints again")
  }

  func testZoneRequestsFromPrometheusSeries() {
    let series = [
      PromAPI.Series(labels: ["namespace": "shop", "service": "web", "zone": "zone-a"], points: [MetricPoint(1, 3)]),
      PromAPI.Series(labels: ["service": "api", "zone": "zone-b"], points: [MetricPoint(1, 2)]),
      PromAPI.Series(labels: ["service": "nozone"], points: [MetricPoint(1, 2)]),
    ]
    XCTAssertEqual(PromSource.zoneRequests(series), ["shop/web": ["zone-a": 3], "api": ["zone-b": 2]])
  }
}

/// Groups as two selectors in one namespace (a canary beside the rest): compared in order.
final class SelectorGroupsTests: XCTestCase {
  func testTwoSelectorsInOneNamespaceAreComparedSideBySide() throws {
    var s = ClusterSnapshot()
    for (name, app) in [("web-canary-1", "web-canary"), ("web-1", "web"), ("web-2", "web")] {
      _ = reduce(
        &s,
        .podUpserted(
          Pod(
            namespace: "shop", name: name, phase: .running, status: "Running", readyContainers: 1, created: 0,
            labels: ["app": app], workload: app)))
    }
    for (w, ready) in [("web-canary", 1), ("web", 2)] {
      _ = reduce(
        &s,
        .workloadUpserted(
          Workload(
            kind: .deployment, namespace: "shop", name: w, desiredReplicas: ready, currentReplicas: ready,
            readyReplicas: ready, updatedAt: 0)))
    }
    var e = Experiment(title: "canary", experimental: .init(namespace: "shop", selector: ["app": "web-canary"]))
    e.control = .init(namespace: "shop", selector: ["app": "web"])
    let cmp = GroupComparison(e, in: s)
    XCTAssertEqual(cmp.experimental, "shop app=web-canary")
    XCTAssertEqual(cmp.control, "shop app=web")
    XCTAssertEqual(cmp.rows.map(\.workload), ["web-canary/web"])
    let ready = try XCTUnwrap(cmp.rows.first?.values[.ready])
    XCTAssertEqual(ready.0, 1)
    XCTAssertEqual(ready.1, 2)
  }
}
