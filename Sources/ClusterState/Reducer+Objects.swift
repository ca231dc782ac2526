// The reducers of the cluster's objects (see `reduce`).

/// Pods: watch events, relists and the first fast view.
func reducePods(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .podUpserted(let pod):
    let id = pod.id
    if s.podSet.pods[id] != pod {
      notePrimary(&s, pod)
      if pod.role != nil, let w = pod.workloadID { s.podSet.roleWorkloads.insert(w) }
      s.podSet.pods[id] = pod
      s.podChanges.changed(id)
    }
    noteEventTime(&s)
  case .podDeleted(let id):
    if s.podSet.pods.removeValue(forKey: id) != nil {
      s.metrics.podSeries.removeValue(forKey: id)
      s.podChanges.changed(id)
    }
    noteEventTime(&s)
  case .podsReplaced(let pods), .podsPreview(let pods), .podsFirstPage(let pods):
    switch action {
    case .podsFirstPage:
      // Only before anything more complete has arrived.
      guard s.podSet.pods.isEmpty || s.podSet.podsPartial else { return [] }
      s.podSet.podDetailsPending = true
      s.podSet.podsPartial = true
    case .podsPreview:
      // A preview never replaces the complete list once that has arrived (a relist does).
      guard s.podSet.podDetailsPending || s.podSet.pods.isEmpty else { return [] }
      s.podSet.podDetailsPending = true
      s.podSet.podsPartial = false
    default:
      s.podSet.podDetailsPending = false
      s.podSet.podsPartial = false
    }
    var next: [String: Pod] = [:]
    next.reserveCapacity(pods.count)
    for p in pods { next[p.id] = p }
    if !s.podSet.primaries.isEmpty || !pods.isEmpty {
      for p in pods where p.workload != nil && s.session.roleSelector.isPrimary(p.labels) { notePrimary(&s, p) }
      for p in pods where p.role != nil { if let w = p.workloadID { s.podSet.roleWorkloads.insert(w) } }
    }
    for id in s.metrics.podSeries.keys where next[id] == nil { s.metrics.podSeries.removeValue(forKey: id) }
    s.podSet.pods = next
    s.podChanges.replaced()
    noteEventTime(&s)
  default: break
  }
  return []
}

/// Workloads and autoscalers.
func reduceWorkloads(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .workloadDeleted(let id):
    if s.objects.workloads.removeValue(forKey: id) != nil {
    }
  case .workloadsReplaced(let kind, let list):
    for (id, w) in s.objects.workloads where w.kind == kind { s.objects.workloads.removeValue(forKey: id) }
    for w in list { s.objects.workloads[w.id] = w }
  case .workloadUpserted(let w):
    if s.objects.workloads[w.id] != w {
      if s.objects.workloads[w.id] == nil {}
      s.objects.workloads[w.id] = w
    }
  case .hpaUpserted(let h):
    // A first computed count is not a scaling (a real HPA starts at "0", meaning not known yet).
    if let old = s.objects.hpas[h.id], old.desiredKnown, h.desiredKnown, old.desiredReplicas != h.desiredReplicas {
      let target = h.workloadID
      s.chaos.timeline.insertByTime(
        TimelineEntry(
          time: h.lastScaleTime ?? s.now, kind: .scale,
          text: Prose.hpaScaled(h.name, from: old.desiredReplicas, to: h.desiredReplicas),
          incident: s.chaos.incidents.last { $0.isOpen && $0.workloads.contains(target) }?.id),
        limit: ClusterSnapshot.timelineLimit)
    }
    if s.objects.hpas[h.id] != h {
      s.objects.hpas[h.id] = h
    }
  case .hpaDeleted(let id):
    s.metrics.hpaReplicas[id] = nil
    if s.objects.hpas.removeValue(forKey: id) != nil {}
  case .hpasReplaced(let list):
    s.objects.hpas = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    s.metrics.hpaReplicas = s.metrics.hpaReplicas.filter { s.objects.hpas[$0.key] != nil }
  default: break
  }
  return []
}

/// Nodes, services and events.
func reduceCluster(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .nodeDeleted(let name):
    if s.objects.nodes.removeValue(forKey: name) != nil {}
  case .nodesReplaced(let list):
    s.objects.nodes = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
  case .nodeUpserted(let n):
    if s.objects.nodes[n.name] != n {
      s.objects.nodes[n.name] = n
    }
  case .serviceUpserted(let svc, let deps):
    s.objects.services[svc.id] = svc
    s.objects.serviceDependencies[svc.id] = deps
  case .event(let e):
    s.objects.events.appendBounded(e, limit: ClusterSnapshot.eventLimit)
    if var entry = timelineEntry(for: e) {
      // Tie what happens to a workload under an open incident to that incident (relative times).
      var workload = e.workload
      if workload == nil, e.object.hasPrefix("pod/"), s.chaos.incidents.contains(where: \.isOpen) {
        let name = String(e.object.dropFirst(4))
        workload = s.podSet.pods.values.first { $0.name == name }?.workloadID
      }
      if let w = workload { entry.incident = s.chaos.incidents.last { $0.isOpen && $0.workloads.contains(w) }?.id }
      s.chaos.timeline.insertByTime(entry, limit: ClusterSnapshot.timelineLimit)
    }
    noteEventTime(&s)
  default: break
  }
  return []
}

/// When the cluster last said something (written only when it moves: a write redraws).
private func noteEventTime(_ s: inout ClusterSnapshot) {
  if s.session.lastEventAt != s.now { s.session.lastEventAt = s.now }
}
