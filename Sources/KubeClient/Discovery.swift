import ClusterState
import Foundation
import Transport

// Which API versions the server serves, and the metrics.k8s.io poller that depends on it.
extension KubeCluster {
  /// The first of `preferred` that the server's discovery lists for `group`.
  func discoverVersion(group: String, preferred: [String]) -> String? {
    struct Group: Decodable {
      struct V: Decodable { var version: String }
      var versions: [V]
    }
    for attempt in 0..<20 where !isStopped {
      if let http = try? makeClient(),
        let r = try? http.send("GET", "/apis/" + group)
      {
        if r.status == 404 { return nil }
        if r.status == 200, let g = try? JSONDecoder().decode(Group.self, from: r.body) {
          let served = Set(g.versions.map(\.version))
          return preferred.first { served.contains($0) }
        }
      }
      Thread.sleep(forTimeInterval: min(5, 0.5 * Double(attempt + 1)))
    }
    return nil
  }

  /// policy/v1 where served (1.22+), else policy/v1beta1, from discovery (asked once).
  func evictionAPIVersion() -> String {
    if let v = cacheLock.withLock({ evictionVersion }) { return v }
    let v = "policy/" + (discoverVersion(group: "policy", preferred: ["v1", "v1beta1"]) ?? "v1beta1")
    cacheLock.withLock { evictionVersion = v }
    log?("eviction: \(v)")
    return v
  }

  /// Pod and node usage from metrics.k8s.io: asked every 5 s, kept when the server has a new sample
  /// (metrics-server makes one about every 15 s). Failures show in the resources pane.
  func pollMetrics(path: String) {
    var http: HTTPClient?
    var lastSample: Seconds?
    var nodesAllowed = true
    var backoff = Backoff()
    while !isStopped {
      do {
        if http == nil { http = try makeClient() }
        guard let http else { break }
        let r = try http.send("GET", path, timeout: 10)
        guard (200..<300).contains(r.status) else {
          throw APIError.from(
            status: r.status, body: r.body,
            request: APIError.Request(
              verb: "list", resource: "pods.metrics.k8s.io", namespace: namespace, user: connection.userName))
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
        Thread.sleep(forTimeInterval: 5)
      } catch {
        if error is HTTPTransport.TransportError { http = nil }
        let wait = backoff.next()
        let detail = (error as? APIError)?.detail ?? (error as? HTTPTransport.TransportError)?.detail ?? "\(error)"
        log?("metrics: \(detail); retrying in \(String(format: "%.1f", wait)) s")
        inbox.post([
          .metricsNote("metrics.k8s.io: \(error)"),
          .source(SourceStatus(name: "metrics.k8s.io", health: .failing, detail: "\(error)")),
        ])
        Thread.sleep(forTimeInterval: max(wait, 2))
      }
    }
  }
}
