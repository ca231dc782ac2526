import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

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
    // What the source says it feeds.
    let source = ScrapeSource(url: "http://u:secret@node:9100/metrics", inbox: Inbox())
    let status = source.status(second, series: 7, podsWanted: true)
    XCTAssertEqual(status.health, .working)
    XCTAssertEqual(status.detail, "feeds CPU/memory of 1 pods, latency of 1 services")
    XCTAssertEqual(status.name, "scrape http://u:***@node:9100/metrics", "no password in a name")
    XCTAssertEqual(
      source.status(second, series: 7, podsWanted: false).detail,
      "feeds no pod figures (metrics.k8s.io serves them), latency of 1 services")
    XCTAssertEqual(source.status(first, series: 7, podsWanted: true).detail, "read; figures from the next scrape")
  }

  /// A real node exporter's page: thousands of series, none that chaostui can use. Said, not silent.
  func testAnEndpointWithoutUsableSeriesIsEmptyWithTheReason() throws {
    let data = try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/node-exporter.txt", withExtension: nil)!)
    let parsed = ExpositionParser().parse(data)
    var i = ScrapeInterpreter()
    _ = i.interpret(parsed.samples, time: 0)
    let out = i.interpret(parsed.samples, time: 5)
    XCTAssertEqual(out.usedSeries, 0)
    let status = ScrapeSource(url: "http://127.0.0.1:9100/metrics", inbox: Inbox()).status(
      out, series: parsed.samples.count, podsWanted: true)
    XCTAssertEqual(status.health, .empty)
    XCTAssertTrue(status.detail.hasPrefix("\(parsed.samples.count) series, none that chaostui uses"), status.detail)
  }

  /// A scrape answered 404, or with an HTML page: the round fails with words a user can act on.
  func testA404AndAnHTMLPageFailTheRoundInWords() throws {
    let server = try PythonServer(
      """
      import http.server
      class H(http.server.BaseHTTPRequestHandler):
          def log_message(self, *a): pass
          def do_GET(self):
              html = self.path == "/page"
              body = b"<html><head><title>Welcome to nginx!</title></head></html>" if html else b"404 page not found\\n"
              self.send_response(200 if html else 404)
              self.send_header("Content-Type", "text/html" if html else "text/plain")
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
      s = http.server.HTTPServer(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """)
    for (path, want) in [
      ("/metricz", "HTTP 404 (not found: is the path right?): 404 page not found"),
      ("/page", "not a metrics exposition (Content-Type text/html)"),
    ] {
      let source = ScrapeSource(url: server.url + path, inbox: Inbox())
      let http = try HTTPTransport(connection: source.connection, tokens: source.tokens)
      XCTAssertThrowsError(try source.poll(http)) { XCTAssertEqual("\($0)", want) }
    }
  }

  /// A target whose text breaks the format on line 3: named "not conformant: line 3: ..." in its
  /// source state, while its good samples (the pod's CPU) are used.
  func testANonConformantTargetIsNamedAndItsGoodSamplesUsed() throws {
    let server = try PythonServer(
      """
      import http.server
      class H(http.server.BaseHTTPRequestHandler):
          def log_message(self, *a): pass
          def do_GET(self):
              body = (
                  b'# TYPE container_cpu_usage_seconds_total counter\\n'
                  b'container_cpu_usage_seconds_total{namespace="p",pod="web-1",container="app"} 12.5\\n'
                  b'container_memory_working_set_bytes{namespace="p",pod="web-1",container="app} 1e8\\n'
                  b'container_memory_working_set_bytes{namespace="p",pod="web-1",container="app"} 104857600\\n')
              self.send_response(200)
              self.send_header("Content-Type", "text/plain; version=0.0.4")
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
      s = http.server.HTTPServer(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """)
    let source = ScrapeSource(url: server.url + "/metrics", inbox: Inbox())
    let http = try HTTPTransport(connection: source.connection, tokens: source.tokens)
    var statuses: [SourceStatus] = []
    var usage = false
    for _ in 0..<2 {
      for a in try source.poll(http) {
        if case .source(let st) = a { statuses.append(st) }
        if case .podUsage(_, let samples) = a, samples.contains(where: { $0.podID == "p/web-1" }) { usage = true }
      }
    }
    XCTAssertTrue(usage, "the good samples feed the pod")
    XCTAssertEqual(statuses.last?.health, .working)
    XCTAssertTrue(
      statuses.last?.detail.hasSuffix("not conformant: line 3: label container: the value's quote is not closed")
        == true, "\(statuses)")
  }
}
