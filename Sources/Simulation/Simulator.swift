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
    /// A second instance of the pipeline, same load, in `pipeline-control`: the control group an
    /// experiment compares its experimental group (`pipeline`) with.
    public var controlGroup = false
    public init() {}
  }

  /// The namespaces of the pipeline's instances: the experimental group first, then the control.
  public static let experimentalNamespace = "pipeline"
  public static let controlNamespace = "pipeline-control"

  /// One instance of the reference pipeline: its Flask and Postgres specs, its autoscaler and its
  /// Postgres operator's state.
  struct Pipeline: Sendable {
    var namespace: String
    var flask: Int
    var postgres: Int
    var hpa: HPA
    var hpaHistory = HPAAlgorithm.History()
    var primaryLostAt: Seconds?
  }

  public static let tick: Seconds = 0.1
  static let ticksPerSecond = 10
  static let hpaSyncTicks = 150
  /// Readiness probes every 2 s; 3 failures in a row take a pod out of its endpoints.
  static let probeTicks = 20
  static let probeFailureThreshold = 3

  /// kube-monkey's labels on the demo's workloads (flask, postgres, spark-master, spark-worker):
  /// each kill mode once, the Spark master opted out.
  static let monkeyLabels: [[String: String]] = [
    [
      "kube-monkey/enabled": "enabled", "kube-monkey/identifier": "flask", "kube-monkey/mtbf": "6h",
      "kube-monkey/kill-mode": "fixed", "kube-monkey/kill-value": "1",
    ],
    ["kube-monkey/enabled": "enabled", "kube-monkey/identifier": "postgres", "kube-monkey/mtbf": "12h"],
    ["kube-monkey/enabled": "disabled", "kube-monkey/identifier": "spark-master", "kube-monkey/mtbf": "1"],
    [
      "kube-monkey/enabled": "enabled", "kube-monkey/identifier": "spark-worker", "kube-monkey/mtbf": "8h",
      "kube-monkey/kill-mode": "random-max-percent", "kube-monkey/kill-value": "100",
    ],
  ]

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
    /// The workload's own labels (kube-monkey's opt-in).
    var workloadLabels: [String: String] = [:]
    /// Memory requested a pod, and the pods' priority (the kubelet evicts the lowest first).
    var memRequest: Double = 0
    var priority = 0
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
    /// Readiness probes failed in a row (a probe times out when the pod is starved of CPU).
    var probeFailures = 0
    /// Taken out of the endpoints by its failing readiness probe.
    var probeFailing = false
    var restarts = 0
    var backoffLevel = 0
    var labels: [String: String]
    var memory: Double
    var cpu: Double = 0
    var hasMetrics = false
    var deletion: Seconds?
    var dirty = true
    /// The kubelet evicted it, and why.
    var evicted: String?
  }

  struct SimFault: Sendable {
    var id: Int
    var kind: FaultKind
    var pods: Set<String>
    var params: FaultParameters
    var ends: Seconds
    /// What it adds to the traffic of each of `pods`.
    var load = FaultLoad()
    /// What to set back when the fault ends: a workload's replicas, or a node to uncordon.
    var restoreReplicas: (w: Int, replicas: Int)? = nil
    var uncordon: Int? = nil
    /// Stopped nodes to start again, and since when they are down.
    var restart: [Int] = []
    var since: Seconds = 0
    /// Memory pressure on this node: MiB still to free.
    var pressure: (node: Int, mib: Double)? = nil
  }

  public private(set) var tickIndex: Int = 0
  public var now: Seconds { Double(tickIndex) * Simulator.tick }
  public let options: Options

  var rng: SplitMix64
  var specs: [Spec] = []
  var nodes: [Node] = []
  var pods: [SimPod] = []
  var faults: [SimFault] = []
  var pipelines: [Pipeline] = []
  var workloadStatus: [Workload] = []
  var started = false
  /// The container log the logs pane follows, and what its lines were last written from.
  var logFollow: LogRequest?
  var logMemory = LogMemory()

  public init(options: Options = Options()) {
    self.options = options
    rng = SplitMix64(seed: options.seed)
    buildScenario()
  }

  /// The pipeline a spec belongs to (nil: a batch workload).
  func pipeline(ofSpec w: Int) -> Int? { pipelines.firstIndex { $0.namespace == specs[w].namespace } }

  // MARK: - Scenario

  mutating func buildScenario() {
    let mi = 1024.0 * 1024.0
    nodes = [
      Node(name: "node-a1", zone: "zone-a", cpuCapacityMilli: 4000, memoryCapacityBytes: 16 * 1024 * mi),
      Node(name: "node-a2", zone: "zone-a", cpuCapacityMilli: 4000, memoryCapacityBytes: 16 * 1024 * mi),
      Node(name: "node-b1", zone: "zone-b", cpuCapacityMilli: 4000, memoryCapacityBytes: 16 * 1024 * mi),
    ]
    let namespaces =
      [Simulator.experimentalNamespace] + (options.controlGroup ? [Simulator.controlNamespace] : [])
    specs = []
    pipelines = []
    for namespace in namespaces {
      let first = specs.count
      specs += [
        Spec(
          kind: .deployment, namespace: namespace, name: "flask", rsHash: "7c9d8f5b6d", replicas: 3,
          labels: ["app": "flask", "tier": "web"], containers: 1, cpuRequest: 200, cpuLimit: 500, memLimit: 256 * mi,
          memBase: 92 * mi, cpuIdle: 8, cpuPerRequest: 1.1, pullDelay: 2.0, readyDelay: 3.0, grace: 5, service: "flask",
          baseLatencyMs: 18, ioPerPod: 40_000, minAvailable: 2),
        Spec(
          kind: .statefulSet, namespace: namespace, name: "postgres", rsHash: nil, replicas: 2,
          labels: ["app": "postgres", "tier": "db"], containers: 2, cpuRequest: 500, cpuLimit: 1000,
          memLimit: 1024 * mi,
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
      pipelines.append(
        Pipeline(
          namespace: namespace, flask: first, postgres: first + 1,
          hpa: HPA(
            namespace: namespace, name: "flask", target: "Deployment/flask", minReplicas: 3, maxReplicas: 9,
            currentReplicas: 3, desiredReplicas: 3, targetUtilization: 50, scaleDownWindow: options.scaleDownWindow)))
      // Requests beside the limits, and priorities: the database first, the batch workers last.
      for (k, (mem, priority)) in [(128 * mi, 100), (512 * mi, 1000), (512 * mi, 100), (1024 * mi, 0)].enumerated() {
        specs[first + k].memRequest = mem
        specs[first + k].priority = priority
      }
      // The experimental pipeline opts in to kube-monkey (the control group stays out).
      if namespace == Simulator.experimentalNamespace {
        for (i, labels) in Simulator.monkeyLabels.enumerated() { specs[first + i].workloadLabels = labels }
      }
    }
    if options.extraPods > 0 { addBatchWorkloads(options.extraPods) }
    // Everything starts Running and Ready, created some time ago.
    for (w, spec) in specs.enumerated() {
      for i in 0..<spec.replicas {
        var pod = newPod(w: w, ordinal: i, at: -rng.uniform(1800, 172_800))
        pod.stage = .running
        pod.container = .running(since: pod.created + 5)
        pod.ready = true
        pod.node = nodes[(pods.count) % nodes.count].name
        if pipelines.contains(where: { $0.postgres == w }) { pod.labels["role"] = i == 0 ? "primary" : "replica" }
        pods.append(pod)
      }
    }
  }

  /// Batch workloads of light pods (benchmarks, scale tests), on nodes of their own.
  mutating func addBatchWorkloads(_ count: Int) {
    let mi = 1024.0 * 1024.0
    let perDeployment = 50
    let deployments = (count + perDeployment - 1) / perDeployment
    var left = count
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
    let extraNodes = count / 110 + 1
    for i in 0..<extraNodes {
      nodes.append(
        Node(
          name: "node-x" + String(i), zone: i % 2 == 0 ? "zone-a" : "zone-b", cpuCapacityMilli: 16000,
          memoryCapacityBytes: 64 * 1024 * mi))
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
      let deps = spec.name == "flask" ? [spec.namespace + "/postgres"] : []
      out.append(
        .serviceUpserted(
          ServiceInfo(namespace: spec.namespace, name: spec.service!, workload: spec.id), dependsOn: deps))
    }
    sampleMetrics(into: &out)
    emitChanges(into: &out)
    for k in pipelines.indices {
      runHPA(k, at: now, into: &out)
      out.append(.hpaUpserted(pipelines[k].hpa))
    }
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
    runNodeController(at: t, into: &out)
    runMemoryPressure(at: t, into: &out)
    runKubelet(at: t, into: &out)
    for k in pipelines.indices { runFailover(k, at: t, into: &out) }
    if tickIndex % Simulator.probeTicks == 0 { runReadinessProbes(at: t, into: &out) }
    if tickIndex % Simulator.hpaSyncTicks == 0 { for k in pipelines.indices { runHPA(k, at: t, into: &out) } }
    if tickIndex % Simulator.ticksPerSecond == 0 {
      sampleMetrics(into: &out)
      writeLogs(at: t, into: &out)
    }
    emitChanges(into: &out)
    out.append(.tick(t))
  }
}
