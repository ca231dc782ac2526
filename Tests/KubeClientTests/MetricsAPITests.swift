import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

final class MetricsAPITests: XCTestCase {
  func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!)
  }

  func testPodMetricsFromTheLab() throws {
    let (samples, time) = try MetricsAPI.pods(try fixture("pod-metrics.json"))
    XCTAssertEqual(samples.count, 9)
    XCTAssertNotNil(time)
    let pg = try XCTUnwrap(samples.first { $0.podID == "pipeline/postgres-0" })
    XCTAssertGreaterThan(pg.cpuMilli, 0, "two containers summed")
    XCTAssertGreaterThan(pg.memoryBytes, 100 * 1024 * 1024)
    let nodes = try MetricsAPI.nodes(try fixture("node-metrics.json"))
    XCTAssertEqual(nodes.map(\.node).sorted(), ["lab-a1", "lab-a2", "lab-b1"])
  }

  func testMetricsServerUnitsAndBadAnswers() throws {
    // As metrics-server writes them: nanocores and kibibytes.
    let json = """
      {"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[
       {"metadata":{"name":"web","namespace":"shop"},"timestamp":"2024-05-01T10:00:00Z","window":"15.007s",
        "containers":[{"name":"app","usage":{"cpu":"1021365n","memory":"11624Ki"}},
                      {"name":"side","usage":{"cpu":"2m","memory":"1Mi"}},{"name":"odd","usage":{"cpu":"x"}}]}]}
      """
    let (samples, time) = try MetricsAPI.pods(Data(json.utf8))
    XCTAssertEqual(samples[0].cpuMilli, 1.021365 + 2, accuracy: 1e-9)
    XCTAssertEqual(samples[0].memoryBytes, 11624 * 1024 + 1_048_576)
    XCTAssertEqual(time, Timestamps.parse("2024-05-01T10:00:00Z"))
    XCTAssertThrowsError(try MetricsAPI.pods(Data(#"{"kind":"Status","code":503}"#.utf8)))
    XCTAssertThrowsError(try MetricsAPI.pods(Data("<html>".utf8)))
    XCTAssertThrowsError(try MetricsAPI.nodes(Data(#"{"kind":"PodMetricsList","items":[]}"#.utf8)))
  }

  /// The scanner reads what `JSONDecoder` reads: the lab's list, metrics-server's units, nulls and
  /// missing fields; anything else is left to `JSONDecoder`, which says what is wrong.
  func testTheScannerReadsWhatJSONDecoderReads() throws {
    let odd = """
      {"kind":"PodMetricsList","items":[
       {"metadata":{"name":"a","namespace":null,"labels":{"x":"y"}},"timestamp":null,"containers":null},
       {"metadata":{"name":"b","namespace":"n"},"window":"15s","containers":[{"name":"c","usage":null},
        {"usage":{"cpu":"250m","memory":"1Gi","gpu":"1"}}],"extra":[1,{"deep":[true,false,null]}]}]}
      """
    for data in [try fixture("pod-metrics.json"), Data(odd.utf8)] {
      let scanned = try XCTUnwrap(MetricsAPI.scannedPods(data))
      let decoded = try MetricsAPI.podsWithJSONDecoder(data)
      XCTAssertEqual(scanned.samples, decoded.samples)
      XCTAssertEqual(scanned.time, decoded.time)
    }
    XCTAssertEqual(MetricsAPI.scannedPods(Data(odd.utf8))?.samples.map(\.podID), ["default/a", "n/b"])
    for bad in [#"{"kind":"Status","code":503}"#, "<html>", #"{"items":[{"metadata":{}}]}"#, #"{"items":[1"#] {
      XCTAssertNil(MetricsAPI.scannedPods(Data(bad.utf8)), bad)
    }
  }

  func testUsageFillsPodAndWorkloadSeries() {
    var s = ClusterSnapshot()
    var a = Pod(namespace: "shop", name: "web-1", status: "Running", created: 0)
    a.workload = "web"
    var b = a
    b.name = "web-2"
    _ = reduce(&s, .podsReplaced([a, b]))
    _ = reduce(&s, .metricsNote("no metrics yet"))
    _ = reduce(
      &s,
      .podUsage(
        time: 10,
        [
          PodSample(podID: "shop/web-1", cpuMilli: 100, memoryBytes: 1000),
          PodSample(podID: "shop/web-2", cpuMilli: 50, memoryBytes: 500),
          PodSample(podID: "shop/gone", cpuMilli: 999, memoryBytes: 999),
        ]))
    XCTAssertEqual(s.podSeries["shop/web-1"]?.cpuMilli.last, 100)
    XCTAssertEqual(s.workloadSeries["shop/web"]?.cpuMilli.last, 150, "a workload's usage is its pods' sum")
    XCTAssertEqual(s.workloadSeries["shop/web"]?.memoryBytes.last, 1500)
    XCTAssertNil(s.workloadSeries["shop/web"]?.ioBytesPerSec.last, "no IO figure is not zero IO")
    XCTAssertEqual(s.metricsNote, "no metrics yet", "only the source that set a note clears it")
    XCTAssertEqual(s.metricsAt, 10)
  }
}

/// The metrics.k8s.io poller is a type of its own; who feeds the pods' figures is one policy.
final class MetricsPollerTests: XCTestCase {
  static let pods = """
    {"kind":"PodMetricsList","items":[{"metadata":{"name":"web","namespace":"shop"},"timestamp":"2024-05-01T10:00:00Z",
     "containers":[{"name":"app","usage":{"cpu":"250m","memory":"64Mi"}}]}]}
    """

  final class Flag: @unchecked Sendable {
    var rounds = 0
  }

  func testOneRoundPostsThePodsAndSaysNodeMetricsAreForbidden() {
    let http = RoutedHTTP([
      ("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", 200, Self.pods),
      ("GET", "/apis/metrics.k8s.io/v1beta1/nodes", 403, #"{"kind":"Status","code":403}"#),
    ])
    let inbox = Inbox()
    let flag = Flag()
    let logged = Flag()
    let poller = MetricsAPIPoller(
      namespace: "shop", userName: "dev", makeClient: { http }, inbox: inbox, clock: { 1000 },
      log: { if $0.contains("node metrics forbidden") { logged.rounds += 1 } }, isStopped: { flag.rounds >= 1 })
    poller.sleep = { _ in flag.rounds += 1 }
    poller.run()
    let actions = inbox.drain()
    guard case .podUsage(let t, let samples) = actions.first else { return XCTFail("\(actions)") }
    XCTAssertEqual(t, 1000)
    XCTAssertEqual(samples.first?.cpuMilli, 250)
    XCTAssertEqual(logged.rounds, 1, "a 403 on node metrics is said once")
    XCTAssertTrue(
      actions.contains { if case .source(let s) = $0 { return s.health == .working } else { return false } })
  }

  func testAFailingServerIsSaidInTheSourcesAndTheNote() {
    let http = RoutedHTTP([("GET", "/apis/metrics.k8s.io/v1beta1/pods", 503, "<html>busy</html>")])
    let inbox = Inbox()
    let flag = Flag()
    let poller = MetricsAPIPoller(
      namespace: nil, userName: "dev", makeClient: { http }, inbox: inbox, clock: { 0 }, log: nil,
      isStopped: { flag.rounds >= 1 })
    poller.sleep = { _ in flag.rounds += 1 }
    poller.run()
    let actions = inbox.drain()
    XCTAssertTrue(
      actions.contains {
        if case .metricsNote(let n?) = $0 { return n.hasPrefix("metrics.k8s.io: ") } else { return false }
      },
      "\(actions)")
    XCTAssertTrue(
      actions.contains { if case .source(let s) = $0 { return s.health == .failing } else { return false } })
  }

  func testWithPrometheusTheClusterNeverAsksMetricsAPI() {
    let http = RoutedHTTP([("GET", "/apis", 200, #"{"groups":[]}"#), ("GET", "/api", 200, #"{"versions":["v1"]}"#)])
    let (c, _) = fakeKube(http)
    c.metricsPolicy = .prometheus
    c.sleep = { _ in Thread.sleep(forTimeInterval: 0.01) }
    c.start()
    Thread.sleep(forTimeInterval: 0.5)
    c.stop()
    XCTAssertFalse(http.requests.contains { $0.path.contains("metrics.k8s.io") }, "\(http.requests.map(\.path))")
    // The contrast: by default it asks discovery for metrics.k8s.io (once the first view is up or
    // 3 s have passed).
    let other = RoutedHTTP([("GET", "/apis", 200, #"{"groups":[]}"#)])
    let (d, _) = fakeKube(other)
    d.sleep = { _ in Thread.sleep(forTimeInterval: 0.01) }
    d.start()
    let deadline = Date().addingTimeInterval(8)
    while Date() < deadline && !other.requests.contains(where: { $0.path == "/apis/metrics.k8s.io" }) {
      Thread.sleep(forTimeInterval: 0.1)
    }
    d.stop()
    XCTAssertTrue(other.requests.contains { $0.path == "/apis/metrics.k8s.io" }, "\(other.requests.map(\.path))")
  }
}
