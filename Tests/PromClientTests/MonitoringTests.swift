import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

/// Steady-state checks from PromQL, service figures from monitoring series, and the autoscalers'
/// replica history: the pure parts, on hand-made series and recorded Prometheus answers.
final class MonitoringTests: XCTestCase {
  func series(_ labels: [String: String], _ v: Double) -> PromAPI.Series {
    PromAPI.Series(labels: labels, points: [PromAPI.Point(1000, v)])
  }

  func testCheckWithAMaximumNamesTheWorstSeries() {
    let c = PromCheck(name: "p99 ms", expr: "x", max: 250, scope: "flask")
    let ok = c.evaluate([series(["pod": "a"], 40), series(["pod": "b"], 90)])
    XCTAssertNil(ok.violation)
    XCTAssertEqual(ok.value, 90)
    XCTAssertEqual(ok.detail, "b")
    let bad = c.evaluate([series(["pod": "a"], 300), series(["pod": "b"], 412.5), series(["pod": "c"], 10)])
    XCTAssertEqual(bad.violation, "p99 ms 412.5 (b) > 250")
    XCTAssertEqual(bad.series, 3)
    // NaN is never within a bound.
    XCTAssertEqual(c.evaluate([series([:], .nan)]).violation, "p99 ms NaN > 250")
    // No series: no data, not a violation.
    let none = c.evaluate([])
    XCTAssertNil(none.value)
    XCTAssertNil(none.violation)
  }

  func testCheckWithAMinimumAndARange() {
    let ready = PromCheck(name: "ready", expr: "x", min: 3)
    XCTAssertEqual(
      ready.evaluate([series(["deployment": "flask"], 2), series(["deployment": "web"], 5)]).violation,
      "ready 2 (flask) < 3")
    XCTAssertNil(ready.evaluate([series(["deployment": "flask"], 3)]).violation)
    let band = PromCheck(name: "replicas", expr: "x", max: 9, min: 3)
    XCTAssertEqual(band.evaluate([series([:], 10)]).violation, "replicas 10 > 9")
    XCTAssertEqual(band.evaluate([series([:], 1)]).violation, "replicas 1 < 3")
    XCTAssertEqual(band.evaluate([series([:], 1), series([:], 11)]).violation, "replicas 1 < 3")
  }

  func testChecksBoundTheIncidentsOfTheirService() {
    var s = ClusterSnapshot()
    s.objects.services["shop/web"] = ServiceInfo(namespace: "shop", name: "web", workload: "shop/web")
    s.monitoring.promChecks = [
      CheckResult(name: "web p99", value: 400, bound: "<= 250", violation: "web p99 400 > 250", scope: "web"),
      CheckResult(name: "db ready", value: 1, bound: ">= 2", violation: "db ready 1 < 2", scope: "db"),
      CheckResult(name: "errors", value: 9, bound: "<= 1", violation: "errors 9 > 1"),
      CheckResult(name: "fine", value: 0, bound: "<= 1"),
    ]
    XCTAssertEqual(
      HealthCheck.violations(workloads: ["shop/web"], services: ["shop/web"], in: s),
      ["web p99 400 > 250", "errors 9 > 1"])
    XCTAssertEqual(
      HealthCheck.violations(workloads: ["shop/db"], services: [], in: s), ["db ready 1 < 2", "errors 9 > 1"])
    XCTAssertEqual(HealthCheck.violations(workloads: ["shop/db"], services: [], in: s, promChecks: false), [])
  }

  /// An incident detected by a PromQL check alone, and recovered once it passes for the hold.
  func testIncidentDetectedAndRecoveredByAPromQLCheck() {
    let store = Store()
    let pod = Pod(
      namespace: "shop", name: "web-a", phase: .running, status: "Running", readyContainers: 1, totalContainers: 1,
      created: 0, workload: "web")
    store.dispatch([
      .podUpserted(pod),
      .workloadUpserted(
        Workload(
          kind: .deployment, namespace: "shop", name: "web", desiredReplicas: 1, currentReplicas: 1, readyReplicas: 1)),
    ])
    store.executor = { [unowned store] effect in
      guard case .inject(let id, let req) = effect else { return [] }
      return [
        .faultStarted(
          id: id, time: store.state.now, ends: store.state.now + req.parameters.duration, pods: ["shop/web-a"],
          workloads: ["shop/web"])
      ]
    }
    let check = PromCheck(name: "web p99 ms", expr: "x", max: 250, scope: "web")
    store.dispatch(.tick(100))
    store.dispatch(.requestFault(FaultRequest(kind: .networkDelay, target: .pod(namespace: "shop", name: "web-a"))))
    store.dispatch(.steadyStateChecks([check.evaluate([series(["service": "web"], 80)])]))
    store.dispatch(.tick(102))
    XCTAssertEqual(store.state.incidents[0].status, .detecting)
    store.dispatch(.steadyStateChecks([check.evaluate([series(["service": "web"], 480)])]))
    store.dispatch(.tick(104))
    XCTAssertEqual(store.state.incidents[0].status, .degraded)
    XCTAssertEqual(store.state.incidents[0].detectedBy, "web p99 ms 480 (web) > 250")
    XCTAssertEqual(store.state.incidents[0].ttd!, 4, accuracy: 1e-9)
    store.dispatch(.steadyStateChecks([check.evaluate([series(["service": "web"], 90)])]))
    store.dispatch(.tick(110))
    store.dispatch(.tick(120.5))
    XCTAssertEqual(store.state.incidents[0].status, .recovered)
    XCTAssertEqual(store.state.incidents[0].ttr!, 10, accuracy: 1e-9)
  }

  /// The blackbox exporter's probes as the lab's Prometheus answered the default queries.
  func testServiceFiguresFromRecordedProbeAnswers() throws {
    func load(_ name: String) throws -> [PromAPI.Series] {
      try PromAPI.result(
        try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!)
      ).series
    }
    let (samples, unlabelled) = PromSource.serviceSamples([
      .p50: try load("prom-probe-p50.json"), .p99: try load("prom-probe-p99.json"),
      .loss: try load("prom-probe-loss.json"),
    ])
    XCTAssertEqual(unlabelled, [])
    // The API server's probe has no namespace label; the pipeline's services have.
    XCTAssertEqual(samples.map(\.service), ["kube-apiserver", "flask", "postgres", "spark-master"])
    XCTAssertEqual(samples.map(\.namespace), [nil, "pipeline", "pipeline", "pipeline"])
    let flask = samples[1]
    // Recorded during a 200 ms NetworkChaos delay on Flask (tc netem in its network namespace).
    XCTAssertEqual(flask.p99Ms!, 200, accuracy: 30)
    XCTAssertLessThan(samples[2].p99Ms!, 5)
    XCTAssertEqual(samples[2].lossPercent, 0)
    // And a 30 % NetworkChaos loss on Spark's pods: probes failed as often.
    XCTAssertEqual(samples[3].lossPercent!, 30, accuracy: 8)
    XCTAssertNil(flask.errorPercent)
    // Series without a service label are named as such (a query that cannot be placed).
    let bare = PromSource.serviceSamples([.p99: [series(["instance": "10.0.0.1"], 0.2)]])
    XCTAssertEqual(bare.samples, [])
    XCTAssertEqual(bare.unlabelled, [.p99])
  }

  /// Late reports land in time order (an alert active since before it was read); an event
  /// delivered again unchanged is not listed twice.
  func testTimelineStaysInTimeOrder() {
    let store = Store()
    let e = ClusterEvent(time: 100, reason: "SuccessfulCreate", object: "replicaset/web", message: "Created pod: web-a")
    store.dispatch([.tick(90), .event(e), .event(e)])
    store.dispatch(
      .event(
        ClusterEvent(time: 110, reason: "SuccessfulCreate", object: "replicaset/web", message: "Created pod: web-b")))
    store.dispatch(
      .alerts(
        [PromAPI.Alert(name: "WebSlow", state: "firing", labels: [:], summary: "", activeAt: 105)], time: 112))
    XCTAssertEqual(
      store.state.timeline.map(\.time), [100, 105, 110], store.state.timeline.map(\.text).joined(separator: "\n"))
    XCTAssertEqual(store.state.timeline[1].text, "alert WebSlow firing")
  }

  func testPodSamplesCarryIO() {
    let cpu = [series(["namespace": "a", "pod": "p"], 0.25), series(["namespace": "a", "pod": "q"], 0.5)]
    let io = [series(["namespace": "a", "pod": "p"], 4096)]
    let net = [series(["namespace": "a", "pod": "q"], 1000), series(["namespace": "a", "pod": "p"], 24)]
    let samples = PromSource.podSamples(cpu: cpu, memory: [], io: io, network: net)
    XCTAssertEqual(samples[0].podID, "a/p")
    XCTAssertEqual(samples[0].cpuMilli, 250)
    XCTAssertTrue(samples[0].memoryBytes.isNaN)
    XCTAssertEqual(samples[0].ioBytesPerSec, 4096)
    XCTAssertEqual(samples[0].networkBytesPerSec, 24)
    XCTAssertNil(samples[1].ioBytesPerSec)
    XCTAssertEqual(samples[1].networkBytesPerSec, 1000)
    // Summed per workload: IO only where a pod has it (not a zero for the others), network over both.
    let store = Store()
    for name in ["p", "q"] {
      store.dispatch(
        .podUpserted(
          Pod(
            namespace: "a", name: name, phase: .running, status: "Running", readyContainers: 1, totalContainers: 1,
            created: 0, workload: "web")))
    }
    store.dispatch(.podUsage(time: 0, samples))
    let w = store.state.workloadSeries["a/web"]
    XCTAssertEqual(w?.cpuMilli.values, [750])
    XCTAssertEqual(w?.ioBytesPerSec.values, [4096])
    XCTAssertEqual(w?.networkBytesPerSec.values, [1024])
    XCTAssertEqual(w?.memoryBytes.values, [0])
  }

  func testServiceMetricsFindTheirServiceAndHPAHistoryIsBackFilled() {
    let store = Store()
    store.dispatch([
      .workloadUpserted(
        Workload(
          kind: .deployment, namespace: "pipeline", name: "flask", desiredReplicas: 3, currentReplicas: 3,
          readyReplicas: 3)),
      .serviceUpserted(ServiceInfo(namespace: "pipeline", name: "flask", workload: "pipeline/flask"), dependsOn: []),
      .hpaUpserted(
        HPA(
          namespace: "pipeline", name: "flask", target: "Deployment/flask", minReplicas: 3, maxReplicas: 9,
          currentReplicas: 5, desiredReplicas: 5, targetUtilization: 50)),
      .tick(1000),
    ])
    store.dispatch(
      .serviceMetrics(
        time: 1000,
        [
          ServiceSample(namespace: "pipeline", service: "flask", p50Ms: 201, p99Ms: 230, lossPercent: 0),
          ServiceSample(namespace: "other", service: "flask", p99Ms: 999),
          ServiceSample(service: "nowhere", p99Ms: 1),
        ]))
    let s = store.state
    XCTAssertEqual(s.workloadSeries["pipeline/flask"]?.latencyP99Ms.values, [230])
    XCTAssertEqual(s.workloadSeries["pipeline/flask"]?.lossPercent.values, [0])
    XCTAssertEqual(s.serviceMetricsAt, 1000)
    // A metrics round records the replicas; a back-filled one (from the past) does not.
    store.dispatch(.podMetrics(time: 900, []))
    XCTAssertNil(store.state.hpaReplicas["pipeline/flask"])
    store.dispatch(.podMetrics(time: 1000, []))
    XCTAssertEqual(store.state.hpaReplicas["pipeline/flask"]?.values, [5])
    // kube-state-metrics' history goes before what was recorded.
    store.dispatch(.hpaReplicaHistory(["pipeline/flask": [3, 3, 6, 9]]))
    XCTAssertEqual(store.state.hpaReplicas["pipeline/flask"]?.values, [3, 3, 6, 9, 5])
  }
}
