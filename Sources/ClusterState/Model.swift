/// Seconds on the cluster's clock. The simulator's clock is virtual; a real cluster's is wall time.
public typealias Seconds = Double

public enum PodPhase: String, Sendable, Equatable, CaseIterable, Codable {
  case pending = "Pending"
  case running = "Running"
  case succeeded = "Succeeded"
  case failed = "Failed"
  case unknown = "Unknown"
}

/// The broad state a pod is in, for colouring and sorting (what `kubectl get pods` STATUS means).
public enum PodHealth: Int, Sendable, Comparable {
  case ok = 0, progressing, warning, failing

  public static func < (a: PodHealth, b: PodHealth) -> Bool { a.rawValue < b.rawValue }
}

public struct OwnerRef: Sendable, Equatable, Hashable, Codable {
  public var kind: String
  public var name: String
  public init(kind: String, name: String) {
    self.kind = kind
    self.name = name
  }
}

public struct Pod: Sendable, Equatable, Codable {
  public var namespace: String
  public var name: String
  public var phase: PodPhase
  /// The STATUS column as kubectl prints it: Running, Pending, ContainerCreating, Terminating,
  /// CrashLoopBackOff, OOMKilled, Error, Completed.
  public var status: String
  public var readyContainers: Int
  public var totalContainers: Int
  public var restarts: Int
  public var created: Seconds
  public var deletionTimestamp: Seconds?
  public var node: String?
  public var labels: [String: String]
  public var owner: OwnerRef?
  /// The workload the pod belongs to (Deployment through its ReplicaSet, StatefulSet, ...).
  public var workload: String?
  public var cpuRequestMilli: Double
  public var memoryLimitBytes: Double
  /// Names of the pod's containers (Chaos Mesh container-kill names them).
  public var containerNames: [String] = []
  /// The other half of its resources (nil: not set), and its priority (PriorityClass' value).
  public var cpuLimitMilli: Double?
  public var memoryRequestBytes: Double?
  public var priority: Int?
  /// Why the kubelet evicted it (`The node was low on resource: memory...`), when it did.
  public var evictionReason: String?

  /// Kubernetes' QoS class from requests and limits: the kubelet evicts BestEffort first.
  public var qosClass: String {
    let cpuLimit = cpuLimitMilli ?? 0
    let memRequest = memoryRequestBytes ?? 0
    if cpuRequestMilli <= 0 && memRequest <= 0 && cpuLimit <= 0 && memoryLimitBytes <= 0 { return "BestEffort" }
    if cpuLimit > 0 && memoryLimitBytes > 0 && cpuLimit == cpuRequestMilli && memoryLimitBytes == memRequest {
      return "Guaranteed"
    }
    return "Burstable"
  }

  public init(
    namespace: String, name: String, phase: PodPhase = .pending, status: String = "Pending",
    readyContainers: Int = 0, totalContainers: Int = 1, restarts: Int = 0, created: Seconds,
    deletionTimestamp: Seconds? = nil, node: String? = nil, labels: [String: String] = [:],
    owner: OwnerRef? = nil, workload: String? = nil, cpuRequestMilli: Double = 0,
    memoryLimitBytes: Double = 0
  ) {
    self.namespace = namespace
    self.name = name
    self.phase = phase
    self.status = status
    self.readyContainers = readyContainers
    self.totalContainers = totalContainers
    self.restarts = restarts
    self.created = created
    self.deletionTimestamp = deletionTimestamp
    self.node = node
    self.labels = labels
    self.owner = owner
    self.workload = workload
    self.cpuRequestMilli = cpuRequestMilli
    self.memoryLimitBytes = memoryLimitBytes
  }

  public var id: String { PodID(namespace: namespace, name: name).key }
  /// The key of the workload it belongs to (namespace/name), if any.
  public var workloadID: String? { workload.map { WorkloadID(namespace: namespace, name: $0).key } }
  public var isReady: Bool {
    deletionTimestamp == nil && totalContainers > 0 && readyContainers == totalContainers && phase == .running
  }
  public var isTerminating: Bool { deletionTimestamp != nil }

  /// The role of a stateful pod, from the labels operators use in the wild.
  public var role: String? { RoleSelector.role(of: labels) }

  public var health: PodHealth {
    if isTerminating { return .progressing }
    switch status {
    case "CrashLoopBackOff", "OOMKilled", "Error", "Failed", "ImagePullBackOff", "ErrImagePull", "Unknown":
      return .failing
    case "Pending", "ContainerCreating", "PodInitializing", "Init": return .progressing
    case "Completed": return .ok
    default: return isReady ? .ok : .warning
    }
  }
}

/// Finds the primary of a replicated stateful workload from its pods' labels.
/// The defaults cover `role=primary|master`, Zalando/Spilo `spilo-role=master` and CloudNativePG
/// `cnpg.io/instanceRole=primary`; the keys are configurable.
public struct RoleSelector: Sendable, Equatable, Codable {
  public var keys: [String]
  public var primaryValues: Set<String>

  public static let `default` = RoleSelector(
    keys: ["role", "spilo-role", "cnpg.io/instanceRole", "app.kubernetes.io/role"],
    primaryValues: ["primary", "master", "leader"])

  public init(keys: [String], primaryValues: Set<String>) {
    self.keys = keys
    self.primaryValues = primaryValues
  }

  public static func role(of labels: [String: String]) -> String? {
    for key in RoleSelector.default.keys { if let v = labels[key] { return v } }
    return nil
  }

  public func isPrimary(_ labels: [String: String]) -> Bool {
    for key in keys { if let v = labels[key], primaryValues.contains(v) { return true } }
    return false
  }

  /// Parses `key=value[|value...]` (for example `spilo-role=master`).
  public static func parse(_ text: String) -> RoleSelector? {
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
    let values = Set(parts[1].split(separator: "|").map(String.init))
    return RoleSelector(keys: [parts[0]], primaryValues: values)
  }
}

public enum WorkloadKind: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
  case deployment = "Deployment"
  case statefulSet = "StatefulSet"
  case replicaSet = "ReplicaSet"
  case daemonSet = "DaemonSet"

  public var short: String {
    switch self {
    case .deployment: return "deploy"
    case .statefulSet: return "sts"
    case .replicaSet: return "rs"
    case .daemonSet: return "ds"
    }
  }
}

public struct Workload: Sendable, Equatable, Codable {
  public var kind: WorkloadKind
  public var namespace: String
  public var name: String
  public var desiredReplicas: Int
  public var currentReplicas: Int
  public var readyReplicas: Int
  public var updatedAt: Seconds
  /// The ReplicaSet behind a Deployment.
  public var owner: String?
  /// The workload's own labels (`metadata.labels`: kube-monkey's opt-in lives there).
  public var labels: [String: String] = [:]

  public init(
    kind: WorkloadKind, namespace: String, name: String, desiredReplicas: Int, currentReplicas: Int = 0,
    readyReplicas: Int = 0, updatedAt: Seconds = 0, owner: String? = nil, labels: [String: String] = [:]
  ) {
    self.kind = kind
    self.namespace = namespace
    self.name = name
    self.desiredReplicas = desiredReplicas
    self.currentReplicas = currentReplicas
    self.readyReplicas = readyReplicas
    self.updatedAt = updatedAt
    self.owner = owner
    self.labels = labels
  }

  /// Journals written before workloads had labels read as no labels.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    kind = try c.decode(WorkloadKind.self, forKey: .kind)
    namespace = try c.decode(String.self, forKey: .namespace)
    name = try c.decode(String.self, forKey: .name)
    desiredReplicas = try c.decode(Int.self, forKey: .desiredReplicas)
    currentReplicas = try c.decode(Int.self, forKey: .currentReplicas)
    readyReplicas = try c.decode(Int.self, forKey: .readyReplicas)
    updatedAt = try c.decode(Seconds.self, forKey: .updatedAt)
    owner = try c.decodeIfPresent(String.self, forKey: .owner)
    labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
  }

  public var id: String { WorkloadID(namespace: namespace, name: name).key }
  public var healthy: Bool { readyReplicas >= desiredReplicas }
}

public struct HPA: Sendable, Equatable, Codable {
  public var namespace: String
  public var name: String
  public var target: String
  public var minReplicas: Int
  public var maxReplicas: Int
  public var currentReplicas: Int
  public var desiredReplicas: Int
  public var targetUtilization: Double
  public var currentUtilization: Double?
  public var lastScaleTime: Seconds?
  public var scaleDownWindow: Seconds

  public init(
    namespace: String, name: String, target: String, minReplicas: Int, maxReplicas: Int, currentReplicas: Int,
    desiredReplicas: Int, targetUtilization: Double, currentUtilization: Double? = nil,
    lastScaleTime: Seconds? = nil, scaleDownWindow: Seconds = 300
  ) {
    self.namespace = namespace
    self.name = name
    self.target = target
    self.minReplicas = minReplicas
    self.maxReplicas = maxReplicas
    self.currentReplicas = currentReplicas
    self.desiredReplicas = desiredReplicas
    self.targetUtilization = targetUtilization
    self.currentUtilization = currentUtilization
    self.lastScaleTime = lastScaleTime
    self.scaleDownWindow = scaleDownWindow
  }

  public var id: String { namespace + "/" + name }
  /// The key of the workload it scales (its scaleTargetRef, as namespace/name).
  public var workloadID: String {
    WorkloadID(namespace: namespace, name: target.split(separator: "/").last.map(String.init) ?? target).key
  }

  /// Whether the controller has computed a desired count: a real HPA's status says 0 until then,
  /// which must not read as "scale to zero".
  public var desiredKnown = true

  /// The controller's conditions (AbleToScale, ScalingActive, ScalingLimited), as the API serves them.
  public var conditions: [Condition] = []

  public struct Condition: Sendable, Equatable, Codable {
    public var type: String
    public var status: String
    public var reason: String
    public var message: String
    public init(type: String, status: String, reason: String = "", message: String = "") {
      self.type = type
      self.status = status
      self.reason = reason
      self.message = message
    }
    /// True when this condition keeps the autoscaler from scaling as asked: AbleToScale or
    /// ScalingActive not True, or ScalingLimited True at the maximum (TooManyReplicas: it wants more
    /// than it may have). Held at the minimum (TooFewReplicas) is an autoscaler at rest.
    public var isProblem: Bool {
      switch type {
      case "AbleToScale", "ScalingActive": return status != "True"
      case "ScalingLimited": return status == "True" && reason != "TooFewReplicas"
      default: return false
      }
    }
  }

  /// The first condition that keeps it from scaling, most serious first.
  public var stuck: Condition? {
    for type in ["AbleToScale", "ScalingActive", "ScalingLimited"] {
      if let c = conditions.first(where: { $0.type == type }), c.isProblem { return c }
    }
    return nil
  }
}

public struct Node: Sendable, Equatable, Codable {
  public var name: String
  public var zone: String
  public var ready: Bool
  public var cpuCapacityMilli: Double
  public var memoryCapacityBytes: Double
  /// Cordoned: no new pods are scheduled here.
  public var unschedulable = false

  public init(name: String, zone: String, ready: Bool = true, cpuCapacityMilli: Double, memoryCapacityBytes: Double) {
    self.name = name
    self.zone = zone
    self.ready = ready
    self.cpuCapacityMilli = cpuCapacityMilli
    self.memoryCapacityBytes = memoryCapacityBytes
  }
}

/// What a node uses now (metrics.k8s.io).
public struct NodeUsage: Sendable, Equatable, Codable {
  public var node: String
  public var cpuMilli: Double
  public var memoryBytes: Double
  public init(node: String, cpuMilli: Double, memoryBytes: Double) {
    self.node = node
    self.cpuMilli = cpuMilli
    self.memoryBytes = memoryBytes
  }
}

/// A Service and the workload behind it; its traffic is what the network pane measures.
public struct ServiceInfo: Sendable, Equatable, Codable {
  public var namespace: String
  public var name: String
  public var workload: String
  public init(namespace: String, name: String, workload: String) {
    self.namespace = namespace
    self.name = name
    self.workload = workload
  }
  public var id: String { namespace + "/" + name }
}

public struct ClusterEvent: Sendable, Equatable, Codable {
  public enum Severity: String, Sendable, Codable { case normal = "Normal", warning = "Warning" }
  public var time: Seconds
  public var severity: Severity
  public var reason: String
  public var object: String
  public var message: String
  /// The workload (namespace/name) the object belongs to, when the source knows it.
  public var workload: String?

  public init(
    time: Seconds, severity: Severity = .normal, reason: String, object: String, message: String,
    workload: String? = nil
  ) {
    self.time = time
    self.severity = severity
    self.reason = reason
    self.object = object
    self.message = message
    self.workload = workload
  }
}

/// The state of one source of figures the user named or the cluster offers: what it feeds when it
/// works, why it gives nothing, or its error. Every such source has one, shown in the checks pane.
public struct SourceStatus: Sendable, Equatable, Codable {
  public enum Health: String, Sendable, Equatable, Codable {
    /// Answers and feeds figures (`detail` says which).
    case working
    /// Answers, but gives nothing chaostui uses (`detail` says why).
    case empty
    /// Does not answer or answers an error (`detail` is the error).
    case failing
    /// Not read (`detail` says why: the demo makes its own numbers).
    case ignored
  }
  /// What the source is, as the user named it: `scrape http://host:9100/metrics`.
  public var name: String
  public var health: Health
  public var detail: String
  public init(name: String, health: Health, detail: String) {
    self.name = name
    self.health = health
    self.detail = detail
  }
}

public enum ConnectionState: Sendable, Equatable, Codable {
  case simulated
  case connecting
  case connected
  case degraded(String)
  case disconnected(String)

  public var label: String {
    switch self {
    case .simulated: return "simulated"
    case .connecting: return "connecting"
    case .connected: return "connected"
    case .degraded(let why): return "degraded: " + why
    case .disconnected(let why): return "disconnected: " + why
    }
  }
}
