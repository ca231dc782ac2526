import ClusterState
import Foundation
import Transport

/// Prometheus as the source of the resource panes: instant queries every refresh, and at start a
/// range query that back-fills the sparklines with the last minutes. Results become the same
/// `.podUsage` actions metrics.k8s.io gives, so pods and workloads fill alike. Failures (down,
/// garbage, a bad query) go to the resources pane with the age of the last good sample.
public final class PromSource: MetricsPoller, ProbeEvaluator, @unchecked Sendable {
  public let baseURL: String
  public var queries = PromQueries()
  private let probeLock = NSLock()
  private var probes: [PromCheck] = []

  /// An experiment's PromQL probes, evaluated every round from now on (empty: none).
  public func evaluate(probes: [PromCheck]) { probeLock.withLock { self.probes = probes } }
  private var lastGood: Double?
  private var backfilled = false

  /// `bearerToken`: sent as `Authorization: Bearer`; `caData`: the CA to verify an https URL with.
  public init(
    url: String, bearerToken: String? = nil, caData: Data? = nil, insecure: Bool = false, inbox: Inbox = Inbox()
  ) {
    let base = url.hasSuffix("/") ? String(url.dropLast()) : url
    var credentials = ClusterConnection.Credentials.none
    if let t = bearerToken { credentials = .token(t) }
    baseURL = base
    super.init(
      connection: ClusterConnection(
        contextName: "prometheus", server: base, caData: caData, insecureSkipTLSVerify: insecure, namespace: nil,
        userName: "prometheus", credentials: credentials, proxyURL: nil),
      inbox: inbox)
  }

  override func poll(_ http: HTTPTransport) throws -> [Action] {
    if !backfilled {
      // Until one succeeds (Prometheus may be away at start).
      let t0 = clock()
      let n = try backfill(http, until: t0)
      backfilled = true
      log?(
        "prometheus: back-filled \(n) samples in \(String(format: "%.0f", (clock() - t0) * 1000)) ms"
      )
    }
    var actions: [Action] = []
    // Alerts into the timeline and the alerts pane, targets' health into that pane (a failure
    // here is not fatal: the pane says what it last knew). A transport error is: Prometheus is away
    // or hangs, and the round ends now rather than after every request's timeout.
    if let r = try answered(http.request("GET", "/api/v1/alerts", timeout: requestTimeout)),
      let alerts = try? PromAPI.alerts(status: r.status, contentType: r.contentType, r.body)
    {
      actions.append(.alerts(alerts, time: clock()))
    }
    if let r = try answered(http.request("GET", "/api/v1/targets?state=active", timeout: requestTimeout)),
      let targets = try? PromAPI.targets(status: r.status, contentType: r.contentType, r.body)
    {
      actions.append(.targets(targets))
    }
    // Pods: CPU and memory must answer (else the pane is stale); IO is optional.
    let cpu = try query(http, queries.podCPUCores, what: "CPU")
    let mem = try query(http, queries.podMemoryBytes, what: "memory")
    var ioErrors: [String] = []
    let io = try optional(http, queries.podIOBytesPerSecond, what: "IO", errors: &ioErrors)
    let net = try optional(http, queries.podNetworkBytesPerSecond, what: "network bytes", errors: &ioErrors)
    let now = clock()
    lastGood = now
    actions.append(
      .podUsage(time: now, PromSource.podSamples(cpu: cpu, memory: mem, io: io ?? [], network: net ?? [])))
    // The resources pane's note: a failed IO or network query (CPU and memory answered), else none.
    actions.append(.metricsNote(ioErrors.first))
    var networkErrors: [String] = []
    // Services: each figure on its own; failures go to the network pane.
    var figures: [ServiceFigure: [PromAPI.Series]] = [:]
    for (figure, q) in serviceQueries {
      if let r = try optional(http, q, what: figure.rawValue, errors: &networkErrors) { figures[figure] = r }
    }
    let (services, unlabelled) = PromSource.serviceSamples(figures)
    for f in unlabelled { networkErrors.append("\(f.rawValue) query: results carry no service label") }
    if !services.isEmpty { actions.append(.serviceMetrics(time: now, services)) }
    if !queries.zoneRequestsPerSecond.isEmpty,
      let r = try optional(http, queries.zoneRequestsPerSecond, what: "zone traffic", errors: &networkErrors)
    {
      actions.append(.zoneRequests(time: now, PromSource.zoneRequests(r)))
    }
    actions.append(.networkNote(networkErrors.isEmpty ? nil : networkErrors.joined(separator: "; ")))
    // The steady-state checks of the queries file.
    if !queries.steadyState.isEmpty { actions.append(.steadyStateChecks(try evaluate(queries.steadyState, http))) }
    let probes = probeLock.withLock { self.probes }
    if !probes.isEmpty { actions.append(.probeResults(try evaluate(probes, http), time: clock())) }
    return actions
  }

  /// Checks evaluated: a failed query is the check's error, in words.
  func evaluate(_ checks: [PromCheck], _ http: HTTPTransport) throws -> [CheckResult] {
    try checks.map { c in
      do { return c.evaluate(try query(http, c.expr, what: c.name)) } catch let e as PromAPI.Failure {
        return CheckResult(name: c.name, value: nil, bound: c.boundText, error: e.description, scope: c.scope)
      }
    }
  }

  /// A request's response, nil for an HTTP-level failure; a transport failure is thrown.
  func answered(_ r: @autoclosure () throws -> HTTPTransport.Response) throws -> HTTPTransport.Response? {
    do { return try r() } catch let e as HTTPTransport.TransportError { throw e } catch { return nil }
  }

  /// The network pane's figures, each from its own query.
  enum ServiceFigure: String, CaseIterable {
    case p50 = "latency p50", p99 = "latency p99", loss, errors = "error rate", rps = "request rate"
  }

  var serviceQueries: [(ServiceFigure, String)] {
    [
      (.p50, queries.serviceLatencyP50Seconds), (.p99, queries.serviceLatencyP99Seconds),
      (.loss, queries.serviceLossPercent), (.errors, queries.serviceErrorPercent),
      (.rps, queries.serviceRequestsPerSecond),
    ].filter { !$0.1.isEmpty }
  }

  override var workingDetail: String { "feeds pod CPU/memory/IO, service latency and loss, alerts, checks" }

  override func failureNote(_ error: Error) -> String {
    let age = lastGood.map { "last sample \(Int(clock() - $0))s ago; " } ?? "no sample yet; "
    return "STALE: \(age)prometheus: \(error)"
  }

  func query(_ http: HTTPTransport, _ q: String, what: String) throws -> [PromAPI.Series] {
    let r = try http.request("GET", "/api/v1/query?query=" + PromSource.encode(q), timeout: requestTimeout)
    do {
      return try PromAPI.result(status: r.status, contentType: r.contentType, r.body).series
    } catch {
      throw PromAPI.Failure("\(what) query: \(error)")
    }
  }

  /// A query whose failure is noted in `errors` rather than failing the round (a transport error
  /// still does: Prometheus is away). nil when turned off ("") or failed.
  func optional(_ http: HTTPTransport, _ q: String, what: String, errors: inout [String]) throws -> [PromAPI.Series]? {
    guard !q.isEmpty else { return nil }
    do {
      return try query(http, q, what: what)
    } catch let e as PromAPI.Failure {
      errors.append(e.description)
      log?("prometheus: \(e)")
      return nil
    }
  }

  /// Back-fills `window` seconds before now (benchmarks); returns the samples posted.
  public func backfill(window: Double) throws -> Int {
    let http = try HTTPTransport(connection: connection, tokens: tokens)
    return try backfill(http, until: clock(), window: window)
  }

  /// The range before now (by default as many refreshes as the sparklines hold), one step a
  /// refresh but never over 11,000 points a series, as rounds in time order: pods, services, and
  /// the autoscalers' replica history. Returns how many samples it posted.
  func backfill(_ http: HTTPTransport, until end: Double, window: Double? = nil) throws -> Int {
    let window = window ?? Double(ClusterSnapshot.podHistory - 1) * refresh
    let step = max(refresh, window / 11_000).rounded(.up)
    let start = end - window
    var ignored: [String] = []
    func range(_ q: String, _ what: String) throws -> [PromAPI.Series] {
      guard !q.isEmpty else { return [] }
      let path =
        "/api/v1/query_range?query=\(PromSource.encode(q))&start=\(Int(start))&end=\(Int(end))&step=\(Int(step))"
      let r = try http.request("GET", path, timeout: 2 * requestTimeout)
      do {
        return try PromAPI.result(status: r.status, contentType: r.contentType, r.body).series
      } catch let e as PromAPI.Failure {
        ignored.append("\(what): \(e)")
        return []
      }
    }
    let cpu = ByTime(try range(queries.podCPUCores, "CPU"))
    let mem = ByTime(try range(queries.podMemoryBytes, "memory"))
    let io = ByTime(try range(queries.podIOBytesPerSecond, "IO"))
    let net = ByTime(try range(queries.podNetworkBytesPerSecond, "network bytes"))
    var figures: [ServiceFigure: ByTime] = [:]
    for (figure, q) in serviceQueries { figures[figure] = ByTime(try range(q, figure.rawValue)) }
    var actions: [Action] = []
    var count = 0
    for t in cpu.times.union(figures.values.reduce(into: Set<Double>()) { $0.formUnion($1.times) }).sorted() {
      let samples = PromSource.podSamples(cpu: cpu.at(t), memory: mem.at(t), io: io.at(t), network: net.at(t))
      if !samples.isEmpty { actions.append(.podUsage(time: t, samples)) }
      let services = PromSource.serviceSamples(figures.mapValues { $0.at(t) }).samples
      if !services.isEmpty { actions.append(.serviceMetrics(time: t, services)) }
      count += samples.count + services.count
    }
    // Autoscalers' replicas before now (kube-state-metrics), by HPA id.
    var history: [String: [Double]] = [:]
    for s in try range(queries.hpaCurrentReplicas, "HPA replicas") {
      guard let ns = s.labels["namespace"], let name = s.labels["horizontalpodautoscaler"] else { continue }
      history[ns + "/" + name] = s.points.map(\.value)
      count += s.points.count
    }
    if !history.isEmpty { actions.append(.hpaReplicaHistory(history)) }
    for e in ignored { log?("prometheus: back-fill skipped \(e)") }
    inbox.post(actions)
    return count
  }

  /// A range result indexed by time: the series' values at each step.
  struct ByTime {
    var index: [Double: [PromAPI.Series]] = [:]
    init(_ series: [PromAPI.Series]) {
      for s in series {
        for p in s.points { index[p.time, default: []].append(PromAPI.Series(labels: s.labels, points: [p])) }
      }
    }
    var times: Set<Double> { Set(index.keys) }
    func at(_ t: Double) -> [PromAPI.Series] { index[t] ?? [] }
  }

  /// Pod samples from CPU (cores), memory (bytes), IO and network (bytes/s) series labelled by
  /// namespace and pod. A pod without a memory figure gets NaN there (not drawn), without IO nil.
  static func podSamples(
    cpu: [PromAPI.Series], memory: [PromAPI.Series], io: [PromAPI.Series] = [], network: [PromAPI.Series] = []
  ) -> [PodSample] {
    func byPod(_ list: [PromAPI.Series]) -> [String: Double] {
      var out: [String: Double] = [:]
      for s in list {
        guard let ns = s.labels["namespace"], let pod = s.labels["pod"], let v = s.last, v.isFinite else { continue }
        out[ns + "/" + pod] = v
      }
      return out
    }
    let mem = byPod(memory)
    let ioBy = byPod(io)
    let netBy = byPod(network)
    return cpu.compactMap { s in
      guard let ns = s.labels["namespace"], let pod = s.labels["pod"], let v = s.last, v.isFinite else { return nil }
      let id = ns + "/" + pod
      return PodSample(
        podID: id, cpuMilli: v * 1000, memoryBytes: mem[id] ?? .nan, ioBytesPerSec: ioBy[id],
        networkBytesPerSec: netBy[id])
    }
  }

  /// Service samples from the network figures' series, by their `service` (and `namespace`)
  /// labels; latency in seconds becomes ms. Also the figures whose series had no service label.
  static func serviceSamples(_ figures: [ServiceFigure: [PromAPI.Series]]) -> (
    samples: [ServiceSample], unlabelled: [ServiceFigure]
  ) {
    var byKey: [String: ServiceSample] = [:]
    var unlabelled: [ServiceFigure] = []
    for figure in ServiceFigure.allCases {
      guard let list = figures[figure] else { continue }
      var labelled = false
      for s in list {
        guard let name = s.labels["service"] else { continue }
        labelled = true
        guard let v = s.last, v.isFinite else { continue }
        let ns = s.labels["namespace"]
        let key = (ns ?? "") + "/" + name
        var sample = byKey[key] ?? ServiceSample(namespace: ns, service: name)
        switch figure {
        case .p50: sample.p50Ms = v * 1000
        case .p99: sample.p99Ms = v * 1000
        case .loss: sample.lossPercent = v
        case .errors: sample.errorPercent = v
        case .rps: sample.requestsPerSec = v
        }
        byKey[key] = sample
      }
      if !labelled && !list.isEmpty { unlabelled.append(figure) }
    }
    return (byKey.keys.sorted().map { byKey[$0]! }, unlabelled)
  }

  /// Requests a second by service ("namespace/service", or the name alone) and zone.
  static func zoneRequests(_ list: [PromAPI.Series]) -> [String: [String: Double]] {
    var out: [String: [String: Double]] = [:]
    for s in list {
      guard let svc = s.labels["service"], let zone = s.labels["zone"], let v = s.last, v.isFinite else { continue }
      out[s.labels["namespace"].map { $0 + "/" + svc } ?? svc, default: [:]][zone, default: 0] += v
    }
    return out
  }

  /// The URL without a password, for logs and the screen.
  public static func redacted(_ url: String) -> String { redactedURL(url) }

  static func encode(_ q: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return q.addingPercentEncoding(withAllowedCharacters: allowed) ?? q
  }
}
