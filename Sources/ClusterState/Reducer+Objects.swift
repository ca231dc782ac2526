// The reducers of the cluster's objects (see `reduce`).

/// Pods: watch events, relists and the first fast view.
func reducePods(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
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
  default: break
  }
  return []
}

/// Workloads and autoscalers.
func reduceWorkloads(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
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
          text: Prose.hpaScaled(h.name, from: old.desiredReplicas, to: h.desiredReplicas),
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
  default: break
  }
  return []
}

/// Nodes, services and events.
func reduceCluster(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
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
  default: break
  }
  return []
}
