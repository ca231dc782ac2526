import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Transport

/// The first screenful: the first page of the server's table of every pod is on screen while the
/// namespace tables of the first view are still coming, each row in its own namespace, and the
/// first view replaces it.
final class FirstPageTests: XCTestCase {
  /// The fake API server's helpers: a table of rows, a row with its object's namespace, the full
  /// list (slow) or any other list (empty), and a watch held open and quiet.
  static let prelude = """
    COLS = [{"name": n} for n in ["Name", "Ready", "Status", "Restarts", "Age", "Node"]]
    def row(ns, name):
        return {"cells": [name, "1/1", "Running", 0, "5m", "n1"],
                "object": {"kind": "PartialObjectMetadata", "metadata": {"name": name, "namespace": ns}}}
    def table(rows):
        return json.dumps({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "9"},
                           "columnDefinitions": COLS, "rows": rows}).encode()
    def slow_list_or_empty(h):
        if h.path.startswith("/api/v1/pods") and "as=Table" not in h.headers.get("Accept", ""):
            time.sleep(3)  # the full list comes after the first view
            return b'{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[]}'
        return b'{"kind":"List","metadata":{"resourceVersion":"5"},"items":[]}'
    def held_watch(h):
        if "watch=1" not in h.path:
            return False
        h.send_response(200); h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked"); h.end_headers(); h.wfile.flush()
        time.sleep(5)
        return True
    """

  func testTheFirstPageComesBeforeASlowFirstViewAndGivesWayToIt() throws {
    let server = try PythonServer(
      handler: """
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            tabled = "as=Table" in self.headers.get("Accept", "")
            if held_watch(self):
                return
            if tabled and self.path == "/api/v1/pods?limit=500":
                body = table([row("alpha", "a-0"), row("alpha", "a-1"), row("beta", "b-0")])
            elif tabled and self.path.startswith("/api/v1/namespaces?"):
                time.sleep(1.5)  # a busy server: the first view is slow
                body = table([{"cells": [ns, "Active", "1d"]} for ns in ["alpha", "beta", "x?watch=1&y="]])
            elif tabled and "/pods?" in self.path and "/namespaces/" in self.path:
                ns = self.path.split("/")[4]
                body = table([{"cells": [ns[0] + "-%d" % i, "1/1", "Running", 0, "5m", "n1"]} for i in range(4)])
            else:
                body = slow_list_or_empty(self)
            self.reply(body)
        """,
      prelude: Self.prelude)
    let c = KubeCluster(connection: testConnection(server.url), namespace: nil)
    let inbox = Inbox()
    c.start(inbox: inbox)
    defer { c.stop() }
    var seen: [String] = []
    var firstPage: [Pod] = []
    var preview: [Pod] = []
    let deadline = Date().addingTimeInterval(10)
    while preview.isEmpty && Date() < deadline {
      for a in inbox.drain() {
        switch a {
        case .podsFirstPage(let p):
          seen.append("first page")
          firstPage = p
        case .podsPreview(let p):
          seen.append("first view")
          preview = p
        default: break
        }
      }
      Thread.sleep(forTimeInterval: 0.02)
    }
    XCTAssertEqual(seen, ["first page", "first view"])
    XCTAssertEqual(firstPage.map(\.id).sorted(), ["alpha/a-0", "alpha/a-1", "beta/b-0"], "each row in its namespace")
    // A name from the server is one path segment, whatever it holds.
    XCTAssertEqual(preview.count, 12)
    XCTAssertEqual(preview.filter { $0.namespace == "x?watch=1&y=" }.count, 4)
    var s = ClusterSnapshot()
    _ = reduce(&s, .podsFirstPage(firstPage))
    XCTAssertTrue(s.podsPartial)
    _ = reduce(&s, .podsPreview(preview))
    XCTAssertEqual(s.pods.count, 12)
    XCTAssertFalse(s.podsPartial)
  }

  /// The first view of `namespaces` namespaces: each pod named after where its table came from.
  func firstView(namespaces n: Int) throws -> [Pod] {
    let server = try PythonServer(
      handler: """
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            tabled = "as=Table" in self.headers.get("Accept", "")
            if held_watch(self):
                return
            if tabled and self.path.startswith("/api/v1/namespaces?"):
                body = table([{"cells": ["ns-%d" % i, "Active", "1d"]} for i in range(\(n))])
            elif tabled and "/pods?" in self.path and "/namespaces/" in self.path:
                source = "cache" if "resourceVersion=0" in self.path else "etcd"
                body = table([{"cells": [source, "1/1", "Running", 0, "5m", "n1"]}])
            else:
                body = slow_list_or_empty(self)
            self.reply(body)
        """,
      prelude: Self.prelude)
    let c = KubeCluster(connection: testConnection(server.url), namespace: nil)
    let inbox = Inbox()
    c.start(inbox: inbox)
    defer { c.stop() }
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      for case .podsPreview(let p) in inbox.drain() { return p }
      Thread.sleep(forTimeInterval: 0.02)
    }
    XCTFail("no first view")
    return []
  }

  /// A few namespaces' tables come from the watch cache; many from etcd, where a namespace's pods
  /// are found without walking every pod of the cluster.
  func testManyNamespacesTablesComeFromEtcdAFewFromTheWatchCache() throws {
    let few = try firstView(namespaces: Informers.watchCacheNamespaces)
    XCTAssertEqual(few.count, Informers.watchCacheNamespaces)
    XCTAssertEqual(Set(few.map(\.name)), ["cache"])
    let many = try firstView(namespaces: Informers.watchCacheNamespaces + 1)
    XCTAssertEqual(many.count, Informers.watchCacheNamespaces + 1)
    XCTAssertEqual(Set(many.map(\.name)), ["etcd"])
  }
}
