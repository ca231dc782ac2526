/// The faults chaostui can inject. On a real cluster they map to API calls or Chaos Mesh resources;
/// in the demo the simulator carries them out.
public enum FaultKind: String, Sendable, Equatable, CaseIterable, Codable {
  // In the fault menu's order. Each has its row in the fault table (`FaultTable+Kinds.swift`).
  case podKill = "pod-kill"
  case containerKill = "container-kill"
  case networkDelay = "network-delay"
  case networkLoss = "network-loss"
  case cpuHog = "cpu-hog"
  case memoryHog = "memory-hog"
  case killPrimary = "kill-primary"
  case evict = "evict"
  case scale = "scale"
  case cordon = "cordon"
  case nodeStop = "node-stop"
  case memoryPressure = "memory-pressure"
  case drain = "drain"
  case zoneOutage = "zone-outage"
  case dnsError = "dns-error"
  case timeSkew = "time-skew"
  case ioLatency = "io-latency"
  case httpAbort = "http-abort"
  case networkPartition = "network-partition"
  case bandwidthLimit = "bandwidth-limit"
}

public enum FaultTarget: Sendable, Equatable, Hashable, Codable {
  case pod(namespace: String, name: String)
  case workload(namespace: String, name: String)
  case node(name: String)
  /// Every node of a zone (`topology.kubernetes.io/zone`).
  case zone(name: String)

  /// The namespace of the target ("" for a node or a zone, which have none).
  public var namespace: String {
    switch self {
    case .pod(let ns, _), .workload(let ns, _): return ns
    case .node, .zone: return ""
    }
  }

  /// A node or a zone: the fault acts on machines, not on a workload's pods.
  public var isNode: Bool {
    switch self {
    case .node, .zone: return true
    case .pod, .workload: return false
    }
  }

  public var label: String {
    switch self {
    case .pod(let ns, let n): return "pod \(ns)/\(n)"
    case .workload(let ns, let n): return "workload \(ns)/\(n)"
    case .node(let n): return "node \(n)"
    case .zone(let z): return "zone \(z)"
    }
  }
}

/// How many pods of a workload a fault acts on (Chaos Mesh `mode`).
public enum FaultMode: String, Sendable, Equatable, Codable {
  case one, all
}

public struct FaultParameters: Sendable, Equatable, Codable {
  public var mode: FaultMode = .all
  public var delayMs: Double = 200
  public var jitterMs: Double = 20
  public var lossPercent: Double = 30
  /// CPU hog: millicores the stressor tries to burn in each target pod (throttled by the limit).
  public var cpuMilli: Double = 400
  /// Memory hog: how fast the stressor allocates, MiB per second, until the limit.
  public var memoryMiBPerSec: Double = 16
  public var duration: Seconds = 60
  /// Pod kill: the grace period to delete with (nil: the pod's own; 0: force, confirmed separately).
  public var gracePeriod: Int? = nil
  /// Scale: the replicas the workload is set to for the duration (then set back).
  public var replicas: Int = 1
  /// Pod kill: this many of the workload's Running pods, chosen at random (kube-monkey's `fixed` and
  /// percentage kill modes); nil: by `mode`.
  public var count: Int? = nil
  /// Memory pressure: what the node's own processes take, MiB (the kubelet evicts pods to free it).
  public var pressureMiB: Double = 1536
  /// Clock skew: seconds added to the pods' clocks (negative: behind).
  public var skewSeconds: Double = -600
  /// IO latency: added to each file operation on the volume, ms.
  public var ioDelayMs: Double = 100
  /// IO latency: the volume's mount path (nil: the workload's usual data path).
  public var volumePath: String? = nil
  /// HTTP abort: the port the app serves (nil: the workload's usual one) and the request path pattern.
  public var httpPort: Int? = nil
  public var httpPath: String = "*"
  /// Only the workload's pods on nodes of this zone (`topology.kubernetes.io/zone`); nil: any zone.
  public var zone: String? = nil
  /// Network partition: the other workload (same namespace) cut off, and which way (`to` it, `from`
  /// it, `both`, as Chaos Mesh's `direction`).
  public var peer: String? = nil
  public var direction: String = "both"
  /// Bandwidth limit: the rate its egress is shaped to (kbit/s), and the token bucket's queue limit
  /// and burst (bytes), as Chaos Mesh's `bandwidth` (tc tbf).
  public var rateKbit: Double = 1024
  public var limitBytes: Int = 20_971_520
  public var bufferBytes: Int = 10_000
  public init() {}

  enum CodingKeys: String, CodingKey {
    case mode, delayMs, jitterMs, lossPercent, cpuMilli, memoryMiBPerSec, duration, gracePeriod, replicas, count
    case pressureMiB, skewSeconds, ioDelayMs, volumePath, httpPort, httpPath, zone, peer, direction
    case rateKbit, limitBytes, bufferBytes
  }

  /// A parameter missing from what was written (a journal of an older chaostui, before the fault
  /// had it) reads as its default: old game days still replay and report.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = FaultParameters()
    func v<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: key) ?? fallback
    }
    mode = try v(.mode, d.mode)
    delayMs = try v(.delayMs, d.delayMs)
    jitterMs = try v(.jitterMs, d.jitterMs)
    lossPercent = try v(.lossPercent, d.lossPercent)
    cpuMilli = try v(.cpuMilli, d.cpuMilli)
    memoryMiBPerSec = try v(.memoryMiBPerSec, d.memoryMiBPerSec)
    duration = try v(.duration, d.duration)
    gracePeriod = try c.decodeIfPresent(Int.self, forKey: .gracePeriod)
    replicas = try v(.replicas, d.replicas)
    count = try c.decodeIfPresent(Int.self, forKey: .count)
    pressureMiB = try v(.pressureMiB, d.pressureMiB)
    skewSeconds = try v(.skewSeconds, d.skewSeconds)
    ioDelayMs = try v(.ioDelayMs, d.ioDelayMs)
    volumePath = try c.decodeIfPresent(String.self, forKey: .volumePath)
    httpPort = try c.decodeIfPresent(Int.self, forKey: .httpPort)
    httpPath = try v(.httpPath, d.httpPath)
    zone = try c.decodeIfPresent(String.self, forKey: .zone)
    peer = try c.decodeIfPresent(String.self, forKey: .peer)
    direction = try v(.direction, d.direction)
    rateKbit = try v(.rateKbit, d.rateKbit)
    limitBytes = try v(.limitBytes, d.limitBytes)
    bufferBytes = try v(.bufferBytes, d.bufferBytes)
  }
}

public struct FaultRequest: Sendable, Equatable, Codable {
  public var kind: FaultKind
  public var target: FaultTarget
  public var parameters: FaultParameters
  /// Who asked (nil: a key; an experiment's title when it runs one), so that an experiment knows
  /// its own faults and incidents.
  public var origin: String?
  public init(
    kind: FaultKind, target: FaultTarget, parameters: FaultParameters = FaultParameters(), origin: String? = nil
  ) {
    self.kind = kind
    self.target = target
    self.parameters = parameters
    self.origin = origin
  }

  /// The target in words, with its zone when the fault keeps to one.
  public var targetLabel: String {
    target.label + (parameters.zone.map { " in zone " + $0 } ?? "")
  }
}

public struct ActiveFault: Sendable, Equatable, Codable {
  public enum State: Sendable, Equatable, Codable {
    case active
    case ended(reason: String)
    case failed(String)
  }
  public var id: Int
  public var request: FaultRequest
  public var started: Seconds
  public var ends: Seconds
  public var state: State
  /// Pods the fault acted on (its blast radius), as namespace/name.
  public var pods: [String]
  /// Workloads whose health the fault's incident watches.
  public var workloads: [String]

  public init(
    id: Int, request: FaultRequest, started: Seconds, ends: Seconds, state: State = .active, pods: [String],
    workloads: [String]
  ) {
    self.id = id
    self.request = request
    self.started = started
    self.ends = ends
    self.state = state
    self.pods = pods
    self.workloads = workloads
  }

  public var isActive: Bool { state == .active }
}
