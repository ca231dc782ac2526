import CCurl
import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

final class ReflectorTests: XCTestCase {
  static let podList = #"{"kind":"PodList","metadata":{"resourceVersion":"5"},"items":[]}"#
  static func added(_ name: String, rv: String) -> String {
    #"{"type":"ADDED","object":{"metadata":{"name":"\#(name)","namespace":"pipeline","resourceVersion":"\#(rv)"}}}"#
  }

  /// Runs a pods reflector over `script`; returns what it posted, the paths asked and the waits.
  func run(_ script: [ScriptedHTTP.Step], optional: Bool = false, newsOnly: Bool = false) -> (
    actions: [Action], paths: [String], waits: [Double], reflector: Reflector<Pod>
  ) {
    let http = ScriptedHTTP(script)
    var actions: [Action] = []
    var waits: [Double] = []
    let r = Reflector<Pod>(
      name: "pods", path: "/api/v1/namespaces/pipeline/pods",
      request: APIError.Request(verb: "list", resource: "pods", namespace: "pipeline", user: "kubeconfig-user"),
      optional: optional, makeClient: { http },
      decode: {
        let l = try KubeDecode.podList($0)
        return ListPage(l.items, resourceVersion: l.resourceVersion, continueToken: l.continue)
      },
      onList: { [.podsReplaced($0)] },
      onEvent: { type, _ in
        type == "ADDED" ? [.event(ClusterEvent(time: 0, reason: type, object: "pod", message: ""))] : []
      },
      post: { actions.append(contentsOf: $0) })
    r.newsOnly = newsOnly
    r.isStopped = { http.stopped }
    r.sleep = {
      waits.append($0)
      if http.steps.isEmpty { http.stopped = true }
    }
    r.random = { 0 }
    r.clock = { 0 }
    r.run()
    return (actions, http.paths, waits, r)
  }

  func connections(_ actions: [Action]) -> [ConnectionState] {
    actions.compactMap { if case .connection(let c) = $0 { return c } else { return nil } }
  }

  func testAQuietWatchIsOpenedAgainFromTheSameVersionWithoutListingOrDisconnecting() {
    // A 1.20 server sends nothing until the watch's timeoutSeconds, then ends it: three times over.
    let out = run([.answer(200, Self.podList), .watch(200, []), .watch(200, []), .watch(200, [])])
    XCTAssertEqual(out.reflector.lists, 1)
    XCTAssertEqual(out.reflector.relists, 0)
    XCTAssertEqual(connections(out.actions), [.connected], "no disconnected flash, no second list")
    XCTAssertTrue(out.paths[0].hasSuffix("pods?limit=500"))
    for p in out.paths.dropFirst() {
      XCTAssertTrue(p.contains("watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=5"), p)
    }
    XCTAssertEqual(out.waits, [], "an ended watch is opened again at once")
  }

  func testBookmarksAndEventsMoveTheResourceVersion() {
    let out = run([
      .answer(200, Self.podList),
      .watch(200, [Self.added("a", rv: "7"), #"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}}"#]),
      .watch(200, []),
    ])
    XCTAssertTrue(out.paths[2].hasSuffix("resourceVersion=12"), out.paths[2])
    XCTAssertEqual(out.reflector.lists, 1)
  }

  func testAWatchLostMidStreamIsOpenedAgainAtOnceFromTheLastVersion() {
    let out = run([
      .answer(200, Self.podList), .watch(200, [Self.added("a", rv: "7")], dropped: "the connection was lost"),
      .watch(200, []),
    ])
    XCTAssertTrue(out.paths[2].hasSuffix("resourceVersion=7"), out.paths[2])
    XCTAssertEqual(connections(out.actions), [.connected])
    XCTAssertEqual(out.reflector.lists, 1)
    XCTAssertEqual(out.waits, [])
  }

  func testAServerThatComesBackWithTheSameVersionIsWatchedAgainWithoutAList() {
    let refused = HTTPTransport.TransportError(
      description: "cannot connect to https://k (connection refused)", curlCode: Int(CURLE_COULDNT_CONNECT.rawValue))
    let out = run([.answer(200, Self.podList), .fail(refused), .watch(200, [])])
    XCTAssertEqual(out.reflector.lists, 1, "the watch resumes from resourceVersion 5: no relist")
    XCTAssertTrue(out.paths[2].hasSuffix("resourceVersion=5"))
    XCTAssertEqual(
      connections(out.actions),
      [.connected, .disconnected("cannot connect to https://k (connection refused)"), .connected])
    XCTAssertEqual(out.waits.count, 1)
    XCTAssertLessThanOrEqual(out.waits[0], 1.5, "a refused connection is retried within 1.5 s")
  }

  func testNewsOnlyListsOneItemForTheVersionAndWatchesFromIt() {
    // Events: a continue token is there (the last hour's events), and is not followed; a 410 asks
    // for the version again the same way.
    let withMore = #"{"kind":"PodList","metadata":{"resourceVersion":"90","continue":"more"},"items":[]}"#
    let out = run(
      [
        .answer(200, withMore), .watch(200, [Self.added("a", rv: "91")]),
        .watch(200, [#"{"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old"}}"#]),
        .answer(200, withMore),
        .watch(200, []),
      ], newsOnly: true)
    XCTAssertTrue(out.paths[0].hasSuffix("pods?limit=1"), out.paths[0])
    XCTAssertFalse(out.paths.contains { $0.contains("continue=") }, "\(out.paths)")
    XCTAssertTrue(out.paths[1].hasSuffix("resourceVersion=90"), out.paths[1])
    XCTAssertEqual(out.paths.filter { $0.hasSuffix("pods?limit=1") }.count, 2, "\(out.paths)")
    XCTAssertEqual(out.reflector.lists, 2)
    XCTAssertEqual(out.reflector.relists, 1)
  }

  func testGoneRelists() {
    let gone = #"{"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old resource version: 5 (90)"}}"#
    let out = run([.answer(200, Self.podList), .watch(200, [gone]), .answer(200, Self.podList), .watch(200, [])])
    XCTAssertEqual(out.reflector.lists, 2)
    XCTAssertEqual(out.reflector.relists, 1)
    XCTAssertEqual(connections(out.actions), [.connected, .connected])
    XCTAssertEqual(out.waits, [], "410 lists again at once")
  }

  func testForbiddenSaysWhoCannotDoWhat() {
    let status = #"""
      {"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods is forbidden: User \"developer\" cannot list resource \"pods\" in API group \"\" in the namespace \"pipeline\"","reason":"Forbidden","code":403}
      """#
    let out = run([.answer(403, status)])
    XCTAssertEqual(
      connections(out.actions), [.disconnected("forbidden: developer cannot list pods in pipeline (RBAC)")])
    XCTAssertEqual(out.waits.count, 1)
    // An optional kind (nodes, HPAs) the user may not read does not make the cluster look down.
    XCTAssertEqual(connections(run([.answer(403, status)], optional: true).actions), [])
  }

  func testServerErrorsKeepTheFirstLineOfTheirBody() {
    let out = run([.answer(500, "upstream connect error or disconnect/reset before headers\nmore detail")])
    XCTAssertEqual(
      connections(out.actions),
      [.disconnected("the server answered HTTP 500: upstream connect error or disconnect/reset before headers")])
    let page = run([.answer(502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")])
    XCTAssertEqual(connections(page.actions), [.disconnected("the server answered HTTP 502: 502 Bad Gateway")])
  }

  func testAnHTMLAnswerIsNamedAsSuch() {
    let out = run([.answer(200, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>")])
    XCTAssertEqual(
      connections(out.actions),
      [.disconnected("the answer to the pods list was not JSON (an HTML page: a proxy or load balancer in the way?)")])
    // JSON of another shape: no raw DecodingError on screen.
    let other = run([.answer(200, #"{"items":"nope"}"#)])
    guard case .disconnected(let why)? = connections(other.actions).first else { return XCTFail("no failure shown") }
    XCTAssertEqual(why, "the answer to the pods list could not be read (details in --log)")
    XCTAssertFalse(why.contains("DecodingError"))
  }

  func testRepeatedFailuresBackOffUpToThirtySeconds() {
    let refused = HTTPTransport.TransportError(description: "the connection to https://k was lost", curlCode: 56)
    let out = run(Array(repeating: .fail(refused), count: 9))
    XCTAssertEqual(out.waits.count, 9)
    var cap = 0.8
    for w in out.waits {
      XCTAssertGreaterThanOrEqual(w, cap * 0.5 - 1e-9)
      XCTAssertLessThanOrEqual(w, cap * 1.5 + 1e-9)
      cap = min(30, cap * 2)
    }
    XCTAssertGreaterThan(out.waits.last!, 14.9, "the wait reaches the 30 s cap (with jitter)")
  }

  func testAWatchRefusedWithAStatusBacksOffAndSaysWhy() {
    let status = #"{"kind":"Status","message":"etcdserver: request timed out","code":504}"#
    let out = run([.answer(200, Self.podList), .watch(504, [], body: status), .watch(200, [])])
    XCTAssertEqual(
      connections(out.actions),
      [.connected, .disconnected("the server answered HTTP 504: etcdserver: request timed out"), .connected])
    XCTAssertEqual(out.reflector.lists, 1)
  }
}

/// The libcurl transport against a real socket: a watch that stays silent for longer than the
/// request idle limit is not dropped.
final class QuietWatchTransportTests: XCTestCase {
  func testASilentWatchStaysOpenPastTheIdleLimit() throws {
    let server = try PythonServer(
      """
      import http.server, time
      class H(http.server.BaseHTTPRequestHandler):
          def log_message(self, *a): pass
          def do_GET(self):
              self.send_response(200)
              self.send_header("Content-Type", "application/json")
              self.end_headers()
              self.wfile.flush()
              time.sleep(3)
              self.wfile.write(b'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}\\n')
              self.wfile.flush()
      s = http.server.HTTPServer(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """)
    let http = try HTTPTransport(
      connection: testConnection(server.url), tokens: TokenSource(.none))
    // Requests give up after 1 s without a byte; a watch must not.
    http.idleTimeout = 1
    var opened: Int?
    var lines: [Data] = []
    let outcome = try http.watch(
      "/w", timeout: 20, onOpen: { opened = $0 },
      onLine: {
        lines.append($0); return true
      })
    XCTAssertEqual(opened, 200)
    XCTAssertNil(outcome.dropped, "a quiet watch was dropped: \(outcome.dropped ?? "")")
    XCTAssertEqual(lines.count, 1)
    XCTAssertEqual(WatchLine.parse(lines[0]), .bookmark(resourceVersion: "9"))
  }
}
