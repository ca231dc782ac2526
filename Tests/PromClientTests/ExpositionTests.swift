import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

final class ExpositionTests: XCTestCase {
  func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!)
  }

  func testNodeExporterRecordedFromThisMachine() throws {
    let r = ExpositionParser().parse(try fixture("node-exporter.txt"))
    XCTAssertTrue(r.errors.isEmpty, "\(r.errors.prefix(3))")
    XCTAssertEqual(r.samples.count, 507)
    XCTAssertEqual(r.types["node_cpu_seconds_total"], .counter)
    XCTAssertEqual(r.types["go_gc_duration_seconds"], .summary)
    let idle = try XCTUnwrap(
      r.samples.first { $0.name == "node_cpu_seconds_total" && $0.label("cpu") == "0" && $0.label("mode") == "idle" })
    XCTAssertEqual(idle.value, 14464.13)
    XCTAssertEqual(r.help["node_cpu_seconds_total"], "Seconds the CPUs spent in each mode.")
  }

  func testBlackboxProbe() throws {
    let r = ExpositionParser().parse(try fixture("blackbox-probe.txt"))
    XCTAssertTrue(r.errors.isEmpty)
    XCTAssertEqual(r.samples.first { $0.name == "probe_success" }?.value, 1)
    XCTAssertEqual(r.samples.first { $0.name == "probe_ip_addr_hash" }?.value, 3.668918509e+09)
    XCTAssertEqual(r.samples.first { $0.name == "probe_duration_seconds" }?.value, 0.000257661)
  }

  func testEscapesUTF8TimestampsAndSpecialValues() {
    let text = #"""
      # HELP http_requests_total The total number of HTTP requests.\nSecond line with a \\ backslash.
      # TYPE http_requests_total counter
      http_requests_total{method="post",code="200"} 1027 1395066363000
      http_requests_total{method="post",code="400"}    3   1395066363000
      msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
      metric_without_timestamp_and_labels 12.47
      something_weird{problem="division by zero"} +Inf -3982045
      nan_metric NaN
      neg_inf -Inf
      utf8{city="Zürich",emoji="🙂"} 2
      trailing_comma{a="1",} 5
      # A normal comment.
      spaces { a = "1" , b = "2" } 7
      """#
    let r = ExpositionParser().parse(Data(text.utf8))
    XCTAssertTrue(r.errors.isEmpty, "\(r.errors)")
    XCTAssertEqual(r.samples.count, 10)
    guard r.samples.count == 10 else { return }
    XCTAssertEqual(
      r.help["http_requests_total"], "The total number of HTTP requests.\nSecond line with a \\ backslash.")
    XCTAssertEqual(r.samples[0].labels, [MetricLabel("method", "post"), MetricLabel("code", "200")])
    XCTAssertEqual(r.samples[0].timestampMs, 1_395_066_363_000)
    XCTAssertEqual(r.samples[1].value, 3)
    XCTAssertEqual(r.samples[2].label("path"), #"C:\DIR\FILE.TXT"#)
    XCTAssertEqual(r.samples[2].label("error"), "Cannot find file:\n\"FILE.TXT\"")
    XCTAssertEqual(r.samples[3].labels, [])
    XCTAssertEqual(r.samples[4].value, .infinity)
    XCTAssertEqual(r.samples[4].timestampMs, -3_982_045)
    XCTAssertTrue(r.samples[5].value.isNaN)
    XCTAssertEqual(r.samples[6].value, -.infinity)
    XCTAssertEqual(r.samples[7].label("city"), "Zürich")
    XCTAssertEqual(r.samples[7].label("emoji"), "🙂")
    XCTAssertEqual(r.samples[8].labels, [MetricLabel("a", "1")])
    XCTAssertEqual(r.samples[9].labels, [MetricLabel("a", "1"), MetricLabel("b", "2")])
  }

  func testOpenMetrics() {
    // From the OpenMetrics 1.0 specification: seconds timestamps, exemplars, _created, # EOF.
    let text = """
      # TYPE acme_http_router_request_seconds histogram
      # UNIT acme_http_router_request_seconds seconds
      # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
      acme_http_router_request_seconds_bucket{le="0.1",path="/api/v1",method="GET"} 20 1.6e9
      acme_http_router_request_seconds_bucket{le="+Inf",path="/api/v1",method="GET"} 25 # {trace_id="KOO5S4vxi0o"} 0.67
      acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
      acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 25
      acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
      # EOF
      """
    let r = ExpositionParser().parse(Data(text.utf8), openMetrics: true)
    XCTAssertTrue(r.errors.isEmpty, "\(r.errors)")
    XCTAssertTrue(r.sawEOF)
    XCTAssertEqual(r.samples.count, 5)
    XCTAssertEqual(r.samples[0].timestampMs, 1_600_000_000_000)
    XCTAssertEqual(r.samples[1].label("le"), "+Inf")
    XCTAssertEqual(r.samples[1].value, 25)
    XCTAssertEqual(r.types["acme_http_router_request_seconds"], .histogram)
    // Truncated: no # EOF.
    XCTAssertFalse(ExpositionParser().parse(Data(text.utf8.dropLast(6)), openMetrics: true).sawEOF)
    // After # EOF nothing may follow.
    XCTAssertEqual(ExpositionParser().parse(Data((text + "\nx 1\n").utf8), openMetrics: true).errors.count, 1)
  }

  func testBadLinesAreReportedAndSkipped() {
    let text = """
      good 1
      {no_name="x"} 1
      bad_value abc
      hex_value 0x10
      infinity_word infinity
      unclosed{a="1" 2
      bad_label{a=1} 2
      unquoted{a="1} 2
      no_value
      extra 1 2 3
      # TYPE x unknowntype
      also_good{a="b"} 2
      """
    let r = ExpositionParser().parse(Data(text.utf8))
    XCTAssertEqual(r.samples.map(\.name), ["good", "also_good"])
    XCTAssertEqual(r.errors.map(\.line), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    XCTAssertTrue(r.errors[1].message.contains("invalid value \"abc\""), r.errors[1].message)
  }

  func testTheSeriesCacheGivesTheSameSamplesAndIsBounded() throws {
    let data = try fixture("node-exporter.txt")
    let parser = ExpositionParser()
    let cold = parser.parse(data).samples
    let warm = parser.parse(data).samples
    XCTAssertEqual(cold, warm)
    XCTAssertEqual(cold, ExpositionParser().parse(data).samples)
    XCTAssertEqual(parser.cachedSeries, 507)
    // More live series than the bound: all kept, scrape after scrape (no cliff), the same samples.
    parser.maxCachedSeries = 100
    for _ in 0..<3 {
      let again = parser.parse(data)
      XCTAssertEqual(again.samples, cold)
      XCTAssertEqual(again.newSeries, 0, "every series from the cache")
      XCTAssertEqual(parser.cachedSeries, 507)
    }
    // A changed value in a cached series is read anew.
    let changed = parser.parse(Data("node_load1 42\n".utf8)).samples
    XCTAssertEqual(changed.first?.value, 42)
  }

  /// Labels that churn (a new pod every scrape): the series no scrape has any more are dropped, so
  /// the cache stays within twice the live series, and a live one is never parsed again.
  func testChurningSeriesAreDroppedAndLiveOnesKept() {
    let parser = ExpositionParser()
    parser.maxCachedSeries = 50
    func scrape(_ k: Int) -> Data {
      var text = ""
      for i in 0..<40 { text += "up{job=\"stable\",i=\"\(i)\"} 1\n" }
      for i in 0..<30 { text += "churn{pod=\"p-\(k)-\(i)\"} \(k)\n" }
      return Data(text.utf8)
    }
    for k in 0..<200 {
      let r = parser.parse(scrape(k))
      XCTAssertEqual(r.samples.count, 70)
      XCTAssertEqual(r.newSeries, k == 0 ? 70 : 30, "only the new pod's series are parsed")
      XCTAssertEqual(r.samples.last?.labels.first?.value, "p-\(k)-29")
      XCTAssertLessThanOrEqual(parser.cachedSeries, 2 * 70, "scrape \(k)")
    }
    XCTAssertEqual(parser.parse(scrape(7)).samples, ExpositionParser().parse(scrape(7)).samples)
  }

  func testInputsTheFuzzerFound() {
    // A timestamp of 84e+30 seconds overflowed Int64 milliseconds.
    let r = ExpositionParser().parse(Data("go_mem\t\t5\t\t84e+30\n".utf8), openMetrics: true)
    XCTAssertEqual(r.samples.count, 0)
    XCTAssertEqual(r.errors.first?.message, "invalid timestamp")
  }

  /// Random bytes: never a crash, every error on a line that exists, and the warm series cache gives
  /// what a fresh parser gives.
  func testGarbageNeverCrashesAndTheCacheAgrees() {
    var rng = SplitMix64(seed: 3)
    let parser = ExpositionParser()
    var errors = 0
    let alphabet = Array("ab_{}=\",# \n\\0.9e+-InfNaN\t\r😀".utf8)
    for _ in 0..<2000 {
      let n = Int.random(in: 0...200, using: &rng)
      let bytes = (0..<n).map { _ in
        Bool.random(using: &rng)
          ? alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] : UInt8.random(in: 0...255, using: &rng)
      }
      let om = Bool.random(using: &rng)
      let warm = parser.parse(Data(bytes), openMetrics: om)
      let fresh = ExpositionParser().parse(Data(bytes), openMetrics: om)
      XCTAssertEqual(warm.samples.count, fresh.samples.count)
      XCTAssertEqual(warm.samples.map(\.name), fresh.samples.map(\.name))
      XCTAssertEqual(warm.errors.map(\.line), fresh.errors.map(\.line))
      let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
      for e in warm.errors {
        XCTAssertTrue((1...max(1, lines)).contains(e.line), "error on line \(e.line) of \(lines)")
      }
      errors += warm.errors.count
    }
    XCTAssertGreaterThan(errors, 100, "garbage is reported, not silently taken")
  }
}
