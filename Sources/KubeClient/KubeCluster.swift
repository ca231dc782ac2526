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
  public internal(set) var inbox = Inbox()
  let tokens: TokenSource
  private let stopLock = NSLock()
  private var stopped = false
  public var log: (@Sendable (String) -> Void)?
  /// Marks every resource this run creates (label chaostui.io/session).
  public let session: String
  /// Everything is sent with dryRun=All and reported as such.
  public let dryRun: Bool
  /// Carries out faults and sets them back (panic, expiry, every exit path).
  lazy var executor = FaultExecutor(cluster: self)
  /// The container log the logs pane follows.
  let logStream = LogStream()
  /// Guards the small caches below (API versions found, namespaces whose permissions were asked).
  let cacheLock = NSLock()
  var evictionVersion: String?

  /// A connection of its own for each informer, request thread and undo (tests: a scripted fake).
  public var makeClient: @Sendable () throws -> HTTPClient
  /// The clock (seconds since 1970) every time here is read from (tests: a virtual one).
  public var clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
  /// Waits (tests: moves the virtual clock instead).
  public var sleep: @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }

  public static let restoreAnnotation = UndoLedger.restoreAnnotation

  public init(connection: ClusterConnection, namespace: String?, dryRun: Bool = false) {
    self.connection = connection
    self.namespace = namespace
    let tokens = TokenSource(connection.credentials)
    self.tokens = tokens
    self.dryRun = dryRun
    makeClient = { try HTTPTransport(connection: connection, tokens: tokens) }
    session = String((0..<8).map { _ in "0123456789abcdef".randomElement()! })
    ledger.owner = (session, connection.server, connection.userName)
  }

  /// The session may not change the cluster (`--read-only`): the leftover sweep only lists.
  public var readOnly = false
  /// Set back this user's leftovers without asking (`--restore-leftovers`, for headless commands).
  public var restoreLeftoversWithoutAsking = false
  /// What the leftover sweep found and may set back when the user says so.
  lazy var sweeper = LeftoverSweeper(cluster: self)
  /// Which faults RBAC allows in each namespace shown.
  lazy var permissions = PermissionChecker(
    userName: connection.userName, makeClient: makeClient, post: { [unowned self] in inbox.post($0) },
    log: { [unowned self] in log?($0) })

  /// An audit line; `sent` false for what was only looked at or listed (no "(dry run)" claim).
  func audit(_ line: String, sent: Bool = true) {
    log?(
      "audit: context=\(connection.contextName) user=\(connection.userName) \(line)\(dryRun && sent ? " (dry run)" : "")"
    )
  }

  /// A change could not be recorded on this machine before being made: it is not made.
  struct LocalRecordError: Error, CustomStringConvertible {
    var description: String
    init(_ problem: String) { description = "not done: this user's record of the change could not be kept: \(problem)" }
  }

  var dryRunQuery: String { dryRun ? "?dryRun=All" : "" }

  /// A query string of `items`, with dryRun=All when this is a dry run.
  func query(_ items: [String]) -> String {
    let all = items + (dryRun ? ["dryRun=All"] : [])
    return all.isEmpty ? "" : "?" + all.joined(separator: "&")
  }

  var isStopped: Bool { stopLock.withLock { stopped } }

  /// The first view of the pods gets the API server to itself: everything else waits for it.
  let firstView = FirstViewGate()
  func firstViewShown() { firstView.open() }
  func waitForFirstView() { firstView.wait() }
  /// The informers, made on first use (after `start(inbox:)` has given the inbox).
  lazy var informers = Informers(
    namespace: namespace, userName: connection.userName, makeClient: makeClient, inbox: inbox, gate: firstView,
    log: log, clock: clock, sleep: sleep, isStopped: { [self] in isStopped },
    discoverVersion: { [self] in discoverVersion(group: $0, preferred: $1) })
  /// Waits (at most `timeout`) until the complete pod list (labels, owners) is in the inbox.
  public func waitForPodList(timeout: Double = 30) { firstView.waitForPodList(timeout: timeout) }

  /// Who feeds the pods' CPU and memory (set before `start`).
  public var metricsPolicy = MetricsPolicy.metricsAPI
  private let metricsLock = NSLock()
  private var metricsAPIServed: Bool?
  /// Whether metrics.k8s.io serves pod figures (nil: not known yet).
  public var servesPodMetrics: Bool? { metricsLock.withLock { metricsAPIServed } }
  /// Stops the informers and sets back what this session changed in the cluster.
  public func stop() {
    cleanup()
    stopLock.withLock { stopped = true }
  }

  public var info: SourceInfo {
    SourceInfo(isDemo: false, context: connection.contextName, namespace: namespace, startedAt: startedAt)
  }

  /// The session's start on this cluster's clock (the wall clock: the API's times are wall times).
  public private(set) lazy var startedAt: Seconds = clock()

  /// A tick of the cluster's own clock: ages and incident times are wall times, whatever clock the
  /// run loop keeps.
  public func actions(at realTime: Double) -> [Action] { [.tick(clock())] }

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
      sweeper.sweep()
    }
    informers.start()
    // Metrics: metrics.k8s.io where served; where it is absent the panes say so and where the
    // numbers would come from.
    guard metricsPolicy != .prometheus else { return }
    Thread.detachNewThread { [self] in
      waitForFirstView()
      guard discoverVersion(group: "metrics.k8s.io", preferred: ["v1beta1"]) != nil else {
        metricsLock.withLock { metricsAPIServed = false }
        let absent = "metrics.k8s.io is not served by this cluster (metrics-server provides it)"
        inbox.post([
          .source(
            SourceStatus(
              name: "metrics.k8s.io", health: .empty, detail: "not served by this cluster (metrics-server provides it)")
          ),
          .metricsNote(
            metricsPolicy == .metricsAPIElseScrape
              ? "no pod metrics: \(absent); --scrape has given no cAdvisor pod series yet"
              : "no metrics: \(absent), and no --prometheus was given"),
        ])
        return
      }
      metricsLock.withLock { metricsAPIServed = true }
      let poller = MetricsAPIPoller(
        namespace: namespace, userName: connection.userName, makeClient: makeClient, inbox: inbox, clock: clock,
        log: log, isStopped: { [self] in isStopped })
      poller.sleep = sleep
      poller.run()
    }
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
    } else if e.kind == .notFound {
      // The object (a pod, a Job) or its namespace is not there, or the server serves no such kind.
      let server = KubeDecode.status(body)?.message ?? ""
      e.message = "\(what): not found" + (server.isEmpty ? "" : ": " + server)
    } else {
      e.message = "\(what): " + e.message
    }
    return e
  }
}
