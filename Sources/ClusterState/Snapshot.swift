/// One entry of the timeline pane: what happened, when, and to which incident it belongs.
public struct TimelineEntry: Sendable, Equatable, Codable {
  public enum Kind: String, Sendable, Codable {
    case fault, detected, recovered, ended, event, warning, scale, promotion, info
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

/// The whole model the panes render: an immutable value once handed out.
public struct ClusterSnapshot: Sendable, Equatable, Codable {
  public static let podHistory = 120
  public static let workloadHistory = 300
  public static let timelineLimit = 500
  public static let eventLimit = 300

  public var now: Seconds = 0
  public var sessionStart: Seconds = 0
  public var context: String = "demo"
  public var namespace: String? = nil
  public var isDemo: Bool = true
  public var readOnly: Bool = false
  public var readOnlyReason: String = "read-only mode (--read-only)"
  public var connection: ConnectionState = .simulated
  public var lastEventAt: Seconds? = nil
  /// Since when the cluster's lists and watches have been failing (nil: they work): what is shown
  /// of the cluster is as it was then.
  public var disconnectedSince: Seconds? = nil
  /// The pods shown come from the fast first view; labels, owners and containers are on their way.
  public var podDetailsPending = false
  public var roleSelector: RoleSelector = .default
  /// The pod each stateful workload's role labels last called primary, by workload id.
  public var primaries: [String: String] = [:]
  /// Workloads whose pods carry a role label (primary/replica), by id.
  public var roleWorkloads: Set<String> = []
  /// The pods' facts for the checks of each second, kept between ticks (not part of the state).
  public var podFactsCache: PodFactsCache? = nil
  /// Why the resource panes have no numbers, when a real cluster serves no metrics.
  public var metricsNote: String? = nil
  /// Every source of figures and how it is doing, in the order they first reported.
  public var sources: [SourceStatus] = []
  /// Why the network pane's figures are missing or old (a failed service query), nil when fine.
  public var networkNote: String? = nil
  /// When the last network figures came from a monitoring source (nil: never; the demo draws its own).
  public var serviceMetricsAt: Seconds? = nil
  /// Faults the user may not inject, by namespace, with the reason (SelfSubjectAccessReview).
  public var deniedFaults: [String: [FaultKind: String]] = [:]
  /// Faults this cluster cannot carry out, with the reason (shown greyed in the fault menu).
  public var unavailableFaults: [FaultKind: String] = [:]
  /// What the leftover sweep found of earlier sessions (optional: snapshots of earlier builds have none).
  public var leftovers: [Leftover]? = nil

  public var pods: [String: Pod] = [:]
  public var workloads: [String: Workload] = [:]
  public var hpas: [String: HPA] = [:]
  public var nodes: [String: Node] = [:]
  /// Prometheus' alerts that are firing now, by name and labels.
  public var firingAlerts: [String: Alert] = [:]
  /// Every alert Prometheus has now (pending and firing), as last read.
  public var alerts: [Alert] = []
  /// Prometheus' scrape targets and their health (nil: no Prometheus, or not read yet).
  public var targets: [ScrapeTarget]? = nil
  /// What is outside the built-in steady state now, over everything (each whole second).
  public var outOfBounds: [String] = []
  /// The steady-state checks of the queries file, as last evaluated.
  public var promChecks: [CheckResult] = []
  /// A running experiment's PromQL probes, as last evaluated (by name).
  public var probeResults: [CheckResult] = []
  /// Each autoscaler's current replicas at every metrics round (back-filled from kube-state-metrics).
  public var hpaReplicas: [String: RingBuffer] = [:]
  /// Node usage where a metrics API serves it, by node name.
  public var nodeUsage: [String: NodeUsage] = [:]
  /// When the last metrics sample arrived (real time; nil before the first): the panes show how old it is.
  public var metricsAt: Seconds? = nil
  public var services: [String: ServiceInfo] = [:]
  /// Availability zones with their nodes and pods, and each service's traffic by zone (each whole
  /// second).
  public var zones: [ZoneStatus] = []
  public var zoneTraffic: [String: ZoneTraffic] = [:]
  /// Requests a second by service and zone from a monitoring source (nil: none configured).
  public var measuredZoneRequests: [String: [String: Double]]? = nil
  public var measuredZoneRequestsAt: Seconds? = nil
  public var serviceDependencies: [String: [String]] = [:]
  public var events: [ClusterEvent] = []
  public var podSeries: [String: PodSeries] = [:]
  public var workloadSeries: [String: WorkloadSeries] = [:]

  public var faults: [ActiveFault] = []
  /// The container log the logs pane follows.
  public var logs: LogFollow?
  public var nextFaultID = 1
  /// Faults asked for and not yet confirmed by the executor.
  public var pendingRequests: [Int: FaultRequest] = [:]
  public var incidents: [Incident] = []
  public var timeline: [TimelineEntry] = []
  public var steadyState = SteadyState()

  /// Bumped when the set of pods or a pod's fields change (the pods table re-sorts on it).
  public var podsRevision = 0
  /// Bumped when a workload or service appears or goes (not on status changes).
  public var workloadsRevision = 0
  /// Bumped on each metrics sample.
  public var metricsRevision = 0
  /// Bumped on every change of anything shown.
  public var revision = 0

  public init() {}

  public var activeFaults: [ActiveFault] { faults.filter(\.isActive) }

  /// Why a fault cannot be injected in a namespace, or nil when it can.
  public func whyUnavailable(_ kind: FaultKind, namespace: String) -> String? {
    unavailableFaults[kind] ?? deniedFaults[namespace]?[kind]
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
