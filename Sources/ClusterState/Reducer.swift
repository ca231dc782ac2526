/// The one reducer: applies an action to the state and returns the effects to carry out.
/// Pure: the same state and action always give the same result.
public func reduce(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .restore(let snapshot):
    let revision = s.revision
    s = snapshot
    // Everything shown changes: every memo keyed on a revision recomputes.
    s.revision = revision &+ 1
    s.podsRevision &+= 1
    s.workloadsRevision &+= 1
    s.metricsRevision &+= 1
  case .podUpserted(let pod):
    let id = pod.id
    if s.pods[id] != pod {
      notePrimary(&s, pod)
      if pod.role != nil, let w = pod.workloadID { s.roleWorkloads.insert(w) }
      s.pods[id] = pod
      s.podsRevision &+= 1
      s.revision &+= 1
    }
    s.lastEventAt = s.now
  case .podDeleted(let id):
    if s.pods.removeValue(forKey: id) != nil {
      s.podSeries.removeValue(forKey: id)
      s.podsRevision &+= 1
      s.revision &+= 1
    }
    s.lastEventAt = s.now
  case .podsReplaced(let pods), .podsPreview(let pods):
    if case .podsPreview = action {
      // A preview never replaces the complete list once that has arrived (a relist does).
      guard s.podDetailsPending || s.pods.isEmpty else { return [] }
      s.podDetailsPending = true
    } else {
      s.podDetailsPending = false
    }
    var next: [String: Pod] = [:]
    next.reserveCapacity(pods.count)
    for p in pods { next[p.id] = p }
    if !s.primaries.isEmpty || !pods.isEmpty {
      for p in pods where p.workload != nil && s.roleSelector.isPrimary(p.labels) { notePrimary(&s, p) }
      for p in pods where p.role != nil { if let w = p.workloadID { s.roleWorkloads.insert(w) } }
    }
    for id in s.podSeries.keys where next[id] == nil { s.podSeries.removeValue(forKey: id) }
    s.pods = next
    s.podsRevision &+= 1
    s.revision &+= 1
    s.lastEventAt = s.now
  case .workloadDeleted(let id):
    if s.workloads.removeValue(forKey: id) != nil {
      s.workloadsRevision &+= 1
      s.revision &+= 1
    }
  case .workloadsReplaced(let kind, let list):
    for (id, w) in s.workloads where w.kind == kind { s.workloads.removeValue(forKey: id) }
    for w in list { s.workloads[w.id] = w }
    s.workloadsRevision &+= 1
    s.revision &+= 1
  case .workloadUpserted(let w):
    if s.workloads[w.id] != w {
      if s.workloads[w.id] == nil { s.workloadsRevision &+= 1 }
      s.workloads[w.id] = w
      s.revision &+= 1
    }
  case .hpaUpserted(let h):
    // A first computed count is not a scaling (a real HPA starts at "0", meaning not known yet).
    if let old = s.hpas[h.id], old.desiredKnown, h.desiredKnown, old.desiredReplicas != h.desiredReplicas {
      let target = h.workloadID
      s.timeline.insertByTime(
        TimelineEntry(
          time: h.lastScaleTime ?? s.now, kind: .scale,
          text: "HPA \(h.name) scaled \(old.desiredReplicas) -> \(h.desiredReplicas)",
          incident: s.incidents.last { $0.isOpen && $0.workloads.contains(target) }?.id),
        limit: ClusterSnapshot.timelineLimit)
    }
    if s.hpas[h.id] != h {
      s.hpas[h.id] = h
      s.revision &+= 1
    }
  case .hpaDeleted(let id):
    s.hpaReplicas[id] = nil
    if s.hpas.removeValue(forKey: id) != nil { s.revision &+= 1 }
  case .hpasReplaced(let list):
    s.hpas = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    s.hpaReplicas = s.hpaReplicas.filter { s.hpas[$0.key] != nil }
    s.revision &+= 1
  case .nodeDeleted(let name):
    if s.nodes.removeValue(forKey: name) != nil { s.revision &+= 1 }
  case .nodesReplaced(let list):
    s.nodes = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    s.revision &+= 1
  case .nodeUpserted(let n):
    if s.nodes[n.name] != n {
      s.nodes[n.name] = n
      s.revision &+= 1
    }
  case .serviceUpserted(let svc, let deps):
    s.services[svc.id] = svc
    s.serviceDependencies[svc.id] = deps
    s.workloadsRevision &+= 1
    s.revision &+= 1
  case .event(let e):
    s.events.appendBounded(e, limit: ClusterSnapshot.eventLimit)
    if var entry = timelineEntry(for: e) {
      // Tie what happens to a workload under an open incident to that incident (relative times).
      var workload = e.workload
      if workload == nil, e.object.hasPrefix("pod/"), s.incidents.contains(where: \.isOpen) {
        let name = String(e.object.dropFirst(4))
        workload = s.pods.values.first { $0.name == name }?.workloadID
      }
      if let w = workload { entry.incident = s.incidents.last { $0.isOpen && $0.workloads.contains(w) }?.id }
      s.timeline.insertByTime(entry, limit: ClusterSnapshot.timelineLimit)
    }
    s.lastEventAt = s.now
    s.revision &+= 1
  case .podUsage(let time, let samples):
    // Sums per workload; IO and network only where some pod has them (else not drawn as zero).
    var sums: [String: WorkloadSample] = [:]
    func add(_ a: Double?, _ b: Double?) -> Double? { b.map { (a ?? 0) + $0 } ?? a }
    for sample in samples {
      guard let id = s.pods[sample.podID]?.workloadID else { continue }
      var acc = sums[id] ?? WorkloadSample(workloadID: id, cpuMilli: 0, memoryBytes: 0, ioBytesPerSec: nil)
      acc.cpuMilli = (acc.cpuMilli ?? 0) + sample.cpuMilli
      acc.memoryBytes = (acc.memoryBytes ?? 0) + (sample.memoryBytes.isNaN ? 0 : sample.memoryBytes)
      acc.ioBytesPerSec = add(acc.ioBytesPerSec, sample.ioBytesPerSec)
      acc.networkBytesPerSec = add(acc.networkBytesPerSec, sample.networkBytesPerSec)
      sums[id] = acc
    }
    let perWorkload = sums.keys.sorted().map { sums[$0]! }
    // A source's note (an error) is cleared by that source when it recovers, not by any sample.
    s.metricsAt = time
    return reduce(&s, .podMetrics(time: time, samples)) + reduce(&s, .workloadMetrics(time: time, perWorkload))
  case .serviceMetrics(let time, let list):
    var perWorkload: [WorkloadSample] = []
    for m in list {
      // The service known by that name (in that namespace, when the series says), else the
      // workload of the same name (with the most pods).
      let svc =
        s.services.values.first { $0.name == m.service && (m.namespace == nil || $0.namespace == m.namespace) }
        ?? s.workloads.values.filter { $0.name == m.service && (m.namespace == nil || $0.namespace == m.namespace) }
        .max { $0.currentReplicas < $1.currentReplicas }.map {
          ServiceInfo(namespace: $0.namespace, name: m.service, workload: $0.id)
        }
      guard let svc else { continue }
      if s.services[svc.id] == nil { _ = reduce(&s, .serviceUpserted(svc, dependsOn: [])) }
      perWorkload.append(
        WorkloadSample(
          workloadID: svc.workload, cpuMilli: nil, memoryBytes: nil, ioBytesPerSec: nil, latencyP50Ms: m.p50Ms,
          latencyP99Ms: m.p99Ms, lossPercent: m.lossPercent, errorPercent: m.errorPercent,
          requestsPerSec: m.requestsPerSec))
    }
    guard !perWorkload.isEmpty else { return [] }
    s.serviceMetricsAt = time
    return reduce(&s, .workloadMetrics(time: time, perWorkload))
  case .hpaReplicaHistory(let points):
    // Back-fill (kube-state-metrics): the history before now, oldest first, ahead of what is kept.
    for (id, values) in points {
      var ring = RingBuffer(capacity: ClusterSnapshot.workloadHistory)
      for v in values { ring.append(v) }
      for v in s.hpaReplicas[id]?.values ?? [] { ring.append(v) }
      s.hpaReplicas[id] = ring
    }
    s.revision &+= 1
  case .steadyStateChecks(let results):
    s.promChecks = results
    s.revision &+= 1
  case .probeResults(let results, _):
    s.probeResults = results
    s.revision &+= 1
  case .zoneRequests(let time, let byService):
    s.measuredZoneRequests = byService
    s.measuredZoneRequestsAt = time
    s.revision &+= 1
  case .targets(let list):
    s.targets = list
    s.revision &+= 1
  case .alerts(let list, let time):
    var now: [String: Alert] = [:]
    for a in list where a.state == "firing" {
      now[a.name + a.labels.sorted { $0.key < $1.key }.map { "," + $0.key + "=" + $0.value }.joined()] = a
    }
    for (key, a) in now.sorted(by: { $0.key < $1.key }) where s.firingAlerts[key] == nil {
      let text = "alert \(a.name) firing" + (a.summary.isEmpty ? "" : ": " + a.summary)
      s.timeline.insertByTime(
        TimelineEntry(time: a.activeAt ?? time, kind: .warning, text: text), limit: ClusterSnapshot.timelineLimit)
    }
    for (key, a) in s.firingAlerts.sorted(by: { $0.key < $1.key }) where now[key] == nil {
      s.timeline.insertByTime(
        TimelineEntry(time: time, kind: .recovered, text: "alert \(a.name) resolved"),
        limit: ClusterSnapshot.timelineLimit
      )
    }
    if now.keys.sorted() != s.firingAlerts.keys.sorted() || s.alerts != list { s.revision &+= 1 }
    s.firingAlerts = now
    s.alerts = list
  case .nodeUsage(let list):
    s.nodeUsage = Dictionary(list.map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a })
    s.metricsRevision &+= 1
    s.revision &+= 1
  case .podMetrics(let time, let samples):
    // Each metrics round also records every autoscaler's replica count (the HPA pane's history);
    // not a back-filled round from the past (that history comes from kube-state-metrics).
    if time >= s.now - 1 {
      for (id, h) in s.hpas {
        s.hpaReplicas[id, default: RingBuffer(capacity: ClusterSnapshot.workloadHistory)].append(
          Double(h.currentReplicas))
      }
    }
    // In place (a copy out of the dictionary and back copied each ring buffer twice).
    for sample in samples where s.pods[sample.podID] != nil {
      s.podSeries[sample.podID, default: PodSeries(capacity: ClusterSnapshot.podHistory)].append(sample)
    }
    s.metricsRevision &+= 1
    s.revision &+= 1
  case .workloadMetrics(_, let samples):
    for sample in samples {
      s.workloadSeries[sample.workloadID, default: WorkloadSeries(capacity: ClusterSnapshot.workloadHistory)]
        .append(sample)
    }
    s.metricsRevision &+= 1
    s.revision &+= 1
  case .tick(let t):
    let whole = safeInt(t) != safeInt(s.now)
    s.now = t
    evaluateIncidents(&s)
    if whole {
      s.refreshPodFacts()
      s.outOfBounds = HealthCheck.outOfBounds(in: s)
      s.updateZones()
      s.revision &+= 1
    }
  case .permissions(let ns, let denied):
    s.deniedFaults[ns] = denied
    s.revision &+= 1
  case .metricsNote(let note):
    s.metricsNote = note
    s.revision &+= 1
  case .source(let status):
    if let i = s.sources.firstIndex(where: { $0.name == status.name }) {
      if s.sources[i] != status {
        s.sources[i] = status
        s.revision &+= 1
      }
    } else {
      s.sources.append(status)
      s.revision &+= 1
    }
  case .networkNote(let note):
    s.networkNote = note
    s.revision &+= 1
  case .faultsUnavailable(let map):
    s.unavailableFaults = map
    s.revision &+= 1
  case .connection(let c):
    if s.connection != c {
      s.connection = c
      switch c {
      case .disconnected: if s.disconnectedSince == nil { s.disconnectedSince = s.now }
      case .connected, .simulated: s.disconnectedSince = nil
      case .connecting, .degraded: break
      }
      s.revision &+= 1
    }
  case .requestFault(let request):
    if s.readOnly { return [.notify("Fault refused: \(s.readOnlyReason)")] }
    if let why = s.whyUnavailable(request.kind, namespace: request.target.namespace) {
      return [.notify("\(request.kind.title) is unavailable: \(why)")]
    }
    let id = s.nextFaultID
    s.nextFaultID += 1
    s.pendingRequests[id] = request
    return [.inject(id: id, request)]
  case .faultStarted(let id, let time, let ends, let pods, let workloads):
    // The request travels with the effect; the executor echoes the id, so find it in pending effects.
    return startFault(&s, id: id, time: time, ends: ends, pods: pods, workloads: workloads)
  case .faultFailed(let id, let message):
    s.timeline.insertByTime(
      TimelineEntry(time: s.now, kind: .warning, text: "fault #\(id) failed: \(message)"),
      limit: ClusterSnapshot.timelineLimit)
    // Kept as a failed fault: who asked (an experiment) learns it failed, a report can list it.
    if let req = s.pendingRequests.removeValue(forKey: id), !s.faults.contains(where: { $0.id == id }) {
      s.faults.append(
        ActiveFault(id: id, request: req, started: s.now, ends: s.now, state: .failed(message), pods: [], workloads: [])
      )
    }
    s.revision &+= 1
    return [.notify("Fault #\(id) failed: \(message)")]
  case .faultEnded(let id, let time, let reason):
    guard let i = s.faults.firstIndex(where: { $0.id == id }), s.faults[i].isActive else { return [] }
    s.faults[i].state = .ended(reason: reason)
    s.faults[i].ends = time
    for j in s.incidents.indices where s.incidents[j].faultID == id {
      s.incidents[j].faultEnded = time
    }
    if !s.faults[i].request.kind.isOneShot {
      s.timeline.insertByTime(
        TimelineEntry(
          time: time, kind: .ended, text: "\(s.faults[i].request.kind.rawValue) #\(id) \(reason)",
          incident: s.incidents.first { $0.faultID == id }?.id),
        limit: ClusterSnapshot.timelineLimit)
    }
    s.revision &+= 1
  case .abortAllFaults:
    // Faults still being made too: the executor sets each back as soon as it is made.
    let ids = s.faults.filter(\.isActive).map(\.id) + s.pendingRequests.keys.sorted()
    if ids.isEmpty { return [.notify("Panic: no active faults")] }
    return [.abort(ids: ids), .notify("Panic: aborted \(ids.count) active fault\(ids.count == 1 ? "" : "s")")]
  case .notice(let text):
    return text.map { [.notify($0)] } ?? []
  case .leftovers(let a):
    return reduceLeftovers(&s, a)
  case .followLogs(let req):
    s.logs = req.map { LogFollow(request: $0) }
    return [.followLogs(req)]
  case .logLines(let req, let lines):
    if s.logs?.request == req { s.logs?.append(lines) }
  case .logStatus(let req, let text):
    if s.logs?.request == req { s.logs?.status = text }
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

private func timelineEntry(for e: ClusterEvent) -> TimelineEntry? {
  switch e.reason {
  // "Promoted" is left out: chaostui records a change of primary itself from the role labels.
  case "Killing", "SuccessfulCreate", "SuccessfulDelete", "Started", "BackOff", "OOMKilled",
    "Unhealthy", "NodeNotReady", "CaughtUp", "Failover", "Evicted", "TaintManagerEviction", "NodeReady",
    "NodeHasInsufficientMemory":
    let kind: TimelineEntry.Kind = e.severity == .warning ? .warning : .event
    return TimelineEntry(time: e.time, kind: kind, text: "\(e.object): \(e.message)")
  default:
    return nil
  }
}

private func startFault(
  _ s: inout ClusterSnapshot, id: Int, time: Seconds, ends: Seconds, pods: [String], workloads: [String]
) -> [Effect] {
  guard let request = s.pendingRequests.removeValue(forKey: id) else { return [] }
  let fault = ActiveFault(
    id: id, request: request, started: time, ends: ends,
    state: request.kind.isOneShot ? .ended(reason: "done") : .active,
    pods: pods, workloads: workloads)
  s.faults.append(fault)
  var services: [String] = []
  for w in workloads {
    for svc in s.services(affectedBy: w) where !services.contains(svc) { services.append(svc) }
  }
  let incidentID = (s.incidents.last?.id ?? 0) + 1
  let podNames = pods.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
  var what =
    podNames.count == 1 ? podNames[0] : "\(podNames.count) pods of \(workloads.map(shortName).joined(separator: ","))"
  switch (request.kind, request.target) {
  case (_, .node(let name)): what = "node \(name)"
  case (_, .zone(let name)): what = "zone \(name)"
  case (.scale, .workload(_, let name)): what = "\(name) to \(request.parameters.replicas) replicas"
  default: break
  }
  var incident = Incident(
    id: incidentID, faultID: id, title: "\(request.kind.rawValue) \(what)", workloads: workloads, services: services,
    injected: time)
  if request.kind.isOneShot { incident.faultEnded = time }
  // Open incidents that watch what this fault touches overlap it: named on both, never merged.
  let touched = Set(workloads + services)
  for j in s.incidents.indices where s.incidents[j].isOpen {
    let other = s.incidents[j]
    guard !touched.isDisjoint(with: other.workloads + other.services) else { continue }
    s.incidents[j].overlaps.append(incidentID)
    incident.overlaps.append(other.id)
  }
  s.incidents.append(incident)
  s.timeline.insertByTime(
    TimelineEntry(
      time: time, kind: .fault,
      text: "injected \(request.kind.rawValue) -> \(what)"
        + (incident.overlaps.isEmpty
          ? "" : " (overlaps " + incident.overlaps.map { "#\($0)" }.joined(separator: ", ") + ")"),
      incident: incidentID),
    limit: ClusterSnapshot.timelineLimit)
  s.revision &+= 1
  return [.notify("Injected \(request.kind.title) on \(what)")]
}

func shortName(_ id: String) -> String { id.split(separator: "/").last.map(String.init) ?? id }

/// Detection, recovery and the hold time of every open incident, at the state's current time.
/// The services an incident judges now: its fault's own workloads' services always; a service that
/// only depends on them, unless another active fault targets that service's own workload (then what
/// happens there is that fault's doing, and that incident's to judge).
func servicesJudged(_ inc: Incident, in s: ClusterSnapshot) -> [String] {
  inc.services.filter { id in
    guard let svc = s.services[id], !inc.workloads.contains(svc.workload) else { return true }
    return !s.faults.contains { $0.isActive && $0.id != inc.faultID && $0.workloads.contains(svc.workload) }
  }
}

func evaluateIncidents(_ s: inout ClusterSnapshot) {
  for i in s.incidents.indices where s.incidents[i].isOpen {
    let inc = s.incidents[i]
    var problems = HealthCheck.violations(workloads: inc.workloads, services: servicesJudged(inc, in: s), in: s)
    let fault = s.faults.first { $0.id == inc.faultID }
    if inc.detected == nil, let fault {
      // Readiness lost by a pod the fault acted on counts as impact too.
      for podID in fault.pods {
        if let p = s.pods[podID] {
          if !p.isReady { problems.append("readiness lost: \(p.name) \(p.status)") }
        } else {
          problems.append("readiness lost: \(shortName(podID)) deleted")
        }
      }
    }
    let now = s.now
    if !problems.isEmpty {
      s.incidents[i].lastViolation = problems[0]
      s.incidents[i].healthySince = nil
      if inc.detected == nil {
        s.incidents[i].detected = now
        s.incidents[i].detectedBy = problems[0]
        s.incidents[i].status = .degraded
        s.timeline.insertByTime(
          TimelineEntry(
            time: now, kind: .detected,
            text: "#\(inc.id) detected after \(formatDuration(now - inc.injected)): \(problems[0])", incident: inc.id),
          limit: ClusterSnapshot.timelineLimit)
        s.revision &+= 1
      } else if inc.status != .degraded {
        s.incidents[i].status = .degraded
        s.revision &+= 1
      }
      continue
    }
    // Healthy now.
    if inc.detected == nil {
      // Never saw impact: once the fault is over and the hold has passed, it had none.
      if let ended = inc.faultEnded, now - ended >= s.steadyState.hold {
        s.incidents[i].status = .noImpact
        s.timeline.insertByTime(
          TimelineEntry(time: now, kind: .recovered, text: "#\(inc.id) no impact detected", incident: inc.id),
          limit: ClusterSnapshot.timelineLimit)
        s.revision &+= 1
      }
      continue
    }
    let since = inc.healthySince ?? now
    if inc.healthySince == nil {
      s.incidents[i].healthySince = now
      s.incidents[i].status = .recovering
      s.revision &+= 1
    }
    if now - since >= s.steadyState.hold {
      s.incidents[i].recovered = since
      s.incidents[i].status = .recovered
      s.timeline.insertByTime(
        TimelineEntry(
          time: since, kind: .recovered,
          text:
            "#\(inc.id) recovered: TTD \(formatDuration(inc.ttd ?? 0)), TTR \(formatDuration(since - inc.injected))",
          incident: inc.id),
        limit: ClusterSnapshot.timelineLimit)
      s.revision &+= 1
    }
  }
}

/// A Double as an Int, never trapping: NaN is 0, infinities and huge values are clamped.
