import CCurl
import ClusterState
import Foundation
import Transport

/// A real cluster as a producer of Actions: reflector-style informers (paged list, then watch from
/// the list's resourceVersion with bookmarks, relist on 410 Gone, backoff with jitter), and the
/// executor of fault effects through the API.
public final class KubeCluster: ClusterSource, @unchecked Sendable {
  public let connection: ClusterConnection
  /// nil: all namespaces.
  public let namespace: String?
  /// Where what the informers see goes: the runtime's, from `start(inbox:)`.
  public private(set) var inbox = Inbox()
  let tokens: TokenSource
  private let stopLock = NSLock()
  private var stopped = false
  public var log: (@Sendable (String) -> Void)?
  /// Marks every resource this run creates (label chaostui.io/session).
  public let session: String
  /// Everything is sent with dryRun=All and reported as such.
  public let dryRun: Bool
  private let registryLock = NSLock()
  /// What this session changed and must set back (panic, expiry, every exit path), by fault id.
  private var created: [Int: Undo] = [:]
  /// When each entry of `created` was made (a list taken while it was being made may not show it).
  private var createdAt: [Int: Double] = [:]
  private var evictionVersion: String?

  /// A change chaostui made and how to undo it.
  enum Undo: Sendable {
    /// A Chaos Mesh resource: deleted.
    case chaos(ChaosMesh.Resource)
    /// A workload scaled: its scale subresource set back, the annotation removed.
    case replicas(objectPath: String, replicas: Int, label: String)
    /// A node cordoned: uncordoned, the annotation removed.
    case uncordon(node: String)
  }

  /// The annotation on a workload or node that chaostui changed: what to set back and until when,
  /// so that a later run (or a person) can undo it even after chaostui was killed with -9.
  public static let restoreAnnotation = "chaostui.io/restore"

  public init(connection: ClusterConnection, namespace: String?, dryRun: Bool = false) {
    self.connection = connection
    self.namespace = namespace
    self.tokens = TokenSource(connection.credentials)
    self.dryRun = dryRun
    session = String((0..<8).map { _ in "0123456789abcdef".randomElement()! })
  }

  func audit(_ line: String) {
    log?("audit: context=\(connection.contextName) user=\(connection.userName) \(line)\(dryRun ? " (dry run)" : "")")
  }

  var dryRunQuery: String { dryRun ? "?dryRun=All" : "" }

  /// A query string of `items`, with dryRun=All when this is a dry run.
  func query(_ items: [String]) -> String {
    let all = items + (dryRun ? ["dryRun=All"] : [])
    return all.isEmpty ? "" : "?" + all.joined(separator: "&")
  }

  var isStopped: Bool { stopLock.withLock { stopped } }

  /// The first view of the pods gets the API server to itself: everything else waits for it (at
  /// most a few seconds) so that on a busy server the pods are on screen first.
  private let firstViewCondition = NSCondition()
  private var firstViewDone = false

  func firstViewShown() {
    firstViewCondition.lock()
    firstViewDone = true
    firstViewCondition.broadcast()
    firstViewCondition.unlock()
  }

  func waitForFirstView(timeout: Double = 3) {
    let deadline = Date().addingTimeInterval(timeout)
    firstViewCondition.lock()
    while !firstViewDone && firstViewCondition.wait(until: deadline) {}
    firstViewCondition.unlock()
  }

  private var podListDone = false

  /// Waits (at most `timeout`) until the complete pod list (labels, owners) is in the inbox.
  public func waitForPodList(timeout: Double = 30) {
    let deadline = Date().addingTimeInterval(timeout)
    firstViewCondition.lock()
    while !podListDone && firstViewCondition.wait(until: deadline) {}
    firstViewCondition.unlock()
  }

  /// Metrics come from Prometheus: the metrics.k8s.io poller stays off.
  public var metricsFromPrometheus = false
  /// A --scrape was given: its cAdvisor series feed the pods where metrics.k8s.io is not served.
  public var metricsFromScrape = false
  private let metricsLock = NSLock()
  private var metricsAPIServed: Bool?
  /// Whether metrics.k8s.io serves pod figures (nil: not known yet).
  public var servesPodMetrics: Bool? { metricsLock.withLock { metricsAPIServed } }
  /// Stops the informers and sets back what this session changed in the cluster.
  public func stop() {
    cleanup()
    stopLock.withLock { stopped = true }
  }

  public var info: SourceInfo { SourceInfo(isDemo: false, context: connection.contextName, namespace: namespace) }

  public func actions(at realTime: Double) -> [Action] { [.tick(realTime)] }

  public func showing(namespaces: Set<String>) { checkPermissions(namespaces: namespaces) }

  /// Starts the informers, each on its own thread with its own connection, posting into `inbox`.
  public func start(inbox: Inbox) {
    self.inbox = inbox
    start()
  }

  /// Starts the informers into this cluster's own inbox (tests, benchmarks).
  public func start() {
    inbox.post([.connection(.connecting)])
    discoverChaosMesh()
    Thread.detachNewThread { [self] in
      waitForFirstView()
      sweepLeftovers()
    }
    let ns = namespace
    let base = { (group: String, resource: String) -> String in
      let prefix = group.isEmpty ? "/api/v1" : "/apis/" + group
      return ns.map { "\(prefix)/namespaces/\($0)/\(resource)" } ?? "\(prefix)/\(resource)"
    }
    run(
      name: "pods", path: base("", "pods"), preview: { [self] in podsPreview($0) },
      decode: {
        let l = try KubeDecode.podList($0)
        return ListPage(l.items, resourceVersion: l.resourceVersion, continueToken: l.continue)
      }, onList: { [.podsReplaced($0)] },
      onEvent: { try KubeCluster.podEvent($0, $1) })
    run(
      name: "deployments", path: base("apps/v1", "deployments"), optional: true,
      decode: { try KubeCluster.workloadItems($0, .deployment) },
      onList: { [.workloadsReplaced(kind: .deployment, $0)] },
      onEvent: { try KubeCluster.workloadEvent($0, $1, .deployment) })
    run(
      name: "statefulsets", path: base("apps/v1", "statefulsets"), optional: true,
      decode: { try KubeCluster.workloadItems($0, .statefulSet) },
      onList: { [.workloadsReplaced(kind: .statefulSet, $0)] },
      onEvent: { try KubeCluster.workloadEvent($0, $1, .statefulSet) })
    // ReplicaSets: those a Deployment owns are shown through it; a bare one is a workload of its own.
    run(
      name: "replicasets", path: base("apps/v1", "replicasets"), optional: true,
      decode: { try KubeCluster.workloadItems($0, .replicaSet) },
      onList: { [.workloadsReplaced(kind: .replicaSet, $0)] },
      onEvent: { try KubeCluster.workloadEvent($0, $1, .replicaSet) })
    // Events since chaostui started (older ones are history, not the timeline).
    let since = Date().timeIntervalSince1970 - 5
    run(
      name: "events", path: base("", "events"), optional: true,
      decode: { data in
        let l = try JSONDecoder().decode(KubeDecode.List<KubeDecode.KEvent>.self, from: data)
        return ListPage(
          l.items.map(KubeDecode.event), resourceVersion: l.metadata?.resourceVersion,
          continueToken: l.metadata?.continue)
      },
      onList: { events in events.filter { $0.time >= since }.map { .event($0) } },
      onEvent: { type, data in
        guard type != "DELETED" else { return [] }
        let e = try JSONDecoder().decode(KubeDecode.Event<KubeDecode.KEvent>.self, from: data)
        let ev = KubeDecode.event(e.object)
        return ev.time >= since ? [.event(ev)] : []
      })
    // Nodes are cluster-scoped: users without that right still get everything else.
    run(
      name: "nodes", path: "/api/v1/nodes", clusterScoped: true, optional: true,
      decode: { data in
        let l = try JSONDecoder().decode(KubeDecode.List<KubeDecode.KNode>.self, from: data)
        return ListPage(
          l.items.map(KubeDecode.node), resourceVersion: l.metadata?.resourceVersion,
          continueToken: l.metadata?.continue)
      },
      onList: { [.nodesReplaced($0)] },
      onEvent: { type, data in
        let e = try JSONDecoder().decode(KubeDecode.Event<KubeDecode.KNode>.self, from: data)
        let n = KubeDecode.node(e.object)
        return type == "DELETED" ? [.nodeDeleted(name: n.name)] : [.nodeUpserted(n)]
      })
    // Metrics: metrics.k8s.io where served; where it is absent the panes say so and where the
    // numbers would come from.
    let metricsPath = base("metrics.k8s.io/v1beta1", "pods")
    Thread.detachNewThread { [self] in
      waitForFirstView()
      if metricsFromPrometheus { return }
      guard discoverVersion(group: "metrics.k8s.io", preferred: ["v1beta1"]) != nil else {
        metricsLock.withLock { metricsAPIServed = false }
        let absent = "metrics.k8s.io is not served by this cluster (metrics-server provides it)"
        inbox.post([
          .source(
            SourceStatus(
              name: "metrics.k8s.io", health: .empty, detail: "not served by this cluster (metrics-server provides it)")
          ),
          .metricsNote(
            metricsFromScrape
              ? "no pod metrics: \(absent); --scrape has given no cAdvisor pod series yet"
              : "no metrics: \(absent), and no --prometheus was given"),
        ])
        return
      }
      metricsLock.withLock { metricsAPIServed = true }
      pollMetrics(path: metricsPath)
    }
    // HPAs: autoscaling/v2 where served (1.23+), else v2beta2, chosen from discovery.
    let hpaPath = { (version: String) -> String in base("autoscaling/" + version, "horizontalpodautoscalers") }
    let paths = ["v2": hpaPath("v2"), "v2beta2": hpaPath("v2beta2")]
    Thread.detachNewThread { [self] in
      let version = discoverVersion(group: "autoscaling", preferred: ["v2", "v2beta2"]) ?? "v2beta2"
      log?("hpa: autoscaling/\(version)")
      run(
        name: "hpas", path: paths[version]!, resource: "horizontalpodautoscalers", optional: true,
        decode: { data in
          let l = try JSONDecoder().decode(KubeDecode.List<KubeDecode.KHPA>.self, from: data)
          return ListPage(
            l.items.map(KubeDecode.hpa), resourceVersion: l.metadata?.resourceVersion,
            continueToken: l.metadata?.continue)
        },
        onList: { [.hpasReplaced($0)] },
        onEvent: { type, data in
          let e = try JSONDecoder().decode(KubeDecode.Event<KubeDecode.KHPA>.self, from: data)
          let h = KubeDecode.hpa(e.object)
          return type == "DELETED" ? [.hpaDeleted(id: h.id)] : [.hpaUpserted(h)]
        })
    }
  }

  /// A first complete view of the pods from the server's tables (one per namespace, several at a
  /// time, from the watch cache): a small fraction of the bytes of the full list, which follows.
  /// nil when the tables cannot be had (old server, no right to list namespaces): the list serves.
  func podsPreview(_ http: HTTPClient) -> [Action]? {
    let started = Date().timeIntervalSince1970
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
    let conn = connection
    let tokens = self.tokens
    let all = namespaces
    for w in 0..<min(4, all.count) {
      group.enter()
      Thread.detachNewThread {
        defer { group.leave() }
        let own: HTTPClient? = w == 0 ? http : try? HTTPTransport(connection: conn, tokens: tokens)
        while let own, let i = shared.take(all.count) {
          let now = Date().timeIntervalSince1970
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
      "pods: first view of \(pods.count) pods from \(namespaces.count) namespace tables in \(String(format: "%.3f", Date().timeIntervalSince1970 - started)) s"
    )
    return [.podsPreview(pods)]
  }

  /// Pod and node usage from metrics.k8s.io: asked every 5 s, kept when the server has a new sample
  /// (metrics-server makes one about every 15 s). Failures show in the resources pane.
  func pollMetrics(path: String) {
    var http: HTTPTransport?
    var lastSample: Seconds?
    var nodesAllowed = true
    var backoff = Backoff()
    while !isStopped {
      do {
        if http == nil { http = try HTTPTransport(connection: connection, tokens: tokens) }
        guard let http else { break }
        let r = try http.request("GET", path, timeout: 10)
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
          var actions: [Action] = [.podUsage(time: Date().timeIntervalSince1970, samples)]
          if nodesAllowed {
            let n = try http.request("GET", "/apis/metrics.k8s.io/v1beta1/nodes", timeout: 10)
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

  /// The first of `preferred` that the server's discovery lists for `group`.
  func discoverVersion(group: String, preferred: [String]) -> String? {
    struct Group: Decodable {
      struct V: Decodable { var version: String }
      var versions: [V]
    }
    for attempt in 0..<20 where !isStopped {
      if let http = try? HTTPTransport(connection: connection, tokens: tokens),
        let r = try? http.request("GET", "/apis/" + group)
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

  // MARK: - Decoding per kind

  static func podEvent(_ type: String, _ data: Data) throws -> [Action] {
    let e = try JSONDecoder().decode(KubeDecode.Event<KubeDecode.KPod>.self, from: data)
    let pod = KubeDecode.pod(e.object)
    return type == "DELETED" ? [.podDeleted(id: pod.id)] : [.podUpserted(pod)]
  }

  static func workloadItems(_ data: Data, _ kind: WorkloadKind) throws -> ListPage<Workload> {
    let l = try JSONDecoder().decode(KubeDecode.List<KubeDecode.KWorkload>.self, from: data)
    let now = Date().timeIntervalSince1970
    return ListPage(
      l.items.filter { !ownedReplicaSet($0, kind) }.map { KubeDecode.workload($0, kind: kind, now: now) },
      resourceVersion: l.metadata?.resourceVersion, continueToken: l.metadata?.continue, served: l.items.count)
  }

  /// A ReplicaSet a controller (a Deployment) owns: its pods belong to that controller.
  static func ownedReplicaSet(_ k: KubeDecode.KWorkload, _ kind: WorkloadKind) -> Bool {
    kind == .replicaSet && (k.metadata.ownerReferences?.contains { $0.controller == true } ?? false)
  }

  static func workloadEvent(_ type: String, _ data: Data, _ kind: WorkloadKind) throws -> [Action] {
    let e = try JSONDecoder().decode(KubeDecode.Event<KubeDecode.KWorkload>.self, from: data)
    let w = KubeDecode.workload(e.object, kind: kind, now: Date().timeIntervalSince1970)
    if ownedReplicaSet(e.object, kind) { return [] }
    return type == "DELETED" ? [.workloadDeleted(id: w.id)] : [.workloadUpserted(w)]
  }

  // MARK: - Informers

  /// Starts a reflector for one kind on a thread of its own, with its own connection.
  func run<T>(
    name: String, path: String, resource: String? = nil, clusterScoped: Bool = false, optional: Bool = false,
    preview: (@Sendable (HTTPClient) -> [Action]?)? = nil,
    decode: @escaping @Sendable (Data) throws -> ListPage<T>,
    onList: @escaping @Sendable ([T]) -> [Action], onEvent: @escaping @Sendable (String, Data) throws -> [Action]
  ) {
    let conn = connection
    let tokens = self.tokens
    let reflector = Reflector<T>(
      name: name, path: path,
      request: APIError.Request(
        verb: "list", resource: resource ?? name, namespace: clusterScoped ? "" : namespace, user: conn.userName),
      optional: optional, makeClient: { try HTTPTransport(connection: conn, tokens: tokens) }, decode: decode,
      onList: onList, onEvent: onEvent, post: { [inbox] in inbox.post($0) })
    reflector.log = log
    reflector.isStopped = { [self] in isStopped }
    if preview != nil {
      reflector.onListed = { [self] in
        firstViewCondition.lock()
        podListDone = true
        firstViewCondition.unlock()
        firstViewShown()
      }
      reflector.onFailure = { [self] in firstViewShown() }
    }
    let thread = Thread { [self] in
      if let preview {
        // The first view of the pods from the server's tables, while the full list follows.
        if let http = try? HTTPTransport(connection: conn, tokens: tokens), let first = preview(http) {
          inbox.post(first + [.connection(.connected)])
        }
        firstViewShown()
      } else {
        waitForFirstView()
      }
      reflector.run()
    }
    thread.name = "informer-" + name
    thread.start()
  }

  static func check(_ r: HTTPTransport.Response, what: String) throws {
    guard (200..<300).contains(r.status) else { throw failure(r.status, r.body, what: what) }
  }

  /// A refused request outside the informers (a fault, an undo): what was asked, then what the
  /// server said, in words.
  static func failure(_ status: Int, _ body: Data, what: String) -> APIError {
    var e = APIError.from(
      status: status, body: body, request: APIError.Request(verb: what, resource: "", namespace: "", user: "the user"))
    if e.kind == .forbidden {
      let server = KubeDecode.status(body)?.message ?? ""
      e.message = "\(what): forbidden" + (server.isEmpty ? "" : ": " + server)
    } else {
      e.message = "\(what): " + e.message
    }
    return e
  }

  // MARK: - Permissions

  /// What each fault needs: verb, API group and resource.
  static func permission(_ kind: FaultKind) -> (verb: String, group: String, resource: String, subresource: String) {
    switch kind {
    case .podKill, .killPrimary: return ("delete", "", "pods", "")
    case .evict: return ("create", "", "pods", "eviction")
    case .scale: return ("patch", "apps", "deployments", "scale")
    case .cordon: return ("patch", "", "nodes", "")
    default: return ("create", "chaos-mesh.org", ChaosMesh.plural(for: kind) ?? "podchaos", "")
    }
  }

  private var checkedNamespaces = Set<String>()

  /// Asks the API server, with a SelfSubjectAccessReview a fault and namespace, which faults the user
  /// may inject in each new namespace; the answers come back as `.permissions` actions.
  public func checkPermissions(namespaces: Set<String>) {
    let fresh = registryLock.withLock { () -> [String] in
      let new = namespaces.subtracting(checkedNamespaces)
      checkedNamespaces.formUnion(new)
      return new.sorted()
    }
    guard !fresh.isEmpty else { return }
    Thread.detachNewThread { [self] in
      guard let http = try? HTTPTransport(connection: connection, tokens: tokens) else { return }
      for ns in fresh {
        var denied: [FaultKind: String] = [:]
        var answers: [String: Bool] = [:]
        for kind in FaultKind.allCases {
          let p = KubeCluster.permission(kind)
          let key = "\(p.verb) \(p.group)/\(p.resource)/\(p.subresource)"
          if answers[key] == nil {
            // Nodes have no namespace: the question is cluster-wide.
            let review: [String: Any] = [
              "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": [
                "resourceAttributes": [
                  "namespace": p.resource == "nodes" ? "" : ns, "verb": p.verb, "group": p.group,
                  "resource": p.resource, "subresource": p.subresource,
                ]
              ],
            ]
            struct Answer: Decodable {
              struct Status: Decodable { var allowed: Bool }
              var status: Status
            }
            guard let body = try? JSONSerialization.data(withJSONObject: review),
              let r = try? http.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: body),
              (200..<300).contains(r.status), let a = try? JSONDecoder().decode(Answer.self, from: r.body)
            else { continue }  // no answer: leave the key enabled; the API will say Forbidden if it must
            answers[key] = a.status.allowed
          }
          if answers[key] == false {
            let what =
              (p.group.isEmpty ? p.resource : p.resource + "." + p.group)
              + (p.subresource.isEmpty ? "" : "/" + p.subresource)
            denied[kind] =
              "forbidden: \(connection.userName) may not \(p.verb) \(what)" + (p.resource == "nodes" ? "" : " in \(ns)")
          }
        }
        log?(
          "permissions in \(ns): \(denied.isEmpty ? "every fault allowed" : denied.keys.map(\.rawValue).sorted().joined(separator: ", ") + " denied")"
        )
        inbox.post([.permissions(namespace: ns, denied: denied)])
      }
    }
  }

  // MARK: - Chaos Mesh

  /// Whether the Chaos Mesh CRDs are served; faults that need them are unavailable otherwise.
  func discoverChaosMesh() {
    let conn = connection
    let tokens = self.tokens
    let inbox = self.inbox
    let log = self.log
    Thread.detachNewThread { [self] in
      waitForFirstView()
      var missing: [String] = ["podchaos", "networkchaos", "stresschaos"]
      var why = "Chaos Mesh is not installed (no chaos-mesh.org/v1alpha1 API)"
      for attempt in 0..<20 {
        do {
          let http = try HTTPTransport(connection: conn, tokens: tokens)
          let r = try http.request("GET", "/apis/chaos-mesh.org/v1alpha1")
          if r.status == 200 {
            struct Resources: Decodable {
              struct R: Decodable { var name: String }
              var resources: [R]
            }
            let served = Set((try? JSONDecoder().decode(Resources.self, from: r.body))?.resources.map(\.name) ?? [])
            missing = missing.filter { !served.contains($0) }
            why = "Chaos Mesh does not serve " + missing.joined(separator: ", ")
          }
          break
        } catch {
          // Not reachable yet: try again while the informers connect.
          Thread.sleep(forTimeInterval: min(5, 0.5 * Double(attempt + 1)))
        }
      }
      var unavailable: [FaultKind: String] = [:]
      for kind in FaultKind.allCases {
        if let plural = ChaosMesh.plural(for: kind), missing.contains(plural) { unavailable[kind] = why }
      }
      log?("chaos mesh: " + (unavailable.isEmpty ? "available" : why))
      inbox.post([.faultsUnavailable(unavailable)])
      for plural in ["podchaos", "networkchaos", "stresschaos"] where !missing.contains(plural) {
        self.watchChaos(plural)
      }
    }
  }

  /// An informer of chaostui's Chaos Mesh resources: one this session made that disappears without
  /// chaostui deleting it (kubectl delete, another tool) ends its fault in the console.
  func watchChaos(_ plural: String) {
    struct Item: Decodable {
      struct Meta: Decodable {
        var name: String
        var namespace: String?
        var labels: [String: String]?
      }
      var metadata: Meta
    }
    let path =
      (namespace.map { "/apis/\(ChaosMesh.group)/namespaces/\($0)/\(plural)" } ?? "/apis/\(ChaosMesh.group)/\(plural)")
      + "?labelSelector=" + ChaosMesh.managedBy + "%3Dchaostui"
    run(
      name: plural, path: path, optional: true,
      decode: { data in
        let l = try JSONDecoder().decode(KubeDecode.List<Item>.self, from: data)
        return ListPage(
          l.items.map(\.metadata.name), resourceVersion: l.metadata?.resourceVersion,
          continueToken: l.metadata?.continue)
      },
      onList: { [self] names in goneChaos(plural, present: Set(names)) },
      onEvent: { [self] type, data in
        guard type == "DELETED" else { return [] }
        let e = try JSONDecoder().decode(KubeDecode.Event<Item>.self, from: data)
        return goneChaos(plural, deleted: e.object.metadata.name)
      })
  }

  /// Faults whose Chaos Mesh resource is gone from the cluster though chaostui did not delete it.
  func goneChaos(_ plural: String, present: Set<String>? = nil, deleted: String? = nil) -> [Action] {
    let settled = Date().timeIntervalSince1970 - 10
    let gone = registryLock.withLock { () -> [Int] in
      let ids = created.compactMap { (id, undo) -> Int? in
        guard case .chaos(let r) = undo, r.plural == plural else { return nil }
        if let deleted, r.name == deleted { return id }
        if let present, !present.contains(r.name), (createdAt[id] ?? 0) < settled { return id }
        return nil
      }
      for id in ids { created.removeValue(forKey: id) }
      return ids
    }
    for id in gone { audit("fault \(id): its \(plural) was deleted outside chaostui") }
    return gone.map { .faultEnded(id: $0, time: Date().timeIntervalSince1970, reason: "deleted in the cluster") }
  }

  func injectChaos(_ id: Int, _ request: FaultRequest, pods: [Pod]) {
    guard let (plural, json, name) = ChaosMesh.body(request, id: id, session: session, pods: pods),
      let body = try? JSONSerialization.data(withJSONObject: json)
    else { return }
    let ns = request.target.namespace
    let resource = ChaosMesh.Resource(plural: plural, namespace: ns, name: name)
    Thread.detachNewThread { [self] in
      let now = Date().timeIntervalSince1970
      do {
        let http = try HTTPTransport(connection: connection, tokens: tokens)
        let r = try http.request(
          "POST", "/apis/\(ChaosMesh.group)/namespaces/\(ns)/\(plural)" + dryRunQuery, body: body)
        try KubeCluster.check(r, what: "create \(plural) \(ns)/\(name)")
        audit("create \(plural) \(ns)/\(name) (\(request.kind.rawValue) on \(request.target.label)): \(r.status)")
        if !dryRun {
          registryLock.withLock {
            created[id] = .chaos(resource)
            createdAt[id] = Date().timeIntervalSince1970
          }
        }
        let ends = request.kind.isOneShot ? now : now + request.parameters.duration
        let workloads = Array(Set(pods.compactMap { p in p.workload.map { p.namespace + "/" + $0 } })).sorted()
        inbox.post([.faultStarted(id: id, time: now, ends: ends, pods: pods.map(\.id), workloads: workloads)])
        if dryRun { inbox.post([.notice("Dry run: the server accepted \(plural) \(name); nothing was created")]) }
        // The resource ends itself through its duration; at the end chaostui also removes it. A one-shot
        // (container-kill) stays a little while so that Chaos Mesh acts on it.
        let removeAt = request.kind.isOneShot ? now + 15 : ends
        Thread.sleep(forTimeInterval: max(0, removeAt - Date().timeIntervalSince1970))
        if delete(id, reason: request.kind.isOneShot ? "done" : "expired"), !request.kind.isOneShot {
          inbox.post([.faultEnded(id: id, time: Date().timeIntervalSince1970, reason: "expired")])
        }
      } catch {
        audit("create \(plural) \(ns)/\(name) failed: \(error)")
        inbox.post([.faultFailed(id: id, message: "\(error)")])
      }
    }
  }

  /// Sets back what an earlier chaostui run changed and could not undo (it was killed with -9, the
  /// machine died): workloads and nodes whose restore note has expired, and Chaos Mesh resources of
  /// other sessions past their duration. What is still within its time is left alone (another
  /// chaostui may be running it).
  func sweepLeftovers() {
    guard let http = try? HTTPTransport(connection: connection, tokens: tokens) else { return }
    let now = Date().timeIntervalSince1970
    struct Item: Decodable {
      struct Meta: Decodable {
        var name: String
        var namespace: String?
        var annotations: [String: String]?
        var labels: [String: String]?
        var creationTimestamp: String?
      }
      struct Spec: Decodable { var duration: String? }
      var metadata: Meta
      var spec: Spec?
    }
    struct Items: Decodable { var items: [Item]? }
    struct Note: Decodable {
      var replicas: Int?
      var uncordon: Bool?
      var session: String?
      var until: Double?
    }
    func list(_ path: String) -> [Item] {
      guard let r = try? http.request("GET", path), r.status == 200 else { return [] }
      return (try? JSONDecoder().decode(Items.self, from: r.body))?.items ?? []
    }
    let scope = { (group: String, plural: String) -> String in
      let prefix = group.isEmpty ? "/api/v1" : "/apis/" + group
      return self.namespace.map { "\(prefix)/namespaces/\($0)/\(plural)" } ?? "\(prefix)/\(plural)"
    }
    var restored = 0
    func restore(_ change: Undo, _ session: String?) {
      do {
        let (what, status) = try undo(change, http)
        audit("restore leftover of session \(session ?? "?"): \(what): \(status)")
      } catch {
        audit("restore leftover of session \(session ?? "?") failed: \(error)")
      }
    }
    for plural in ["deployments", "statefulsets"] {
      for item in list(scope("apps/v1", plural)) {
        guard let raw = item.metadata.annotations?[KubeCluster.restoreAnnotation],
          let note = try? JSONDecoder().decode(Note.self, from: Data(raw.utf8)), let replicas = note.replicas,
          (note.until ?? 0) < now, let ns = item.metadata.namespace
        else { continue }
        let path = "/apis/apps/v1/namespaces/\(ns)/\(plural)/\(item.metadata.name)"
        let label = "\(plural) \(ns)/\(item.metadata.name)"
        restore(.replicas(objectPath: path, replicas: replicas, label: label), note.session)
        restored += 1
      }
    }
    if namespace == nil {
      for item in list("/api/v1/nodes") {
        guard let raw = item.metadata.annotations?[KubeCluster.restoreAnnotation],
          let note = try? JSONDecoder().decode(Note.self, from: Data(raw.utf8)), note.uncordon == true,
          (note.until ?? 0) < now
        else { continue }
        restore(.uncordon(node: item.metadata.name), note.session)
        restored += 1
      }
    }
    for plural in ["podchaos", "networkchaos", "stresschaos"] {
      let selector = "?labelSelector=" + ChaosMesh.managedBy + "%3Dchaostui"
      for item in list(scope(ChaosMesh.group, plural) + selector) {
        guard let ns = item.metadata.namespace, item.metadata.labels?[ChaosMesh.sessionLabel] != session,
          let created = item.metadata.creationTimestamp.flatMap(KubeTime.parse)
        else { continue }
        let duration = item.spec?.duration.flatMap(KubeCluster.goDuration) ?? 60
        guard created + duration < now else { continue }
        restore(
          .chaos(ChaosMesh.Resource(plural: plural, namespace: ns, name: item.metadata.name)),
          item.metadata.labels?[ChaosMesh.sessionLabel])
        restored += 1
      }
    }
    if restored > 0 {
      inbox.post([.notice("Set back \(restored) change(s) an earlier chaostui left behind (see the audit log)")])
    }
  }

  /// Seconds of a Go duration ("90s", "5m", "1h30m", "1.5h"); nil when unreadable.
  static func goDuration(_ s: String) -> Double? {
    var total = 0.0
    var number = ""
    var found = false
    var i = s.startIndex
    while i < s.endIndex {
      let c = s[i]
      if c.isNumber || c == "." {
        number.append(c)
        i = s.index(after: i)
        continue
      }
      var unit = String(c)
      let next = s.index(after: i)
      if c == "m" && next < s.endIndex && s[next] == "s" { unit = "ms" }
      guard let v = Double(number), let scale = ["h": 3600, "m": 60, "s": 1, "ms": 0.001][unit] else { return nil }
      total += v * scale
      found = true
      number = ""
      i = s.index(i, offsetBy: unit.count)
    }
    return found && number.isEmpty ? total : nil
  }

  /// Undoes what a fault changed (deletes its Chaos Mesh resource, sets replicas back, uncordons),
  /// if this session still holds it. Returns whether it did.
  @discardableResult
  func delete(_ id: Int, reason: String) -> Bool {
    guard let change = registryLock.withLock({ created.removeValue(forKey: id) }) else { return false }
    do {
      let http = try HTTPTransport(connection: connection, tokens: tokens)
      let (what, status) = try undo(change, http)
      audit("\(what) (\(reason)): \(status)")
    } catch {
      audit("undo of fault \(id) (\(reason)) failed: \(error)")
    }
    return true
  }

  /// Sets back one change (deletes the Chaos Mesh resource, scales back and removes the restore
  /// note, uncordons and removes the note). Returns what it did, for the audit log, and the status.
  func undo(_ change: Undo, _ http: HTTPTransport) throws -> (what: String, status: Int) {
    let patch = "application/merge-patch+json"
    let clearNote = #""metadata":{"annotations":{"\#(KubeCluster.restoreAnnotation)":null}}"#
    switch change {
    case .chaos(let r):
      return ("delete \(r.plural) \(r.namespace)/\(r.name)", try http.request("DELETE", r.path).status)
    case .replicas(let path, let replicas, let label):
      let r = try http.request(
        "PATCH", path + "/scale", body: Data(#"{"spec":{"replicas":\#(replicas)}}"#.utf8), contentType: patch)
      _ = try? http.request("PATCH", path, body: Data("{\(clearNote)}".utf8), contentType: patch)
      return ("scale \(label) back to \(replicas)", r.status)
    case .uncordon(let node):
      let r = try http.request(
        "PATCH", "/api/v1/nodes/\(node)", body: Data(#"{"spec":{"unschedulable":null},\#(clearNote)}"#.utf8),
        contentType: patch)
      return ("uncordon node \(node)", r.status)
    }
  }

  /// Removes everything this session created (exit paths). Waits at most `timeout` seconds.
  public func cleanup(timeout: Double = 5) {
    let ids = registryLock.withLock { Array(created.keys) }
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread { [self] in
      for id in ids { delete(id, reason: "exit") }
      done.signal()
    }
    _ = done.wait(timeout: .now() + timeout)
  }

  // MARK: - Faults through the API

  /// Carries out an effect on a background thread; the result comes back through the inbox.
  public func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] {
    switch effect {
    case .abort(let ids):
      // Chaos Mesh resources are deleted; one-shot deletions have nothing to undo.
      Thread.detachNewThread { [self] in
        for id in ids { delete(id, reason: "panic") }
        inbox.post(ids.map { .faultEnded(id: $0, time: Date().timeIntervalSince1970, reason: "aborted") })
      }
      return []
    case .inject(let id, let request):
      var targets: [Pod] = []
      switch request.target {
      case .pod(let ns, let name):
        if let p = state.pods[ns + "/" + name] { targets = [p] }
      case .workload(let ns, let name):
        targets = state.pods.values.filter { $0.namespace == ns && $0.workload == name && !$0.isTerminating }
        if request.parameters.mode == .one && request.kind != .scale, let p = targets.randomElement() {
          targets = [p]
        }
      case .node(let name):
        Thread.detachNewThread { [self] in cordon(id, request, node: name) }
        return []
      }
      if request.kind == .killPrimary {
        let w = targets.first?.workload
        let ns = request.target.namespace
        targets = state.pods.values.filter {
          $0.namespace == ns && $0.workload == w && !$0.isTerminating && state.roleSelector.isPrimary($0.labels)
        }
        if targets.isEmpty { return [.faultFailed(id: id, message: "no pod matches the primary selector")] }
      }
      if request.kind == .scale, case .workload(let ns, let name) = request.target {
        guard let w = state.workloads[ns + "/" + name] else {
          return [.faultFailed(id: id, message: "workload \(ns)/\(name) is not known (yet)")]
        }
        let pods = targets
        Thread.detachNewThread { [self] in scale(id, request, workload: w, pods: pods) }
        return []
      }
      guard !targets.isEmpty else { return [.faultFailed(id: id, message: "\(request.target.label) has no pods")] }
      switch request.kind {
      case .podKill, .killPrimary, .evict:
        let chosen = targets
        Thread.detachNewThread { [self] in deletePods(id, request, chosen) }
      default:
        injectChaos(id, request, pods: targets)
      }
      return []
    }
  }

  static func workloadIDs(_ pods: [Pod]) -> [String] {
    Array(Set(pods.compactMap { p in p.workload.map { p.namespace + "/" + $0 } })).sorted()
  }

  /// Pod kill (DELETE, with the grace period asked for), kill primary, and eviction (the
  /// Eviction API, refused with 429 where a PodDisruptionBudget allows no more disruptions).
  func deletePods(_ id: Int, _ request: FaultRequest, _ chosen: [Pod]) {
    let now = Date().timeIntervalSince1970
    do {
      let http = try HTTPTransport(connection: connection, tokens: tokens)
      var done: [Pod] = []
      var refused: [String] = []
      var refusal = ""
      for p in chosen {
        let path = "/api/v1/namespaces/\(p.namespace)/pods/\(p.name)"
        if request.kind == .evict {
          let version = evictionAPIVersion()
          var body: [String: Any] = [
            "apiVersion": version, "kind": "Eviction", "metadata": ["name": p.name, "namespace": p.namespace],
          ]
          if dryRun { body["deleteOptions"] = ["dryRun": ["All"]] }
          let r = try http.request(
            "POST", path + "/eviction" + query([]), body: try JSONSerialization.data(withJSONObject: body))
          audit("evict pod \(p.namespace)/\(p.name) (\(version)): \(r.status)")
          if r.status == 429 {
            // The disruption budget said no: the API's own words.
            refused.append(p.name)
            refusal = KubeDecode.status(r.body)?.message ?? "refused by a PodDisruptionBudget"
            continue
          }
          try KubeCluster.check(r, what: "evict pod \(p.namespace)/\(p.name)")
        } else {
          let grace = request.kind == .podKill ? request.parameters.gracePeriod : nil
          let r = try http.request("DELETE", path + query(grace.map { ["gracePeriodSeconds=\($0)"] } ?? []))
          try KubeCluster.check(r, what: "delete pod \(p.namespace)/\(p.name)")
          audit("delete pod \(p.namespace)/\(p.name)\(grace.map { " grace \($0)s" } ?? ""): \(r.status)")
        }
        done.append(p)
      }
      if done.isEmpty {
        inbox.post([.faultFailed(id: id, message: "429 Too Many Requests: " + refusal)])
        return
      }
      var actions: [Action] = [
        .faultStarted(id: id, time: now, ends: now, pods: done.map(\.id), workloads: KubeCluster.workloadIDs(done))
      ]
      if !refused.isEmpty {
        actions.append(
          .notice("Evicted \(done.count) of \(chosen.count); \(refused.joined(separator: ", ")) refused: \(refusal)"))
      }
      if dryRun { actions.append(.notice("Dry run: the server accepted it; nothing was deleted")) }
      inbox.post(actions)
    } catch {
      audit("\(request.kind.rawValue) failed: \(error)")
      inbox.post([.faultFailed(id: id, message: "\(error)")])
    }
  }

  /// policy/v1 where served (1.22+), else policy/v1beta1, from discovery (asked once).
  func evictionAPIVersion() -> String {
    if let v = registryLock.withLock({ evictionVersion }) { return v }
    let v = "policy/" + (discoverVersion(group: "policy", preferred: ["v1", "v1beta1"]) ?? "v1beta1")
    registryLock.withLock { evictionVersion = v }
    log?("eviction: \(v)")
    return v
  }

  /// Scales a workload to the replicas asked for, for the fault's duration; then sets it back.
  func scale(_ id: Int, _ request: FaultRequest, workload w: Workload, pods: [Pod]) {
    let now = Date().timeIntervalSince1970
    let plural: String
    switch w.kind {
    case .deployment: plural = "deployments"
    case .statefulSet: plural = "statefulsets"
    case .replicaSet: plural = "replicasets"
    case .daemonSet:
      inbox.post([.faultFailed(id: id, message: "a DaemonSet runs one pod a node: it has no replicas to scale")])
      return
    }
    let objectPath = "/apis/apps/v1/namespaces/\(w.namespace)/\(plural)/\(w.name)"
    let label = "\(plural) \(w.namespace)/\(w.name)"
    do {
      let http = try HTTPTransport(connection: connection, tokens: tokens)
      struct Scale: Decodable {
        struct Spec: Decodable { var replicas: Int? }
        var spec: Spec?
      }
      let g = try http.request("GET", objectPath + "/scale")
      try KubeCluster.check(g, what: "read the scale of \(label)")
      let original = (try? JSONDecoder().decode(Scale.self, from: g.body))?.spec?.replicas ?? w.desiredReplicas
      let target = max(0, request.parameters.replicas)
      let ends = now + request.parameters.duration
      // The annotation first (what to set back, until when), so a crash after the scale leaves a trace.
      let note = #"{\"replicas\":\#(original),\"session\":\"\#(session)\",\"until\":\#(Int(ends))}"#
      let a = try http.request(
        "PATCH", objectPath + query([]),
        body: Data(#"{"metadata":{"annotations":{"\#(KubeCluster.restoreAnnotation)":"\#(note)"}}}"#.utf8),
        contentType: "application/merge-patch+json")
      try KubeCluster.check(a, what: "annotate \(label)")
      let r = try http.request(
        "PATCH", objectPath + "/scale" + query([]), body: Data(#"{"spec":{"replicas":\#(target)}}"#.utf8),
        contentType: "application/merge-patch+json")
      try KubeCluster.check(r, what: "scale \(label)")
      audit("scale \(label) from \(original) to \(target) for \(Int(request.parameters.duration))s: \(r.status)")
      if !dryRun {
        registryLock.withLock { created[id] = .replicas(objectPath: objectPath, replicas: original, label: label) }
      }
      inbox.post(
        [.faultStarted(id: id, time: now, ends: ends, pods: pods.map(\.id), workloads: [w.id])]
          + (dryRun ? [.notice("Dry run: the server accepted the scale; nothing changed")] : []))
      holdUntil(id, ends)
    } catch {
      audit("scale \(label) failed: \(error)")
      inbox.post([.faultFailed(id: id, message: "\(error)")])
    }
  }

  /// Cordons a node for the fault's duration (new pods go elsewhere); then uncordons it. A node that
  /// was cordoned already is left as it was.
  func cordon(_ id: Int, _ request: FaultRequest, node: String) {
    let now = Date().timeIntervalSince1970
    let ends = now + request.parameters.duration
    do {
      let http = try HTTPTransport(connection: connection, tokens: tokens)
      let g = try http.request("GET", "/api/v1/nodes/\(node)")
      try KubeCluster.check(g, what: "read node \(node)")
      let already = (try? JSONDecoder().decode(KubeDecode.KNode.self, from: g.body))?.spec?.unschedulable ?? false
      if already {
        inbox.post([.faultFailed(id: id, message: "node \(node) is cordoned already; chaostui leaves it as it is")])
        return
      }
      let note = #"{\"uncordon\":true,\"session\":\"\#(session)\",\"until\":\#(Int(ends))}"#
      let body =
        #"{"spec":{"unschedulable":true},"metadata":{"annotations":{"\#(KubeCluster.restoreAnnotation)":"\#(note)"}}}"#
      let r = try http.request(
        "PATCH", "/api/v1/nodes/\(node)" + query([]), body: Data(body.utf8),
        contentType: "application/merge-patch+json")
      try KubeCluster.check(r, what: "cordon node \(node)")
      audit("cordon node \(node) for \(Int(request.parameters.duration))s: \(r.status)")
      if !dryRun { registryLock.withLock { created[id] = .uncordon(node: node) } }
      inbox.post(
        [.faultStarted(id: id, time: now, ends: ends, pods: [], workloads: [])]
          + (dryRun ? [.notice("Dry run: the server accepted the cordon; nothing changed")] : []))
      holdUntil(id, ends)
    } catch {
      audit("cordon node \(node) failed: \(error)")
      inbox.post([.faultFailed(id: id, message: "\(error)")])
    }
  }

  /// Waits until a fault's end, then undoes it (unless the panic key or an exit did first).
  func holdUntil(_ id: Int, _ ends: Seconds) {
    while !isStopped && Date().timeIntervalSince1970 < ends {
      Thread.sleep(forTimeInterval: min(1, max(0.05, ends - Date().timeIntervalSince1970)))
    }
    if !isStopped, delete(id, reason: "expired") {
      inbox.post([.faultEnded(id: id, time: Date().timeIntervalSince1970, reason: "expired")])
    }
  }
}
