/// One entry of the timeline pane: what happened, when, and to which incident it belongs.
public struct TimelineEntry: Sendable, Equatable, Codable {
  public enum Kind: String, Sendable, Codable {
    case fault, detected, recovered, ended, event, warning, scale, promotion, info, note
  }
  public var time: Seconds
  public var kind: Kind
  public var text: String
  public var incident: Int?
  public init(time: Seconds, kind: Kind, text: String, incident: Int? = nil) {
    self.time = time
    self.kind = kind
    self.text = text
    self.incident = incident
  }
}

/// The whole model the panes render: an immutable value once handed out. Its state is in slices
/// (`Slices.swift`), each written by its own reducer; the flat names below read them.
public struct ClusterSnapshot: Sendable, Equatable, Codable {
  public static let podHistory = 120
  public static let workloadHistory = 300
  public static let timelineLimit = 500
  public static let eventLimit = 300

  /// The clock: it moves every tick; the slices change with it only when something follows from it.
  public var now: Seconds = 0 { didSet { if safeInt(now) != safeInt(oldValue) { revisions.clock &+= 1 } } }
  public var session = SessionSlice() { didSet { revisions.session &+= 1 } }
  public var podSet = PodsSlice() { didSet { revisions.pods &+= 1 } }
  public var objects = ObjectsSlice() { didSet { revisions.objects &+= 1 } }
  public var metrics = MetricsSlice() { didSet { revisions.metrics &+= 1 } }
  public var monitoring = MonitoringSlice() { didSet { revisions.monitoring &+= 1 } }
  public var chaos = FaultsSlice() { didSet { revisions.faults &+= 1 } }
  /// The container log the logs pane follows.
  public var logs: LogFollow? { didSet { revisions.logs &+= 1 } }
  /// The pods' facts for the checks of each second, kept between ticks (not part of the state).
  public var podFactsCache: PodFactsCache? = nil
  public internal(set) var revisions = Revisions()
  /// The pods changed, one by one (the pods list follows them); not part of the state.
  public internal(set) var podChanges = PodChangeLog()

  /// Changes on every change of anything shown (and once every whole second of the clock).
  public var revision: Int { revisions.any }
  /// Changes when the set of pods or a pod's fields change (the pods table re-sorts on it).
  public var podsRevision: Int { revisions.pods }
  /// Changes when a workload, autoscaler, node, service or event does.
  public var objectsRevision: Int { revisions.objects }
  /// Changes with each metrics sample.
  public var metricsRevision: Int { revisions.metrics }

  public init() {}

  enum ClockKey: String, CodingKey { case now, logs }
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: ClockKey.self)
    now = try c.decode(Seconds.self, forKey: .now)
    logs = try c.decodeIfPresent(LogFollow.self, forKey: .logs)
    session = try SessionSlice(from: decoder)
    podSet = try PodsSlice(from: decoder)
    objects = try ObjectsSlice(from: decoder)
    metrics = try MetricsSlice(from: decoder)
    monitoring = try MonitoringSlice(from: decoder)
    chaos = try FaultsSlice(from: decoder)
  }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: ClockKey.self)
    try c.encode(now, forKey: .now)
    try c.encodeIfPresent(logs, forKey: .logs)
    try session.encode(to: encoder)
    try podSet.encode(to: encoder)
    try objects.encode(to: encoder)
    try metrics.encode(to: encoder)
    try monitoring.encode(to: encoder)
    try chaos.encode(to: encoder)
  }
  /// The state, not the memo keys: two snapshots that show the same are equal.
  public static func == (a: Self, b: Self) -> Bool {
    a.now == b.now && a.session == b.session && a.podSet == b.podSet && a.objects == b.objects
      && a.metrics == b.metrics && a.monitoring == b.monitoring && a.chaos == b.chaos && a.logs == b.logs
  }

  public var activeFaults: [ActiveFault] { faults.filter(\.isActive) }

  /// Why a fault cannot be injected in a namespace, or nil when it can.
  public func whyUnavailable(_ kind: FaultKind, namespace: String) -> String? {
    unavailableFaults[kind] ?? contextUnavailable(kind, namespace: namespace) ?? deniedFaults[namespace]?[kind]
  }
  public var summary: SessionSummary { SessionSummary(incidents) }

  /// Whether a pod belongs to the workload `namespace/name`, without building strings (a hot path
  /// while incidents are open: it runs every tick over every pod).
  @inline(__always)
  static func belongs(_ p: Pod, to id: String) -> Bool {
    guard let w = p.workload else { return false }
    let ns = p.namespace.utf8
    let u = id.utf8
    guard u.count == ns.count + 1 + w.utf8.count else { return false }
    return u.starts(with: ns) && u.dropFirst(ns.count).first == UInt8(ascii: "/")
      && u.dropFirst(ns.count + 1).elementsEqual(w.utf8)
  }

  public func pods(ofWorkload id: String) -> [Pod] {
    pods.values.filter { ClusterSnapshot.belongs($0, to: id) }
  }

  public func hasRoles(workload id: String) -> Bool {
    pods.values.contains { $0.role != nil && ClusterSnapshot.belongs($0, to: id) }
  }

  /// Whether the pod the role labels last called the workload's primary is Ready (O(1): it runs
  /// every tick while incidents are open, and every step of an experiment).
  public func hasReadyPrimary(_ workload: String) -> Bool {
    guard let name = primaries[workload], let slash = workload.firstIndex(of: "/") else { return false }
    guard let p = pods[String(workload[..<slash]) + "/" + name] else { return false }
    return p.isReady && !p.isTerminating && roleSelector.isPrimary(p.labels)
  }

  /// The Ready, non-terminating pod of a workload that the role selector calls primary.
  public func primary(of workload: String) -> Pod? {
    pods.values.filter {
      $0.isReady && roleSelector.isPrimary($0.labels) && ClusterSnapshot.belongs($0, to: workload)
    }.min { $0.name < $1.name }
  }

  public func workloadID(ofPod id: String) -> String? {
    pods[id]?.workloadID
  }

  /// Why the steady state cannot be judged now (nil: it can). Unknown is not healthy.
  public enum Unknown: Sendable, Equatable {
    /// The lists fail and no pod was ever seen.
    case noPods(why: String)
    /// The lists fail: what is shown is as it was at `since`.
    case stale(since: Seconds, why: String)
    /// The first list has not come yet.
    case waiting
    /// The cluster answers and has nothing here.
    case empty
  }

  public var steadyStateUnknown: Unknown? {
    if isDemo { return nil }
    switch connection {
    case .disconnected(let why):
      return pods.isEmpty ? .noPods(why: why) : .stale(since: disconnectedSince ?? now, why: why)
    case .connecting: return .waiting
    default: return pods.isEmpty && workloads.isEmpty ? .empty : nil
    }
  }

  /// Services whose health depends on a workload: its own service and those that call it.
  public func services(affectedBy workload: String) -> [String] {
    services.values.filter { svc in
      svc.workload == workload || (serviceDependencies[svc.id] ?? []).contains(workload)
    }.map(\.id).sorted()
  }
}
