import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Transport

/// A list read as it arrives: every item cut out whole whatever the chunks, strings holding braces
/// and quotes not mistaken for structure, an oversized item skipped, what is not a list refused; and
/// the pods' first list read so from a server on a socket, with the paged list as the fallback.
final class ListStreamTests: XCTestCase {
  func pod(_ i: Int) -> String {
    #"{"metadata":{"name":"web-\#(i)","namespace":"shop","labels":{"note":"a } ] { [ \" \\ brace"}},"spec":{"nodeName":"n1","containers":[{"name":"app"}]},"status":{"phase":"Running"}}"#
  }

  func list(_ n: Int) -> String {
    #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"4711","note":"} ]"},"items":["#
      + (0..<n).map(pod).joined(separator: ",") + "]}"
  }

  func feed(_ text: String, chunks: [Int]) throws -> (ListItemStream, [String]) {
    var s = ListItemStream()
    var out: [String] = []
    let bytes = Array(text.utf8)
    var i = 0
    var k = 0
    while i < bytes.count {
      let n = max(1, min(chunks[k % chunks.count], bytes.count - i))
      k += 1
      try bytes[i..<(i + n)].withUnsafeBufferPointer { b in
        try s.feed(b) { out.append(String(decoding: $0, as: UTF8.self)) }
      }
      i += n
    }
    return (s, out)
  }

  func testEveryItemIsCutOutWholeWhateverTheChunks() throws {
    for chunks in [[1], [7, 3, 1], [4096], [100_000], [13, 1, 2, 500]] {
      let (s, items) = try feed(list(50), chunks: chunks)
      XCTAssertEqual(items, (0..<50).map(pod), "chunks \(chunks)")
      XCTAssertTrue(s.complete)
      XCTAssertEqual(s.resourceVersion, "4711")
      XCTAssertEqual(s.items, 50)
    }
    let (empty, none) = try feed(#"{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[]}"#, chunks: [5])
    XCTAssertEqual(none, [])
    XCTAssertTrue(empty.complete)
    XCTAssertEqual(empty.resourceVersion, "9")
  }

  func testEachItemDecodesAsThePagedListDoes() throws {
    let (_, items) = try feed(list(3), chunks: [17])
    let one = try items.map { item in try Array(item.utf8).withUnsafeBufferPointer { try KubeDecode.onePod($0) } }
    let paged = try KubeDecode.podList(Data(list(3).utf8)).items
    XCTAssertEqual(one, paged)
    XCTAssertEqual(one[0].labels["note"], #"a } ] { [ " \ brace"#)
  }

  func testAnOversizedItemIsSkippedNotHeld() throws {
    let big =
      #"{"metadata":{"name":"big","annotations":{"x":""# + String(repeating: "a", count: ListItemStream.itemLimit)
      + #""}}}"#
    let text = #"{"metadata":{"resourceVersion":"1"},"items":["# + pod(1) + "," + big + "," + pod(2) + "]}"
    // In pieces (the item copied as it goes on) and whole (the item handed on from the bytes).
    for chunks in [[65536], [text.utf8.count], [ListItemStream.itemLimit - 3, 5]] {
      let (s, items) = try feed(text, chunks: chunks)
      XCTAssertEqual(items, [pod(1), pod(2)], "chunks \(chunks)")
      XCTAssertEqual(s.skipped, 1)
      XCTAssertTrue(s.complete)
    }
  }

  func testWhatIsNotAListIsRefusedOrIncomplete() throws {
    XCTAssertThrowsError(try feed("<html><body>Sign in</body></html>", chunks: [10]))
    let (cut, items) = try feed(String(list(5).dropLast(40)), chunks: [64])
    XCTAssertFalse(cut.complete, "a list cut short is not taken for the whole")
    XCTAssertEqual(items.count, 4)
  }

  /// The pods' first list: one GET from the watch cache, sent in small pieces, and no paging.
  func testThePodsFirstListIsOneStreamFromTheWatchCache() throws {
    let server = try PythonServer(
      handler: """
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            if self.path == "/seen":
                body = json.dumps(seen).encode()
            elif "watch=1" in self.path:
                self.send_response(200); self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked"); self.end_headers(); self.wfile.flush()
                time.sleep(5)
                return
            elif self.path.startswith("/api/v1/namespaces/pipeline/pods") and "as=Table" not in self.headers.get("Accept", ""):
                seen.append(self.path)
                if "resourceVersion=0" in self.path:
                    self.send_response(200); self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(BODY))); self.end_headers()
                    for i in range(0, len(BODY), 4093):
                        self.wfile.write(BODY[i:i + 4093]); self.wfile.flush()
                    return
                body = b'{"kind":"PodList","metadata":{"resourceVersion":"77"},"items":[]}'
            else:
                body = b'{"kind":"List","metadata":{"resourceVersion":"5"},"items":[]}'
            self.reply(body)
        """,
      prelude: """
        seen = []
        def pod(i):
            return {"metadata": {"name": "web-%d" % i, "namespace": "pipeline", "labels": {"app": "web"}},
                    "spec": {"nodeName": "n1", "containers": [{"name": "app"}]}, "status": {"phase": "Running"}}
        BODY = json.dumps({"kind": "PodList", "metadata": {"resourceVersion": "77"},
                           "items": [pod(i) for i in range(2000)]}).encode()
        """)
    let conn = testConnection(server.url)
    let c = KubeCluster(connection: conn, namespace: "pipeline")
    let inbox = Inbox()
    c.start(inbox: inbox)
    defer { c.stop() }
    var pods: [Pod]?
    let deadline = Date().addingTimeInterval(10)
    while pods == nil && Date() < deadline {
      for a in inbox.drain() { if case .podsReplaced(let p) = a { pods = p } }
      Thread.sleep(forTimeInterval: 0.05)
    }
    XCTAssertEqual(pods?.count, 2000)
    XCTAssertEqual(pods?.first { $0.name == "web-1999" }?.labels["app"], "web")
    let probe = try HTTPTransport(connection: conn, tokens: TokenSource(.none))
    let seen = try JSONSerialization.jsonObject(with: probe.get("/seen").body) as? [String]
    XCTAssertEqual(seen, ["/api/v1/namespaces/pipeline/pods?resourceVersion=0"], "one list, not paged")
  }

  /// A first list that is not readable from the watch cache (a proxy's page): the paged list serves.
  func testAnUnreadableStreamFallsBackToThePagedList() throws {
    let server = try PythonServer(
      handler: """
        def do_GET(self):
            if "watch=1" in self.path:
                self.send_response(200); self.end_headers(); self.wfile.flush(); time.sleep(5); return
            if self.path.startswith("/api/v1/namespaces/pipeline/pods") and "resourceVersion=0" in self.path \\
                    and "includeObject" not in self.path:
                self.reply(b"<html>cache says no</html>", ctype="text/html")
            elif self.path.startswith("/api/v1/namespaces/pipeline/pods?limit=500"):
                self.reply(json.dumps({"kind": "PodList", "metadata": {"resourceVersion": "8"}, "items": [
                    {"metadata": {"name": "paged-0", "namespace": "pipeline"}, "status": {"phase": "Running"}}]}).encode())
            else:
                self.reply(b'{"kind":"List","metadata":{"resourceVersion":"5"},"items":[]}')
        """)
    let c = KubeCluster(connection: testConnection(server.url), namespace: "pipeline")
    let inbox = Inbox()
    c.start(inbox: inbox)
    defer { c.stop() }
    var names: [String]?
    let deadline = Date().addingTimeInterval(10)
    while names == nil && Date() < deadline {
      for a in inbox.drain() { if case .podsReplaced(let p) = a { names = p.map(\.name) } }
      Thread.sleep(forTimeInterval: 0.05)
    }
    XCTAssertEqual(names, ["paged-0"])
  }
}
