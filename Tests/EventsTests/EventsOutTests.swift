import ClusterState
import Foundation
import TestSupport
import Transport
import XCTest

@testable import Events

/// Events out against a real receiver on loopback: the webhook's JSON (a Slack-compatible text),
/// Grafana's annotation (time in ms, tags, the bearer token), tried again on 503, a refusal shown in
/// the target's state; the timeline's lines that are events, each once.
final class EventsOutTests: XCTestCase {
  nonisolated(unsafe) static var server: PythonFixture?

  override class func tearDown() {
    server?.stop()
    server = nil
  }

  func port() throws -> Int {
    if let s = Self.server { return s.port }
    let s = try PythonFixture(script: try XCTUnwrap(Bundle.module.path(forResource: "Fixtures/receiver", ofType: "py")))
    Self.server = s
    return s.port
  }

  /// What the receiver got, for a path.
  func seen(_ path: String) throws -> [[String: Any]] {
    let http = try HTTPTransport.plain("http://127.0.0.1:\(try port())/seen", name: "t")
    let data = try http.request("GET", "", body: nil, contentType: "text/plain", accept: "*/*", timeout: 5).body
    let all = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    return all.filter { ($0["path"] as? String) == path }
  }

  func waitFor(_ path: String, count: Int) throws -> [[String: Any]] {
    let deadline = Date().addingTimeInterval(10)
    var got = try seen(path)
    while got.count < count && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.05)
      got = try seen(path)
    }
    return got
  }

  func testAWebhookAndGrafanaGetTheirBodies() throws {
    let base = "http://127.0.0.1:\(try port())"
    let out = EventsOut(
      targets: [.webhook(url: base + "/hook"), .grafana(url: base + "/", token: "glsa_token", tags: ["gameday"])],
      context: "lab")
    let inbox = Inbox()
    out.start(inbox: inbox)
    defer { out.stop() }
    out.send(OutEvent(kind: .injected, text: "injected pod-kill -> flask-1", incident: 3))
    let hook = try waitFor("/hook", count: 1)
    let body = try XCTUnwrap(hook.first?["body"] as? [String: Any])
    XCTAssertEqual(body["text"] as? String, "chaostui [lab] injected pod-kill -> flask-1")
    XCTAssertEqual(body["event"] as? String, "injected")
    XCTAssertEqual(body["incident"] as? Int, 3)
    let grafana = try waitFor("/api/annotations", count: 1)
    let g = try XCTUnwrap(grafana.first)
    XCTAssertEqual(g["auth"] as? String, "Bearer glsa_token")
    let gb = try XCTUnwrap(g["body"] as? [String: Any])
    XCTAssertEqual(gb["tags"] as? [String], ["chaostui", "injected", "lab", "gameday"])
    XCTAssertEqual(gb["text"] as? String, "injected pod-kill -> flask-1")
    let ms = try XCTUnwrap(gb["time"] as? Double)
    XCTAssertEqual(ms / 1000, Date().timeIntervalSince1970, accuracy: 30)
    // Each target's state, as a source's.
    let deadline = Date().addingTimeInterval(5)
    var states: [SourceStatus] = []
    while states.filter({ $0.health == .working }).count < 2 && Date() < deadline {
      for case .source(let s) in inbox.drain() { states.append(s) }
      Thread.sleep(forTimeInterval: 0.02)
    }
    XCTAssertEqual(Set(states.filter { $0.health == .working }.map(\.name)), ["webhook " + base, "grafana " + base])
  }

  func testFailuresAreTriedAgainOrShown() throws {
    let base = "http://127.0.0.1:\(try port())"
    let out = EventsOut(targets: [.webhook(url: base + "/flaky"), .webhook(url: base + "/refuse")], context: "c")
    out.backoff = [0.05, 0.05, 0.05]
    let inbox = Inbox()
    out.start(inbox: inbox)
    defer { out.stop() }
    out.send(OutEvent(kind: .detected, text: "#1 detected"))
    XCTAssertEqual(try waitFor("/flaky", count: 3).count, 3, "503 twice, then sent")
    var failing: SourceStatus?
    let deadline = Date().addingTimeInterval(5)
    while failing == nil && Date() < deadline {
      for case .source(let s) in inbox.drain() where s.health == .failing { failing = s }
      Thread.sleep(forTimeInterval: 0.02)
    }
    XCTAssertEqual(failing?.detail, "HTTP 400: bad annotation")
    XCTAssertEqual(try seen("/refuse").count, 1, "a 400 is not tried again")
    XCTAssertEqual(EventsOut.hostOnly("https://hooks.slack.com/services/T0/B0/SECRET"), "https://hooks.slack.com")
    XCTAssertEqual(EventsOut.hostOnly("https://u:p@grafana:3000/x"), "https://grafana:3000")
  }

  func testTheTimelinesEventsEachOnce() {
    var cursor = TimelineCursor()
    let a = TimelineEntry(time: 10, kind: .fault, text: "injected pod-kill -> a", incident: 1)
    let b = TimelineEntry(time: 10, kind: .event, text: "pod/a: Killing")
    let c = TimelineEntry(time: 11, kind: .detected, text: "#1 detected", incident: 1)
    XCTAssertEqual(cursor.new([a, b]), [a, b])
    XCTAssertEqual(cursor.new([a, b, c]), [c])
    let d = TimelineEntry(time: 11, kind: .warning, text: "SAFETY LEVER ENGAGED by x")
    XCTAssertEqual(cursor.new([a, b, c, d]), [d], "a second line at the same time")
    XCTAssertEqual(cursor.new([a, b, c, d]), [])
    XCTAssertEqual(OutEvent.of(a)?.kind, .injected)
    XCTAssertNil(OutEvent.of(b), "cluster events stay in the timeline")
    XCTAssertEqual(OutEvent.of(d)?.kind, .lever)
    XCTAssertNil(OutEvent.of(TimelineEntry(time: 1, kind: .recovered, text: "alert X resolved")))
  }
}
