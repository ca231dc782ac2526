// Read-only flat names for the fields of the state's slices (writes go through the slice, so its
// revision moves).

extension ClusterSnapshot {
  @inline(__always) public var sessionStart: Seconds { session.sessionStart }
  @inline(__always) public var context: String { session.context }
  @inline(__always) public var namespace: String? { session.namespace }
  @inline(__always) public var isDemo: Bool { session.isDemo }
  @inline(__always) public var readOnly: Bool { session.readOnly }
  @inline(__always) public var readOnlyReason: String { session.readOnlyReason }
  @inline(__always) public var connection: ConnectionState { session.connection }
  @inline(__always) public var lastEventAt: Seconds? { session.lastEventAt }
  @inline(__always) public var disconnectedSince: Seconds? { session.disconnectedSince }
  @inline(__always) public var roleSelector: RoleSelector { session.roleSelector }
  @inline(__always) public var steadyState: SteadyState { session.steadyState }
  @inline(__always) public var pods: [String: Pod] { podSet.pods }
  @inline(__always) public var podDetailsPending: Bool { podSet.podDetailsPending }
  @inline(__always) public var podsPartial: Bool { podSet.podsPartial }
  @inline(__always) public var primaries: [String: String] { podSet.primaries }
  @inline(__always) public var roleWorkloads: Set<String> { podSet.roleWorkloads }
  @inline(__always) public var workloads: [String: Workload] { objects.workloads }
  @inline(__always) public var hpas: [String: HPA] { objects.hpas }
  @inline(__always) public var nodes: [String: Node] { objects.nodes }
  @inline(__always) public var services: [String: ServiceInfo] { objects.services }
  @inline(__always) public var serviceDependencies: [String: [String]] { objects.serviceDependencies }
  @inline(__always) public var events: [ClusterEvent] { objects.events }
  @inline(__always) public var podSeries: [String: PodSeries] { metrics.podSeries }
  @inline(__always) public var workloadSeries: [String: WorkloadSeries] { metrics.workloadSeries }
  @inline(__always) public var hpaReplicas: [String: RingBuffer] { metrics.hpaReplicas }
  @inline(__always) public var nodeUsage: [String: NodeUsage] { metrics.nodeUsage }
  @inline(__always) public var metricsAt: Seconds? { metrics.metricsAt }
  @inline(__always) public var serviceMetricsAt: Seconds? { metrics.serviceMetricsAt }
  @inline(__always) public var zones: [ZoneStatus] { metrics.zones }
  @inline(__always) public var zoneTraffic: [String: ZoneTraffic] { metrics.zoneTraffic }
  @inline(__always) public var measuredZoneRequests: [String: [String: Double]]? { metrics.measuredZoneRequests }
  @inline(__always) public var measuredZoneRequestsAt: Seconds? { metrics.measuredZoneRequestsAt }
  @inline(__always) public var sources: [SourceStatus] { monitoring.sources }
  @inline(__always) public var metricsNote: String? { monitoring.metricsNote }
  @inline(__always) public var networkNote: String? { monitoring.networkNote }
  @inline(__always) public var firingAlerts: [String: Alert] { monitoring.firingAlerts }
  @inline(__always) public var alerts: [Alert] { monitoring.alerts }
  @inline(__always) public var targets: [ScrapeTarget]? { monitoring.targets }
  @inline(__always) public var promChecks: [CheckResult] { monitoring.promChecks }
  @inline(__always) public var probeResults: [CheckResult] { monitoring.probeResults }
  @inline(__always) public var probeSamples: [String: [ProbeSample]] { monitoring.probeSamples ?? [:] }
  @inline(__always) public var outOfBounds: [String] { monitoring.outOfBounds }
  @inline(__always) public var faults: [ActiveFault] { chaos.faults }
  @inline(__always) public var nextFaultID: Int { chaos.nextFaultID }
  @inline(__always) public var pendingRequests: [Int: FaultRequest] { chaos.pendingRequests }
  @inline(__always) public var incidents: [Incident] { chaos.incidents }
  @inline(__always) public var timeline: [TimelineEntry] { chaos.timeline }
  @inline(__always) public var deniedFaults: [String: [FaultKind: String]] { chaos.deniedFaults }
  @inline(__always) public var unavailableFaults: [FaultKind: String] { chaos.unavailableFaults }
  @inline(__always) public var leftovers: [Leftover]? { chaos.leftovers }
}
