import ClusterState
import Foundation

extension Simulator {
  // MARK: - Faults

  /// Carries out a fault now. Returns `faultStarted` with the pods it acted on, or `faultFailed`.
  /// Carries out a fault on `targets` (pod ids, as `FaultPlan` chose them from the snapshot), or on
  /// the pods the simulator finds for the request when none are given.
  public mutating func inject(id: Int, _ request: FaultRequest, targets chosen: [String]? = nil) -> [Action] {
    var out: [Action] = []
    let indices: [Int]
    switch chooseTargets(request, chosen: chosen) {
    case .failure(let refusal): return [.faultFailed(id: id, message: refusal.text)]
    case .success(let found): indices = found
    }
    var acted = indices
    var refusedNote: String?
    if request.kind == .evict || request.kind == .drain {
      (acted, refusedNote) = evictWithinBudgets(indices, into: &out)
      if acted.isEmpty && request.kind == .evict {
        return [.faultFailed(id: id, message: "429 Too Many Requests: " + (refusedNote ?? "refused"))]
      }
    }
    let names = acted.map { PodID(namespace: specs[pods[$0].w].namespace, name: pods[$0].name).key }
    var workloads: [String] = []
    for i in acted where !workloads.contains(specs[pods[i].w].id) { workloads.append(specs[pods[i].w].id) }
    let ends = request.kind.isOneShot ? now : now + request.parameters.duration
    out.append(.faultStarted(id: id, time: now, ends: ends, pods: names, workloads: workloads))
    if let refusedNote, request.kind == .evict {
      out.append(.notice("Evicted \(acted.count) of \(indices.count); " + refusedNote))
    }
    let hit = Hit(indices: indices, acted: acted, names: names, ends: ends, refusedNote: refusedNote)
    effect(id, request, hit, into: &out)
    emitChanges(into: &out)
    return out
  }

  /// What a fault found to act on: the pods chosen, those it acted on (an eviction may be refused),
  /// their ids, when it ends.
  struct Hit {
    var indices: [Int]
    var acted: [Int]
    var names: [String]
    var ends: Seconds
    var refusedNote: String?
  }

  /// The pods a request acts on: `chosen` (as `FaultPlan` picked them from the snapshot) or the
  /// simulator's own choice; refused in words when there are none or the other side is missing.
  mutating func chooseTargets(_ request: FaultRequest, chosen: [String]?) -> Result<[Int], Refusal> {
    var targets = resolveTargets(request)
    if let chosen, case .success = targets, request.kind != .scale, !request.target.isNode {
      let indices = chosen.compactMap { id in
        pods.indices.first {
          pods[$0].deletion == nil && PodID(namespace: specs[pods[$0].w].namespace, name: pods[$0].name).key == id
        }
      }
      targets = indices.isEmpty ? .failure(Refusal(text: FaultPlan.whyNoTargets(request))) : .success(indices)
    }
    if request.kind == .networkPartition, case .success = targets {
      // The other side must exist (any direction cuts the connections: TCP needs both ways).
      let ns = request.target.namespace
      guard let peer = request.parameters.peer, specs.contains(where: { $0.namespace == ns && $0.name == peer })
      else {
        return .failure(
          Refusal(
            text: "network partition: no workload \(request.parameters.peer ?? "(none named)") in \(ns) to cut off"))
      }
    }
    return targets
  }

  /// The eviction API: each pod in turn, refused (429) where its disruption budget allows no more.
  mutating func evictWithinBudgets(_ indices: [Int], into out: inout [Action]) -> ([Int], String?) {
    var acted: [Int] = []
    var refusedNote: String?
    for i in indices {
      let spec = specs[pods[i].w]
      let healthy = pods.filter { $0.w == pods[i].w && $0.deletion == nil && $0.ready }.count
      if let min = spec.minAvailable, healthy - (pods[i].ready ? 1 : 0) < min {
        refusedNote =
          "\(pods[i].name): Cannot evict pod as it would violate the pod's disruption budget (\(spec.name): minAvailable \(min), \(healthy) healthy)"
        continue
      }
      acted.append(i)
      deletePod(at: i, grace: spec.grace, into: &out)
    }
    return (acted, refusedNote)
  }

  /// Each kind's effect in the demo (an exhaustive switch: a new fault kind must say here what it
  /// does); a fault on traffic sets what it adds to its pods' (`FaultLoad`).
  mutating func effect(_ id: Int, _ request: FaultRequest, _ hit: Hit, into out: inout [Action]) {
    let (indices, names, ends) = (hit.indices, hit.names, hit.ends)
    let p = request.parameters
    /// A fault that acts on its pods' traffic (the metrics model reads `load`).
    func traffic(_ load: FaultLoad) {
      faults.append(SimFault(id: id, kind: request.kind, pods: Set(names), params: p, ends: ends, load: load))
    }
    switch request.kind {
    case .evict: break
    case .scale:
      let w = pods[indices[0]].w
      var f = SimFault(id: id, kind: .scale, pods: [], params: request.parameters, ends: ends)
      f.restoreReplicas = (w, specs[w].replicas)
      faults.append(f)
      specs[w].replicas = max(0, request.parameters.replicas)
      event(
        &out, w: w, "ScalingReplicaSet", "deployment/" + specs[w].name,
        "Scaled \(specs[w].name) to \(specs[w].replicas) (chaostui, was \(f.restoreReplicas!.replicas))")
    case .memoryPressure:
      guard case .node(let name) = request.target, let n = nodes.firstIndex(where: { $0.name == name }) else { break }
      var f = SimFault(id: id, kind: .memoryPressure, pods: [], params: request.parameters, ends: ends)
      f.pressure = (n, request.parameters.pressureMiB)
      faults.append(f)
      event(
        &out, w: nil, "NodeHasInsufficientMemory", "node/" + name,
        "Node \(name) status is now: NodeHasInsufficientMemory (\(Int(request.parameters.pressureMiB))MiB taken outside the pods)",
        warning: true)
    case .nodeStop:
      guard case .node(let name) = request.target, let n = nodes.firstIndex(where: { $0.name == name }) else { break }
      var f = SimFault(id: id, kind: .nodeStop, pods: [], params: request.parameters, ends: ends)
      stopNodes([n], fault: &f, into: &out)
      faults.append(f)
    case .zoneOutage:
      // Every node of the zone at once: one fault, one incident, started again together.
      guard case .zone(let zone) = request.target else { break }
      var f = SimFault(id: id, kind: .zoneOutage, pods: [], params: request.parameters, ends: ends)
      stopNodes(nodes.indices.filter { nodes[$0].zone == zone }, fault: &f, into: &out)
      faults.append(f)
      let n = f.restart.count
      out.append(.notice("Zone \(zone) is down: \(n) node\(n == 1 ? "" : "s") NotReady"))
    case .cordon, .drain:
      guard case .node(let name) = request.target, let n = nodes.firstIndex(where: { $0.name == name }) else { break }
      var f = SimFault(id: id, kind: .cordon, pods: [], params: request.parameters, ends: ends)
      if !nodes[n].unschedulable {
        nodes[n].unschedulable = true
        f.uncordon = n
        out.append(.nodeUpserted(nodes[n]))
      }
      faults.append(f)
      event(&out, w: nil, "NodeNotSchedulable", "node/" + name, "Node \(name) status is now: NodeNotSchedulable")
      if request.kind == .drain {
        out.append(
          .notice(
            "Drained \(name): evicted \(hit.acted.count) of \(indices.count)"
              + (hit.refusedNote.map { "; refused: " + $0 } ?? "")))
      }
    case .podKill, .killPrimary:
      let grace = request.parameters.gracePeriod.map(Double.init)
      for i in indices { deletePod(at: i, grace: grace ?? specs[pods[i].w].grace, into: &out) }
    case .containerKill:
      for i in indices {
        if case .running = pods[i].stage, case .running = pods[i].container {
          crashContainer(i, reason: "Error", into: &out)
        }
      }
    case .networkDelay: traffic(FaultLoad(delay: p.delayMs, jitter: p.jitterMs))
    case .networkLoss: traffic(FaultLoad(loss: p.lossPercent))
    case .cpuHog: traffic(FaultLoad(cpu: p.cpuMilli))
    case .memoryHog: traffic(FaultLoad(memRate: p.memoryMiBPerSec * 1024 * 1024))
    case .dnsError: traffic(FaultLoad(dnsErrors: true))
    case .timeSkew: traffic(FaultLoad(skew: p.skewSeconds))
    case .ioLatency: traffic(FaultLoad(ioDelay: p.ioDelayMs))
    case .httpAbort: traffic(FaultLoad(httpAbort: true))
    case .networkPartition: traffic(FaultLoad(cutFrom: [p.peer ?? ""]))
    case .bandwidthLimit: traffic(FaultLoad(rateKbit: p.rateKbit))
    }
  }

  struct Refusal: Error { var text: String }

  /// Stops nodes (their kubelets): NotReady, and the node controller marks their pods not Ready;
  /// the fault starts them again when it ends.
  mutating func stopNodes(_ indices: [Int], fault f: inout SimFault, into out: inout [Action]) {
    f.since = now
    for n in indices where nodes[n].ready {
      let name = nodes[n].name
      nodes[n].ready = false
      f.restart.append(n)
      out.append(.nodeUpserted(nodes[n]))
      event(
        &out, w: nil, "NodeNotReady", "node/" + name,
        "Node \(name) status is now: NodeNotReady (kubelet stopped posting node status)", warning: true)
      // The kubelet is gone, so nothing on it moves.
      for i in pods.indices where pods[i].node == name && pods[i].ready {
        pods[i].ready = false
        pods[i].readyAt = nil
        pods[i].dirty = true
      }
    }
  }

  mutating func resolveTargets(_ request: FaultRequest) -> Result<[Int], Refusal> {
    let live = pods.indices.filter { pods[$0].deletion == nil }
    var chosen: [Int]
    switch request.target {
    case .pod(let ns, let name):
      guard let i = live.first(where: { pods[$0].name == name && specs[pods[$0].w].namespace == ns }) else {
        return .failure(Refusal(text: "pod \(ns)/\(name) not found (or already terminating)"))
      }
      if request.kind == .killPrimary {
        let w = pods[i].w
        guard let p = live.first(where: { pods[$0].w == w && RoleSelector.default.isPrimary(pods[$0].labels) }) else {
          return .failure(Refusal(text: "no pod of \(specs[w].name) matches the primary selector"))
        }
        return .success([p])
      }
      chosen = [i]
    case .workload(let ns, let name):
      let zone = request.parameters.zone
      let members = live.filter { i in
        specs[pods[i].w].name == name && specs[pods[i].w].namespace == ns
          && (zone == nil || nodes.first { $0.name == pods[i].node }?.zone == zone)
      }
      guard !members.isEmpty else {
        return .failure(
          Refusal(text: "workload \(ns)/\(name) has no running pods" + (zone.map { " in zone " + $0 } ?? "")))
      }
      if request.kind == .killPrimary {
        guard let p = members.first(where: { RoleSelector.default.isPrimary(pods[$0].labels) }) else {
          return .failure(Refusal(text: "no pod of \(name) matches the primary selector"))
        }
        return .success([p])
      }
      chosen = members
      if request.parameters.mode == .one {
        chosen = [members[rng.int(members.count)]]
      }
    case .zone(let zone):
      let names = Set(nodes.filter { $0.zone == zone }.map(\.name))
      guard !names.isEmpty else { return .failure(Refusal(text: "zone \(zone) has no nodes")) }
      return .success(live.filter { pods[$0].node.map(names.contains) ?? false })
    case .node(let name):
      guard nodes.contains(where: { $0.name == name }) else { return .failure(Refusal(text: "node \(name) not found")) }
      // A drain acts on the node's pods; a stopped node or its memory pressure touches them (the
      // incident watches their workloads); a cordon touches none.
      guard [.drain, .nodeStop, .memoryPressure].contains(request.kind) else { return .success([]) }
      return .success(live.filter { pods[$0].node == name })
    }
    return .success(chosen)
  }

  /// Ends every active fault early (the panic key).
  public mutating func abort(ids: [Int]) -> [Action] {
    var out: [Action] = []
    for id in ids {
      if let i = faults.firstIndex(where: { $0.id == id }) {
        restore(faults.remove(at: i), into: &out)
        out.append(.faultEnded(id: id, time: now, reason: "aborted"))
      }
    }
    return out
  }

  mutating func endFaults(at t: Seconds, into out: inout [Action]) {
    var kept: [SimFault] = []
    for f in faults {
      if t >= f.ends {
        restore(f, into: &out)
        out.append(.faultEnded(id: f.id, time: t, reason: "expired"))
      } else {
        kept.append(f)
      }
    }
    faults = kept
  }

  /// Sets back what a fault changed: the workload's replicas, the node's schedulability.
  mutating func restore(_ f: SimFault, into out: inout [Action]) {
    if let r = f.restoreReplicas {
      specs[r.w].replicas = r.replicas
      event(
        &out, w: r.w, "ScalingReplicaSet", "deployment/" + specs[r.w].name,
        "Scaled \(specs[r.w].name) back to \(r.replicas) (chaostui)")
    }
    for n in f.restart {
      nodes[n].ready = true
      out.append(.nodeUpserted(nodes[n]))
      event(&out, w: nil, "NodeReady", "node/" + nodes[n].name, "Node \(nodes[n].name) status is now: NodeReady")
      // The kubelet is back: its pods' containers answer their probes again.
      for i in pods.indices where pods[i].node == nodes[n].name && pods[i].deletion == nil && !pods[i].ready {
        if case .running = pods[i].stage, case .running = pods[i].container {
          pods[i].readyAt = now + specs[pods[i].w].readyDelay
        }
      }
    }
    if let n = f.uncordon {
      nodes[n].unschedulable = false
      out.append(.nodeUpserted(nodes[n]))
      event(
        &out, w: nil, "NodeSchedulable", "node/" + nodes[n].name, "Node \(nodes[n].name) status is now: NodeSchedulable"
      )
    }
  }
}
