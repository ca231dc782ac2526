// The reducers of samples and monitoring (see `reduce`).

/// Samples: pods, workloads, services, nodes, the autoscalers' history.
func reduceMetrics(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .podUsage(let time, let samples):
    // Sums per workload; IO and network only where some pod has them (else not drawn as zero).
    var sums: [String: WorkloadSample] = [:]
    func add(_ a: Double?, _ b: Double?) -> Double? { b.map { (a ?? 0) + $0 } ?? a }
    for sample in samples {
      guard let id = s.podSet.pods[sample.podID]?.workloadID else { continue }
      var acc = sums[id] ?? WorkloadSample(workloadID: id, cpuMilli: 0, memoryBytes: 0, ioBytesPerSec: nil)
      acc.cpuMilli = (acc.cpuMilli ?? 0) + sample.cpuMilli
      acc.memoryBytes = (acc.memoryBytes ?? 0) + (sample.memoryBytes.isNaN ? 0 : sample.memoryBytes)
      acc.ioBytesPerSec = add(acc.ioBytesPerSec, sample.ioBytesPerSec)
      acc.networkBytesPerSec = add(acc.networkBytesPerSec, sample.networkBytesPerSec)
      sums[id] = acc
    }
    let perWorkload = sums.keys.sorted().map { sums[$0]! }
    // A source's note (an error) is cleared by that source when it recovers, not by any sample.
    s.metrics.metricsAt = time
    return reduce(&s, .podMetrics(time: time, samples)) + reduce(&s, .workloadMetrics(time: time, perWorkload))
  case .serviceMetrics(let time, let list):
    var perWorkload: [WorkloadSample] = []
    for m in list {
      // The service known by that name (in that namespace, when the series says; in its context's
      // namespaces, in a session of several), else the workload of the same name (with the most pods).
      let inPlace = { (ns: String) in
        m.namespace.map { ns == $0 } ?? m.context.map { ContextName.split(ns).alias == $0 } ?? true
      }
      let svc =
        s.objects.services.values.first { $0.name == m.service && inPlace($0.namespace) }
        ?? s.objects.workloads.values.filter { $0.name == m.service && inPlace($0.namespace) }
        .max { $0.currentReplicas < $1.currentReplicas }.map {
          ServiceInfo(namespace: $0.namespace, name: m.service, workload: $0.id)
        }
      guard let svc else { continue }
      if s.objects.services[svc.id] == nil { _ = reduce(&s, .serviceUpserted(svc, dependsOn: [])) }
      perWorkload.append(
        WorkloadSample(
          workloadID: svc.workload, cpuMilli: nil, memoryBytes: nil, ioBytesPerSec: nil, latencyP50Ms: m.p50Ms,
          latencyP99Ms: m.p99Ms, lossPercent: m.lossPercent, errorPercent: m.errorPercent,
          requestsPerSec: m.requestsPerSec))
    }
    guard !perWorkload.isEmpty else { return [] }
    s.metrics.serviceMetricsAt = time
    return reduce(&s, .workloadMetrics(time: time, perWorkload))
  case .hpaReplicaHistory(let points):
    // Back-fill (kube-state-metrics): the history before now, oldest first, ahead of what is kept.
    for (id, values) in points {
      var ring = RingBuffer(capacity: ClusterSnapshot.workloadHistory)
      for v in values { ring.append(v) }
      for v in s.metrics.hpaReplicas[id]?.values ?? [] { ring.append(v) }
      s.metrics.hpaReplicas[id] = ring
    }
  case .nodeUsage(let list):
    s.metrics.nodeUsage = Dictionary(list.map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a })
  case .podMetrics(let time, let samples):
    // Each metrics round also records every autoscaler's replica count (the HPA pane's history);
    // not a back-filled round from the past (that history comes from kube-state-metrics).
    if time >= s.now - 1 {
      for (id, h) in s.objects.hpas {
        s.metrics.hpaReplicas[id, default: RingBuffer(capacity: ClusterSnapshot.workloadHistory)].append(
          Double(h.currentReplicas))
      }
    }
    // In place (a copy out of the dictionary and back copied each ring buffer twice).
    for sample in samples where s.podSet.pods[sample.podID] != nil {
      s.metrics.podSeries[sample.podID, default: PodSeries(capacity: ClusterSnapshot.podHistory)].append(sample)
    }
  case .workloadMetrics(_, let samples):
    for sample in samples {
      s.metrics.workloadSeries[sample.workloadID, default: WorkloadSeries(capacity: ClusterSnapshot.workloadHistory)]
        .append(sample)
    }
  default: break
  }
  return []
}

/// Monitoring: steady-state checks, probes, alerts, targets, the sources' states and notes.
func reduceMonitoring(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .steadyStateChecks(let results):
    s.monitoring.promChecks = results
  case .probeResults(let results, _):
    s.monitoring.probeResults = results
  case .probeSample(var sample):
    // A journal's samples did not come through `ProbeSample.init`: their text is bounded here too.
    guard sample.name.utf8.count <= ProbeSample.nameLimit else { return [] }
    sample.detail = String(sample.detail.prefix(ProbeSample.detailLimit))
    sample.at = s.now
    var all = s.monitoring.probeSamples ?? [:]
    // Names are an experiment file's (or a journal's): the probes and the answers kept are bounded.
    guard all[sample.name] != nil || all.count < ProbeSample.probesKept else { return [] }
    var list = all[sample.name] ?? []
    sample.seq = (list.last?.seq ?? 0) + 1
    if list.count >= ProbeSample.kept { list.removeFirst(list.count - ProbeSample.kept + 1) }
    list.append(sample)
    all[sample.name] = list
    s.monitoring.probeSamples = all
  case .zoneRequests(let time, let byService):
    s.metrics.measuredZoneRequests = byService
    s.metrics.measuredZoneRequestsAt = time
  case .targets(let list):
    s.monitoring.targets = list
  case .alerts(let list, let time):
    var now: [String: Alert] = [:]
    for a in list where a.state == "firing" {
      now[a.name + a.labels.sorted { $0.key < $1.key }.map { "," + $0.key + "=" + $0.value }.joined()] = a
    }
    for (key, a) in now.sorted(by: { $0.key < $1.key }) where s.monitoring.firingAlerts[key] == nil {
      let text = Prose.alertFiring(a.shownName, summary: a.summary)
      s.chaos.timeline.insertByTime(
        TimelineEntry(time: a.activeAt ?? time, kind: .warning, text: text), limit: ClusterSnapshot.timelineLimit)
    }
    for (key, a) in s.monitoring.firingAlerts.sorted(by: { $0.key < $1.key }) where now[key] == nil {
      s.chaos.timeline.insertByTime(
        TimelineEntry(time: time, kind: .recovered, text: Prose.alertResolved(a.shownName)),
        limit: ClusterSnapshot.timelineLimit
      )
    }
    s.monitoring.firingAlerts = now
    s.monitoring.alerts = list
    // A stop signal may watch these alerts.
    return evaluateAlertStop(&s)
  case .metricsNote(let note):
    s.monitoring.metricsNote = note
  case .source(let status):
    if let i = s.monitoring.sources.firstIndex(where: { $0.name == status.name }) {
      if s.monitoring.sources[i] != status {
        s.monitoring.sources[i] = status
      }
    } else {
      s.monitoring.sources.append(status)
    }
  case .networkNote(let note):
    s.monitoring.networkNote = note
  default: break
  }
  return []
}
