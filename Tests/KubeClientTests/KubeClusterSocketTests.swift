import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Transport

/// The whole Kubernetes client (transport, reflectors, informers) against small servers on a real
/// socket: a cluster where nothing happens, and a proxy that answers every request with a login page.
final class KubeClusterSocketTests: XCTestCase {
  func cluster(_ server: PythonServer, idleTimeout: Int) -> (KubeCluster, Inbox) {
    let conn = testConnection(server.url)
    let c = KubeCluster(connection: conn, namespace: "pipeline")
    c.makeClient = {
      let t = try HTTPTransport(connection: conn, tokens: TokenSource(.none))
      t.idleTimeout = idleTimeout
      return t
    }
    let inbox = Inbox()
    c.start(inbox: inbox)
    return (c, inbox)
  }

  func connections(_ actions: [Action]) -> [ConnectionState] {
    actions.compactMap { if case .connection(let s) = $0 { return s } else { return nil } }
  }

  /// Lists are empty, every watch stays silent for 4 s (four times the request idle limit set here):
  /// no disconnected, no second list.
  func testAQuietClusterStaysConnectedWithOneListAKind() throws {
    let server = try PythonServer(
      """
      import http.server, socketserver, sys, time
      lists = {}
      class H(http.server.BaseHTTPRequestHandler):
          def log_message(self, *a): pass
          def do_GET(self):
              if "watch=1" in self.path:
                  self.send_response(200)
                  self.send_header("Content-Type", "application/json")
                  self.end_headers()
                  self.wfile.flush()
                  time.sleep(4)
                  return
              if self.path == "/lists":
                  body = str(lists.get("/api/v1/namespaces/pipeline/pods", 0)).encode()
              else:
                  key = self.path.split("?")[0]
                  # a list (paged, or the first from the watch cache), not the first view's tables
                  table = "includeObject" in self.path or "as=Table" in self.headers.get("Accept", "")
                  if ("limit=" in self.path or "resourceVersion=0" in self.path) and not table and "watch" not in self.path:
                      lists[key] = lists.get(key, 0) + 1
                  body = b'{"kind":"List","metadata":{"resourceVersion":"5"},"items":[]}'
              self.send_response(200)
              self.send_header("Content-Type", "application/json")
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
      class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
      s = S(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """)
    let (c, inbox) = cluster(server, idleTimeout: 1)
    defer { c.stop() }
    Thread.sleep(forTimeInterval: 3.5)
    let seen = connections(inbox.drain())
    XCTAssertTrue(seen.contains(.connected), "\(seen)")
    XCTAssertFalse(seen.contains { if case .disconnected = $0 { return true } else { return false } }, "\(seen)")
    let probe = try HTTPTransport(connection: testConnection(server.url), tokens: TokenSource(.none))
    let lists = String(decoding: try probe.get("/lists").body, as: UTF8.self)
    XCTAssertEqual(lists, "1", "the pods are listed once")
  }

  /// Every answer is a login page (a proxy in the way): the console says so, in words.
  func testAnHTMLPageIsNamedAsSuch() throws {
    let server = try PythonServer(
      """
      import http.server, socketserver
      class H(http.server.BaseHTTPRequestHandler):
          def log_message(self, *a): pass
          def do_GET(self):
              body = b"<!DOCTYPE html><html><head><title>Sign in - Corporate SSO</title></head><body>login</body></html>"
              self.send_response(200)
              self.send_header("Content-Type", "text/html")
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
      class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
      s = S(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """)
    let (c, inbox) = cluster(server, idleTimeout: 5)
    defer { c.stop() }
    var seen: [ConnectionState] = []
    let deadline = Date().addingTimeInterval(8)
    while Date() < deadline {
      seen += connections(inbox.drain())
      if seen.contains(
        .disconnected("the answer to the pods list was not JSON (an HTML page: a proxy or load balancer in the way?)"))
      {
        break
      }
      Thread.sleep(forTimeInterval: 0.1)
    }
    XCTAssertTrue(
      seen.contains(
        .disconnected("the answer to the pods list was not JSON (an HTML page: a proxy or load balancer in the way?)")),
      "\(seen)")
    XCTAssertFalse(seen.contains { "\($0)".contains("DecodingError") }, "\(seen)")
  }
}
