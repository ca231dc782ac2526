/// A change of a stateful set's primary, as chaostui sees the role labels change: on the timeline
/// whatever the operator reports, with the time since the last fault on that workload.
func notePrimary(_ s: inout ClusterSnapshot, _ pod: Pod) {
  // A terminating pod keeps its old label while it goes (an operator relabels only live pods): it
  // is no new primary.
  guard let w = pod.workload, s.session.roleSelector.isPrimary(pod.labels), !pod.isTerminating else { return }
  let workload = WorkloadID(namespace: pod.namespace, name: w).key
  let was = s.podSet.primaries[workload]
  s.podSet.primaries[workload] = pod.name
  // A failover group's standby given its first primary is a promotion too (across contexts).
  let group = s.failoverGroups.first { $0.workloads.contains(workload) }
  let watched = group?.workloads ?? [workload]
  let fault = s.chaos.faults.last { $0.workloads.contains(where: watched.contains) && $0.started <= s.now }
  // A primary seen first is no change, unless a fault on its failover group came before it.
  guard was != pod.name, was != nil || (group != nil && fault != nil) else { return }
  var text = "primary of \(shortName(workload)) is now \(pod.name) (was \(was ?? "none"))"
  if let group { text += " (failover \(group.name))" }
  if let fault { text += ", \(formatDuration(s.now - fault.started)) after fault #\(fault.id)" }
  s.chaos.timeline.insertByTime(
    TimelineEntry(
      time: s.now, kind: .promotion, text: text,
      incident: fault.flatMap { f in
        s.chaos.incidents.last { $0.faultID == f.id }?.id
      }), limit: ClusterSnapshot.timelineLimit)
}
