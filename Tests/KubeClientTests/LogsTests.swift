import Foundation
import Simulation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Transport

/// Container logs: the stream decoder (split at any byte, long lines, bytes that are not UTF-8,
/// timestamps), the bounded buffer, the demo's logs through a failover, and the API server's log
/// stream over a fake server.
final class LogsTests: XCTestCase {
  let text =
    "2026-11-27T15:04:05.123456789Z GET /api/orders 200\n"
    + "2026-11-27T15:04:06Z [ERROR] psycopg2.OperationalError: could not connect\n"
    + "2026-11-27T16:04:06+01:00 WARNING: slow query 1.2s ünïcödé ✓\n"
    + "no timestamp here\r\n"

  func testSplitAtAnyByteGivesTheSameLines() {
    var whole = LogDecoder()
    let expected = whole.feed(Array(text.utf8))
    XCTAssertEqual(expected.count, 4)
    XCTAssertEqual(expected[0].text, "GET /api/orders 200")
    XCTAssertEqual(expected[0].time!, 1_795_791_845.123_456_789, accuracy: 1e-6)
    XCTAssertEqual(expected[1].level, .error)
    XCTAssertEqual(expected[2].time, 1_795_791_846, "an offset is read")
    XCTAssertEqual(expected[2].level, .warning)
    XCTAssertTrue(expected[2].text.hasSuffix("ünïcödé ✓"))
    XCTAssertEqual(expected[3].text, "no timestamp here")
    XCTAssertNil(expected[3].time)
    let bytes = Array(text.utf8)
    for cut in 1..<bytes.count {
      var d = LogDecoder()
      let lines = d.feed(bytes[..<cut]) + d.feed(bytes[cut...]) + d.finish()
      XCTAssertEqual(lines, expected, "cut at byte \(cut)")
    }
    var byByte = LogDecoder()
    XCTAssertEqual(bytes.flatMap { byByte.feed([$0]) }, expected)
  }

  func testLongLinesAreCutAndBadBytesReplaced() {
    var d = LogDecoder(timestamps: false)
    let long = String(repeating: "é", count: 5000)  // 10,000 bytes
    let lines = d.feed(Array((long + "\nend\n").utf8))
    XCTAssertEqual(lines.count, 4, "10,000 bytes in pieces of at most 4,096, then the next line")
    XCTAssertTrue(lines[0].text.hasSuffix(" …"))
    XCTAssertTrue(lines[1].text.hasPrefix("↪ "))
    XCTAssertFalse(lines.contains { $0.text.contains("\u{FFFD}") }, "never cut inside a character")
    XCTAssertEqual(lines[3].text, "end")
    XCTAssertTrue(lines.allSatisfy { $0.text.utf8.count <= LogDecoder.maxLine + 8 })
    var bad = LogDecoder(timestamps: false)
    let out = bad.feed([0x6F, 0x6B, 0xFF, 0xFE, 0x21, 0x0A])
    XCTAssertEqual(out.map(\.text), ["ok\u{FFFD}\u{FFFD}!"])
  }

  func testTheBufferIsBounded() {
    var f = LogFollow(request: LogRequest(namespace: "a", pod: "b"))
    for k in 0..<40 { f.append((0..<500).map { LogLine(time: Double(k), text: "line \($0)") }) }
    XCTAssertEqual(f.received, 20_000)
    XCTAssertLessThanOrEqual(f.lines.count, LogFollow.capacity)
    XCTAssertEqual(f.dropped, 20_000 - f.lines.count)
    XCTAssertEqual(f.lines.last?.text, "line 499")
    XCTAssertEqual(LogDecoder.classify("10.0.0.1 - - \"GET / HTTP/1.1\" 503 12"), .error, "an HTTP 5xx")
    XCTAssertEqual(LogDecoder.classify("10.0.0.1 - - \"GET / HTTP/1.1\" 200 12"), .info)
  }

  /// Following the Postgres primary's replica through a kill of the primary: the replica loses its
  /// WAL stream, then is promoted.
  func testTheDemoLogsAFailover() {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.executor = { [store] e in demo.perform(e, state: store.state) }
    store.dispatch(demo.actions(atVirtual: 5))
    let replica = store.state.pods.values.first { $0.namespace == "pipeline" && $0.labels["role"] == "replica" }!
    store.dispatch(.followLogs(LogRequest(namespace: "pipeline", pod: replica.name)))
    XCTAssertEqual(store.state.logs?.status, "following (demo)")
    XCTAssertTrue(store.state.logs!.lines.contains { $0.text.contains("started streaming WAL") })
    store.dispatch(
      .requestFault(FaultRequest(kind: .killPrimary, target: .workload(namespace: "pipeline", name: "postgres"))))
    var t: Seconds = 5
    while t < 40 {
      t += 0.5
      store.dispatch(demo.actions(atVirtual: t))
    }
    let text = store.state.logs!.lines.map(\.text)
    let lost = text.firstIndex { $0.contains("could not receive data from WAL stream") }
    let promoted = text.firstIndex { $0.contains("received promote request") }
    XCTAssertNotNil(lost, text.suffix(20).joined(separator: "\n"))
    XCTAssertNotNil(promoted)
    XCTAssertLessThan(lost!, promoted!)
    // A Flask pod's log during the outage has 5xx lines and the driver's error.
    let flask = store.state.pods.values.first { $0.workload == "flask" && $0.namespace == "pipeline" }!
    store.dispatch(.followLogs(LogRequest(namespace: "pipeline", pod: flask.name, container: "nope")))
    XCTAssertEqual(store.state.logs?.status, "container nope is not in pod \(flask.name)")
  }

  func testTheAPIServersLogStream() throws {
    final class LogHTTP: HTTPClient, @unchecked Sendable {
      var paths: [String] = []
      let lock = NSLock()
      func request(_ method: String, _ path: String, body: Data?, contentType: String, accept: String, timeout: Int)
        throws -> HTTPTransport.Response
      { HTTPTransport.Response(status: 404, body: Data()) }
      func watch(_ path: String, timeout: Int, onOpen: @escaping (Int) -> Void, onLine: @escaping (Data) -> Bool)
        throws -> WatchOutcome
      {
        let n = lock.withLock {
          paths.append(path)
          return paths.count
        }
        if n == 1 {
          onOpen(200)
          for l in ["2026-11-27T15:04:05Z one", "2026-11-27T15:04:06Z two"] { _ = onLine(Data(l.utf8)) }
          return WatchOutcome(status: 200)
        }
        // The reconnection from the last line's second repeats it: it is skipped.
        onOpen(400)
        return WatchOutcome(
          status: 400,
          body: Data(
            #"{"kind":"Status","status":"Failure","message":"container \"postgres\" in pod \"postgres-0\" is waiting to start: ContainerCreating","reason":"BadRequest","code":400}"#
              .utf8))
      }
    }
    let http = LogHTTP()
    let (c, inbox) = fakeKube(http)
    c.sleep = { _ in Thread.sleep(forTimeInterval: 0.01) }
    let req = LogRequest(namespace: "pipeline", pod: "postgres-0", container: "postgres", tailLines: 50)
    _ = c.perform(.followLogs(req), state: ClusterSnapshot())
    var got: [Action] = []
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      got += inbox.drain()
      if got.contains(where: {
        if case .logStatus(_, let s) = $0 { return s.contains("waiting to start") } else { return false }
      }) {
        break
      }
      Thread.sleep(forTimeInterval: 0.02)
    }
    _ = c.perform(.followLogs(nil), state: ClusterSnapshot())
    let lines = got.flatMap { a -> [LogLine] in if case .logLines(_, let l) = a { return l } else { return [] } }
    XCTAssertEqual(lines.map(\.text), ["one", "two"])
    XCTAssertEqual(
      http.paths.first,
      "/api/v1/namespaces/pipeline/pods/postgres-0/log?follow=true&timestamps=true&container=postgres&tailLines=50")
    XCTAssertTrue(http.paths.dropFirst().first?.contains("sinceTime=2026-11-27T15:04:06Z") ?? false, "\(http.paths)")
    let status = got.compactMap { a -> String? in if case .logStatus(_, let s) = a { return s } else { return nil } }
    XCTAssertTrue(
      status.contains { $0.contains("container \"postgres\" in pod \"postgres-0\" is waiting to start") }, "\(status)")
  }
}

extension LogsTests {
  /// A forbidden user and an HTML error page: said in words once, and the stream is not retried.
  func testAForbiddenLogAndAnHTMLPageAreSaidInWords() throws {
    final class Refusing: HTTPClient, @unchecked Sendable {
      let status: Int
      let body: String
      let lock = NSLock()
      var calls = 0
      init(_ status: Int, _ body: String) {
        self.status = status
        self.body = body
      }
      func request(_ method: String, _ path: String, body: Data?, contentType: String, accept: String, timeout: Int)
        throws -> HTTPTransport.Response
      { HTTPTransport.Response(status: 404, body: Data()) }
      func watch(_ path: String, timeout: Int, onOpen: @escaping (Int) -> Void, onLine: @escaping (Data) -> Bool)
        throws -> WatchOutcome
      {
        lock.withLock { calls += 1 }
        onOpen(status)
        return WatchOutcome(status: status, body: Data(body.utf8))
      }
    }
    let cases: [(Int, String, String)] = [
      (
        403,
        #"{"kind":"Status","status":"Failure","message":"pods \"flask-0\" is forbidden: User \"dev\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"pipeline\"","reason":"Forbidden","code":403}"#,
        "forbidden"
      ),
      (502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "502"),
    ]
    for (status, body, expected) in cases {
      let http = Refusing(status, body)
      let (c, inbox) = fakeKube(http, user: "dev")
      c.sleep = { _ in Thread.sleep(forTimeInterval: 0.01) }
      let req = LogRequest(namespace: "pipeline", pod: "flask-0")
      _ = c.perform(.followLogs(req), state: ClusterSnapshot())
      var statuses: [String] = []
      let deadline = Date().addingTimeInterval(3)
      while Date() < deadline && statuses.isEmpty {
        statuses += inbox.drain().compactMap { a -> String? in
          if case .logStatus(_, let s) = a { return s } else { return nil }
        }
        Thread.sleep(forTimeInterval: 0.02)
      }
      Thread.sleep(forTimeInterval: 0.2)
      _ = c.perform(.followLogs(nil), state: ClusterSnapshot())
      XCTAssertEqual(statuses.count, 1, "\(statuses)")
      XCTAssertTrue(statuses.first?.contains(expected) ?? false, "\(statuses)")
      XCTAssertFalse(statuses.first?.contains("<html") ?? true, "no markup on screen: \(statuses)")
      XCTAssertEqual(http.lock.withLock { http.calls }, 1, "not retried")
    }
  }
}
