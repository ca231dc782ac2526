import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

/// One round of `PromSource` and its back-fill against a small Prometheus stand-in (Python's HTTP
/// server answering the API's JSON): which query feeds which pane, a failing query named in its
/// pane, the steady-state checks, alerts and targets.
final class PromSourceTests: XCTestCase {
  static let server = """
    import http.server, json, sys, urllib.parse
    def vector(metric, v): return {"metric": metric, "value": [1000, str(v)]}
    def answer(q, rng, start, end, step):
        if "http_request_duration" in q:
            return 400, {"status": "error", "errorType": "bad_data", "error": "unknown metric"}
        series = []
        if "container_cpu" in q: series = [({"namespace": "shop", "pod": "web-a"}, 0.25)]
        elif "container_memory" in q: series = [({"namespace": "shop", "pod": "web-a"}, 1048576)]
        elif "0.99, probe_duration" in q: series = [({"namespace": "shop", "service": "web"}, 0.21)]
        elif "0.5, probe_duration" in q: series = [({"namespace": "shop", "service": "web"}, 0.2)]
        elif "probe_success" in q: series = [({"namespace": "shop", "service": "web"}, 25)]
        elif "kube_horizontalpodautoscaler" in q: series = [({"namespace": "shop", "horizontalpodautoscaler": "web"}, 4)]
        elif q == "vector(7)": series = [({}, 7)]
        if rng:
            n = int((end - start) / step) + 1
            result = [{"metric": m, "values": [[start + i * step, str(v)] for i in range(n)]} for m, v in series]
            return 200, {"status": "success", "data": {"resultType": "matrix", "result": result}}
        return 200, {"status": "success", "data": {"resultType": "vector", "result": [vector(m, v) for m, v in series]}}
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            p = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
            if u.path == "/api/v1/alerts":
                code, body = 200, {"status": "success", "data": {"alerts": [{"labels": {"alertname": "WebDown", "severity": "page"}, "annotations": {"summary": "web is down"}, "state": "firing", "activeAt": "2026-11-24T10:00:00.123456789Z"}]}}
            elif u.path == "/api/v1/targets":
                code, body = 200, {"status": "success", "data": {"activeTargets": [{"labels": {"job": "node", "instance": "n1:9100"}, "health": "down", "lastError": "connection refused", "lastScrape": "2026-11-24T10:00:00Z"}]}}
            else:
                rng = u.path.endswith("query_range")
                code, body = answer(p.get("query", ""), rng, float(p.get("start", 0)), float(p.get("end", 0)), float(p.get("step", 1)))
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
    s = http.server.HTTPServer(("127.0.0.1", 0), H)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """

  func testARoundFeedsEachPaneAndNamesAFailingQuery() throws {
    let server = try PythonServer(Self.server)
    let inbox = Inbox()
    let source = PromSource(url: server.url + "/", inbox: inbox)
    source.queries.steadyState = [
      PromCheck(name: "seven", expr: "vector(7)", max: 5, scope: "web"),
      PromCheck(name: "broken", expr: "http_request_duration_seconds_count", max: 1),
    ]
    source.evaluate(probes: [PromCheck(name: "probe seven", expr: "vector(7)", max: 9, min: 1)])
    let http = try HTTPTransport(connection: source.connection, tokens: source.tokens)
    let actions = try source.poll(http)
    // The back-fill came first, through the inbox: 120 steps of 5 s, pods and services each step,
    // then the autoscaler's replica history.
    let backfill = inbox.drain()
    XCTAssertEqual(backfill.filter { if case .podUsage = $0 { return true } else { return false } }.count, 120)
    XCTAssertEqual(backfill.filter { if case .serviceMetrics = $0 { return true } else { return false } }.count, 120)
    guard case .hpaReplicaHistory(let history)? = backfill.last else { return XCTFail("no HPA history") }
    XCTAssertEqual(history["shop/web"]?.count, 120)
    XCTAssertEqual(history["shop/web"]?.last, 4)
    // The round itself.
    var sawPods = false
    var sawService = false
    for a in actions {
      switch a {
      case .alerts(let list, _):
        XCTAssertEqual(list.map(\.name), ["WebDown"])
      case .targets(let t):
        XCTAssertEqual(t.map(\.health), ["down"])
        XCTAssertEqual(t.first?.lastError, "connection refused")
      case .podUsage(_, let samples):
        sawPods = true
        XCTAssertEqual(samples.map(\.podID), ["shop/web-a"])
        XCTAssertEqual(samples.first?.cpuMilli, 250)
        XCTAssertEqual(samples.first?.memoryBytes, 1_048_576)
      case .serviceMetrics(_, let list):
        sawService = true
        XCTAssertEqual(
          list, [ServiceSample(namespace: "shop", service: "web", p50Ms: 200, p99Ms: 210, lossPercent: 25)])
      case .networkNote(let note):
        XCTAssertEqual(
          note,
          "error rate query: bad_data: unknown metric (HTTP 400); request rate query: bad_data: unknown metric (HTTP 400)"
        )
      case .steadyStateChecks(let results):
        XCTAssertEqual(results.map(\.violation), ["seven 7 > 5", nil])
        XCTAssertEqual(results.map(\.error), [nil, "broken query: bad_data: unknown metric (HTTP 400)"])
      case .probeResults(let results, _):
        XCTAssertEqual(results.map(\.value), [7], "an experiment's probe, evaluated each round")
        XCTAssertEqual(results.map(\.violation), [nil])
      case .metricsNote(let note):
        XCTAssertNil(note)
      default:
        XCTFail("unexpected \(a)")
      }
    }
    XCTAssertTrue(sawPods && sawService)
  }
}

/// A Prometheus that accepts and never answers: the poller (on its own thread, never the UI's)
/// notes it as stale, in words, once its request times out.
final class HangingPrometheusTests: XCTestCase {
  func testAHangingServerIsNotedAfterOneTimeout() throws {
    let server = try PythonServer(
      """
      import socket, time
      s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
      print(s.getsockname()[1], flush=True)
      held = []
      while True:
          c, _ = s.accept(); held.append(c)
      """)
    let inbox = Inbox()
    let source = PromSource(url: server.url, inbox: inbox)
    source.requestTimeout = 1
    source.refresh = 0.5
    let started = Date()
    source.start()
    defer { source.stop() }
    var note: String?
    while note == nil && Date().timeIntervalSince(started) < 10 {
      for case .metricsNote(let n?) in inbox.drain() { note = n }
      Thread.sleep(forTimeInterval: 0.05)
    }
    let waited = Date().timeIntervalSince(started)
    XCTAssertEqual(note, "STALE: no sample yet; prometheus: \(server.url) did not answer in time")
    // The back-fill's range query (twice the timeout) is the first request to time out.
    XCTAssertLessThan(waited, 5)
  }
}
