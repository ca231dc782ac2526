import ClusterState
import Foundation
import Transport

/// Who feeds the pods' CPU and memory, decided once when the sources are made.
public enum MetricsPolicy: Sendable, Equatable {
  /// metrics.k8s.io (metrics-server), where the cluster serves it; the panes say so where it does not.
  case metricsAPI
  /// Prometheus' queries: the metrics.k8s.io poller stays off.
  case prometheus
  /// metrics.k8s.io where served, else the cAdvisor series of `--scrape`.
  case metricsAPIElseScrape
}

/// Pod and node usage from metrics.k8s.io, polled on a thread of its own with a connection of its
/// own, into the session's inbox.
final class MetricsAPIPoller: @unchecked Sendable {
  let path: String
  let namespace: String?
  let userName: String
  let makeClient: @Sendable () throws -> HTTPClient
  let inbox: Inbox
  let clock: @Sendable () -> Double
  let log: (@Sendable (String) -> Void)?
  let isStopped: @Sendable () -> Bool
  /// Waits between rounds (tests: a virtual wait).
  var sleep: @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }

  init(
    namespace: String?, userName: String, makeClient: @escaping @Sendable () throws -> HTTPClient, inbox: Inbox,
    clock: @escaping @Sendable () -> Double, log: (@Sendable (String) -> Void)?,
    isStopped: @escaping @Sendable () -> Bool
  ) {
    self.namespace = namespace
    path =
      namespace.map { "/apis/metrics.k8s.io/v1beta1/namespaces/\($0)/pods" } ?? "/apis/metrics.k8s.io/v1beta1/pods"
    self.userName = userName
    self.makeClient = makeClient
    self.inbox = inbox
    self.clock = clock
    self.log = log
    self.isStopped = isStopped
  }

  /// Pod and node usage from metrics.k8s.io: asked every 5 s, kept when the server has a new sample
  /// (metrics-server makes one about every 15 s). Failures show in the resources pane.
  func run() {
    var http: HTTPClient?
    var lastSample: Seconds?
    var nodesAllowed = true
    var backoff = Backoff()
    while !isStopped() {
      do {
        if http == nil { http = try makeClient() }
        guard let http else { break }
        let r = try http.send("GET", path, timeout: 10)
        guard (200..<300).contains(r.status) else {
          throw APIError.from(
            status: r.status, body: r.body,
            request: APIError.Request(
              verb: "list", resource: "pods.metrics.k8s.io", namespace: namespace, user: userName))
        }
        let (samples, time): ([PodSample], Seconds?)
        do { (samples, time) = try MetricsAPI.pods(r.body) } catch {
          throw APIError.unreadable(r.body, what: "the pod metrics", error: error)
        }
        if time == nil || time != lastSample {
          lastSample = time
          var actions: [Action] = [.podUsage(time: clock(), samples)]
          if nodesAllowed {
            let n = try http.send("GET", "/apis/metrics.k8s.io/v1beta1/nodes", timeout: 10)
            if n.status == 403 {
              nodesAllowed = false
              log?("metrics: node metrics forbidden; pod metrics only")
            } else if n.status == 200, let nodes = try? MetricsAPI.nodes(n.body) {
              actions.append(.nodeUsage(nodes))
            }
          }
          actions.append(
            .source(
              SourceStatus(
                name: "metrics.k8s.io", health: .working, detail: "feeds CPU/memory of \(samples.count) pods")))
          inbox.post(actions)
        }
        if backoff.current != backoff.initial { inbox.post([.metricsNote(nil)]) }
        backoff.reset()
        sleep(5)
      } catch {
        if error is HTTPTransport.TransportError { http = nil }
        let wait = backoff.next()
        let detail = (error as? APIError)?.detail ?? (error as? HTTPTransport.TransportError)?.detail ?? "\(error)"
        log?("metrics: \(detail); retrying in \(String(format: "%.1f", wait)) s")
        inbox.post([
          .metricsNote("metrics.k8s.io: \(error)"),
          .source(SourceStatus(name: "metrics.k8s.io", health: .failing, detail: "\(error)")),
        ])
        sleep(max(wait, 2))
      }
    }
  }
}
