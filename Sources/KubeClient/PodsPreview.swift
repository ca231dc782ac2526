import ClusterState
import Foundation
import Transport

extension Informers {
  /// A first complete view of the pods from the server's tables (one per namespace, several at a
  /// time, from the watch cache): a small fraction of the bytes of the full list, which follows.
  /// nil when the tables cannot be had (old server, no right to list namespaces): the list serves.
  func podsPreview(_ http: HTTPClient) -> [Action]? {
    let started = clock()
    let namespaces: [String]
    if let ns = namespace {
      namespaces = [ns]
    } else {
      guard
        let r = try? http.get("/api/v1/namespaces?resourceVersion=0", accept: KubeDecode.tableAccept),
        r.status == 200, let t = try? KubeDecode.tableRows(r.body)
      else { return nil }
      namespaces = t.rows.compactMap { $0["Name"] }
    }
    final class Shared: @unchecked Sendable {
      let lock = NSLock()
      var pods: [Pod] = []
      var failed = false
      var next = 0
      /// The next namespace to read, or nil when done (or one failed).
      func take(_ count: Int) -> Int? {
        lock.withLock {
          defer { next += 1 }
          return failed || next >= count ? nil : next
        }
      }
    }
    let shared = Shared()
    let group = DispatchGroup()
    let makeClient = self.makeClient
    let clock = self.clock
    let all = namespaces
    for w in 0..<min(4, all.count) {
      group.enter()
      Thread.detachNewThread {
        defer { group.leave() }
        let own: HTTPClient? = w == 0 ? http : try? makeClient()
        while let own, let i = shared.take(all.count) {
          let now = clock()
          guard
            let r = try? own.get(
              "/api/v1/namespaces/\(all[i])/pods?resourceVersion=0&includeObject=None", accept: KubeDecode.tableAccept),
            r.status == 200, let list = try? KubeDecode.podTable(r.body, namespace: all[i], now: now)
          else {
            shared.lock.withLock { shared.failed = true }
            break
          }
          shared.lock.withLock { shared.pods.append(contentsOf: list) }
        }
      }
    }
    group.wait()
    let pods = shared.pods
    if shared.failed { return nil }
    log?(
      "pods: first view of \(pods.count) pods from \(namespaces.count) namespace tables in \(String(format: "%.3f", clock() - started)) s"
    )
    return [.podsPreview(pods)]
  }
}
