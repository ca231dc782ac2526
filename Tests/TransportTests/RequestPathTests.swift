import Foundation
import TestSupport
import XCTest

@testable import Transport

/// A name no cluster could have never steers a request to another object: names are one segment
/// each, and a path that climbs out of its object is not sent at all.
final class RequestPathTests: XCTestCase {
  func testANameIsOneSegment() {
    XCTAssertEqual(RequestPath.segment("flask-74cf4f6c6f-59v6g"), "flask-74cf4f6c6f-59v6g")
    XCTAssertEqual(RequestPath.segment("a.b"), "a.b")
    XCTAssertEqual(RequestPath.segment("victim?gracePeriodSeconds=0"), "victim%3FgracePeriodSeconds%3D0")
    XCTAssertEqual(RequestPath.segment("x/../y#z"), "x%2F..%2Fy%23z")
  }

  func testPathsThatClimbOutOfTheirObjectAreRefused() {
    for ok in [
      "", "/api/v1/namespaces/pipeline/pods/flask-1", "/api/v1/pods?labelSelector=a%3Db&continue=../x",
      "/api/v1/namespaces/p/pods/victim%3FgracePeriodSeconds%3D0",
      "/apis/chaos-mesh.org/v1alpha1/namespaces/p/podchaos",
    ] {
      XCTAssertNil(RequestPath.unsafeReason(ok), ok)
    }
    let refused: [(String, String)] = [
      ("/api/v1/namespaces/p/pods/x/../../../apis/apps/v1/namespaces/p/deployments/db", "it has a .. segment"),
      ("/api/v1/namespaces/p/pods/%2e%2E/secrets", "it has a .. segment"),
      ("/api/v1/namespaces/p/pods/./x", "it has a . segment"),
      ("/api/v1/namespaces/p/pods/x%2F..%2Fy", "a segment holds an encoded / or \\"),
      ("/api/v1/namespaces/p/pods/x%5C..", "a segment holds an encoded / or \\"),
      ("/api/v1/namespaces/p/pods/x y", "it holds a control character, a space, a # or a backslash"),
      ("/api/v1/namespaces/p/pods/x#frag", "it holds a control character, a space, a # or a backslash"),
      ("/api/v1/namespaces/p/pods/x\r\nHost: evil", "it holds a control character, a space, a # or a backslash"),
      ("/api/v1/namespaces/p/pods/%zz", "a segment is not well encoded"),
      ("api/v1/pods", "it does not start with /"),
    ]
    for (path, why) in refused { XCTAssertEqual(RequestPath.unsafeReason(path), why, path) }
  }

  /// A server on loopback that answers each request with its method, its path and the
  /// Accept-Encoding it was sent.
  func echoServer() throws -> PythonServer {
    try PythonServer(
      handler: """
        protocol_version = "HTTP/1.1"
        def answer(self):
            self.reply(" ".join([self.command, self.path, self.headers.get("Accept-Encoding") or "none"]).encode())
        do_GET = do_DELETE = answer
        """)
  }

  /// The refused DELETE never reaches the server; the next request does.
  func testARefusedPathIsNeverSent() throws {
    let server = try echoServer()
    var connection = ClusterConnection.plain(server.url, name: "t")
    connection.disableCompression = true
    let http = try HTTPTransport(connection: connection, tokens: TokenSource(.none))
    let name = "x/../../../apis/apps/v1/namespaces/p/deployments/db"
    XCTAssertThrowsError(try http.request("DELETE", "/api/v1/namespaces/p/pods/" + name)) {
      XCTAssertEqual(
        "\($0)", "a DELETE request was not sent: its path is not one object's (it has a .. segment)")
    }
    XCTAssertThrowsError(try http.request("DELETE", "/api/v1/namespaces/p/pods/" + RequestPath.segment(name)))
    let r = try http.request("GET", "/api/v1/namespaces/p/pods/" + RequestPath.segment("victim?dryRun=All"))
    XCTAssertEqual(
      String(decoding: r.body, as: UTF8.self), "GET /api/v1/namespaces/p/pods/victim%3FdryRun%3DAll none")
  }

  /// The kubeconfig's `disable-compression`: no Accept-Encoding is sent; else libcurl's (gzip...).
  func testCompressionIsAskedForUnlessDisabled() throws {
    let server = try echoServer()
    var connection = ClusterConnection.plain(server.url, name: "t")
    let asked = try HTTPTransport(connection: connection, tokens: TokenSource(.none)).request("GET", "/")
    XCTAssertTrue(String(decoding: asked.body, as: UTF8.self).contains("gzip"))
    connection.disableCompression = true
    let plain = try HTTPTransport(connection: connection, tokens: TokenSource(.none)).request("GET", "/")
    XCTAssertEqual(String(decoding: plain.body, as: UTF8.self), "GET / none")
  }
}
