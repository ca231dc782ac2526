import Foundation
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Transport

// Fake API servers and real ones on loopback for the test targets: the route-answering and the
// scripted API server, a Python server, and a KubeCluster wired to a fake.

/// An API server that answers by route (method and path prefix, first match; else 404) and records
/// every request with its body.
public final class RoutedHTTP: HTTPClient, @unchecked Sendable {
  public struct Request: Equatable {
    public var method: String
    public var path: String
    public var body: String
  }
  public var routes: [(method: String, prefix: String, status: Int, body: String)]
  /// Called with each request's method and path before it is answered.
  public var onRequest: ((String, String) -> Void)?
  private let lock = NSLock()
  private var seen: [Request] = []
  public var requests: [Request] { lock.withLock { seen } }

  public init(_ routes: [(method: String, prefix: String, status: Int, body: String)]) { self.routes = routes }

  public func request(_ method: String, _ path: String, body: Data?, contentType: String, accept: String, timeout: Int)
    throws -> HTTPTransport.Response
  {
    lock.withLock {
      seen.append(Request(method: method, path: path, body: String(decoding: body ?? Data(), as: UTF8.self)))
    }
    onRequest?(method, path)
    let r = routes.first { $0.method == method && path.hasPrefix($0.prefix) }
    return HTTPTransport.Response(status: r?.status ?? 404, body: Data((r?.body ?? "").utf8))
  }

  public func watch(_ path: String, timeout: Int, onOpen: @escaping (Int) -> Void, onLine: @escaping (Data) -> Bool)
    throws
    -> WatchOutcome
  { WatchOutcome(status: 200) }
}

/// An API server as a script: each request or watch takes the next step. When the script runs out
/// the reflector is stopped (the last watch ends quietly).
public final class ScriptedHTTP: HTTPClient, @unchecked Sendable {
  public enum Step {
    case answer(Int, String)
    case watch(Int, [String], dropped: String? = nil, body: String = "")
    case fail(HTTPTransport.TransportError)
  }
  public var steps: [Step]
  public var paths: [String] = []
  public var stopped = false

  public init(_ steps: [Step]) { self.steps = steps }

  public func next() -> Step? {
    if steps.isEmpty {
      stopped = true
      return nil
    }
    return steps.removeFirst()
  }

  public func request(_ method: String, _ path: String, body: Data?, contentType: String, accept: String, timeout: Int)
    throws -> HTTPTransport.Response
  {
    paths.append(path)
    switch next() {
    case .answer(let status, let text)?: return HTTPTransport.Response(status: status, body: Data(text.utf8))
    case .fail(let e)?: throw e
    case .watch?: XCTFail("a list was asked for where the script has a watch: \(path)")
    case nil: break
    }
    throw HTTPTransport.TransportError(description: "script ended", curlCode: -1)
  }

  public func watch(_ path: String, timeout: Int, onOpen: @escaping (Int) -> Void, onLine: @escaping (Data) -> Bool)
    throws
    -> WatchOutcome
  {
    paths.append(path)
    switch next() {
    case .watch(let status, let lines, let dropped, let body)?:
      onOpen(status)
      for l in lines where !onLine(Data(l.utf8)) { break }
      return WatchOutcome(status: status, body: Data(body.utf8), dropped: dropped)
    case .fail(let e)?: throw e
    case .answer?: XCTFail("a watch was asked for where the script has an answer: \(path)")
    case nil: break
    }
    return WatchOutcome(status: 200)
  }
}

/// A small server written in Python (Debian's python3) for tests against a real socket: the script
/// prints the port it listens on, first thing; the server is stopped when this goes away.
public final class PythonServer {
  public let process = Process()
  public let port: Int

  public init(_ script: String) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
      throw XCTSkip("python3 is needed for the test server")
    }
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", script]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    guard let p = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
      process.terminate()
      // python3 is there: a server that does not start is a broken test, not one to skip.
      struct NotStarted: Error, CustomStringConvertible { var description = "the test server did not start" }
      throw NotStarted()
    }
    port = p
  }

  /// A threaded HTTP server from a request handler's methods, written from column 0 (they become
  /// the body of `class H(http.server.BaseHTTPRequestHandler)`); `prelude` (module-level Python)
  /// comes first. `http`, `socketserver`, `time` and `json` are imported; `self.reply(body,
  /// status=200, ctype="application/json")` answers with a length. HTTP/1.0 unless the handler sets
  /// `protocol_version`.
  public convenience init(handler: String, prelude: String = "") throws {
    let methods = handler.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
    try self.init(
      ([
        "import http.server, socketserver, time, json", prelude,
        "class H(http.server.BaseHTTPRequestHandler):",
        "    def log_message(self, *a): pass",
        "    def reply(self, body, status=200, ctype=\"application/json\"):",
        "        self.send_response(status); self.send_header(\"Content-Type\", ctype)",
        "        self.send_header(\"Content-Length\", str(len(body))); self.end_headers(); self.wfile.write(body)",
      ] + methods + [
        "class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True",
        "s = S((\"127.0.0.1\", 0), H)",
        "print(s.server_address[1], flush=True)",
        "s.serve_forever()",
      ]).joined(separator: "\n"))
  }

  public var url: String { "http://127.0.0.1:\(port)" }

  deinit { process.terminate() }
}

/// A connection to a test server on loopback (plain HTTP, no credentials).
public func testConnection(_ server: String, context: String = "t") -> ClusterConnection {
  ClusterConnection(
    contextName: context, server: server, caData: nil, insecureSkipTLSVerify: false, namespace: nil, userName: "t",
    credentials: .none, proxyURL: nil)
}

/// A `KubeCluster` over a scripted fake API server (`lab` context at https://k), its inbox its own.
public func fakeKube(_ http: HTTPClient, namespace: String? = "pipeline", user: String = "admin") -> (
  KubeCluster, Inbox
) {
  let c = KubeCluster(
    connection: ClusterConnection(
      contextName: "lab", server: "https://k", caData: nil, insecureSkipTLSVerify: false, namespace: nil,
      userName: user, credentials: .none, proxyURL: nil),
    namespace: namespace)
  c.makeClient = { http }
  let inbox = Inbox()
  c.inbox = inbox
  return (c, inbox)
}

/// A fixture server written in Python (a file of a test target's `Fixtures`), on loopback: it
/// prints its port first and stops when its standard input closes (`stop`, or this going away).
public final class PythonFixture: @unchecked Sendable {
  public let process = Process()
  let input = Pipe()
  public let port: Int

  public init(script path: String) throws {
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", path]
    let out = Pipe()
    process.standardOutput = out
    process.standardInput = input
    try process.run()
    var line = Data()
    while !line.contains(0x0A) {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
  }

  public var url: String { "http://127.0.0.1:\(port)" }

  public func stop() {
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
  }
}
