// The state's slices. Each is changed by its own reducer (see `reduce`), and the snapshot bumps a
// slice's revision by itself whenever the slice is written: no reducer counts revisions.
//
// Each slice encodes its fields at the top level of the snapshot's object, so journals keep the one
// flat layout they always had (older journals' revision counters are read past).

/// Who is looking at what, and how the session is set up.
public struct SessionSlice: Sendable, Equatable, Codable {
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
  public var roleSelector: RoleSelector = .default
  public var steadyState = SteadyState()
  /// The production pattern the context matched (nil: not production; optional: snapshots of
  /// earlier builds have none).
  public var production: String? = nil
  /// The contexts of a session of several clusters (nil: one cluster; see Contexts.swift).
  public var contexts: [ContextStatus]? = nil
  /// The services served from one context or another (nil: none).
  public var failover: [FailoverGroup]? = nil
  public init() {}
}

/// The pods, and what their role labels say.
public struct PodsSlice: Sendable, Equatable, Codable {
  /// Written by the reducer only, which logs each change (`ClusterSnapshot.podChanges`).
  public internal(set) var pods: [String: Pod] = [:]
  /// The pods shown come from the fast first view; labels, owners and containers are on their way.
  public var podDetailsPending = false
  /// Only the first page of the pods is known: the rest of the first view is on its way. Not in a
  /// journal's snapshots (a moment of start-up, and journals of earlier builds do not have it).
  public var podsPartial = false
  /// In a session of several contexts, how far each context's pods have come (by alias; absent:
  /// nothing yet). The two flags above are then every context's together. Not in a journal.
  public var contextPods: [String: PodsProgress] = [:]
  /// The pod each stateful workload's role labels last called primary, by workload id.
  public var primaries: [String: String] = [:]
  /// Workloads whose pods carry a role label (primary/replica), by id.
  public var roleWorkloads: Set<String> = []
  enum CodingKeys: String, CodingKey { case pods, podDetailsPending, primaries, roleWorkloads }
  public init() {}
}

/// How far a context's pods have come: its first page, its first view (tables), its full list.
public enum PodsProgress: Int, Sendable, Equatable, Comparable {
  case firstPage, preview, complete
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The cluster's other objects: workloads, autoscalers, nodes, services, events.
public struct ObjectsSlice: Sendable, Equatable, Codable {
  public var workloads: [String: Workload] = [:]
  public var hpas: [String: HPA] = [:]
  public var nodes: [String: Node] = [:]
  public var services: [String: ServiceInfo] = [:]
  public var serviceDependencies: [String: [String]] = [:]
  public var events: [ClusterEvent] = []
  public init() {}
}

/// Figures over time: pods, workloads, services, nodes, autoscalers, zones.
public struct MetricsSlice: Sendable, Equatable, Codable {
  public var podSeries: [String: PodSeries] = [:]
  public var workloadSeries: [String: WorkloadSeries] = [:]
  /// Each autoscaler's current replicas at every metrics round (back-filled from kube-state-metrics).
  public var hpaReplicas: [String: RingBuffer] = [:]
  /// Node usage where a metrics API serves it, by node name.
  public var nodeUsage: [String: NodeUsage] = [:]
  /// When the last metrics sample arrived (real time; nil before the first): the panes show how old it is.
  public var metricsAt: Seconds? = nil
  /// When the last network figures came from a monitoring source (nil: never; the demo draws its own).
  public var serviceMetricsAt: Seconds? = nil
  /// Availability zones with their nodes and pods, and each service's traffic by zone (each whole
  /// second).
  public var zones: [ZoneStatus] = []
  public var zoneTraffic: [String: ZoneTraffic] = [:]
  /// Requests a second by service and zone from a monitoring source (nil: none configured).
  public var measuredZoneRequests: [String: [String: Double]]? = nil
  public var measuredZoneRequestsAt: Seconds? = nil
  /// In a session of several contexts, when each context's Prometheus last gave them, by alias.
  public var contextZoneRequestsAt: [String: Seconds]? = nil
  public init() {}
}

/// Monitoring: the sources of figures, alerts, scrape targets, checks and probes.
public struct MonitoringSlice: Sendable, Equatable, Codable {
  /// Every source of figures and how it is doing, in the order they first reported.
  public var sources: [SourceStatus] = []
  /// Why the resource panes have no numbers, when a real cluster serves no metrics.
  public var metricsNote: String? = nil
  /// Why the network pane's figures are missing or old (a failed service query), nil when fine.
  public var networkNote: String? = nil
  /// Prometheus' alerts that are firing now, by name and labels.
  public var firingAlerts: [String: Alert] = [:]
  /// Every alert Prometheus has now (pending and firing), as last read.
  public var alerts: [Alert] = []
  /// Prometheus' scrape targets and their health (nil: no Prometheus, or not read yet).
  public var targets: [ScrapeTarget]? = nil
  /// The steady-state checks of the queries file, as last evaluated.
  public var promChecks: [CheckResult] = []
  /// A running experiment's PromQL probes, as last evaluated (by name).
  public var probeResults: [CheckResult] = []
  /// A running experiment's HTTP and command probes: their last answers, by name, oldest first
  /// (nil: none yet; absent in journals written before them).
  public var probeSamples: [String: [ProbeSample]]? = nil
  /// What is outside the built-in steady state now, over everything (each whole second).
  public var outOfBounds: [String] = []
  public init() {}
}

/// Faults and what they did: requests, faults, incidents, the timeline, what may not be injected,
/// what earlier sessions left.
public struct FaultsSlice: Sendable, Equatable, Codable {
  public var faults: [ActiveFault] = []
  public var nextFaultID = 1
  /// Faults asked for and not yet confirmed by the executor.
  public var pendingRequests: [Int: FaultRequest] = [:]
  public var incidents: [Incident] = []
  public var timeline: [TimelineEntry] = []
  /// Faults the user may not inject, by namespace, with the reason (SelfSubjectAccessReview).
  public var deniedFaults: [String: [FaultKind: String]] = [:]
  /// Faults this cluster cannot carry out, with the reason (shown greyed in the fault menu).
  public var unavailableFaults: [FaultKind: String] = [:]
  /// What the leftover sweep found of earlier sessions (optional: snapshots of earlier builds have none).
  public var leftovers: [Leftover]? = nil
  /// The team's safety lever (optional: snapshots of earlier builds have none; nil: not watched).
  public var lever: SafetyLever? = nil
  /// The stop signals' answers: why each says stop (a nil value: go; nil: none watched).
  public var stopSignals: [String: String?]? = nil
  /// The alert selector that stops (the config file's `stop-signals.alerts`).
  public var alertStop: AlertSelector? = nil
  public init() {}
}

/// Each slice's revision: bumped by the snapshot whenever the slice is written (memo keys of the
/// panes). Never encoded: a restored snapshot bumps them all.
public struct Revisions: Sendable, Equatable {
  /// Whole seconds of the clock (what shows an age redraws once a second).
  public internal(set) var clock = 0
  public internal(set) var session = 0
  public internal(set) var pods = 0
  public internal(set) var objects = 0
  public internal(set) var metrics = 0
  public internal(set) var monitoring = 0
  public internal(set) var faults = 0
  public internal(set) var logs = 0
  /// Changes whenever any slice does.
  public var any: Int { clock &+ session &+ pods &+ objects &+ metrics &+ monitoring &+ faults &+ logs }

  /// Every revision moved on (a restored snapshot: every memo recomputes).
  func allBumped() -> Revisions {
    var r = self
    r.clock &+= 1
    r.session &+= 1
    r.pods &+= 1
    r.objects &+= 1
    r.metrics &+= 1
    r.monitoring &+= 1
    r.faults &+= 1
    r.logs &+= 1
    return r
  }
}
