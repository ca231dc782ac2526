import ClusterState
import Foundation
import Transport

/// Runs a running experiment's HTTP and command probes, each on a thread of its own on its schedule
/// (its `every` in cluster time: a demo at --speed 20 asks 20 times as often), and posts each answer
/// as `.probeSample`. The experiment says which probes it wants at every step (`want`); a probe no
/// longer wanted stops after the answer it is waiting for.
public final class ProbeRunner: ProbeRunning, @unchecked Sendable {
  private let post: @Sendable ([Action]) -> Void
  private let speed: Double
  private let environment: [String: String]
  private let lock = NSLock()
  private var workers: [String: Worker] = [:]

  final class Worker: @unchecked Sendable {
    let spec: ProbeSpec
    private let lock = NSLock()
    private var stopped = false
    init(spec: ProbeSpec) { self.spec = spec }
    var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
  }

  /// `speed`: cluster seconds a real second (the demo's --speed; 1 on a real cluster).
  public init(
    speed: Double = 1, environment: [String: String] = ProcessInfo.processInfo.environment,
    post: @escaping @Sendable ([Action]) -> Void
  ) {
    self.speed = max(0.1, speed)
    self.environment = environment
    self.post = post
  }

  deinit { want([], readOnly: true) }

  public func want(_ probes: [ProbeSpec], readOnly: Bool) {
    let wanted = Dictionary(probes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var start: [Worker] = []
    lock.withLock {
      for (name, w) in workers where wanted[name] != w.spec {
        w.stop()
        workers[name] = nil
      }
      for (name, spec) in wanted where workers[name] == nil {
        let w = Worker(spec: spec)
        workers[name] = w
        start.append(w)
      }
    }
    for w in start {
      let thread = Thread { [post, speed, environment] in
        while !w.isStopped {
          let sample = Self.answer(w.spec, readOnly: readOnly, environment: environment)
          if w.isStopped { break }
          post([.probeSample(sample)])
          // Its period in real time, in small naps so a stop is seen at once.
          let until = Date().addingTimeInterval(w.spec.every / speed)
          while !w.isStopped && Date() < until { Thread.sleep(forTimeInterval: min(0.05, w.spec.every / speed)) }
        }
      }
      thread.name = "probe"
      thread.start()
    }
  }

  /// One answer of a probe.
  public static func answer(_ p: ProbeSpec, readOnly: Bool, environment: [String: String]) -> ProbeSample {
    switch p.kind {
    case .http(let h): return http(p.name, h, timeout: p.timeout, environment: environment)
    case .cmd(let c):
      if readOnly {
        return ProbeSample(name: p.name, ok: false, detail: "refused: a read-only session runs no command")
      }
      return CommandRun.answer(p.name, c, timeout: p.timeout)
    case .k8s: return ProbeSample(name: p.name, ok: false, detail: "a Kubernetes probe is read off the cluster's state")
    }
  }

  /// A header's value with `${NAME}` taken from the environment (nil: NAME is not set).
  static func expand(_ value: String, _ env: [String: String]) -> String? {
    guard value.hasPrefix("${"), value.hasSuffix("}"), value.count > 3 else { return value }
    return env[String(value.dropFirst(2).dropLast())]
  }

  static func http(_ name: String, _ h: HTTPProbe, timeout: Seconds, environment: [String: String]) -> ProbeSample {
    func fail(_ why: String, _ ms: Double? = nil) -> ProbeSample {
      ProbeSample(name: name, ok: false, detail: why, latencyMs: ms)
    }
    var contentType = "text/plain"
    var extra: [String] = []
    for pair in h.headers where pair.count == 2 {
      guard let v = expand(pair[1], environment) else { return fail("header \(pair[0]): \(pair[1]) is not set") }
      if pair[0].lowercased() == "content-type" { contentType = v } else { extra.append(pair[0] + ": " + v) }
    }
    let typed = h.headers.contains { $0.first?.lowercased() == "content-type" }
    if !typed, let first = h.body?.first, first == "{" || first == "[" { contentType = "application/json" }
    let http: HTTPTransport
    do {
      http = try HTTPTransport.plain(h.url, name: "probe")
    } catch { return fail("cannot make a request: \(error)") }
    http.extraHeaders = extra
    http.maxBodyBytes = 1 << 20
    http.connectTimeout = max(1, Int(timeout.rounded(.up)))
    let started = DispatchTime.now().uptimeNanoseconds
    let r: HTTPTransport.Response
    do {
      r = try http.request(
        h.method, "", body: h.body.map { Data($0.utf8) }, contentType: contentType, accept: "*/*",
        timeout: max(1, Int(timeout.rounded(.up))))
    } catch {
      return fail("no answer: \(error)")
    }
    let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
    let took = "in \(Int(ms.rounded())) ms"
    guard r.status == h.status else {
      let first = APIError.firstLine(r.body)
      return fail(
        "status \(r.status), expected \(h.status) \(took)" + (first.isEmpty ? "" : ": " + String(first.prefix(60))), ms)
    }
    if let bound = h.latencyMs, ms > bound { return fail("\(r.status) \(took), over \(Int(bound)) ms", ms) }
    if let path = h.jsonPath.flatMap(JSONPath.init), let want = h.equals {
      guard let got = path.value(in: r.body) else {
        return fail("\(r.status) \(took): no \(path.text) in the answer", ms)
      }
      guard got == want else {
        return fail("\(r.status) \(took): \(path.text) is \"\(got.prefix(40))\", expected \"\(want)\"", ms)
      }
    }
    return ProbeSample(name: name, ok: true, detail: "\(r.status) \(took)", latencyMs: ms)
  }
}
