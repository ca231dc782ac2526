/// Everything that can change the state. Sources (the simulator, Kubernetes, Prometheus, a scrape)
/// produce only these; a key produces these through the console's `Update.key` (which also changes
/// the UI state, never the cluster's).
public enum Action: Sendable, Equatable, Codable {
  case podUpserted(Pod)
  case podDeleted(id: String)
  /// A (re)list: the complete set of pods the source sees; pods not in it are gone.
  case podsReplaced([Pod])
  /// A first, fast view of every pod (the server's table: no labels, owners or containers yet);
  /// the complete list follows as `podsReplaced`.
  case podsPreview([Pod])
  /// The first page of the server's table of every pod (the first screenful, in name order), while
  /// the first view of every pod is on its way: shown until that arrives, never after it.
  case podsFirstPage([Pod])
  case workloadDeleted(id: String)
  /// A (re)list of one kind of workload.
  case workloadsReplaced(kind: WorkloadKind, [Workload])
  case workloadUpserted(Workload)
  case hpaUpserted(HPA)
  case hpaDeleted(id: String)
  case hpasReplaced([HPA])
  case nodeDeleted(name: String)
  case nodesReplaced([Node])
  case nodeUpserted(Node)
  case serviceUpserted(ServiceInfo, dependsOn: [String])
  case event(ClusterEvent)
  case podMetrics(time: Seconds, [PodSample])
  /// Pod usage from a metrics API (metrics.k8s.io): the pods' series, and their sums per workload.
  case podUsage(time: Seconds, [PodSample])
  case nodeUsage([NodeUsage])
  /// The alerts Prometheus has now (pending and firing); changes go to the timeline.
  case alerts([Alert], time: Seconds)
  /// Network figures of services measured outside the cluster's objects (blackbox probes, request
  /// histograms): tied to the service of that name, else the workload of that name.
  case serviceMetrics(time: Seconds, [ServiceSample])
  /// Replica history of autoscalers before now (kube-state-metrics), by HPA id, oldest first.
  case hpaReplicaHistory([String: [Double]])
  /// The steady-state checks of the queries file, evaluated.
  case steadyStateChecks([CheckResult])
  /// An experiment's PromQL probes, evaluated (each round while it runs).
  case probeResults([CheckResult], time: Seconds)
  /// An answer of an experiment's HTTP or command probe (stamped with the cluster's time).
  case probeSample(ProbeSample)
  /// Requests a second by service and zone, measured (a load balancer's metrics), by service id
  /// ("namespace/name", or a name alone) then zone.
  case zoneRequests(time: Seconds, [String: [String: Double]])
  /// Prometheus' scrape targets.
  case targets([ScrapeTarget])
  case workloadMetrics(time: Seconds, [WorkloadSample])
  /// The source's clock advanced; incidents are evaluated here.
  case tick(Seconds)
  case connection(ConnectionState)
  /// What the source cannot do (for example no Chaos Mesh CRDs), with the reason.
  case faultsUnavailable([FaultKind: String])
  /// The faults the user may not inject in a namespace (permission checks).
  case permissions(namespace: String, denied: [FaultKind: String])
  /// Why there are no metrics (nil once metrics arrive).
  case metricsNote(String?)
  /// Why the network pane's figures are missing (a failed query); nil once they come.
  case networkNote(String?)
  /// How a source the user named (a metrics API, Prometheus, a scrape) is doing.
  case source(SourceStatus)

  /// The user asked for a fault.
  case requestFault(FaultRequest)
  /// The executor carried a fault out (or could not).
  case faultStarted(id: Int, time: Seconds, ends: Seconds, pods: [String], workloads: [String])
  case faultFailed(id: Int, message: String)
  case faultEnded(id: Int, time: Seconds, reason: String)
  /// The panic key: end every active fault now.
  case abortAllFaults
  /// The team's safety lever as its watch (or the demo's file) shows it now.
  case lever(SafetyLever)
  /// The user asked to engage or release the lever (after a confirmation).
  case moveLever(LeverMove)
  /// The lever could not be written (forbidden, no server), in words.
  case leverMoveFailed(String)
  /// The stop signals this session watches (the config file's alert selector; nil: none).
  case stopSignalRules(alerts: AlertSelector?)
  /// A stop signal's answer: why it says stop (nil: go).
  case stopSignal(name: String, stopping: String?)
  /// A note the operator typed (a runbook remark, an action item), with who typed it.
  case note(text: String, by: String)
  case notice(String?)
  /// Follow this container's log (nil: stop following).
  case followLogs(LogRequest?)
  /// Lines of the followed log, and how its stream is doing, in words.
  case logLines(LogRequest, [LogLine])
  case logStatus(LogRequest, String)
  /// Changes earlier sessions left in the cluster: found, answered, set back.
  case leftovers(LeftoverAction)
  /// The context is production (the pattern it matched), and why it is read-only when it is.
  case production(pattern: String?, readOnlyReason: String?)
  /// The whole state at once: a recorded session's snapshot (replay starts and seeks from these).
  case restore(ClusterSnapshot)
  /// A relist from one context of a session of several: it replaces that context's objects only.
  indirect case inContext(alias: String, Action)
  /// How one context of a session of several is doing (its connection, what it may not do).
  case context(ContextStatus)
  /// The services served from one context or another (the config file's `failover:`).
  case failover([FailoverGroup])
}

/// Work the reducer asks an executor to do; results come back as Actions.
public enum Effect: Sendable, Equatable {
  case inject(id: Int, FaultRequest)
  case abort(ids: [Int])
  /// Follow a container's log (nil: stop): lines come back as `logLines`.
  case followLogs(LogRequest?)
  /// Tell the user (a fault refused, injected, failed; a source's note): the runtime shows it as a
  /// message of its own UI state, once. Never carried out by a source.
  case notify(String)
  /// Set back these leftovers of earlier sessions (the user said yes): results come back as
  /// `.leftovers(.result)`.
  case restoreLeftovers(ids: [Int])
  /// Write the safety lever (its source carries it out; the watch brings the result).
  case moveLever(LeverMove)
}
