import ClusterState
import Foundation
import Yams

// `probes:`: probes that need no Prometheus, and the references to them.
extension Reader {
  static let probeKinds = ["http", "k8s", "cmd"]
  static let httpMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
  static let kubeKinds = ["deployment", "statefulset", "daemonset", "workload", "pods", "nodes", "hpa"]

  /// `{name, http | k8s | cmd, mode, every, timeout, failure-threshold, success-threshold}`.
  func probeSpec(_ node: YNode, ns: String) throws -> ProbeSpec {
    let known = ["name", "mode", "every", "timeout", "failure-threshold", "success-threshold"] + Self.probeKinds
    let r = try mapping(node, "a probe", known: known)
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let nameNode = f("name") else { throw fail(node, "a probe needs a name") }
    let name = try string(nameNode, "probe name")
    let kinds = r.filter { Self.probeKinds.contains($0.key) }
    guard kinds.count == 1, let (k, v, _) = kinds.first else {
      throw fail(node, "probe \(name) is one of http, k8s or cmd")
    }
    let kind: ProbeSpec.Kind
    switch k {
    case "http": kind = .http(try http(v, name))
    case "k8s": kind = .k8s(try kube(v, name, ns: ns))
    default: kind = .cmd(try command(v, name))
    }
    var p = ProbeSpec(name: name, kind: kind)
    if let m = f("mode") {
      guard let mode = ProbeSpec.Mode(rawValue: try string(m, "probe mode")) else {
        throw fail(m, "probe mode is before, continuous, on-chaos or after")
      }
      p.mode = mode
    }
    p.every = try f("every").map { try duration($0, "probe every") } ?? p.every
    p.timeout = try f("timeout").map { try duration($0, "probe timeout") } ?? p.timeout
    guard p.every >= 1, p.timeout > 0, p.timeout <= 300 else {
      throw fail(node, "probe \(name): every is at least 1s, timeout between 0 and 5m")
    }
    p.failureThreshold = try f("failure-threshold").map { try int($0, "probe failure-threshold") } ?? 1
    p.successThreshold = try f("success-threshold").map { try int($0, "probe success-threshold") } ?? 1
    guard p.failureThreshold >= 1, p.successThreshold >= 1 else {
      throw fail(node, "probe \(name): thresholds are at least 1")
    }
    return p
  }

  /// `{url, method, headers, body, status, latency, json-path, equals}`.
  func http(_ node: YNode, _ name: String) throws -> HTTPProbe {
    let known = ["url", "method", "headers", "body", "status", "latency", "json-path", "equals"]
    let r = try mapping(node, "probe \(name).http", known: known)
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let u = f("url") else { throw fail(node, "probe \(name).http needs a url") }
    let url = try string(u, "probe url")
    guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url)?.host != nil else {
      throw fail(u, "probe \(name).http.url takes an http:// or https:// URL")
    }
    var h = HTTPProbe(url: url)
    if let m = f("method") {
      h.method = try string(m, "probe method").uppercased()
      guard Self.httpMethods.contains(h.method) else {
        throw fail(m, "probe \(name).http.method is one of \(Self.httpMethods.joined(separator: ", "))")
      }
    }
    if let hs = f("headers") {
      guard let m = hs.mapping else { throw fail(hs, "probe \(name).http.headers must be a mapping (name: value)") }
      for (k, value) in m {
        let key = try string(k, "probe header name")
        let v = try string(value, "probe header \(key)")
        // A header is one line: a CR or LF would start another header (or a body).
        guard !key.contains(where: { $0.isNewline || $0 == ":" }), !v.contains(where: \.isNewline) else {
          throw fail(value, "probe \(name).http.headers: \(key) must be one line")
        }
        h.headers.append([key, v])
      }
    }
    h.body = try f("body").map { try string($0, "probe body") }
    if let st = f("status") {
      h.status = try int(st, "probe status")
      guard (100...599).contains(h.status) else { throw fail(st, "probe \(name).http.status is an HTTP status") }
    }
    h.latencyMs = try f("latency").map { try duration($0, "probe latency") * 1000 }
    h.jsonPath = try f("json-path").map { try string($0, "probe json-path") }
    h.equals = f("equals").map { $0.string ?? "" }
    if let p = h.jsonPath, JSONPath(p) == nil {
      throw fail(f("json-path"), "probe \(name).http.json-path: \(p) is not a path such as $.status or $.items[0].name")
    }
    if (h.jsonPath == nil) != (h.equals == nil) {
      throw fail(node, "probe \(name).http: json-path and equals go together")
    }
    return h
  }

  /// `{kind, namespace, name, selector, ready-at-least, condition}`.
  func kube(_ node: YNode, _ name: String, ns: String) throws -> KubeProbe {
    let known = ["kind", "namespace", "name", "selector", "ready-at-least", "condition"]
    let r = try mapping(node, "probe \(name).k8s", known: known)
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let kn = f("kind") else { throw fail(node, "probe \(name).k8s needs a kind") }
    var k = KubeProbe(kind: try string(kn, "probe kind").lowercased())
    guard Self.kubeKinds.contains(k.kind) else {
      throw fail(kn, "probe \(name).k8s.kind is one of \(Self.kubeKinds.joined(separator: ", "))")
    }
    k.namespace = try f("namespace").map { try string($0, "probe namespace") } ?? (k.kind == "nodes" ? nil : ns)
    k.name = try f("name").map { try string($0, "probe name") }
    if let sel = f("selector") {
      for (key, value) in sel.mapping ?? [:] {
        k.selector[try string(key, "probe selector key")] = try string(value, "probe selector value")
      }
    }
    k.readyAtLeast = try f("ready-at-least").map { try int($0, "probe ready-at-least") }
    k.condition = try f("condition").map { try string($0, "probe condition") }
    if k.readyAtLeast == nil && k.condition == nil {
      throw fail(node, "probe \(name).k8s needs ready-at-least or condition")
    }
    if ["deployment", "statefulset", "daemonset", "workload", "hpa"].contains(k.kind) && k.name == nil {
      throw fail(node, "probe \(name).k8s: a \(k.kind) is named (name: ...)")
    }
    return k
  }

  /// `{run: [program, args...], exit: 0}`: no shell.
  func command(_ node: YNode, _ name: String) throws -> CommandProbe {
    let r = try mapping(node, "probe \(name).cmd", known: ["run", "exit"])
    guard let run = r.first(where: { $0.key == "run" })?.value else {
      throw fail(node, "probe \(name).cmd needs run: [program, arguments...]")
    }
    let argv = try list(run, "probe run").map { try string($0, "probe run") }
    guard !argv.isEmpty else { throw fail(run, "probe \(name).cmd.run names a program") }
    var c = CommandProbe(argv: argv)
    if let e = r.first(where: { $0.key == "exit" })?.value {
      let code = try int(e, "probe exit")
      guard code <= 255 else { throw fail(e, "probe \(name).cmd.exit is an exit code (0 to 255)") }
      c.exit = Int32(code)
    }
    return c
  }

  /// Every reference names a probe of `probes:`, used where its mode runs it.
  func checkProbeReferences(_ e: Experiment, _ root: YNode) throws {
    let byName = Dictionary(e.probes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    if byName.count != e.probes.count { throw fail(root, "two probes have one name") }
    let known = e.probes.map(\.name).joined(separator: ", ")
    func probe(_ name: String, _ where_: String) throws -> ProbeSpec {
      guard let p = byName[name] else {
        throw fail(root, "\(where_) names probe \(name), which probes: does not declare (declared: \(known))")
      }
      return p
    }
    for n in e.steadyState.probeNames where try probe(n, "steady-state").mode == .onChaos {
      throw fail(root, "steady-state: probe \(n) runs only while the faults are active (on-chaos)")
    }
    for case .probe(let n) in e.hypotheses.map(\.kind) {
      let mode = try probe(n, "a hypothesis").mode
      if mode == .after {
        throw fail(
          root, "a hypothesis on probe \(n), which runs after the hypotheses are judged: put it in steady-state")
      }
    }
    for c in e.stopConditions { if let n = c.probe { _ = try probe(n, "a stop condition") } }
  }
}
