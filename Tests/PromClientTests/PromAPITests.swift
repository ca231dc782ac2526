import CCurl
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

final class PromAPITests: XCTestCase {
  func testVectorWithSpecialValues() throws {
    let body = #"""
      {"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"node","instance":"127.0.0.1:9100"},"value":[1764012000.5,"1"]},
        {"metric":{"pod":"flask-1"},"value":[1764012000.5,"NaN"]},
        {"metric":{"pod":"flask-2"},"value":[1764012000.5,"+Inf"]},
        {"metric":{"pod":"flask-3"},"value":[1764012000.5,"-Inf"]},
        {"metric":{"pod":"flask-4"},"value":[1764012000.5,"1.5e-3"]}]}}
      """#
    let r = try PromAPI.result(Data(body.utf8))
    guard case .vector(let s) = r else { return XCTFail("\(r)") }
    XCTAssertEqual(s.count, 5)
    XCTAssertEqual(s[0].labels["job"], "node")
    XCTAssertEqual(s[0].points, [PromAPI.Point(1_764_012_000.5, 1)])
    XCTAssertTrue(s[1].last!.isNaN)
    XCTAssertEqual(s[2].last, .infinity)
    XCTAssertEqual(s[3].last, -.infinity)
    XCTAssertEqual(s[4].last, 0.0015)
  }

  func testMatrixScalarString() throws {
    let matrix =
      #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1,"1"],[16,"2.5"],[31,"NaN"]]}]}}"#
    guard case .matrix(let m) = try PromAPI.result(Data(matrix.utf8)) else { return XCTFail() }
    XCTAssertEqual(m[0].points.map(\.time), [1, 16, 31])
    XCTAssertEqual(m[0].points[1].value, 2.5)
    let scalar = #"{"status":"success","data":{"resultType":"scalar","result":[1764012000,"42"]}}"#
    XCTAssertEqual(try PromAPI.result(Data(scalar.utf8)), .scalar(PromAPI.Point(1_764_012_000, 42)))
    let string = #"{"status":"success","data":{"resultType":"string","result":[1764012000,"hello"]}}"#
    XCTAssertEqual(try PromAPI.result(Data(string.utf8)), .string("hello"))
  }

  func testErrorsSayWhat() {
    func message(_ body: String, status: Int = 200, type: String? = "application/json") -> String {
      do {
        _ = try PromAPI.result(status: status, contentType: type, Data(body.utf8))
        return "no error"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(
      message(
        #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"}"#,
        status: 400), #"bad_data: invalid parameter "query": 1:5: parse error (HTTP 400)"#)
    XCTAssertTrue(
      message("<html>Bad Gateway</html>", status: 502, type: "text/html").hasPrefix(
        "HTTP 502: expected JSON, got text/html"))
    XCTAssertTrue(
      message(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#)
        .contains("unreadable"))
    XCTAssertTrue(
      message(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"infinity"]}]}}"#)
        .contains("unreadable"))
    XCTAssertTrue(message(#"{"status":"succ"#).contains("unreadable response"))
    XCTAssertEqual(message("", status: 503, type: nil), "HTTP 503")
    XCTAssertTrue(
      message(#"{"status":"success","data":{"resultType":"histogram","result":[]}}"#).contains("unexpected result type")
    )
  }

  func testAlertsAndTargets() throws {
    let alerts = #"""
      {"status":"success","data":{"alerts":[{"labels":{"alertname":"HighLatency","severity":"page","service":"flask"},
       "annotations":{"summary":"p99 over 250ms"},"state":"firing","activeAt":"2026-11-24T21:00:05.123456789Z","value":"3.1e-01"},
       {"labels":{"alertname":"PodCrashLooping"},"annotations":{},"state":"pending","activeAt":"2026-11-24T21:01:00+01:00"}]}}
      """#
    let a = try PromAPI.alerts(Data(alerts.utf8))
    XCTAssertEqual(a.map(\.name), ["HighLatency", "PodCrashLooping"])
    XCTAssertEqual(a[0].state, "firing")
    XCTAssertEqual(a[0].summary, "p99 over 250ms")
    XCTAssertEqual(a[0].activeAt!, Timestamps.parse("2026-11-24T21:00:05Z")! + 0.123, accuracy: 0.001)
    XCTAssertEqual(a[1].activeAt, Timestamps.parse("2026-11-24T20:01:00Z"))
    let targets = #"""
      {"status":"success","data":{"activeTargets":[{"labels":{"job":"node","instance":"127.0.0.1:9100"},"scrapePool":"node",
       "health":"down","lastError":"connection refused","lastScrape":"2026-11-24T21:00:00.5Z"}],"droppedTargets":[]}}
      """#
    let t = try PromAPI.targets(Data(targets.utf8))
    XCTAssertEqual(t[0].health, "down")
    XCTAssertEqual(t[0].lastError, "connection refused")
  }
}

final class RedactionTests: XCTestCase {
  func testPasswordsNeverShow() {
    XCTAssertEqual(PromSource.redacted("http://prometheus:9090"), "http://prometheus:9090")
    let r = PromSource.redacted("https://admin:s3cret@prom.example:9090/api")
    XCTAssertFalse(r.contains("s3cret"), r)
    XCTAssertTrue(r.contains("prom.example:9090"), r)
    let scrape = ScrapeSource(url: "http://u:hunter2@127.0.0.1:1/metrics", inbox: Inbox())
    XCTAssertFalse(scrape.url.contains("hunter2"))
    // A transport error names the server without the password.
    XCTAssertFalse(
      HTTPTransport.explain(CURLE_COULDNT_CONNECT, "refused", server: "http://u:hunter2@127.0.0.1:1").contains(
        "hunter2"))
  }
}

final class QueriesFileTests: XCTestCase {
  func testTheExampleFileIsTheDefaults() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "../../queries.example.yaml")
    let q = try PromQueries.load(yaml: try String(contentsOf: url, encoding: .utf8), source: "example")
    XCTAssertEqual(q, PromQueries())
  }

  func testPartialAndBadFiles() throws {
    let q = try PromQueries.load(yaml: "pod_cpu_cores: sum by (namespace, pod) (rate(x[5m]))\n", source: "f")
    XCTAssertEqual(q.podCPUCores, "sum by (namespace, pod) (rate(x[5m]))")
    XCTAssertEqual(q.podMemoryBytes, PromQueries().podMemoryBytes)
    XCTAssertEqual(try PromQueries.load(yaml: "", source: "f"), PromQueries())
    func error(_ yaml: String) -> String {
      do {
        _ = try PromQueries.load(yaml: yaml, source: "q.yaml")
        return "no error"
      } catch { return "\(error)" }
    }
    XCTAssertTrue(error("pod_cpu: x").hasPrefix("q.yaml: unknown key pod_cpu (known: pod_cpu_cores, pod_memory_bytes,"))
    XCTAssertEqual(
      error("pod_cpu_cores: [1, 2]"), "q.yaml: pod_cpu_cores must be a PromQL expression (text), or \"\" to turn it off"
    )
    // Turned off: empty or null.
    XCTAssertEqual(try PromQueries.load(yaml: "pod_io_bytes_per_second: \"\"", source: "f").podIOBytesPerSecond, "")
    XCTAssertEqual(try PromQueries.load(yaml: "service_error_percent:", source: "f").serviceErrorPercent, "")
    // Steady-state checks.
    let checks = try PromQueries.load(
      yaml: """
        steady_state:
          - {name: flask p99 ms, expr: "1000 * x", max: 250, service: flask}
          - {name: ready, expr: "y", min: 3}
          - {expr: "z", min: 1, max: 9.5}
        """, source: "f"
    ).steadyState
    XCTAssertEqual(
      checks,
      [
        PromCheck(name: "flask p99 ms", expr: "1000 * x", max: 250, scope: "flask"),
        PromCheck(name: "ready", expr: "y", min: 3), PromCheck(name: "check 3", expr: "z", max: 9.5, min: 1),
      ])
    XCTAssertEqual(checks.map(\.boundText), ["<= 250", ">= 3", "1 .. 9.5"])
    XCTAssertEqual(
      error("steady_state: {a: 1}"), "q.yaml: steady_state must be a list of {name, expr, max or min, service}")
    XCTAssertEqual(error("steady_state: [{expr: x}]"), "q.yaml: steady_state[0]: give max, min or both")
    XCTAssertEqual(error("steady_state: [{expr: x, max: ten}]"), "q.yaml: steady_state[0]: max must be a number")
    XCTAssertEqual(error("steady_state: [{max: 1}]"), "q.yaml: steady_state[0]: expr must be a PromQL expression")
    XCTAssertEqual(
      error("steady_state: [{expr: x, max: 1, maximum: 2}]"),
      "q.yaml: steady_state[0]: unknown key maximum (known: name, expr, max, min, service)")
    XCTAssertEqual(
      error("steady_state: [{expr: x, max: 1, min: 2}]"), "q.yaml: steady_state[0]: min 2.0 is above max 1.0")
    XCTAssertTrue(error("- a\n- b").contains("expected a mapping"))
    XCTAssertTrue(error("a: [unclosed").hasPrefix("q.yaml: not YAML"))
  }
}

final class AlertTimelineTests: XCTestCase {
  func testFiringAndResolvedGoToTheTimelineOnce() {
    var s = ClusterSnapshot()
    let a = PromAPI.Alert(
      name: "FlaskCPUHigh", state: "firing", labels: ["alertname": "FlaskCPUHigh"], summary: "hot", activeAt: 100)
    var pending = a
    pending.state = "pending"
    _ = reduce(&s, .alerts([pending], time: 95))
    XCTAssertTrue(s.firingAlerts.isEmpty, "pending is not firing")
    _ = reduce(&s, .alerts([a], time: 110))
    _ = reduce(&s, .alerts([a], time: 115))
    XCTAssertEqual(s.timeline.map(\.text), ["alert FlaskCPUHigh firing: hot"])
    XCTAssertEqual(s.timeline.first?.time, 100, "at the time it became active")
    _ = reduce(&s, .alerts([], time: 130))
    XCTAssertEqual(s.timeline.map(\.text), ["alert FlaskCPUHigh firing: hot", "alert FlaskCPUHigh resolved"])
    XCTAssertTrue(s.firingAlerts.isEmpty)
  }
}

/// A real HTTP server (Python's) answering far too much: the transport stops at its limit and says
/// so, and the next request on a new connection works.
final class HugeResponseTests: XCTestCase {
  func testAResponseOverTheLimitIsRefusedInWords() throws {
    let server = try PythonServer(
      """
      import http.server, sys
      class H(http.server.BaseHTTPRequestHandler):
          def log_message(self, *a): pass
          def do_GET(self):
              size = 8 << 20 if self.path == "/huge" else 10
              self.send_response(200)
              self.send_header("Content-Type", "application/json")
              self.send_header("Content-Length", str(size))
              self.end_headers()
              chunk = b"x" * 65536
              left = size
              try:
                  while left > 0:
                      self.wfile.write(chunk[:left]); left -= 65536
              except OSError:
                  pass
      s = http.server.HTTPServer(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """)
    let http = try HTTPTransport(
      connection: testConnection(server.url), tokens: TokenSource(.none))
    http.maxBodyBytes = 1 << 20
    XCTAssertThrowsError(try http.request("GET", "/huge")) { error in
      XCTAssertEqual("\(error)", "the response is larger than 1 MiB: stopped reading it")
    }
    XCTAssertEqual(try http.request("GET", "/small").body.count, 10)
  }
}
