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
}
