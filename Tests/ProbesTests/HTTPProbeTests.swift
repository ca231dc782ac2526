import ClusterState
import Foundation
import TestSupport
import XCTest

@testable import Probes

/// HTTP probes against a real server on loopback (python's http.server) that answers well, slowly,
/// wrongly, with 500s, and not at all; command probes with real processes.
final class HTTPProbeTests: XCTestCase {
  nonisolated(unsafe) static var server: PythonFixture?

  override class func tearDown() {
    server?.stop()
    server = nil
  }

  func port() throws -> Int {
    if let s = Self.server { return s.port }
    let s = try PythonFixture(
      script: try XCTUnwrap(Bundle.module.path(forResource: "Fixtures/probe_server", ofType: "py")))
    Self.server = s
    return s.port
  }

  func probe(_ path: String, _ edit: (inout HTTPProbe) -> Void = { _ in }, timeout: Seconds = 5) throws -> ProbeSample {
    var h = HTTPProbe(url: "http://127.0.0.1:\(try port())\(path)")
    edit(&h)
    return ProbeRunner.http("p", h, timeout: timeout, environment: ["TOKEN": "s3cret"])
  }

  func testAnAnswerAsExpectedPasses() throws {
    let s = try probe("/ok") {
      $0.jsonPath = "$.items[0].n"
      $0.equals = "2"
    }
    XCTAssertTrue(s.ok, s.detail)
    XCTAssertTrue(s.detail.hasPrefix("200 in "), s.detail)
  }

  func testASlowAnswerFailsItsLatencyBoundAndATimeoutIsNoAnswer() throws {
    let slow = try probe("/slow") { $0.latencyMs = 500 }
    XCTAssertFalse(slow.ok)
    XCTAssertTrue(slow.detail.contains("over 500 ms"), slow.detail)
    let late = try probe("/slow", timeout: 1)
    XCTAssertFalse(late.ok)
    XCTAssertTrue(late.detail.hasPrefix("no answer: "), late.detail)
  }

  func testAWrongValueIsNamedAndItsEscapesShown() throws {
    let s = try probe("/wrong") {
      $0.jsonPath = "$.status"
      $0.equals = "ok"
    }
    XCTAssertFalse(s.ok)
    XCTAssertTrue(s.detail.contains(#"$.status is "degraded\x1b]0;PWNED\x07", expected "ok""#), s.detail)
    XCTAssertFalse(s.detail.unicodeScalars.contains { $0.value < 0x20 }, "no control character survives")
    let missing = try probe("/ok") {
      $0.jsonPath = "$.nothing"
      $0.equals = "ok"
    }
    XCTAssertTrue(missing.detail.contains("no $.nothing in the answer"), missing.detail)
  }

  func testA500IsAFailureWithTheServersFirstLineEscaped() throws {
    let s = try probe("/fail")
    XCTAssertFalse(s.ok)
    XCTAssertTrue(s.detail.hasPrefix("status 500, expected 200 in "), s.detail)
    XCTAssertTrue(s.detail.contains(#"\x1b]0;PWNED"#), s.detail)
    XCTAssertLessThanOrEqual(s.detail.count, ProbeSample.detailLimit)
  }

  func testNoServerIsNoAnswer() throws {
    // A port nothing listens on: the server's own port after it is asked once, plus one, is not
    // enough of a guarantee; port 9 (discard) on loopback is closed on these machines.
    let s = ProbeRunner.http("p", HTTPProbe(url: "http://127.0.0.1:9/"), timeout: 2, environment: [:])
    XCTAssertFalse(s.ok)
    XCTAssertTrue(s.detail.hasPrefix("no answer: "), s.detail)
  }

  func testHeadersFromTheEnvironmentAndAPostWithABody() throws {
    let without = try probe("/auth")
    XCTAssertTrue(without.detail.hasPrefix("status 401"), without.detail)
    let with = try probe("/auth") { $0.headers = [["X-Token", "${TOKEN}"]] }
    XCTAssertTrue(with.ok, with.detail)
    XCTAssertFalse(with.detail.contains("s3cret"), "a header's value is never in what is shown")
    let unset = try probe("/auth") { $0.headers = [["X-Token", "${NOT_SET}"]] }
    XCTAssertEqual(unset.detail, "header X-Token: ${NOT_SET} is not set")
    let post = try probe("/post") {
      $0.method = "POST"
      $0.body = #"{"x": "hello"}"#
      $0.status = 201
      $0.jsonPath = "$.type"
      $0.equals = "application/json"
    }
    XCTAssertTrue(post.ok, post.detail)
  }

  func testAnAnswerTooLargeIsNotRead() throws {
    let s = try probe("/big")
    XCTAssertFalse(s.ok)
    XCTAssertTrue(s.detail.contains("larger than 1 MiB"), s.detail)
  }

  func testCommandsRunWithoutAShellAndAreKilledAtTheirTimeout() {
    XCTAssertTrue(CommandRun.answer("c", CommandProbe(argv: ["true"]), timeout: 5).ok)
    let f = CommandRun.answer("c", CommandProbe(argv: ["false"]), timeout: 5)
    XCTAssertTrue(f.detail.hasPrefix("exit 1, expected 0"), f.detail)
    var two = CommandProbe(argv: ["sh", "-c", "exit 2"])
    two.exit = 2
    XCTAssertTrue(CommandRun.answer("c", two, timeout: 5).ok)
    // No shell: a ; is an argument, not a second command.
    let semi = CommandRun.answer("c", CommandProbe(argv: ["true; false"]), timeout: 5)
    XCTAssertEqual(semi.detail.prefix(24), "true; false: not found (")
    let slow = CommandRun.answer("c", CommandProbe(argv: ["sleep", "30"]), timeout: 0.5)
    XCTAssertEqual(slow.detail, "sleep did not end within 0.5s: killed")
  }

  func testARunnerPostsAnswersOnItsScheduleAndRefusesCommandsReadOnly() throws {
    let got = Locked<[ProbeSample]>([])
    let runner = ProbeRunner(speed: 10, environment: [:]) { actions in
      for case .probeSample(let s) in actions { got.mutate { $0.append(s) } }
    }
    var http = ProbeSpec(name: "h", kind: .http(HTTPProbe(url: "http://127.0.0.1:\(try port())/ok")))
    http.every = 1
    var cmd = ProbeSpec(name: "c", kind: .cmd(CommandProbe(argv: ["true"])))
    cmd.every = 1
    runner.want([http, cmd], readOnly: true)
    Thread.sleep(forTimeInterval: 0.55)
    runner.want([], readOnly: true)
    Thread.sleep(forTimeInterval: 0.2)
    let answers = got.value
    let hs = answers.filter { $0.name == "h" }
    XCTAssertTrue((3...7).contains(hs.count), "every 1 s at 10x: about 5 answers in 0.55 s, got \(hs.count)")
    XCTAssertTrue(hs.allSatisfy(\.ok))
    let cs = answers.filter { $0.name == "c" }
    XCTAssertFalse(cs.isEmpty)
    XCTAssertTrue(cs.allSatisfy { !$0.ok && $0.detail == "refused: a read-only session runs no command" })
    let count = got.value.count
    Thread.sleep(forTimeInterval: 0.3)
    XCTAssertEqual(got.value.count, count, "stopped: no answer after want([])")
  }
}

final class Locked<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var v: T
  init(_ v: T) { self.v = v }
  var value: T { lock.withLock { v } }
  func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&v) } }
}

/// The go/no-go URL of the stop signals, against the same server.
extension HTTPProbeTests {
  func testAGoNoGoURLSaysGoOnlyForTrue() throws {
    let base = "http://127.0.0.1:\(try port())"
    XCTAssertNil(GoNoGoSource(url: base + "/go").answer())
    XCTAssertEqual(GoNoGoSource(url: base + "/nogo").answer(), "says False (no-go)")
    XCTAssertEqual(GoNoGoSource(url: base + "/maybe").answer(), "answered \"Maybe\u{1b}[2J\", neither True nor False")
    XCTAssertEqual(GoNoGoSource(url: base + "/fail").answer()?.hasPrefix("answered HTTP 500"), true)
    XCTAssertEqual(GoNoGoSource(url: "http://127.0.0.1:1/").answer()?.hasPrefix("no answer:"), true)
    XCTAssertEqual(GoNoGoSource.redacted("http://ops:s3cret@h:8080/x"), "http://ops:***@h:8080/x")
    // Polled: each change posted once, as a stop signal.
    let s = GoNoGoSource(url: base + "/nogo", every: 1)
    let inbox = Inbox()
    s.start(inbox: inbox)
    defer { s.stop() }
    var got: [Action] = []
    let deadline = Date().addingTimeInterval(5)
    while got.isEmpty && Date() < deadline {
      got += inbox.drain()
      Thread.sleep(forTimeInterval: 0.02)
    }
    XCTAssertEqual(got, [.stopSignal(name: "go/no-go " + base + "/nogo", stopping: "says False (no-go)")])
    Thread.sleep(forTimeInterval: 1.3)
    XCTAssertTrue(inbox.drain().isEmpty, "the same answer is not posted again")
  }
}
