// The reducer of faults (see `reduce`).

/// Faults: requests, their start, failure and end, the panic key, permissions, leftovers.
func reduceFaults(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .permissions(let ns, let denied):
    s.deniedFaults[ns] = denied
    s.revision &+= 1
  case .faultsUnavailable(let map):
    s.unavailableFaults = map
    s.revision &+= 1
  case .requestFault(let request):
    if s.readOnly { return [.notify(Prose.refusedReadOnly(s.readOnlyReason))] }
    if let why = s.whyUnavailable(request.kind, namespace: request.target.namespace) {
      return [.notify(Prose.unavailable(request.kind, why))]
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
      TimelineEntry(time: s.now, kind: .warning, text: Prose.faultFailedLine(id, message)),
      limit: ClusterSnapshot.timelineLimit)
    // Kept as a failed fault: who asked (an experiment) learns it failed, a report can list it.
    if let req = s.pendingRequests.removeValue(forKey: id), !s.faults.contains(where: { $0.id == id }) {
      s.faults.append(
        ActiveFault(id: id, request: req, started: s.now, ends: s.now, state: .failed(message), pods: [], workloads: [])
      )
    }
    s.revision &+= 1
    return [.notify(Prose.faultFailedNotice(id, message))]
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
          time: time, kind: .ended, text: Prose.faultEnded(s.faults[i].request.kind, id, reason),
          incident: s.incidents.first { $0.faultID == id }?.id),
        limit: ClusterSnapshot.timelineLimit)
    }
    s.revision &+= 1
  case .abortAllFaults:
    // Faults still being made too: the executor sets each back as soon as it is made.
    let ids = s.faults.filter(\.isActive).map(\.id) + s.pendingRequests.keys.sorted()
    if ids.isEmpty { return [.notify(Prose.panicNothing)] }
    return [.abort(ids: ids), .notify(Prose.panicAborted(ids.count))]
  case .leftovers(let a):
    return reduceLeftovers(&s, a)
  default: break
  }
  return []
}
