import ClusterState
import Foundation
import Transport

extension Informers {
  /// A first complete view of the pods from the server's tables (one per namespace, several at a
  /// time): a small fraction of the bytes of the full list, which follows. A table without objects
  /// names no namespace, hence one a namespace. The watch cache (of the 1.20 server measured) finds
  /// a namespace's pods by walking every pod: 0.23 s a namespace at 100,000 pods, even for an empty
  /// one, so that 300 namespaces would cost the server a minute. With more than
  /// `watchCacheNamespaces` namespaces the tables come from etcd instead, which reads only that
  /// namespace's keys (as `kubectl get pods -n` does): 0.005 s for an empty one, 0.1 s for 5,000.
  /// nil when the tables cannot be had (old server, no right to list namespaces): the list serves.
  /// The first screenful comes before it, from the first page of one table of every pod: the
  /// namespace tables wait for that page (at most a second), so that the server serves it alone.
  /// The full list starts when the tables are in: read in protobuf, it is served fast enough that
  /// beside the tables it only takes the server's cores from them (docs/benchmarks.md, "100,020
  /// pods, a seventh time").
  func podsPreview(_ http: HTTPClient) {
    let started = clock()
    postFirstPage()
    let namespaces: [String]
    if let ns = namespace {
      namespaces = [ns]
    } else {
      guard
        let r = try? http.get("/api/v1/namespaces?resourceVersion=0", accept: KubeDecode.tableAccept),
        r.status == 200, let t = try? KubeDecode.tableRows(r.body)
      else { return }
      namespaces = t.rows.compactMap { $0["Name"] }
    }
    podsSteps.waitForFirstPage(timeout: 1)
    let fromCache = namespaces.count <= Self.watchCacheNamespaces
    let query = (fromCache ? "resourceVersion=0&" : "") + "includeObject=None"
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
              "/api/v1/namespaces/\(seg(all[i]))/pods?\(query)",
              accept: KubeDecode.tableAccept),
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
    if shared.failed { return }
    let inbox = self.inbox
    let posted = podsSteps.post(.firstView) { inbox.post([.podsPreview(pods), .connection(.connected)]) }
    log?(
      "pods: first view of \(pods.count) pods from \(namespaces.count) namespace tables (\(fromCache ? "the watch cache" : "etcd")) in \(String(format: "%.3f", clock() - started)) s\(posted ? "" : ", after the full list: not shown")"
    )
  }

  /// Up to this many namespaces, their tables come from the watch cache (one walk of every pod
  /// each); beyond, from etcd (each namespace's own keys).
  static let watchCacheNamespaces = 8
}

/// The pods' three steps, each more complete than the one before: the first page of one table, the
/// first view from the namespace tables, the full list. They are fetched at once and posted in
/// that order: a step comes out only while nothing more complete is out (the full list, and each
/// relist, always).
final class PodsSteps: @unchecked Sendable {
  enum Step: Int { case none, firstPage, firstView, list }
  private let lock = NSLock()
  private var out = Step.none
  private let firstPage = DispatchSemaphore(value: 0)
  /// Posts `step` with `post` (under the lock, so that nothing more complete is posted before it)
  /// unless a step as complete is out. Whether it was posted.
  @discardableResult func post(_ step: Step, _ post: () -> Void) -> Bool {
    lock.withLock {
      guard step.rawValue > out.rawValue else { return false }
      out = step
      post()
      return true
    }
  }
  /// The full list is about to be posted: nothing less complete after it.
  func listed() { lock.withLock { out = .list } }
  /// The first page is out, or could not be had.
  func firstPageDone() { firstPage.signal() }
  func waitForFirstPage(timeout: Double) { _ = firstPage.wait(timeout: .now() + timeout) }
}

extension Informers {
  /// The first page (500 rows) of the server's table of every pod, in the order the server keeps
  /// them (namespace, then name: the pods pane's first screenful), posted as soon as it arrives,
  /// on a connection of its own beside the first view's. A first page from etcd, not the watch
  /// cache (which ignores `limit` on a 1.20 server).
  func postFirstPage() {
    let path = (namespace.map { "/api/v1/namespaces/\($0)/pods" } ?? "/api/v1/pods") + "?limit=500"
    let (makeClient, clock, inbox, log, steps) = (self.makeClient, self.clock, self.inbox, self.log, podsSteps)
    Thread.detachNewThread {
      let started = clock()
      defer { steps.firstPageDone() }
      guard let http = try? makeClient(),
        let r = try? http.get(path, accept: KubeDecode.tableAccept), r.status == 200,
        let pods = try? KubeDecode.podTable(r.body, namespace: nil, now: clock()), !pods.isEmpty
      else { return }
      steps.post(.firstPage) {
        inbox.post([.podsFirstPage(pods), .connection(.connected)])
        log?("pods: first page of \(pods.count) pods in \(String(format: "%.3f", clock() - started)) s")
      }
    }
  }
}
