import Foundation

/// `--scrape URL`: a raw /metrics endpoint (Prometheus text or OpenMetrics) read every refresh, its
/// counters turned into rates and its histograms into p50/p99 here (no Prometheus needed). cAdvisor
/// series fill the pods' CPU and memory; `*_request_duration_seconds` histograms the latency of the
/// service named by their `service` (else `job`) label.
public final class ScrapeSource: @unchecked Sendable {
  public let url: String
  public var refresh: Double = 5
  public var log: (@Sendable (String) -> Void)?
  let connection: ClusterConnection
  let tokens: TokenSource
  let inbox: Inbox
  private let stopLock = NSLock()
  private var stopped = false

  public init(url: String, inbox: Inbox) {
    self.url = PromSource.redacted(url)
    // The whole URL is the "server"; requests ask for "" (the path is in it).
    connection = ClusterConnection(
      contextName: "scrape", server: url, caData: nil, insecureSkipTLSVerify: false, namespace: nil,
      userName: "scrape", credentials: .none, proxyURL: nil)
    tokens = TokenSource(.none)
    self.inbox = inbox
  }

  var isStopped: Bool { stopLock.withLock { stopped } }
  public func stop() { stopLock.withLock { stopped = true } }

  public func start(ready: @escaping @Sendable () -> Void = {}) {
    Thread.detachNewThread { [self] in
      ready()
      let parser = ExpositionParser()
      var interpreter = ScrapeInterpreter()
      var http: HTTPTransport?
      var failing = false
      while !isStopped {
        let started = Date().timeIntervalSince1970
        do {
          if http == nil { http = try HTTPTransport(connection: connection, tokens: tokens) }
          guard let http else { break }
          let r = try http.request(
            "GET", "", accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            timeout: 10)
          guard r.status == 200 else { throw PromAPI.Failure("HTTP \(r.status)") }
          let ct = (r.contentType ?? "").lowercased()
          guard ct.isEmpty || ct.hasPrefix("text/plain") || ct.hasPrefix("application/openmetrics-text") else {
            throw PromAPI.Failure("not a metrics exposition (Content-Type \(ct))")
          }
          let result = parser.parse(r.body, openMetrics: ct.hasPrefix("application/openmetrics-text"))
          if result.samples.isEmpty && !result.errors.isEmpty {
            throw PromAPI.Failure("line \(result.errors[0].line): \(result.errors[0].message)")
          }
          if let e = result.errors.first {
            log?("scrape \(url): \(result.errors.count) bad lines, first \(e.line): \(e.message)")
          }
          let now = Date().timeIntervalSince1970
          let out = interpreter.interpret(result.samples, time: now)
          var actions: [Action] = []
          if !out.pods.isEmpty { actions.append(.podUsage(time: now, out.pods)) }
          for (service, l) in out.latency.sorted(by: { $0.key < $1.key }) {
            actions.append(
              .serviceLatency(service: service, p50Ms: l.p50, p99Ms: l.p99, requestsPerSec: l.rps, time: now))
          }
          if failing { actions.append(.metricsNote(nil)) }
          failing = false
          inbox.post(actions)
        } catch {
          failing = true
          if error is HTTPTransport.TransportError { http = nil }
          log?("scrape \(url): \(error)")
          inbox.post([.metricsNote("STALE: scrape \(url): \(error)")])
        }
        let wait = refresh - (Date().timeIntervalSince1970 - started)
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
      }
    }
  }
}
