import ClusterState
import Foundation

// The controllers of the simulated cluster: ReplicaSet/StatefulSet, scheduler, kubelet, the Postgres
// operator's failover and the HPA.
extension Simulator {
  // MARK: - Controllers

  /// An event about an object of workload `w` (nil: a node's).
  mutating func event(
    _ out: inout [Action], w: Int?, _ reason: String, _ object: String, _ message: String, warning: Bool = false
  ) {
    out.append(
      .event(
        ClusterEvent(
          time: now, severity: warning ? .warning : .normal, reason: reason, object: object, message: message,
          workload: w.map { specs[$0].id })))
  }

  /// Whether spec `w` is a pipeline's Postgres (pods with roles).
  func isPostgres(_ w: Int) -> Bool { pipelines.contains { $0.postgres == w } }

  mutating func runControllers(at t: Seconds, into out: inout [Action]) {
    var active = [Int](repeating: 0, count: specs.count)
    for p in pods where p.deletion == nil { active[p.w] += 1 }
    for (w, spec) in specs.enumerated() {
      let want = spec.replicas
      if active[w] < want {
        for _ in active[w]..<want {
          if spec.kind == .statefulSet {
            // Ordered: the lowest missing ordinal, and only once the old pod of that name is gone.
            guard
              let ordinal = (0..<want).first(where: { o in
                !pods.contains { $0.w == w && $0.name == spec.name + "-" + String(o) }
              })
            else { break }
            var pod = newPod(w: w, ordinal: ordinal, at: t)
            if isPostgres(w) {
              let hasPrimary = pods.contains { $0.w == w && $0.deletion == nil && $0.labels["role"] == "primary" }
              pod.labels["role"] = hasPrimary ? "replica" : "primary"
            }
            pods.append(pod)
            event(
              &out, w: w, "SuccessfulCreate", "statefulset/" + spec.name,
              "create Pod \(pod.name) in StatefulSet \(spec.name) successful")
          } else {
            let pod = newPod(w: w, ordinal: nil, at: t)
            pods.append(pod)
            if !spec.light {
              event(
                &out, w: w, "SuccessfulCreate", "replicaset/\(spec.name)-\(spec.rsHash ?? "")",
                "Created pod: \(pod.name)")
            }
          }
        }
      } else if active[w] > want {
        // Scale in: not-ready pods first, then the newest.
        var candidates = pods.indices.filter { pods[$0].w == w && pods[$0].deletion == nil }
        candidates.sort { a, b in
          if pods[a].ready != pods[b].ready { return !pods[a].ready }
          if pods[a].created != pods[b].created { return pods[a].created > pods[b].created }
          return pods[a].name < pods[b].name
        }
        for i in candidates.prefix(active[w] - want) {
          deletePod(at: i, grace: spec.grace, into: &out)
          event(
            &out, w: w, "SuccessfulDelete", "replicaset/\(spec.name)-\(spec.rsHash ?? "")",
            "Deleted pod: \(pods[i].name)")
        }
      }
    }
  }

  mutating func deletePod(at i: Int, grace: Seconds, into out: inout [Action]) {
    guard pods[i].deletion == nil else { return }
    pods[i].deletion = now
    pods[i].stage = .terminating(until: now + grace)
    pods[i].ready = false
    pods[i].dirty = true
    if !specs[pods[i].w].light {
      event(&out, w: pods[i].w, "Killing", "pod/" + pods[i].name, "Stopping container \(specs[pods[i].w].name)")
    }
  }

  /// The ready, schedulable node with the fewest pods; nil when every node is cordoned or down.
  mutating func leastLoadedNode() -> String? {
    var counts = [String: Int]()
    for p in pods { if let n = p.node, p.deletion == nil { counts[n, default: 0] += 1 } }
    var best: String?
    var bestCount = Int.max
    for n in nodes where n.ready && !n.unschedulable {
      let c = counts[n.name] ?? 0
      if c < bestCount {
        best = n.name
        bestCount = c
      }
    }
    return best
  }

  static func backoff(level: Int) -> Seconds {
    level <= 0 ? 1 : min(10 * pow(2, Double(level - 1)), 300)
  }

  /// The node controller: a pod on a NotReady node is evicted once its toleration is up (Terminating
  /// until the node's kubelet comes back to finish it; its controller makes a replacement elsewhere).
  mutating func runNodeController(at t: Seconds, into out: inout [Action]) {
    for f in faults where !f.restart.isEmpty && t - f.since >= FaultPlan.nodeToleration {
      for n in f.restart {
        let name = nodes[n].name
        for i in pods.indices where pods[i].node == name && pods[i].deletion == nil {
          deletePod(at: i, grace: specs[pods[i].w].grace, into: &out)
          event(
            &out, w: pods[i].w, "TaintManagerEviction", "pod/" + pods[i].name,
            "Marking for deletion Pod \(specs[pods[i].w].namespace)/\(pods[i].name): node \(name) NotReady past its \(Int(FaultPlan.nodeToleration))s toleration",
            warning: true)
        }
      }
    }
  }

  /// The kubelet under memory pressure: every 2 s it evicts one pod of the node until the memory
  /// taken is freed, BestEffort and the lowest priority first, then the most over its request (as
  /// the kubelet ranks them), with the reason in the pod's status and an event.
  mutating func runMemoryPressure(at t: Seconds, into out: inout [Action]) {
    guard tickIndex % 20 == 0 else { return }
    for k in faults.indices {
      guard let (n, left) = faults[k].pressure, left > 0 else { continue }
      let name = nodes[n].name
      let victims = pods.indices.filter { pods[$0].node == name && pods[$0].deletion == nil }
      func rank(_ i: Int) -> (Int, Int, Double) {
        let s = specs[pods[i].w]
        return (s.memRequest == 0 && s.cpuRequest == 0 ? 0 : 1, s.priority, -(pods[i].memory - s.memRequest))
      }
      guard let i = victims.min(by: { rank($0) < rank($1) }) else { continue }
      let s = specs[pods[i].w]
      let using = Int(pods[i].memory / 1_048_576)
      let why =
        "The node was low on resource: memory. Container \(Simulator.containerNames(s)[0]) was using \(using)Mi, "
        + (s.memRequest > 0 ? "which exceeds its request of \(Int(s.memRequest / 1_048_576))Mi" : "with no request")
        + " (priority \(s.priority))."
      pods[i].evicted = why
      faults[k].pressure = (n, left - pods[i].memory / 1_048_576)
      deletePod(at: i, grace: 0, into: &out)
      event(&out, w: pods[i].w, "Evicted", "pod/" + pods[i].name, why, warning: true)
    }
  }

  mutating func runKubelet(at t: Seconds, into out: inout [Action]) {
    var removed: [Int] = []
    let down = Set(nodes.filter { !$0.ready }.map(\.name))
    for i in pods.indices {
      // A stopped node's kubelet does nothing: its pods neither start, turn Ready nor finish terminating.
      if let node = pods[i].node, down.contains(node) { continue }
      let spec = specs[pods[i].w]
      switch pods[i].stage {
      case .pending(let until):
        if t >= until {
          guard let node = leastLoadedNode() else { break }  // Pending until a node takes it
          pods[i].node = node
          pods[i].stage = .creating(until: t + spec.pullDelay * rng.uniform(0.8, 1.3))
          pods[i].dirty = true
          if !spec.light {
            event(
              &out, w: pods[i].w, "Scheduled", "pod/" + pods[i].name,
              "Successfully assigned \(spec.namespace)/\(pods[i].name) to \(node)")
          }
        }
      case .creating(let until):
        if t >= until {
          pods[i].stage = .running
          pods[i].container = .running(since: t)
          pods[i].readyAt = t + spec.readyDelay * rng.uniform(0.9, 1.2)
          pods[i].memory = spec.memBase * rng.uniform(0.95, 1.05)
          pods[i].dirty = true
          if !spec.light {
            event(&out, w: pods[i].w, "Started", "pod/" + pods[i].name, "Started container \(spec.name)")
          }
        }
      case .terminating(let until):
        if t >= until { removed.append(i) }
      case .running:
        switch pods[i].container {
        case .waiting(_, let until):
          if t >= until {
            pods[i].container = .running(since: t)
            pods[i].readyAt = t + spec.readyDelay * rng.uniform(0.9, 1.2)
            pods[i].memory = spec.memBase * rng.uniform(0.95, 1.05)
            pods[i].dirty = true
            event(
              &out, w: pods[i].w, "Started", "pod/" + pods[i].name,
              "Started container \(spec.name) (restart \(pods[i].restarts))")
          }
        case .running(let since):
          if !pods[i].ready, let readyAt = pods[i].readyAt, t >= readyAt {
            pods[i].ready = true
            pods[i].readyAt = nil
            pods[i].dirty = true
            if isPostgres(pods[i].w) && pods[i].labels["role"] == "replica" {
              event(
                &out, w: pods[i].w, "CaughtUp", "pod/" + pods[i].name, "replica caught up with the primary, streaming")
            }
          }
          if pods[i].backoffLevel > 0 && t - since > 600 { pods[i].backoffLevel = 0 }
          if pods[i].memory >= spec.memLimit {
            crashContainer(i, reason: "OOMKilled", into: &out)
          }
        }
      }
    }
    for i in removed.reversed() {
      out.append(.podDeleted(id: PodID(namespace: specs[pods[i].w].namespace, name: pods[i].name).key))
      pods.remove(at: i)
    }
  }

  mutating func crashContainer(_ i: Int, reason: String, into out: inout [Action]) {
    let spec = specs[pods[i].w]
    pods[i].restarts += 1
    let wait = Simulator.backoff(level: pods[i].backoffLevel)
    pods[i].backoffLevel += 1
    pods[i].ready = false
    pods[i].readyAt = nil
    pods[i].container = .waiting(reason: reason, until: now + wait)
    pods[i].dirty = true
    if reason == "OOMKilled" {
      event(
        &out, w: pods[i].w, "OOMKilled", "pod/" + pods[i].name,
        "container \(spec.name) exceeded its memory limit and was OOMKilled",
        warning: true)
    }
    if wait > 1 {
      event(
        &out, w: pods[i].w, "BackOff", "pod/" + pods[i].name,
        "Back-off \(Int(wait))s restarting failed container \(spec.name)",
        warning: true)
    }
  }

  /// Readiness probes of the pods behind a service (HTTP, 1 s timeout, every 2 s, 3 failures): a pod
  /// whose CPU a stressor takes (90% of its limit or more) answers too late, fails its probes and
  /// leaves the endpoints, so the load balancer sends its share to the others; it comes back at
  /// the first probe that answers.
  mutating func runReadinessProbes(at t: Seconds, into out: inout [Action]) {
    guard !faults.isEmpty || pods.contains(where: \.probeFailing) else { return }
    for i in pods.indices {
      let spec = specs[pods[i].w]
      guard spec.service != nil, !spec.light, pods[i].deletion == nil, case .running = pods[i].stage,
        case .running = pods[i].container
      else { continue }
      let id = PodID(namespace: spec.namespace, name: pods[i].name).key
      let fx = faultLoad(id)
      // A replica whose clock is skewed stops replaying WAL (its lag check fails the probe).
      let skewed = abs(fx.skew) >= 60 && pods[i].labels["role"] == "replica"
      let starved = fx.cpu >= spec.cpuLimit * 0.9 || skewed
      if starved {
        pods[i].probeFailures += 1
        if pods[i].probeFailures == Simulator.probeFailureThreshold {
          pods[i].probeFailing = true
          pods[i].readyAt = nil
          if pods[i].ready {
            pods[i].ready = false
            pods[i].dirty = true
          }
          event(
            &out, w: pods[i].w, "Unhealthy", "pod/" + pods[i].name,
            skewed
              ? "Readiness probe failed: replication lag check: clock skew of \(Int(fx.skew))s, WAL replay stopped"
              : "Readiness probe failed: Get \"http://\(spec.service!):8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
            warning: true)
        }
      } else {
        pods[i].probeFailures = 0
        if pods[i].probeFailing {
          pods[i].probeFailing = false
          pods[i].ready = true
          pods[i].dirty = true
        }
      }
    }
  }

  /// The Postgres operator: promotes the replica when there has been no ready primary for the failover delay.
  mutating func runFailover(_ k: Int, at t: Seconds, into out: inout [Action]) {
    let w = pipelines[k].postgres
    let hasPrimary = pods.contains { $0.w == w && $0.deletion == nil && $0.ready && $0.labels["role"] == "primary" }
    if hasPrimary {
      pipelines[k].primaryLostAt = nil
      return
    }
    guard let lost = pipelines[k].primaryLostAt else {
      pipelines[k].primaryLostAt = t
      event(&out, w: w, "Unhealthy", "statefulset/postgres", "no ready primary: writes are failing", warning: true)
      return
    }
    guard t - lost >= options.failoverDelay else { return }
    guard
      let candidate = pods.indices.filter({
        pods[$0].w == w && pods[$0].deletion == nil && pods[$0].ready && pods[$0].labels["role"] != "primary"
      }).min(by: { pods[$0].name < pods[$1].name })
    else { return }
    for i in pods.indices where pods[i].w == w && pods[i].labels["role"] == "primary" {
      pods[i].labels["role"] = "replica"
      pods[i].dirty = true
    }
    pods[candidate].labels["role"] = "primary"
    pods[candidate].dirty = true
    pipelines[k].primaryLostAt = nil
    event(
      &out, w: w, "Promoted", "pod/" + pods[candidate].name,
      "\(pods[candidate].name) promoted to primary after \(formatDuration(t - lost))")
  }

  mutating func runHPA(_ k: Int, at t: Seconds, into out: inout [Action]) {
    let w = pipelines[k].flask
    let hpa = pipelines[k].hpa
    let spec = specs[w]
    let live = pods.filter { $0.w == w && $0.deletion == nil }
    let metrics = live.map {
      HPAAlgorithm.PodMetric(ready: $0.ready, usage: $0.hasMetrics ? $0.cpu : nil, request: spec.cpuRequest)
    }
    let current = spec.replicas
    let rec = HPAAlgorithm.desiredReplicas(
      currentReplicas: current, pods: metrics, targetUtilization: hpa.targetUtilization)
    var behavior = HPAAlgorithm.Behavior(scaleDownWindow: options.scaleDownWindow)
    behavior.period = 15
    let desired = HPAAlgorithm.stabilize(
      raw: rec.replicas, current: current, min: hpa.minReplicas, max: hpa.maxReplicas, behavior: behavior, now: t,
      history: &pipelines[k].hpaHistory)
    var next = hpa
    next.currentReplicas = current
    next.currentUtilization = rec.utilization
    if desired != current {
      specs[w].replicas = desired
      next.lastScaleTime = t
      let why =
        desired > current ? "cpu resource utilization (percentage of request) above target" : "All metrics below target"
      event(&out, w: w, "SuccessfulRescale", "horizontalpodautoscaler/flask", "New size: \(desired); reason: \(why)")
    }
    next.desiredReplicas = desired
    if next != hpa {
      pipelines[k].hpa = next
      out.append(.hpaUpserted(next))
    }
  }
}
