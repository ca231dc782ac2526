import Foundation
import Yams

/// PromQL for each figure the panes draw. The defaults work on a stock stack (the kubelet's
/// cAdvisor metrics scraped by Prometheus); a result must carry `namespace` and `pod` labels.
public struct PromQueries: Sendable, Equatable {
  public var podCPUCores =
    #"sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[1m]))"#
  public var podMemoryBytes =
    #"sum by (namespace, pod) (container_memory_working_set_bytes{container!="",container!="POD"})"#
  public init() {}

  static let keys = ["pod_cpu_cores", "pod_memory_bytes"]

  /// A queries file (YAML): `pod_cpu_cores:` and `pod_memory_bytes:`, each a PromQL expression;
  /// what is not given keeps its default. Unknown keys and non-text values are errors that say so.
  public static func load(yaml text: String, source: String) throws -> PromQueries {
    let node: Any?
    do { node = try Yams.load(yaml: text) } catch {
      throw PromAPI.Failure("\(source): not YAML (\(String(describing: error).prefix(120)))")
    }
    var q = PromQueries()
    guard let node else { return q }
    guard let map = node as? [String: Any] else {
      throw PromAPI.Failure("\(source): expected a mapping of \(keys.joined(separator: ", ")) to PromQL")
    }
    for (key, value) in map {
      guard let expr = value as? String, !expr.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw PromAPI.Failure("\(source): \(key) must be a PromQL expression (text)")
      }
      switch key {
      case "pod_cpu_cores": q.podCPUCores = expr
      case "pod_memory_bytes": q.podMemoryBytes = expr
      default:
        throw PromAPI.Failure("\(source): unknown key \(key) (known: \(keys.joined(separator: ", ")))")
      }
    }
    return q
  }
}

/// Prometheus as the source of the resource panes: instant queries every refresh, and at start a
/// range query that back-fills the sparklines with the last minutes. Results become the same
/// `.podUsage` actions metrics.k8s.io gives, so pods and workloads fill alike. Failures (down,
/// garbage, a bad query) go to the resources pane with the age of the last good sample.
public final class PromSource: MetricsPoller, @unchecked Sendable {
  public let baseURL: String
  public var queries = PromQueries()
  private var lastGood: Double?
  private var backfilled = false

  /// `bearerToken`: sent as `Authorization: Bearer`; `caData`: the CA to verify an https URL with.
  public init(url: String, bearerToken: String? = nil, caData: Data? = nil, insecure: Bool = false, inbox: Inbox) {
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
      backfilled = true
      let t0 = Date().timeIntervalSince1970
      let n = try backfill(http, until: t0)
      log?(
        "prometheus: back-filled \(n) samples in \(String(format: "%.0f", (Date().timeIntervalSince1970 - t0) * 1000)) ms"
      )
    }
    var actions: [Action] = []
    // Alerts: into the timeline as they fire and resolve (a failure here is not fatal).
    if let r = try? http.request("GET", "/api/v1/alerts", timeout: 10),
      let alerts = try? PromAPI.alerts(status: r.status, contentType: r.contentType, r.body)
    {
      actions.append(.alerts(alerts, time: Date().timeIntervalSince1970))
    }
    let cpu = try query(http, queries.podCPUCores, what: "CPU")
    let mem = try query(http, queries.podMemoryBytes, what: "memory")
    let now = Date().timeIntervalSince1970
    lastGood = now
    return actions + [.podUsage(time: now, PromSource.samples(cpu: cpu, memory: mem))]
  }

  override func failureNote(_ error: Error) -> String {
    let age = lastGood.map { "last sample \(Int(Date().timeIntervalSince1970 - $0))s ago; " } ?? "no sample yet; "
    return "STALE: \(age)prometheus: \(error)"
  }

  func query(_ http: HTTPTransport, _ q: String, what: String) throws -> [PromAPI.Series] {
    let r = try http.request("GET", "/api/v1/query?query=" + PromSource.encode(q), timeout: 10)
    do {
      return try PromAPI.result(status: r.status, contentType: r.contentType, r.body).series
    } catch {
      throw PromAPI.Failure("\(what) query: \(error)")
    }
  }

  /// Back-fills `window` seconds before now (benchmarks); returns the samples posted.
  public func backfill(window: Double) throws -> Int {
    let http = try HTTPTransport(connection: connection, tokens: tokens)
    return try backfill(http, until: Date().timeIntervalSince1970, window: window)
  }

  /// The range before now (by default as many refreshes as the sparklines hold), one step a
  /// refresh but never over 11,000 points a series, as samples in time order. Returns how many it posted.
  func backfill(_ http: HTTPTransport, until end: Double, window: Double? = nil) throws -> Int {
    let window = window ?? Double(ClusterState.podHistory - 1) * refresh
    let step = max(refresh, window / 11_000).rounded(.up)
    let start = end - window
    func range(_ q: String) throws -> [PromAPI.Series] {
      let path =
        "/api/v1/query_range?query=\(PromSource.encode(q))&start=\(Int(start))&end=\(Int(end))&step=\(Int(step))"
      let r = try http.request("GET", path, timeout: 20)
      return try PromAPI.result(status: r.status, contentType: r.contentType, r.body).series
    }
    let cpu = try range(queries.podCPUCores)
    let mem = try range(queries.podMemoryBytes)
    var times = Set<Double>()
    for s in cpu { for p in s.points { times.insert(p.time) } }
    var actions: [Action] = []
    var count = 0
    for t in times.sorted() {
      let at = { (series: [PromAPI.Series]) in
        series.map { PromAPI.Series(labels: $0.labels, points: $0.points.filter { $0.time == t }) }
      }
      let samples = PromSource.samples(cpu: at(cpu), memory: at(mem))
      count += samples.count
      actions.append(.podUsage(time: t, samples))
    }
    inbox.post(actions)
    return count
  }

  /// Pod samples from CPU (cores) and memory (bytes) series labelled by namespace and pod. A pod
  /// without a memory figure gets NaN there (not drawn).
  static func samples(cpu: [PromAPI.Series], memory: [PromAPI.Series]) -> [PodSample] {
    var mem: [String: Double] = [:]
    for s in memory {
      guard let ns = s.labels["namespace"], let pod = s.labels["pod"], let v = s.last else { continue }
      mem[ns + "/" + pod] = v
    }
    return cpu.compactMap { s in
      guard let ns = s.labels["namespace"], let pod = s.labels["pod"], let v = s.last, v.isFinite else { return nil }
      let id = ns + "/" + pod
      return PodSample(podID: id, cpuMilli: v * 1000, memoryBytes: mem[id] ?? .nan)
    }
  }

  /// The URL without a password, for logs and the screen.
  public static func redacted(_ url: String) -> String {
    guard let c = URLComponents(string: url), c.password != nil else { return url }
    var r = c
    r.password = nil
    r.user = (c.user ?? "") + ":***"
    return r.string?.replacingOccurrences(of: "%3A***", with: ":***") ?? "(a URL with a password)"
  }

  static func encode(_ q: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return q.addingPercentEncoding(withAllowedCharacters: allowed) ?? q
  }
}
