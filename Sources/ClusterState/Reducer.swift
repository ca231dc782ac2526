/// The one reducer: applies an action to the state and returns the effects to carry out.
/// Pure: the same state and action always give the same result. Each family of actions has its own
/// reducer.
public func reduce(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  if case .inContext(let alias, let inner) = action {
    return reduceContextPods(&s, alias: alias, inner) ?? reduceContextZones(&s, alias: alias, inner)
      ?? reduce(&s, mergedRelist(s, alias: alias, inner))
  }
  switch action.family {
  case .pods: return reducePods(&s, action)
  case .workloads: return reduceWorkloads(&s, action)
  case .cluster: return reduceCluster(&s, action)
  case .metrics: return reduceMetrics(&s, action)
  case .monitoring: return reduceMonitoring(&s, action)
  case .faults: return reduceFaults(&s, action)
  case .session: return reduceSession(&s, action)
  }
}

/// The part of the state an action changes; each has its reducer (`reduce` picks it).
enum ActionFamily { case pods, workloads, cluster, metrics, monitoring, faults, session }

extension Action {
  /// An exhaustive switch: a new action must say which reducer it goes to.
  var family: ActionFamily {
    switch self {
    case .podUpserted, .podDeleted, .podsReplaced, .podsPreview, .podsFirstPage:
      return .pods
    case .workloadDeleted, .workloadsReplaced, .workloadUpserted, .hpaUpserted, .hpaDeleted, .hpasReplaced:
      return .workloads
    case .nodeDeleted, .nodesReplaced, .nodeUpserted, .serviceUpserted, .event:
      return .cluster
    case .podUsage, .serviceMetrics, .hpaReplicaHistory, .nodeUsage, .podMetrics, .workloadMetrics:
      return .metrics
    case .steadyStateChecks, .probeResults, .probeSample, .zoneRequests, .targets, .alerts, .metricsNote, .source,
      .networkNote:
      return .monitoring
    case .permissions, .faultsUnavailable, .requestFault, .faultStarted, .faultFailed, .faultEnded, .abortAllFaults,
      .lever, .moveLever, .leverMoveFailed, .note, .stopSignalRules, .stopSignal,
      .leftovers:
      return .faults
    case .restore, .tick, .connection, .notice, .followLogs, .logLines, .logStatus, .production, .inContext, .context,
      .failover:
      return .session
    }
  }
}

/// The session: the clock (incidents are judged on it), the connection, notices, followed logs, a restored snapshot.
func reduceSession(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .restore(let snapshot):
    let revisions = s.revisions
    var changes = s.podChanges
    s = snapshot
    // Everything shown changes: every memo keyed on a revision recomputes.
    s.revisions = revisions.allBumped()
    changes.replaced()
    s.podChanges = changes
  case .tick(let t):
    let whole = safeInt(t) != safeInt(s.now)
    s.now = t
    evaluateIncidents(&s)
    if whole {
      s.refreshPodFacts()
      s.monitoring.outOfBounds = HealthCheck.outOfBounds(in: s)
      s.updateZones()
    }
  case .connection(let c):
    if s.session.connection != c {
      s.session.connection = c
      switch c {
      case .disconnected: if s.session.disconnectedSince == nil { s.session.disconnectedSince = s.now }
      case .connected, .simulated: s.session.disconnectedSince = nil
      case .connecting, .degraded: break
      }
    }
  case .context(let c):
    reduceContext(&s, c)
  case .failover(let groups):
    s.session.failover = groups.isEmpty ? nil : groups
  case .production(let pattern, let reason):
    s.session.production = pattern
    if let reason {
      s.session.readOnly = true
      s.session.readOnlyReason = reason
    }
  case .notice(let text):
    return text.map { [.notify($0)] } ?? []
  case .followLogs(let req):
    s.logs = req.map { LogFollow(request: $0) }
    return [.followLogs(req)]
  case .logLines(let req, let lines):
    if s.logs?.request == req { s.logs?.append(lines) }
  case .logStatus(let req, let text):
    if s.logs?.request == req { s.logs?.status = text }

  default: break
  }
  return []
}

extension Array {
  mutating func appendBounded(_ e: Element, limit: Int) {
    append(e)
    if count > limit { removeFirst(count - limit) }
  }
}

extension Array where Element == TimelineEntry {
  /// Adds an entry in time order (sources report some late: an alert active since before it was
  /// read, an event updated again), skipping one that is already there; the oldest go past `limit`.
  mutating func insertByTime(_ e: TimelineEntry, limit: Int) {
    var i = count
    while i > 0 && self[i - 1].time > e.time { i -= 1 }
    var j = i
    while j > 0 && self[j - 1].time == e.time {
      if self[j - 1] == e { return }
      j -= 1
    }
    insert(e, at: i)
    if count > limit { removeFirst(count - limit) }
  }
}

func timelineEntry(for e: ClusterEvent) -> TimelineEntry? {
  switch e.reason {
  // "Promoted" is left out: chaostui records a change of primary itself from the role labels.
  case "Killing", "SuccessfulCreate", "SuccessfulDelete", "Started", "BackOff", "OOMKilled",
    "Unhealthy", "NodeNotReady", "CaughtUp", "Failover", "Evicted", "TaintManagerEviction", "NodeReady",
    "NodeHasInsufficientMemory":
    let kind: TimelineEntry.Kind = e.severity == .warning ? .warning : .event
    return TimelineEntry(time: e.time, kind: kind, text: Prose.event(e.object, e.message))
  default:
    return nil
  }
}

func startFault(
  _ s: inout ClusterSnapshot, id: Int, time: Seconds, ends: Seconds, pods: [String], workloads: [String]
) -> [Effect] {
  guard let request = s.chaos.pendingRequests.removeValue(forKey: id) else { return [] }
  let fault = ActiveFault(
    id: id, request: request, started: time, ends: ends,
    state: request.kind.isOneShot ? .ended(reason: "done") : .active,
    pods: pods, workloads: workloads)
  s.chaos.faults.append(fault)
  // A failover group's other workloads are watched too: the service is judged as one.
  let watched = s.withFailoverPartners(workloads)
  var services: [String] = []
  for w in watched {
    for svc in s.services(affectedBy: w) where !services.contains(svc) { services.append(svc) }
  }
  let incidentID = (s.chaos.incidents.last?.id ?? 0) + 1
  let what = Prose.faultObject(request, pods: pods, workloads: workloads)
  var incident = Incident(
    id: incidentID, faultID: id, title: Prose.incidentTitle(request.kind, what), workloads: watched,
    services: services, injected: time)
  if request.kind.isOneShot { incident.faultEnded = time }
  // Open incidents that watch what this fault touches overlap it: named on both, never merged.
  let touched = Set(workloads + services)
  for j in s.chaos.incidents.indices where s.chaos.incidents[j].isOpen {
    let other = s.chaos.incidents[j]
    guard !touched.isDisjoint(with: other.workloads + other.services) else { continue }
    s.chaos.incidents[j].overlaps.append(incidentID)
    incident.overlaps.append(other.id)
  }
  s.chaos.incidents.append(incident)
  s.chaos.timeline.insertByTime(
    TimelineEntry(
      time: time, kind: .fault,
      text: Prose.injectedLine(request.kind, what, overlaps: incident.overlaps),
      incident: incidentID),
    limit: ClusterSnapshot.timelineLimit)
  return [.notify(Prose.injectedNotice(request.kind, what))]
}

/// The name of a "namespace/name" id; with its context's alias when it has one ("b:postgres-0").
func shortName(_ id: String) -> String {
  let last = id.split(separator: "/").last.map(String.init) ?? id
  guard let alias = ContextName.split(id).alias, !last.contains(ContextName.separator) else { return last }
  return ContextName.qualify(alias, last)
}

/// Detection, recovery and the hold time of every open incident, at the state's current time.
/// The services an incident judges now: its fault's own workloads' services always; a service that
/// only depends on them, unless another active fault targets that service's own workload (then what
/// happens there is that fault's doing, and that incident's to judge).
func servicesJudged(_ inc: Incident, in s: ClusterSnapshot) -> [String] {
  inc.services.filter { id in
    guard let svc = s.objects.services[id], !inc.workloads.contains(svc.workload) else { return true }
    return !s.chaos.faults.contains { $0.isActive && $0.id != inc.faultID && $0.workloads.contains(svc.workload) }
  }
}

func evaluateIncidents(_ s: inout ClusterSnapshot) {
  for i in s.chaos.incidents.indices where s.chaos.incidents[i].isOpen {
    trackMitigation(&s, i)
    let inc = s.chaos.incidents[i]
    var problems = HealthCheck.violations(workloads: inc.workloads, services: servicesJudged(inc, in: s), in: s)
    let fault = s.chaos.faults.first { $0.id == inc.faultID }
    if inc.detected == nil, let fault {
      // Readiness lost by a pod the fault acted on counts as impact too.
      for podID in fault.pods {
        if let p = s.podSet.pods[podID] {
          if !p.isReady { problems.append("readiness lost: \(p.name) \(p.status)") }
        } else {
          problems.append("readiness lost: \(shortName(podID)) deleted")
        }
      }
    }
    let now = s.now
    if !problems.isEmpty {
      // Written only when it changes: each write moves the slice's revision (and redraws).
      if inc.lastViolation != problems[0] || inc.healthySince != nil {
        s.chaos.incidents[i].lastViolation = problems[0]
        s.chaos.incidents[i].healthySince = nil
      }
      if inc.detected == nil {
        s.chaos.incidents[i].detected = now
        s.chaos.incidents[i].detectedBy = problems[0]
        s.chaos.incidents[i].status = .degraded
        s.chaos.timeline.insertByTime(
          TimelineEntry(
            time: now, kind: .detected,
            text: Prose.detected(inc.id, after: now - inc.injected, problems[0]), incident: inc.id),
          limit: ClusterSnapshot.timelineLimit)
      } else if inc.status != .degraded {
        s.chaos.incidents[i].status = .degraded
      }
      continue
    }
    // Healthy now.
    if inc.detected == nil {
      // Never saw impact: once the fault is over and the hold has passed, it had none.
      if let ended = inc.faultEnded, now - ended >= s.session.steadyState.hold {
        s.chaos.incidents[i].status = .noImpact
        s.chaos.timeline.insertByTime(
          TimelineEntry(time: now, kind: .recovered, text: Prose.noImpact(inc.id), incident: inc.id),
          limit: ClusterSnapshot.timelineLimit)
      }
      continue
    }
    let since = inc.healthySince ?? now
    if inc.healthySince == nil {
      s.chaos.incidents[i].healthySince = now
      s.chaos.incidents[i].status = .recovering
    }
    if now - since >= s.session.steadyState.hold {
      s.chaos.incidents[i].recovered = since
      if s.incidents[i].mitigated == nil { s.chaos.incidents[i].mitigated = since }
      s.chaos.incidents[i].status = .recovered
      s.chaos.timeline.insertByTime(
        TimelineEntry(
          time: since, kind: .recovered,
          text: Prose.recovered(inc.id, ttd: inc.ttd ?? 0, ttr: since - inc.injected),
          incident: inc.id),
        limit: ClusterSnapshot.timelineLimit)
    }
  }
}

/// Mitigation: once an incident is detected, the user-facing figures of the services it judges
/// (latency, loss, errors; not replicas or primaries) back within the steady state for the hold. An
/// incident users never saw is mitigated as soon as it is detected (held), silently.
func trackMitigation(_ s: inout ClusterSnapshot, _ i: Int) {
  let inc = s.incidents[i]
  guard inc.detected != nil, inc.mitigated == nil else { return }
  let now = s.now
  let userFacing = HealthCheck.violations(workloads: [], services: servicesJudged(inc, in: s), in: s)
  guard userFacing.isEmpty else {
    if inc.servicesHealthySince != nil { s.chaos.incidents[i].servicesHealthySince = nil }
    if inc.usersAffected != true { s.chaos.incidents[i].usersAffected = true }
    return
  }
  let since = inc.servicesHealthySince ?? now
  if inc.servicesHealthySince == nil { s.chaos.incidents[i].servicesHealthySince = now }
  guard now - since >= s.steadyState.hold else { return }
  s.chaos.incidents[i].mitigated = since
  // Users never saw it: mitigated at detection, and nothing to tell on the timeline.
  guard inc.usersAffected == true else { return }
  s.chaos.timeline.insertByTime(
    TimelineEntry(
      time: since, kind: .recovered, text: Prose.mitigated(inc.id, ttm: since - inc.injected), incident: inc.id),
    limit: ClusterSnapshot.timelineLimit)
}

/// A Double as an Int, never trapping: NaN is 0, infinities and huge values are clamped.
