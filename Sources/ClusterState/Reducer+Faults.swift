// The reducer of faults (see `reduce`).

/// Faults: requests, their start, failure and end, the panic key, permissions, leftovers.
func reduceFaults(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .permissions(let ns, let denied):
    s.chaos.deniedFaults[ns] = denied
  case .faultsUnavailable(let map):
    s.chaos.unavailableFaults = map
  case .requestFault(let request):
    if s.session.readOnly { return [.notify(Prose.refusedReadOnly(s.session.readOnlyReason))] }
    if let why = s.injectionRefusal { return [.notify(Prose.refusedLever(why))] }
    if let why = s.contextRefusal(request.kind, target: request.target) { return [.notify(Prose.refusedContext(why))] }
    if let why = s.whyUnavailable(request.kind, namespace: request.target.namespace) {
      return [.notify(Prose.unavailable(request.kind, why))]
    }
    let id = s.chaos.nextFaultID
    s.chaos.nextFaultID += 1
    s.chaos.pendingRequests[id] = request
    return [.inject(id: id, request)]
  case .faultStarted(let id, let time, let ends, let pods, let workloads):
    // The request travels with the effect; the executor echoes the id, so find it in pending effects.
    return startFault(&s, id: id, time: time, ends: ends, pods: pods, workloads: workloads)
  case .faultFailed(let id, let message):
    s.chaos.timeline.insertByTime(
      TimelineEntry(time: s.now, kind: .warning, text: Prose.faultFailedLine(id, message)),
      limit: ClusterSnapshot.timelineLimit)
    // Kept as a failed fault: who asked (an experiment) learns it failed, a report can list it.
    if let req = s.chaos.pendingRequests.removeValue(forKey: id), !s.chaos.faults.contains(where: { $0.id == id }) {
      s.chaos.faults.append(
        ActiveFault(id: id, request: req, started: s.now, ends: s.now, state: .failed(message), pods: [], workloads: [])
      )
    }
    return [.notify(Prose.faultFailedNotice(id, message))]
  case .faultEnded(let id, let time, let reason):
    guard let i = s.chaos.faults.firstIndex(where: { $0.id == id }), s.chaos.faults[i].isActive else { return [] }
    s.chaos.faults[i].state = .ended(reason: reason)
    s.chaos.faults[i].ends = time
    for j in s.chaos.incidents.indices where s.chaos.incidents[j].faultID == id {
      s.chaos.incidents[j].faultEnded = time
    }
    if !s.chaos.faults[i].request.kind.isOneShot {
      s.chaos.timeline.insertByTime(
        TimelineEntry(
          time: time, kind: .ended, text: Prose.faultEnded(s.chaos.faults[i].request.kind, id, reason),
          incident: s.chaos.incidents.first { $0.faultID == id }?.id),
        limit: ClusterSnapshot.timelineLimit)
    }
  case .abortAllFaults:
    // Faults still being made too: the executor sets each back as soon as it is made.
    let ids = s.chaos.faults.filter(\.isActive).map(\.id) + s.chaos.pendingRequests.keys.sorted()
    if ids.isEmpty { return [.notify(Prose.panicNothing)] }
    return [.abort(ids: ids), .notify(Prose.panicAborted(ids.count))]
  case .leftovers(let a):
    return reduceLeftovers(&s, a)
  case .lever, .moveLever, .leverMoveFailed:
    return reduceLever(&s, action)
  case .stopSignalRules, .stopSignal:
    return reduceStopSignals(&s, action)
  case .note(let text, let by):
    s.chaos.timeline.insertByTime(
      TimelineEntry(time: s.now, kind: .note, text: Prose.note(text, by: by)), limit: ClusterSnapshot.timelineLimit)
  default: break
  }
  return []
}
