import ClusterState
import PromClient
import Simulation
import Transport
import XCTest

@testable import KubeClient

/// The demo cluster wired to a store, driven on the virtual clock.
final class Harness {
  let store: Store
  let cluster: DemoCluster
  private(set) var now: Seconds = 0
  /// What the reducer told the user, in order.
  private(set) var notices: [String] = []
  var notice: String? { notices.last }

  init(seed: UInt64 = 1, extraPods: Int = 0, scaleDownWindow: Seconds = 60, controlGroup: Bool = false) {
    var o = Simulator.Options()
    o.controlGroup = controlGroup
    o.seed = seed
    o.extraPods = extraPods
    o.scaleDownWindow = scaleDownWindow
    cluster = DemoCluster(options: o)
    store = Store()
    let c = cluster
    store.executor = { c.perform($0) }
    store.notifier = { [unowned self] in notices.append($0) }
    store.dispatch(cluster.simulator.advance(to: 0))
  }

  var state: ClusterSnapshot { store.state }

  func run(to t: Seconds) {
    store.dispatch(cluster.simulator.advance(to: t))
    now = t
  }

  /// Steps in 0.1 s ticks until the condition holds or the deadline passes; returns the time it held.
  @discardableResult
  func runUntil(_ deadline: Seconds, _ condition: (ClusterSnapshot) -> Bool) -> Seconds? {
    var t = now
    while t < deadline - 1e-9 {
      t = ((t + Simulator.tick) * 10).rounded() / 10
      run(to: t)
      if condition(state) { return t }
    }
    return nil
  }

  func inject(_ kind: FaultKind, _ target: FaultTarget, _ tweak: (inout FaultParameters) -> Void = { _ in }) {
    var p = FaultParameters()
    tweak(&p)
    store.dispatch(.requestFault(FaultRequest(kind: kind, target: target, parameters: p)))
  }

  func pods(_ workload: String) -> [Pod] {
    state.pods.values.filter { $0.workload == workload }.sorted { $0.name < $1.name }
  }

  func pod(_ name: String) -> Pod? { state.pods["pipeline/" + name] }

  var flask: [Pod] { pods("flask") }
}

let flaskWorkload = FaultTarget.workload(namespace: "pipeline", name: "flask")

/// A small server written in Python (Debian's python3) for tests against a real socket: the script
/// prints the port it listens on, first thing; the server is stopped when this goes away.
final class PythonServer {
  let process = Process()
  let port: Int

  init(_ script: String) throws {
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

  var url: String { "http://127.0.0.1:\(port)" }

  deinit { process.terminate() }
}

/// A connection to a test server on loopback (plain HTTP, no credentials).
func testConnection(_ server: String, context: String = "t") -> ClusterConnection {
  ClusterConnection(
    contextName: context, server: server, caData: nil, insecureSkipTLSVerify: false, namespace: nil, userName: "t",
    credentials: .none, proxyURL: nil)
}

/// A `KubeCluster` over a scripted fake API server (`lab` context at https://k), its inbox its own.
func fakeKube(_ http: HTTPClient, namespace: String? = "pipeline", user: String = "admin") -> (KubeCluster, Inbox) {
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
