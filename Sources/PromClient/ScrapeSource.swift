import ClusterState
import Foundation
import Transport

/// `--scrape URL`: a raw /metrics endpoint (Prometheus text or OpenMetrics) read every refresh, its
/// counters turned into rates and its histograms into p50/p99 here (no Prometheus needed). cAdvisor
/// series fill the pods' CPU and memory; `*_request_duration_seconds` histograms the latency of the
/// service named by their `service` (else `job`) label.
public final class ScrapeSource: MetricsPoller, @unchecked Sendable {
  /// The URL as shown and logged (without a password).
  public let url: String
  private let parser = ExpositionParser()
  private var interpreter = ScrapeInterpreter()
  /// Scrapes read so far; the strict check runs on the first and every `conformanceEvery`-th.
  private var scrapes = 0
  static let conformanceEvery = 60
  /// Why the target's text breaks its format ("line 12: ..."), from the last strict check.
  private(set) var nonConformance: String?

  /// Whether its pod figures are wanted: not where metrics.k8s.io serves them (asked each round).
  public var podsWanted: @Sendable () -> Bool = { true }

  public init(url: String, inbox: Inbox = Inbox()) {
    self.url = PromSource.redacted(url)
    // The whole URL is the "server"; requests ask for "" (the path is in it).
    super.init(
      connection: .plain(url, name: "scrape"),
      inbox: inbox)
  }

  override func poll(_ http: HTTPTransport) throws -> [Action] {
    let r = try http.request(
      "GET", "", accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      timeout: requestTimeout)
    guard r.status == 200 else {
      throw PromAPI.Failure(
        "HTTP \(r.status)" + (r.status == 404 ? " (not found: is the path right?)" : "")
          + (APIError.firstLine(r.body).isEmpty ? "" : ": " + APIError.firstLine(r.body)))
    }
    let ct = (r.contentType ?? "").lowercased()
    guard ct.isEmpty || ct.hasPrefix("text/plain") || ct.hasPrefix("application/openmetrics-text") else {
      throw PromAPI.Failure("not a metrics exposition (Content-Type \(ct))")
    }
    let openMetrics = ct.hasPrefix("application/openmetrics-text")
    let result = parser.parse(r.body, openMetrics: openMetrics)
    // The scrape stays lenient (every good sample is used); a strict check, now and then, names a
    // target whose text breaks the format.
    if scrapes % Self.conformanceEvery == 0 || (!result.errors.isEmpty && nonConformance == nil) {
      let v = ExpositionConformance.check(r.body, openMetrics: openMetrics)
      if let v, v.description != nonConformance { log?("scrape \(url): not conformant: \(v)") }
      nonConformance = v?.description
    }
    scrapes += 1
    if result.samples.isEmpty && !result.errors.isEmpty {
      throw PromAPI.Failure("line \(result.errors[0].line): \(result.errors[0].message)")
    }
    if let e = result.errors.first {
      log?("scrape \(url): \(result.errors.count) bad lines, first \(e.line): \(e.message)")
    }
    let now = clock()
    let out = interpreter.interpret(result.samples, time: now)
    var actions: [Action] = []
    let podsWanted = podsWanted()
    if !out.pods.isEmpty && podsWanted { actions.append(.podUsage(time: now, out.pods)) }
    let services = out.latency.sorted(by: { $0.key < $1.key }).map { service, l in
      ServiceSample(service: service, p50Ms: l.p50, p99Ms: l.p99, requestsPerSec: l.rps)
    }
    if !services.isEmpty { actions.append(.serviceMetrics(time: now, services)) }
    actions.append(.source(status(out, series: result.samples.count, podsWanted: podsWanted)))
    return actions
  }

  /// What this scrape feeds, or why it feeds nothing.
  func status(_ out: ScrapeInterpreter.Output, series: Int, podsWanted: Bool) -> SourceStatus {
    let name = "scrape " + url
    if out.usedSeries == 0 {
      return SourceStatus(
        name: name, health: .empty,
        detail: "\(series) series, none that chaostui uses (cAdvisor container_cpu_usage_seconds_total and "
          + "container_memory_working_set_bytes; *_request_duration_seconds histograms)"
          + (nonConformance.map { "; not conformant: \(String($0.prefix(160)))" } ?? ""))
    }
    var feeds: [String] = []
    if !out.pods.isEmpty {
      feeds.append(
        podsWanted ? "CPU/memory of \(out.pods.count) pods" : "no pod figures (metrics.k8s.io serves them)")
    }
    if !out.latency.isEmpty { feeds.append("latency of \(out.latency.count) services") }
    let note = nonConformance.map { "; not conformant: \(String($0.prefix(160)))" } ?? ""
    if feeds.isEmpty {
      return SourceStatus(name: name, health: .working, detail: "read; figures from the next scrape" + note)
    }
    return SourceStatus(name: name, health: .working, detail: "feeds " + feeds.joined(separator: ", ") + note)
  }

  override func clearsNote(_ actions: [Action]) -> Bool {
    actions.contains { if case .podUsage = $0 { return true } else { return false } }
  }

  override func failureNote(_ error: Error) -> String { "STALE: scrape \(url): \(error)" }
}
