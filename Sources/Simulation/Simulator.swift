import ClusterState
import Foundation

/// The embedded cluster behind `--demo`: the reference data pipeline (Flask + HPA, Postgres
/// primary/replica, Spark), behaving like Kubernetes on a virtual clock. It only emits Actions,
/// exactly as a real cluster's watch does, so the panes cannot tell the difference.
///
/// Deterministic: the same seed and the same injections at the same virtual times give the same
/// actions, whatever the real-time steps `advance(to:)` is called with.
public struct Simulator: Sendable {
  public struct Options: Sendable {
    public var seed: UInt64 = 1
    /// Scale mode: this many extra pods in batch namespaces (for benchmarks up to 10,000 pods).
    public var extraPods = 0
    /// The Flask HPA's scale-down stabilization window (Kubernetes' default is 300 s; demos want less).
    public var scaleDownWindow: Seconds = 60
    /// Seconds the Postgres operator waits with no ready primary before promoting a replica.
    public var failoverDelay: Seconds = 8
    public init() {}
  }

  public static let tick: Seconds = 0.1
  static let ticksPerSecond = 10
  static let hpaSyncTicks = 150

  struct Spec: Sendable {
    var kind: WorkloadKind
    var namespace: String
    var name: String
    var rsHash: String?
    var replicas: Int
    var labels: [String: String]
    var containers: Int
    var cpuRequest: Double
    var cpuLimit: Double
    var memLimit: Double
    var memBase: Double
    var cpuIdle: Double
    var cpuPerRequest: Double
    var pullDelay: Seconds
    var readyDelay: Seconds
    var grace: Seconds
    var service: String?
    var baseLatencyMs: Double
    var ioPerPod: Double
    var light = false
    /// A PodDisruptionBudget's minAvailable for the workload's pods (evictions honour it).
    var minAvailable: Int? = nil
    var id: String { namespace + "/" + name }
  }

  enum Stage: Sendable, Equatable {
    case pending(until: Seconds)
    case creating(until: Seconds)
    case running
    case terminating(until: Seconds)
  }

  enum Container: Sendable, Equatable {
    case running(since: Seconds)
    case waiting(reason: String, until: Seconds)
  }

  struct SimPod: Sendable {
    var name: String
    var w: Int
    var created: Seconds
    var node: String?
    var stage: Stage
    var container: Container
    var readyAt: Seconds?
    var ready = false
    var restarts = 0
    var backoffLevel = 0
    var labels: [String: String]
    var memory: Double
    var cpu: Double = 0
    var hasMetrics = false
    var deletion: Seconds?
    var dirty = true
  }

  struct SimFault: Sendable {
    var id: Int
    var kind: FaultKind
    var pods: Set<String>
    var params: FaultParameters
    var ends: Seconds
    /// What to set back when the fault ends: a workload's replicas, or a node to uncordon.
    var restoreReplicas: (w: Int, replicas: Int)? = nil
    var uncordon: Int? = nil
  }

  public private(set) var tickIndex: Int = 0
  public var now: Seconds { Double(tickIndex) * Simulator.tick }
  public let options: Options

  var rng: SplitMix64
  var specs: [Spec] = []
  var nodes: [Node] = []
  var pods: [SimPod] = []
  var faults: [SimFault] = []
  var hpaHistory = HPAAlgorithm.History()
  var hpa: HPA
  var flaskIndex = 0
  var postgresIndex = 0
  var primaryLostAt: Seconds?
  var workloadStatus: [Workload] = []
  var started = false
  let namespace = "pipeline"

  public init(options: Options = Options()) {
    self.options = options
    rng = SplitMix64(seed: options.seed)
    hpa = HPA(
      namespace: "pipeline", name: "flask", target: "Deployment/flask", minReplicas: 3, maxReplicas: 9,
      currentReplicas: 3,
      desiredReplicas: 3, targetUtilization: 50, scaleDownWindow: options.scaleDownWindow)
    buildScenario()
  }

  // MARK: - Scenario

  mutating func buildScenario() {
    let mi = 1024.0 * 1024.0
    nodes = [
      Node(name: "node-a1", zone: "zone-a", cpuCapacityMilli: 4000, memoryCapacityBytes: 16 * 1024 * mi),
      Node(name: "node-a2", zone: "zone-a", cpuCapacityMilli: 4000, memoryCapacityBytes: 16 * 1024 * mi),
      Node(name: "node-b1", zone: "zone-b", cpuCapacityMilli: 4000, memoryCapacityBytes: 16 * 1024 * mi),
    ]
    specs = [
      Spec(
        kind: .deployment, namespace: namespace, name: "flask", rsHash: "7c9d8f5b6d", replicas: 3,
        labels: ["app": "flask", "tier": "web"], containers: 1, cpuRequest: 200, cpuLimit: 500, memLimit: 256 * mi,
        memBase: 92 * mi, cpuIdle: 8, cpuPerRequest: 1.1, pullDelay: 2.0, readyDelay: 3.0, grace: 5, service: "flask",
        baseLatencyMs: 18, ioPerPod: 40_000, minAvailable: 2),
      Spec(
        kind: .statefulSet, namespace: namespace, name: "postgres", rsHash: nil, replicas: 2,
        labels: ["app": "postgres", "tier": "db"], containers: 2, cpuRequest: 500, cpuLimit: 1000, memLimit: 1024 * mi,
        memBase: 410 * mi, cpuIdle: 40, cpuPerRequest: 0.9, pullDelay: 3.0, readyDelay: 5.0, grace: 10,
        service: "postgres", baseLatencyMs: 3, ioPerPod: 1_500_000),
      Spec(
        kind: .deployment, namespace: namespace, name: "spark-master", rsHash: "5f6b7c8d9", replicas: 1,
        labels: ["app": "spark", "component": "master"], containers: 1, cpuRequest: 250, cpuLimit: 1000,
        memLimit: 1024 * mi, memBase: 600 * mi, cpuIdle: 60, cpuPerRequest: 0, pullDelay: 3.0, readyDelay: 4.0,
        grace: 8, service: "spark-master", baseLatencyMs: 9, ioPerPod: 200_000),
      Spec(
        kind: .statefulSet, namespace: namespace, name: "spark-worker", rsHash: nil, replicas: 3,
        labels: ["app": "spark", "component": "worker"], containers: 1, cpuRequest: 1000, cpuLimit: 2000,
        memLimit: 2048 * mi, memBase: 1200 * mi, cpuIdle: 450, cpuPerRequest: 0, pullDelay: 3.0, readyDelay: 4.0,
        grace: 8, service: nil, baseLatencyMs: 0, ioPerPod: 6_000_000),
    ]
    flaskIndex = 0
    postgresIndex = 1
    if options.extraPods > 0 {
      let perDeployment = 50
      let deployments = (options.extraPods + perDeployment - 1) / perDeployment
      var left = options.extraPods
      for d in 0..<deployments {
        let n = min(perDeployment, left)
        left -= n
        let ns = "batch-" + pad2(d / 10)
        specs.append(
          Spec(
            kind: .deployment, namespace: ns, name: "etl-" + pad2(d % 100), rsHash: "6d5c4b3a2" + String(d % 10),
            replicas: n, labels: ["app": "etl-" + pad2(d % 100)], containers: 2, cpuRequest: 100, cpuLimit: 500,
            memLimit: 512 * mi, memBase: 180 * mi, cpuIdle: 30, cpuPerRequest: 0, pullDelay: 2, readyDelay: 2, grace: 5,
            service: nil, baseLatencyMs: 0, ioPerPod: 10_000, light: true))
      }
      let extraNodes = options.extraPods / 110 + 1
      for i in 0..<extraNodes {
        nodes.append(
          Node(
            name: "node-x" + String(i), zone: i % 2 == 0 ? "zone-a" : "zone-b", cpuCapacityMilli: 16000,
            memoryCapacityBytes: 64 * 1024 * mi))
      }
    }
    // Everything starts Running and Ready, created some time ago.
    for (w, spec) in specs.enumerated() {
      for i in 0..<spec.replicas {
        var pod = newPod(w: w, ordinal: i, at: -rng.uniform(1800, 172_800))
        pod.stage = .running
        pod.container = .running(since: pod.created + 5)
        pod.ready = true
        pod.node = nodes[(pods.count) % nodes.count].name
        if w == postgresIndex { pod.labels["role"] = i == 0 ? "primary" : "replica" }
        pods.append(pod)
      }
    }
  }

  static let nameAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

  mutating func newPod(w: Int, ordinal: Int?, at t: Seconds) -> SimPod {
    let spec = specs[w]
    let name: String
    if spec.kind == .statefulSet, let ordinal {
      name = spec.name + "-" + String(ordinal)
    } else {
      var suffix = ""
      for _ in 0..<5 { suffix.append(Simulator.nameAlphabet[rng.int(Simulator.nameAlphabet.count)]) }
      name = spec.name + "-" + (spec.rsHash ?? "x") + "-" + suffix
    }
    var labels = spec.labels
    if let hash = spec.rsHash { labels["pod-template-hash"] = hash }
    if spec.kind == .statefulSet { labels["statefulset.kubernetes.io/pod-name"] = name }
    return SimPod(
      name: name, w: w, created: t, node: nil, stage: .pending(until: t + rng.uniform(0.3, 0.8)),
      container: .waiting(reason: "ContainerCreating", until: .infinity), labels: labels,
      memory: spec.memBase * rng.uniform(0.95, 1.05))
  }

  // MARK: - Advancing the clock

  /// The actions that describe the cluster as it is now (a list, before any watch event).
  public mutating func start() -> [Action] {
    started = true
    var out: [Action] = [.connection(.simulated)]
    for n in nodes { out.append(.nodeUpserted(n)) }
    for spec in specs where spec.service != nil {
      let deps = spec.name == "flask" ? [namespace + "/postgres"] : []
      out.append(
        .serviceUpserted(
          ServiceInfo(namespace: spec.namespace, name: spec.service!, workload: spec.id), dependsOn: deps))
    }
    sampleMetrics(into: &out)
    emitChanges(into: &out)
    runHPA(at: now, into: &out)
    out.append(.hpaUpserted(hpa))
    out.append(.tick(now))
    return out
  }

  /// Runs every tick up to virtual time `t` and returns what changed.
  public mutating func advance(to t: Seconds) -> [Action] {
    var out: [Action] = []
    if !started { out = start() }
    while Double(tickIndex + 1) * Simulator.tick <= t + 1e-9 {
      tickIndex += 1
      step(into: &out)
    }
    return out
  }

  mutating func step(into out: inout [Action]) {
    let t = now
    endFaults(at: t, into: &out)
    runControllers(at: t, into: &out)
    runKubelet(at: t, into: &out)
    runFailover(at: t, into: &out)
    if tickIndex % Simulator.hpaSyncTicks == 0 { runHPA(at: t, into: &out) }
    if tickIndex % Simulator.ticksPerSecond == 0 { sampleMetrics(into: &out) }
    emitChanges(into: &out)
    out.append(.tick(t))
  }

  // MARK: - Controllers

  mutating func event(
    _ out: inout [Action], _ reason: String, _ object: String, _ message: String, warning: Bool = false
  ) {
    out.append(
      .event(
        ClusterEvent(
          time: now, severity: warning ? .warning : .normal, reason: reason, object: object, message: message,
          workload: workloadID(ofObject: object))))
  }

  /// The workload behind an event's object (`pod/NAME`, `replicaset/NAME-HASH`, `statefulset/NAME`, ...).
  func workloadID(ofObject object: String) -> String? {
    let parts = object.split(separator: "/", maxSplits: 1).map(String.init)
    guard parts.count == 2 else { return nil }
    let (kind, name) = (parts[0], parts[1])
    switch kind {
    case "pod": return pods.first { $0.name == name }.map { specs[$0.w].id }
    case "replicaset": return specs.first { $0.name + "-" + ($0.rsHash ?? "") == name }?.id
    case "horizontalpodautoscaler": return specs[flaskIndex].id
    default: return specs.first { $0.name == name }?.id
    }
  }

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
            if w == postgresIndex {
              let hasPrimary = pods.contains { $0.w == w && $0.deletion == nil && $0.labels["role"] == "primary" }
              pod.labels["role"] = hasPrimary ? "replica" : "primary"
            }
            pods.append(pod)
            event(
              &out, "SuccessfulCreate", "statefulset/" + spec.name,
              "create Pod \(pod.name) in StatefulSet \(spec.name) successful")
          } else {
            let pod = newPod(w: w, ordinal: nil, at: t)
            pods.append(pod)
            if !spec.light {
              event(
                &out, "SuccessfulCreate", "replicaset/\(spec.name)-\(spec.rsHash ?? "")", "Created pod: \(pod.name)")
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
            &out, "SuccessfulDelete", "replicaset/\(spec.name)-\(spec.rsHash ?? "")", "Deleted pod: \(pods[i].name)")
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
      event(&out, "Killing", "pod/" + pods[i].name, "Stopping container \(specs[pods[i].w].name)")
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

  mutating func runKubelet(at t: Seconds, into out: inout [Action]) {
    var removed: [Int] = []
    for i in pods.indices {
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
              &out, "Scheduled", "pod/" + pods[i].name, "Successfully assigned \(namespace)/\(pods[i].name) to \(node)")
          }
        }
      case .creating(let until):
        if t >= until {
          pods[i].stage = .running
          pods[i].container = .running(since: t)
          pods[i].readyAt = t + spec.readyDelay * rng.uniform(0.9, 1.2)
          pods[i].memory = spec.memBase * rng.uniform(0.95, 1.05)
          pods[i].dirty = true
          if !spec.light { event(&out, "Started", "pod/" + pods[i].name, "Started container \(spec.name)") }
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
              &out, "Started", "pod/" + pods[i].name, "Started container \(spec.name) (restart \(pods[i].restarts))")
          }
        case .running(let since):
          if !pods[i].ready, let readyAt = pods[i].readyAt, t >= readyAt {
            pods[i].ready = true
            pods[i].readyAt = nil
            pods[i].dirty = true
            if pods[i].w == postgresIndex && pods[i].labels["role"] == "replica" {
              event(&out, "CaughtUp", "pod/" + pods[i].name, "replica caught up with the primary, streaming")
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
      out.append(.podDeleted(id: specs[pods[i].w].namespace + "/" + pods[i].name))
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
        &out, "OOMKilled", "pod/" + pods[i].name, "container \(spec.name) exceeded its memory limit and was OOMKilled",
        warning: true)
    }
    if wait > 1 {
      event(
        &out, "BackOff", "pod/" + pods[i].name, "Back-off \(Int(wait))s restarting failed container \(spec.name)",
        warning: true)
    }
  }

  /// The Postgres operator: promotes the replica when there has been no ready primary for the failover delay.
  mutating func runFailover(at t: Seconds, into out: inout [Action]) {
    let w = postgresIndex
    let hasPrimary = pods.contains { $0.w == w && $0.deletion == nil && $0.ready && $0.labels["role"] == "primary" }
    if hasPrimary {
      primaryLostAt = nil
      return
    }
    guard let lost = primaryLostAt else {
      primaryLostAt = t
      event(&out, "Unhealthy", "statefulset/postgres", "no ready primary: writes are failing", warning: true)
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
    primaryLostAt = nil
    event(
      &out, "Promoted", "pod/" + pods[candidate].name,
      "\(pods[candidate].name) promoted to primary after \(formatDuration(t - lost))")
  }

  mutating func runHPA(at t: Seconds, into out: inout [Action]) {
    let w = flaskIndex
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
      history: &hpaHistory)
    var next = hpa
    next.currentReplicas = current
    next.currentUtilization = rec.utilization
    if desired != current {
      specs[w].replicas = desired
      next.lastScaleTime = t
      let why =
        desired > current ? "cpu resource utilization (percentage of request) above target" : "All metrics below target"
      event(&out, "SuccessfulRescale", "horizontalpodautoscaler/flask", "New size: \(desired); reason: \(why)")
    }
    next.desiredReplicas = desired
    if next != hpa {
      hpa = next
      out.append(.hpaUpserted(hpa))
    }
  }

  // MARK: - Faults

  /// Carries out a fault now. Returns `faultStarted` with the pods it acted on, or `faultFailed`.
  /// Carries out a fault on `targets` (pod ids, as `FaultPlan` chose them from the snapshot), or on
  /// the pods the simulator finds for the request when none are given.
  public mutating func inject(id: Int, _ request: FaultRequest, targets chosen: [String]? = nil) -> [Action] {
    var out: [Action] = []
    var targets = resolveTargets(request)
    if let chosen, case .success = targets, request.kind != .scale, request.kind != .cordon {
      let indices = chosen.compactMap { id in
        pods.indices.first { pods[$0].deletion == nil && specs[pods[$0].w].namespace + "/" + pods[$0].name == id }
      }
      targets = indices.isEmpty ? .failure(Refusal(text: FaultPlan.whyNoTargets(request))) : .success(indices)
    }
    guard case .success(let indices) = targets else {
      if case .failure(let message) = targets { out.append(.faultFailed(id: id, message: message.text)) }
      return out
    }
    var acted = indices
    var refusedNote: String?
    if request.kind == .evict {
      // The eviction API: each pod in turn, refused (429) where its disruption budget allows no more.
      acted = []
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
      if acted.isEmpty {
        return [.faultFailed(id: id, message: "429 Too Many Requests: " + (refusedNote ?? "refused"))]
      }
    }
    let names = acted.map { specs[pods[$0].w].namespace + "/" + pods[$0].name }
    var workloads: [String] = []
    for i in acted where !workloads.contains(specs[pods[i].w].id) { workloads.append(specs[pods[i].w].id) }
    let ends = request.kind.isOneShot ? now : now + request.parameters.duration
    out.append(.faultStarted(id: id, time: now, ends: ends, pods: names, workloads: workloads))
    if let refusedNote { out.append(.notice("Evicted \(acted.count) of \(indices.count); " + refusedNote)) }
    switch request.kind {
    case .evict: break
    case .scale:
      let w = pods[indices[0]].w
      var f = SimFault(id: id, kind: .scale, pods: [], params: request.parameters, ends: ends)
      f.restoreReplicas = (w, specs[w].replicas)
      faults.append(f)
      specs[w].replicas = max(0, request.parameters.replicas)
      event(
        &out, "ScalingReplicaSet", "deployment/" + specs[w].name,
        "Scaled \(specs[w].name) to \(specs[w].replicas) (chaostui, was \(f.restoreReplicas!.replicas))")
    case .cordon:
      guard case .node(let name) = request.target, let n = nodes.firstIndex(where: { $0.name == name }) else { break }
      var f = SimFault(id: id, kind: .cordon, pods: [], params: request.parameters, ends: ends)
      if !nodes[n].unschedulable {
        nodes[n].unschedulable = true
        f.uncordon = n
        out.append(.nodeUpserted(nodes[n]))
      }
      faults.append(f)
      event(&out, "NodeNotSchedulable", "node/" + name, "Node \(name) status is now: NodeNotSchedulable")
    case .podKill, .killPrimary:
      let grace = request.parameters.gracePeriod.map(Double.init)
      for i in indices { deletePod(at: i, grace: grace ?? specs[pods[i].w].grace, into: &out) }
    case .containerKill:
      for i in indices {
        if case .running = pods[i].stage, case .running = pods[i].container {
          crashContainer(i, reason: "Error", into: &out)
        }
      }
    case .networkDelay, .networkLoss, .cpuHog, .memoryHog:
      faults.append(SimFault(id: id, kind: request.kind, pods: Set(names), params: request.parameters, ends: ends))
    }
    emitChanges(into: &out)
    return out
  }

  struct Refusal: Error { var text: String }

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
      let members = live.filter { specs[pods[$0].w].name == name && specs[pods[$0].w].namespace == ns }
      guard !members.isEmpty else { return .failure(Refusal(text: "workload \(ns)/\(name) has no running pods")) }
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
    case .node(let name):
      guard nodes.contains(where: { $0.name == name }) else { return .failure(Refusal(text: "node \(name) not found")) }
      return .success([])
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
        &out, "ScalingReplicaSet", "deployment/" + specs[r.w].name,
        "Scaled \(specs[r.w].name) back to \(r.replicas) (chaostui)")
    }
    if let n = f.uncordon {
      nodes[n].unschedulable = false
      out.append(.nodeUpserted(nodes[n]))
      event(&out, "NodeSchedulable", "node/" + nodes[n].name, "Node \(nodes[n].name) status is now: NodeSchedulable")
    }
  }

  // MARK: - Metrics

  /// What the active faults add to a pod: latency, loss, CPU and memory pressure.
  struct FaultLoad {
    var delay = 0.0, jitter = 0.0, loss = 0.0, cpu = 0.0, memRate = 0.0
  }

  func faultLoad(_ id: String) -> FaultLoad {
    var e = FaultLoad()
    for f in faults where f.pods.contains(id) {
      switch f.kind {
      case .networkDelay:
        e.delay += f.params.delayMs
        e.jitter += f.params.jitterMs
      case .networkLoss: e.loss = min(100, e.loss + f.params.lossPercent)
      case .cpuHog: e.cpu += f.params.cpuMilli
      case .memoryHog: e.memRate += f.params.memoryMiBPerSec * 1024 * 1024
      default: break
      }
    }
    return e
  }

  /// Requests per second reaching the web tier: a slow wave over five minutes with noise.
  public static func load(at t: Seconds) -> Double { 120 * (1 + 0.35 * sin(2 * Double.pi * t / 300)) }

  mutating func sampleMetrics(into out: inout [Action]) {
    let t = now
    let rps = Simulator.load(at: t) * (1 + 0.03 * rng.gaussian())
    var ready = [Int](repeating: 0, count: specs.count)
    for p in pods where p.ready { ready[p.w] += 1 }
    let hasPrimary = pods.contains { $0.w == postgresIndex && $0.ready && $0.labels["role"] == "primary" }

    struct Acc {
      var cpu = 0.0, mem = 0.0, io = 0.0
      var lat: [(p50: Double, p99: Double, share: Double)] = []
      var loss = 0.0
    }
    var acc = [Acc](repeating: Acc(), count: specs.count)
    var podSamples: [PodSample] = []
    podSamples.reserveCapacity(pods.count)
    let faultsActive = !faults.isEmpty
    let sparkWave = max(0, sin(2 * Double.pi * t / 90))
    for i in pods.indices {
      let spec = specs[pods[i].w]
      let running: Bool
      if case .running = pods[i].stage, case .running = pods[i].container { running = true } else { running = false }
      guard running else {
        if pods[i].hasMetrics {
          pods[i].hasMetrics = false
        }
        continue
      }
      let id = spec.namespace + "/" + pods[i].name
      if spec.light {
        let cpu = spec.cpuIdle * (1 + 0.2 * rng.unit())
        pods[i].cpu = cpu
        pods[i].hasMetrics = true
        podSamples.append(PodSample(podID: id, cpuMilli: cpu, memoryBytes: pods[i].memory))
        acc[pods[i].w].cpu += cpu
        acc[pods[i].w].mem += pods[i].memory
        acc[pods[i].w].io += spec.ioPerPod
        continue
      }
      let fx = faultsActive ? faultLoad(id) : FaultLoad()
      var share = 0.0
      var work = spec.cpuIdle
      switch pods[i].w {
      case flaskIndex:
        share = pods[i].ready ? rps / Double(max(1, ready[flaskIndex])) : 0
        work += share * spec.cpuPerRequest
      case postgresIndex:
        let isPrimary = pods[i].labels["role"] == "primary"
        share = pods[i].ready ? (isPrimary ? rps * 0.8 : rps * 0.2) : 0
        work += share * spec.cpuPerRequest
      default:
        if spec.name == "spark-worker" { work += 700 * sparkWave }
        share = spec.service != nil && pods[i].ready ? 5 : 0
      }
      work *= 1 + 0.06 * rng.gaussian()
      let cpu = min(spec.cpuLimit, max(1, work + fx.cpu))
      pods[i].cpu = cpu
      pods[i].hasMetrics = true
      if fx.memRate > 0 {
        pods[i].memory += fx.memRate
      } else {
        pods[i].memory = max(
          spec.memBase * 0.9, min(spec.memLimit * 0.98, pods[i].memory * (1 + 0.01 * rng.gaussian())))
      }
      podSamples.append(PodSample(podID: id, cpuMilli: cpu, memoryBytes: pods[i].memory))
      acc[pods[i].w].cpu += cpu
      acc[pods[i].w].mem += pods[i].memory
      var io = spec.ioPerPod * (0.8 + 0.4 * rng.unit())
      if spec.name == "spark-worker" { io *= 0.3 + 2 * sparkWave }
      if pods[i].w == postgresIndex { io *= share / 60 + 0.2 }
      acc[pods[i].w].io += io
      if spec.service != nil && pods[i].ready {
        // Queueing: latency grows as the pod's CPU nears its limit (the stressor steals from the app).
        let available = max(spec.cpuLimit * 0.05, spec.cpuLimit - fx.cpu)
        let rho = min(0.97, work / available)
        var p50 = spec.baseLatencyMs / (1 - rho) * (1 + 0.04 * rng.gaussian())
        var p99 = p50 * 2.6
        if fx.delay > 0 {
          p50 += fx.delay + fx.jitter * rng.gaussian() * 0.5
          p99 += fx.delay + fx.jitter * 2
        }
        acc[pods[i].w].lat.append((max(0.1, p50), max(0.1, p99), max(share, 0.01)))
        acc[pods[i].w].loss += fx.loss * max(share, 0.01)
      }
    }
    var samples: [WorkloadSample] = []
    for (w, spec) in specs.enumerated() {
      var sample = WorkloadSample(
        workloadID: spec.id, cpuMilli: acc[w].cpu, memoryBytes: acc[w].mem, ioBytesPerSec: acc[w].io)
      if spec.service != nil {
        let lat = acc[w].lat
        let total = lat.reduce(0) { $0 + $1.share }
        if lat.isEmpty {
          sample.latencyP50Ms = 1000
          sample.latencyP99Ms = 1000
          sample.lossPercent = 0
          sample.errorPercent = 100
          sample.requestsPerSec = 0
        } else {
          sample.latencyP50Ms = Simulator.weightedQuantile(lat.map { ($0.p50, $0.share) }, 0.5)
          sample.latencyP99Ms = Simulator.weightedQuantile(lat.map { ($0.p99, $0.share) }, 0.99)
          let loss = acc[w].loss / total
          sample.lossPercent = loss
          var errors = loss * 0.6
          if !hasPrimary && (w == flaskIndex || w == postgresIndex) { errors += 25 }
          sample.errorPercent = min(100, errors)
          sample.requestsPerSec = w == flaskIndex ? rps : (w == postgresIndex ? rps : 5)
        }
      }
      samples.append(sample)
    }
    out.append(.podMetrics(time: t, podSamples))
    out.append(.workloadMetrics(time: t, samples))
  }

  /// The value below which `q` of the weight lies.
  static func weightedQuantile(_ values: [(Double, Double)], _ q: Double) -> Double {
    let sorted = values.sorted { $0.0 < $1.0 }
    let total = sorted.reduce(0) { $0 + $1.1 }
    var seen = 0.0
    for (v, w) in sorted {
      seen += w
      if seen >= q * total - 1e-9 { return v }
    }
    return sorted.last?.0 ?? 0
  }

  // MARK: - Emitting state

  func podModel(_ p: SimPod) -> Pod {
    let spec = specs[p.w]
    var phase = PodPhase.pending
    var status = "Pending"
    var readyCount = 0
    switch p.stage {
    case .pending: break
    case .creating: status = "ContainerCreating"
    case .terminating:
      phase = .running
      status = "Terminating"
    case .running:
      phase = .running
      switch p.container {
      case .running:
        status = "Running"
        readyCount = p.ready ? spec.containers : spec.containers - 1
      case .waiting(let reason, let until):
        status = reason == "ContainerCreating" ? reason : (until - now > 1.05 ? "CrashLoopBackOff" : reason)
        readyCount = spec.containers - 1
      }
    }
    let owner =
      spec.kind == .statefulSet
      ? OwnerRef(kind: "StatefulSet", name: spec.name)
      : OwnerRef(kind: "ReplicaSet", name: spec.name + "-" + (spec.rsHash ?? ""))
    return Pod(
      namespace: spec.namespace, name: p.name, phase: phase, status: status, readyContainers: readyCount,
      totalContainers: spec.containers, restarts: p.restarts, created: p.created, deletionTimestamp: p.deletion,
      node: p.node,
      labels: p.labels, owner: owner, workload: spec.name, cpuRequestMilli: spec.cpuRequest,
      memoryLimitBytes: spec.memLimit)
  }

  mutating func emitChanges(into out: inout [Action]) {
    var ready = [Int](repeating: 0, count: specs.count)
    var current = [Int](repeating: 0, count: specs.count)
    for i in pods.indices {
      if pods[i].ready { ready[pods[i].w] += 1 }
      if pods[i].deletion == nil { current[pods[i].w] += 1 }
      if pods[i].dirty {
        pods[i].dirty = false
        out.append(.podUpserted(podModel(pods[i])))
      }
    }
    var statuses: [Workload] = []
    for (w, spec) in specs.enumerated() {
      statuses.append(
        Workload(
          kind: spec.kind, namespace: spec.namespace, name: spec.name, desiredReplicas: spec.replicas,
          currentReplicas: current[w], readyReplicas: ready[w], updatedAt: 0,
          owner: spec.rsHash.map { spec.name + "-" + $0 }))
    }
    if statuses != workloadStatus {
      for (i, s) in statuses.enumerated() where i >= workloadStatus.count || workloadStatus[i] != s {
        var s2 = s
        s2.updatedAt = now
        out.append(.workloadUpserted(s2))
      }
      workloadStatus = statuses
    }
  }
}

/// The demo as a source: the simulator on a virtual clock that runs at `speed` times real time
/// from the first frame, and the executor of the reducer's effects.
public final class DemoCluster: SimulatedSource {
  public var simulator: Simulator
  public let speed: Double
  private var realStart: Double?

  public init(options: Simulator.Options, speed: Double = 1) {
    simulator = Simulator(options: options)
    self.speed = speed
  }

  public var info: SourceInfo { SourceInfo(isDemo: true, context: "demo", namespace: "pipeline") }

  /// Nothing runs in the background: the simulator moves when the runtime asks.
  public func start(inbox: Inbox) {}

  /// The demo's faults die with the simulator: nothing to set back.
  public func stop() {}

  public func actions(at realTime: Double) -> [Action] {
    if realStart == nil { realStart = realTime }
    return simulator.advance(to: (realTime - realStart!) * speed)
  }

  public func actions(atVirtual t: Seconds) -> [Action] { simulator.advance(to: t) }

  /// Carries out an effect on the pods `FaultPlan` picks from the snapshot (the configured primary
  /// selector, a seeded random pod), as a real cluster's executor does.
  public func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] {
    guard case .inject(let id, let request) = effect, request.target.isNode == false else { return perform(effect) }
    let targets = FaultPlan.targets(request, in: state) { [self] members in
      members.isEmpty ? nil : members[simulator.rng.int(members.count)]
    }
    return simulator.inject(id: id, request, targets: targets.map(\.id))
  }

  public func perform(_ effect: Effect) -> [Action] {
    switch effect {
    case .inject(let id, let request): return simulator.inject(id: id, request)
    case .abort(let ids): return simulator.abort(ids: ids)
    case .notify: return []
    }
  }
}
