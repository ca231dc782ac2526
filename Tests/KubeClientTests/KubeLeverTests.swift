import ClusterState
import Foundation
import TestSupport
import Transport
import XCTest

@testable import KubeClient

/// The ConfigMap lever against scripted API servers: read by list and watch, unknown when it
/// cannot be read (in the server's words), written by a merge patch or made when missing, and a
/// refusal said in words.
final class KubeLeverTests: XCTestCase {
  func configMap(_ data: [String: String], rv: String = "5") -> String {
    let d = try! JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])
    return #"{"metadata":{"name":"chaostui-lever","namespace":"chaostui-system","resourceVersion":"\#(rv)"},"data":"#
      + String(decoding: d, as: UTF8.self) + "}"
  }

  func levers(_ inbox: Inbox, until count: Int) -> [SafetyLever] {
    var seen: [SafetyLever] = []
    let deadline = Date().addingTimeInterval(5)
    while seen.count < count && Date() < deadline {
      for case .lever(let l) in inbox.drain() { seen.append(l) }
      Thread.sleep(forTimeInterval: 0.01)
    }
    return seen
  }

  func testListThenWatchThenALostServerIsUnknown() {
    let engaged = configMap([
      "engaged": "true", "by": "alice@bastion", "reason": "outage", "at": "2026-12-04T04:00:00Z",
    ])
    let http = ScriptedHTTP([
      .answer(200, #"{"metadata":{"resourceVersion":"5"},"items":[\#(engaged)]}"#),
      .watch(
        200,
        [#"{"type":"MODIFIED","object":\#(configMap(["engaged": "false", "by": "bob"], rv: "6"))}"#],
        dropped: nil),
      .fail(HTTPTransport.TransportError(description: "Couldn't connect to server", curlCode: 7)),
    ])
    let lever = KubeLever(namespace: "chaostui-system", name: "chaostui-lever", userName: "admin") { http }
    let inbox = Inbox()
    lever.start(inbox: inbox)
    let seen = levers(inbox, until: 3)
    lever.stop()
    guard seen.count == 3 else { return XCTFail("\(seen)") }
    XCTAssertEqual(seen.first?.status, .engaged)
    XCTAssertEqual(seen.first?.by, "alice@bastion")
    XCTAssertEqual(seen.first?.location, "configmap chaostui-system/chaostui-lever")
    XCTAssertEqual(seen[1].status, .released)
    XCTAssertEqual(seen[2].status, .unknown, "the server gone: unknown, never released")
    XCTAssertEqual(
      http.paths.first,
      "/api/v1/namespaces/chaostui-system/configmaps?fieldSelector=metadata.name%3Dchaostui-lever&limit=500")
  }

  func testForbiddenIsUnknownInTheServersWords() {
    let http = ScriptedHTTP([
      .answer(
        403,
        #"{"kind":"Status","message":"configmaps is forbidden: User \"dev\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"chaostui-system\"","code":403}"#
      )
    ])
    let lever = KubeLever(namespace: "chaostui-system", name: "chaostui-lever", userName: "dev") { http }
    let inbox = Inbox()
    lever.start(inbox: inbox)
    let seen = levers(inbox, until: 1)
    lever.stop()
    XCTAssertEqual(seen.first?.status, .unknown)
    XCTAssertEqual(seen.first?.problem, "forbidden: dev cannot watch configmaps in chaostui-system (RBAC)")
  }

  func testMovingPatchesOrMakesTheConfigMapAndSaysWhatWasRefused() throws {
    let routes = RoutedHTTP([
      (
        method: "PATCH", prefix: "/api/v1/namespaces/chaostui-system/configmaps/chaostui-lever", status: 404, body: "{}"
      ),
      (method: "POST", prefix: "/api/v1/namespaces/chaostui-system/configmaps", status: 201, body: "{}"),
    ])
    let lever = KubeLever(namespace: "chaostui-system", name: "chaostui-lever", userName: "admin") { routes }
    try lever.write(SafetyLever(status: .engaged, by: "a@b", at: 1_796_356_800, reason: "stop", location: ""))
    XCTAssertEqual(routes.requests.map(\.method), ["PATCH", "POST"])
    XCTAssertEqual(
      routes.requests[0].body, #"{"data":{"at":"2026-12-04T04:00:00Z","by":"a@b","engaged":"true","reason":"stop"}}"#)
    XCTAssertTrue(routes.requests[1].body.contains(#""app.kubernetes.io/managed-by":"chaostui""#))
    // No such namespace: say how to make it.
    routes.routes = [
      (method: "PATCH", prefix: "/", status: 404, body: "{}"), (method: "POST", prefix: "/", status: 404, body: "{}"),
    ]
    XCTAssertThrowsError(try lever.write(SafetyLever(status: .engaged, location: ""))) {
      XCTAssertTrue("\($0)".hasPrefix("namespace chaostui-system does not exist: create it"), "\($0)")
    }
    // Forbidden: the words come back as the move's failure.
    routes.routes = [
      (
        method: "PATCH", prefix: "/", status: 403,
        body:
          #"{"message":"configmaps \"chaostui-lever\" is forbidden: User \"dev\" cannot patch resource \"configmaps\"\u001b[31m"}"#
      )
    ]
    let inbox = Inbox()
    lever.move(LeverMove(engage: true, reason: "r", by: "dev@x"), at: 0, inbox: inbox)
    var failed: String?
    let deadline = Date().addingTimeInterval(5)
    while failed == nil && Date() < deadline {
      for case .leverMoveFailed(let w) in inbox.drain() { failed = w }
      Thread.sleep(forTimeInterval: 0.01)
    }
    XCTAssertEqual(failed, "forbidden: dev cannot patch configmaps in chaostui-system (RBAC)")
  }
}

extension KubeLeverTests {
  /// A proxy's HTML page where the list should be: the lever is unknown, in words, never released.
  func testAnHTMLPageIsUnknownInWords() {
    let http = ScriptedHTTP([.answer(200, "<html><head><title>Login \u{1b}]0;x\u{07}</title></head></html>")])
    let lever = KubeLever(namespace: "chaostui-system", name: "chaostui-lever", userName: "dev") { http }
    let inbox = Inbox()
    lever.start(inbox: inbox)
    let seen = levers(inbox, until: 1)
    lever.stop()
    XCTAssertEqual(seen.first?.status, .unknown)
    XCTAssertTrue(seen.first?.problem?.contains("not JSON (an HTML page") == true, "\(seen)")
  }
}
