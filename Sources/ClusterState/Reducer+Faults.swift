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
  case .leftovers(let a):
    return reduceLeftovers(&s, a)
  default: break
  }
  return []
}
