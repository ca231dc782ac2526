import XCTest

@testable import ClusterState

final class ScrapeTests: XCTestCase {
  func testCounterRatesHandleResets() {
    var r = CounterRates()
    XCTAssertNil(r.rate("a", value: 100, time: 0), "the first sample has no rate")
    XCTAssertEqual(r.rate("a", value: 160, time: 10), 6)
    // The process restarted: 20 counted since the reset.
    XCTAssertEqual(r.rate("a", value: 20, time: 20), 2)
    XCTAssertNil(r.rate("a", value: 30, time: 20), "a clock that did not advance")
    XCTAssertNil(r.rate("a", value: .nan, time: 30))
    XCTAssertEqual(r.rate("a", value: 40, time: 40), 0.5, "NaN is skipped, the last good value kept")
    r.keepOnly([])
    XCTAssertEqual(r.count, 0)
  }

  func testHistogramQuantileAsPrometheus() {
    // Worked example: 100 observations, 50 at most 0.1 s, 90 at most 0.5 s, all at most 1 s.
    let b: [(le: Double, count: Double)] = [(0.1, 50), (0.5, 90), (1, 100), (.infinity, 100)]
    XCTAssertEqual(Histogram.quantile(0.5, buckets: b)!, 0.1, accuracy: 1e-12)
    XCTAssertEqual(Histogram.quantile(0.7, buckets: b)!, 0.1 + 0.4 * (20.0 / 40), accuracy: 1e-12)
    XCTAssertEqual(Histogram.quantile(0.99, buckets: b)!, 0.5 + 0.5 * (9.0 / 10), accuracy: 1e-12)
    XCTAssertEqual(Histogram.quantile(0.25, buckets: b.shuffled())!, 0.05, accuracy: 1e-12)
    // Observations past the last finite bound: the highest finite bound.
    XCTAssertEqual(Histogram.quantile(0.99, buckets: [(0.1, 1), (.infinity, 10)]), 0.1)
    XCTAssertNil(Histogram.quantile(0.5, buckets: [(0.1, 0), (.infinity, 0)]), "no observations")
    XCTAssertNil(Histogram.quantile(0.5, buckets: [(0.1, 5)]), "no +Inf bucket")
    // Non-monotonic counts (a scrape mid-update) are made monotonic, not an error.
    XCTAssertNotNil(Histogram.quantile(0.5, buckets: [(0.1, 6), (0.5, 5), (.infinity, 10)]))
  }

  func testInterpretingTwoScrapes() {
    func scrape(cpu: Double, reqBuckets: [Double], memory: Double = 100_000_000) -> [ExpositionSample] {
      var s: [ExpositionSample] = [
        ExpositionSample(
          name: "container_cpu_usage_seconds_total",
          labels: [MetricLabel("container", "web"), MetricLabel("namespace", "shop"), MetricLabel("pod", "web-1")],
          value: cpu),
        ExpositionSample(
          name: "container_cpu_usage_seconds_total",
          labels: [MetricLabel("container", "POD"), MetricLabel("namespace", "shop"), MetricLabel("pod", "web-1")],
          value: cpu * 100),
        ExpositionSample(
          name: "container_memory_working_set_bytes",
          labels: [MetricLabel("container", "web"), MetricLabel("namespace", "shop"), MetricLabel("pod", "web-1")],
          value: memory),
      ]
      for (le, c) in zip(["0.05", "0.1", "0.5", "+Inf"], reqBuckets) {
        s.append(
          ExpositionSample(
            name: "http_request_duration_seconds_bucket",
            labels: [MetricLabel("service", "web"), MetricLabel("le", le)],
            value: c))
      }
      s.append(
        ExpositionSample(
          name: "http_request_duration_seconds_count", labels: [MetricLabel("service", "web")], value: reqBuckets.last!)
      )
      return s
    }
    var i = ScrapeInterpreter()
    let first = i.interpret(scrape(cpu: 10, reqBuckets: [0, 0, 0, 0]), time: 0)
    XCTAssertTrue(first.pods.isEmpty, "rates need two scrapes")
    let second = i.interpret(scrape(cpu: 12.5, reqBuckets: [40, 80, 100, 100]), time: 10)
    XCTAssertEqual(second.pods, [PodSample(podID: "shop/web-1", cpuMilli: 250, memoryBytes: 100_000_000)])
    let web = second.latency["web"]!
    XCTAssertEqual(web.p50, 62.5, accuracy: 1e-9, "50th of 100: in the 0.05-0.1 bucket, 10 of 40 into it")
    XCTAssertEqual(web.p99, 100 + 400 * (19.0 / 20), accuracy: 1e-9)
    XCTAssertEqual(web.rps, 10)
  }
}
