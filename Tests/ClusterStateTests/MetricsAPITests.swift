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
    XCTAssertEqual(time, KubeTime.parse("2024-05-01T10:00:00Z"))
    XCTAssertThrowsError(try MetricsAPI.pods(Data(#"{"kind":"Status","code":503}"#.utf8)))
    XCTAssertThrowsError(try MetricsAPI.pods(Data("<html>".utf8)))
    XCTAssertThrowsError(try MetricsAPI.nodes(Data(#"{"kind":"PodMetricsList","items":[]}"#.utf8)))
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
