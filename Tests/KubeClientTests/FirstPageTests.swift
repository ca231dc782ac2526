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

  /// A fake API server's handler: the pods' first page is `firstPage`, the namespaces' table names
  /// `namespaces`, each namespace's pods table is `namespaceTable` (`self` and `ns` in scope), the
  /// full list `list`; each a Python expression. Every other list is empty; a watch is held open.
  static func handler(
    namespaces: String, namespaceTable: String, firstPage: String = "table([])",
    list: String = "slow_list_or_empty(self)"
  ) -> String {
    """
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        tabled = "as=Table" in self.headers.get("Accept", "")
        if held_watch(self):
            return
        if tabled and self.path == "/api/v1/pods?limit=500":
            body = \(firstPage)
        elif tabled and self.path.startswith("/api/v1/namespaces?"):
            body = table([{"cells": [ns, "Active", "1d"]} for ns in \(namespaces)])
        elif tabled and "/pods?" in self.path and "/namespaces/" in self.path:
            ns = self.path.split("/")[4]
            body = \(namespaceTable)
        elif self.path.startswith("/api/v1/pods"):
            body = \(list)
        else:
            body = slow_list_or_empty(self)
        self.reply(body)
    """
  }

  /// What a cluster started against that fake server posts of the pods' steps, until `enough` says
  /// so or `seconds` have passed.
  static func steps(
    _ handler: String, seconds: Double, enough: ([Action]) -> Bool = { _ in false }
  ) throws -> [Action] {
    let server = try PythonServer(handler: handler, prelude: prelude)
    let c = KubeCluster(connection: testConnection(server.url), namespace: nil)
    let inbox = Inbox()
    c.start(inbox: inbox)
    defer { c.stop() }
    var seen: [Action] = []
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline && !enough(seen) {
      for a in inbox.drain() {
        switch a {
        case .podsFirstPage, .podsPreview, .podsReplaced: seen.append(a)
        default: break
        }
      }
      Thread.sleep(forTimeInterval: 0.02)
    }
    return seen
  }

  func testTheFirstPageComesBeforeASlowFirstViewAndGivesWayToIt() throws {
    let seen = try Self.steps(
      Self.handler(
        // A busy server: the first view is slow.
        namespaces: #"(time.sleep(1.5), ["alpha", "beta", "x?watch=1&y="])[1]"#,
        namespaceTable: #"table([{"cells": [ns[0] + "-%d" % i, "1/1", "Running", 0, "5m", "n1"]} for i in range(4)])"#,
        firstPage: #"table([row("alpha", "a-0"), row("alpha", "a-1"), row("beta", "b-0")])"#),
      seconds: 10, enough: { $0.count >= 2 })
    guard seen.count == 2, case .podsFirstPage(let firstPage) = seen[0], case .podsPreview(let preview) = seen[1]
    else { return XCTFail("not the first page, then the first view: \(seen)") }
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
    let seen = try Self.steps(
      Self.handler(
        namespaces: "[\"ns-%d\" % i for i in range(\(n))]",
        namespaceTable:
          #"table([{"cells": ["cache" if "resourceVersion=0" in self.path else "etcd", "1/1", "Running", 0, "5m", "n1"]}])"#
      ),
      seconds: 10, enough: { !$0.isEmpty })
    for case .podsPreview(let p) in seen { return p }
    XCTFail("no first view: \(seen)")
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

  /// The pods' steps with `namespaces` namespaces whose tables are slow (0.6 s each, 4 at a time)
  /// and a full list that is quick.
  func stepNames(namespaces n: Int) throws -> [String] {
    let seen = try Self.steps(
      Self.handler(
        namespaces: "[\"ns-%d\" % i for i in range(\(n))]",
        namespaceTable: #"(time.sleep(0.6), table([{"cells": ["p", "1/1", "Running", 0, "5m", "n1"]}]))[1]"#,
        list: #"b'{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[]}'"#),
      seconds: 3 + 0.6 * Double(n) / 4)
    return seen.map {
      switch $0 {
      case .podsFirstPage: "first page"
      case .podsPreview: "first view"
      default: "list"
      }
    }
  }

  /// The full list waits for the tables, from the watch cache or from etcd: beside them it would
  /// only take the server's cores from them.
  func testTheListWaitsForTheTables() throws {
    XCTAssertEqual(try stepNames(namespaces: Informers.watchCacheNamespaces), ["first view", "list"])
    XCTAssertEqual(try stepNames(namespaces: Informers.watchCacheNamespaces + 1), ["first view", "list"])
  }
}
