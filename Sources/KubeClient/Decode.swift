import ClusterState
import Foundation
import Transport

/// Decoders of Kubernetes API objects into the model: only the fields chaostui shows are declared,
/// so managedFields and the rest of a 5-27 KB pod are skipped.
public enum KubeDecode {
  struct Meta: Decodable {
    var name: String
    var namespace: String?
    var uid: String?
    var resourceVersion: String?
    var creationTimestamp: String?
    var deletionTimestamp: String?
    var labels: [String: String]?
    var ownerReferences: [Owner]?
    /// The two times as seconds, where the encoding gave them so (protobuf); else parsed from the
    /// strings above.
    var createdAt: Double? = nil
    var deletedAt: Double? = nil
  }
  struct Owner: Decodable {
    var kind: String
    var name: String
    var controller: Bool?
  }
  struct ListMeta: Decodable {
    var resourceVersion: String?
    var `continue`: String?
  }

  struct KPod: Decodable {
    struct Spec: Decodable {
      var nodeName: String?
      var containers: [Container]?
      var priority: Int? = nil
    }
    struct Container: Decodable {
      var name: String
      var resources: Resources?
    }
    struct Resources: Decodable {
      var requests: [String: String]?
      var limits: [String: String]?
    }
    struct Status: Decodable {
      var phase: String?
      var reason: String?
      var containerStatuses: [ContainerStatus]?
      var initContainerStatuses: [ContainerStatus]?
      var message: String? = nil
    }
    struct ContainerStatus: Decodable {
      var ready: Bool?
      var restartCount: Int?
      var state: State?
    }
    struct State: Decodable {
      var waiting: Waiting?
      var terminated: Terminated?
      var running: Running?
    }
    struct Waiting: Decodable { var reason: String? }
    struct Running: Decodable { var startedAt: String? }
    struct Terminated: Decodable {
      var reason: String?
      var exitCode: Int?
      var signal: Int?
    }
    var metadata: Meta
    var spec: Spec?
    var status: Status?
  }

  struct List<T: Decodable>: Decodable {
    var metadata: ListMeta?
    var items: [T]
  }

  /// A watch event line: `{"type": "ADDED", "object": {...}}`.
  struct Event<T: Decodable>: Decodable {
    var type: String
    var object: T
  }

  /// An `ERROR` event's or a failed call's Status.
  public struct Status: Decodable, Sendable {
    public var code: Int?
    public var reason: String?
    public var message: String?
  }

  struct KWorkload: Decodable {
    struct Spec: Decodable { var replicas: Int? }
    struct Status: Decodable {
      var replicas: Int?
      var readyReplicas: Int?
    }
    var metadata: Meta
    var spec: Spec?
    var status: Status?
  }

  struct KNode: Decodable {
    struct Status: Decodable {
      var capacity: [String: String]?
      var conditions: [Condition]?
    }
    struct Condition: Decodable {
      var type: String
      var status: String
    }
    struct Spec: Decodable { var unschedulable: Bool? }
    var metadata: Meta
    var spec: Spec?
    var status: Status?
  }

  struct KHPA: Decodable {
    struct Ref: Decodable {
      var kind: String
      var name: String
    }
    struct Target: Decodable { var averageUtilization: Int? }
    struct Resource: Decodable {
      var name: String
      var target: Target?
      var current: Target?
    }
    struct Metric: Decodable {
      var type: String
      var resource: Resource?
    }
    struct Behavior: Decodable {
      struct Rules: Decodable { var stabilizationWindowSeconds: Int? }
      var scaleDown: Rules?
    }
    struct Spec: Decodable {
      var minReplicas: Int?
      var maxReplicas: Int
      var scaleTargetRef: Ref
      var metrics: [Metric]?
      var behavior: Behavior?
    }
    struct Condition: Decodable {
      var type: String
      var status: String
      var reason: String?
      var message: String?
    }
    struct Status: Decodable {
      var currentReplicas: Int?
      var desiredReplicas: Int?
      var lastScaleTime: String?
      var currentMetrics: [Metric]?
      var conditions: [Condition]?
    }
    var metadata: Meta
    var spec: Spec
    var status: Status?
  }

  static func hpa(_ k: KHPA) -> HPA {
    let cpu = k.spec.metrics?.first { $0.type == "Resource" && $0.resource?.name == "cpu" }
    let current = k.status?.currentMetrics?.first { $0.type == "Resource" && $0.resource?.name == "cpu" }
    var h = HPA(
      namespace: k.metadata.namespace ?? "default", name: k.metadata.name,
      target: k.spec.scaleTargetRef.kind + "/" + k.spec.scaleTargetRef.name, minReplicas: k.spec.minReplicas ?? 1,
      maxReplicas: k.spec.maxReplicas, currentReplicas: k.status?.currentReplicas ?? 0,
      desiredReplicas: k.status?.desiredReplicas ?? 0,
      targetUtilization: Double(cpu?.resource?.target?.averageUtilization ?? 0),
      currentUtilization: current?.resource?.current?.averageUtilization.map(Double.init),
      lastScaleTime: k.status?.lastScaleTime.flatMap(Timestamps.parse),
      scaleDownWindow: Double(k.spec.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300))
    h.conditions = (k.status?.conditions ?? []).map {
      HPA.Condition(type: $0.type, status: $0.status, reason: $0.reason ?? "", message: $0.message ?? "")
    }
    // The controller never scales below minReplicas (at least 1): a desired count of 0 is one it has
    // not computed yet.
    h.desiredKnown = (k.status?.desiredReplicas ?? 0) > 0 || (k.spec.minReplicas ?? 1) == 0
    return h
  }

  struct KEvent: Decodable {
    struct Involved: Decodable {
      var kind: String?
      var name: String?
      var namespace: String?
    }
    var metadata: Meta
    var involvedObject: Involved
    var reason: String?
    var message: String?
    var type: String?
    var lastTimestamp: String?
    var eventTime: String?
  }

  static func event(_ k: KEvent) -> ClusterEvent {
    let t = (k.lastTimestamp ?? k.eventTime ?? k.metadata.creationTimestamp).flatMap(Timestamps.parse) ?? 0
    let kind = (k.involvedObject.kind ?? "object").lowercased()
    return ClusterEvent(
      time: t, severity: k.type == "Warning" ? .warning : .normal, reason: k.reason ?? "",
      object: kind + "/" + (k.involvedObject.name ?? ""), message: k.message ?? "",
      workload: nil)
  }

  // MARK: - To the model

  static func pod(_ k: KPod) -> Pod {
    let m = k.metadata
    let statuses = k.status?.containerStatuses ?? []
    let containers = k.spec?.containers ?? []
    var reason = k.status?.reason ?? k.status?.phase ?? "Unknown"
    var restarts = 0
    var ready = 0
    var initializing = false
    let inits = k.status?.initContainerStatuses ?? []
    for (i, c) in inits.enumerated() {
      restarts += c.restartCount ?? 0
      if let t = c.state?.terminated, t.exitCode == 0 { continue }
      initializing = true
      if let t = c.state?.terminated {
        reason = "Init:" + (t.reason ?? (t.signal.map { "Signal:\($0)" } ?? "ExitCode:\(t.exitCode ?? 0)"))
      } else if let w = c.state?.waiting?.reason, !w.isEmpty, w != "PodInitializing" {
        reason = "Init:" + w
      } else {
        reason = "Init:\(i)/\(inits.count)"
      }
      break
    }
    if !initializing {
      restarts = 0
      var hasRunning = false
      for c in statuses.reversed() {
        restarts += c.restartCount ?? 0
        if let w = c.state?.waiting?.reason, !w.isEmpty {
          reason = w
        } else if let t = c.state?.terminated {
          reason = t.reason ?? (t.signal.map { "Signal:\($0)" } ?? "ExitCode:\(t.exitCode ?? 0)")
        } else if c.ready == true && c.state?.running != nil {
          hasRunning = true
          ready += 1
        }
      }
      if reason == "Completed" && hasRunning { reason = "Running" }
    }
    let deleted = m.deletedAt ?? m.deletionTimestamp.flatMap(Timestamps.parse)
    if deleted != nil { reason = k.status?.reason == "NodeLost" ? "Unknown" : "Terminating" }
    let owner = m.ownerReferences?.first { $0.controller == true } ?? m.ownerReferences?.first
    var workload: String? = owner?.name
    if let o = owner, o.kind == "ReplicaSet", let hash = m.labels?["pod-template-hash"], o.name.hasSuffix("-" + hash) {
      workload = String(o.name.dropLast(hash.count + 1))
    }
    let phase = PodPhase(rawValue: k.status?.phase ?? "Unknown") ?? .unknown
    var cpu = 0.0
    var mem = 0.0
    var cpuLimit = 0.0
    var memRequest = 0.0
    for c in containers {
      cpu += c.resources?.requests?["cpu"].flatMap(Quantity.milli) ?? 0
      mem += c.resources?.limits?["memory"].flatMap(Quantity.bytes) ?? 0
      cpuLimit += c.resources?.limits?["cpu"].flatMap(Quantity.milli) ?? 0
      memRequest += c.resources?.requests?["memory"].flatMap(Quantity.bytes) ?? 0
    }
    // What pods share (a ReplicaSet's labels and name, a node's, a namespace's) is shared: `Interned`.
    var model = Pod(
      namespace: Interned.string(m.namespace ?? "default"), name: m.name, phase: phase,
      status: Interned.string(reason), readyContainers: ready, totalContainers: max(containers.count, statuses.count),
      restarts: restarts, created: m.createdAt ?? m.creationTimestamp.flatMap(Timestamps.parse) ?? 0,
      deletionTimestamp: deleted,
      node: Interned.name(k.spec?.nodeName), labels: Interned.labels(m.labels ?? [:]),
      owner: owner.map { OwnerRef(kind: Interned.string($0.kind), name: Interned.string($0.name)) },
      workload: Interned.name(workload), cpuRequestMilli: cpu, memoryLimitBytes: mem)
    model.containerNames = Interned.names(containers.map(\.name))
    model.cpuLimitMilli = cpuLimit > 0 ? cpuLimit : nil
    model.memoryRequestBytes = memRequest > 0 ? memRequest : nil
    model.priority = k.spec?.priority
    if k.status?.reason == "Evicted" { model.evictionReason = k.status?.message }
    return model
  }

  static func workload(_ k: KWorkload, kind: WorkloadKind, now: Seconds) -> Workload {
    Workload(
      kind: kind, namespace: k.metadata.namespace ?? "default", name: k.metadata.name,
      desiredReplicas: k.spec?.replicas ?? 1, currentReplicas: k.status?.replicas ?? 0,
      readyReplicas: k.status?.readyReplicas ?? 0, updatedAt: now, labels: k.metadata.labels ?? [:])
  }

  static func node(_ k: KNode) -> Node {
    let labels = k.metadata.labels ?? [:]
    let ready = k.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
    var node = Node(
      name: k.metadata.name,
      zone: labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "-",
      ready: ready, cpuCapacityMilli: k.status?.capacity?["cpu"].flatMap(Quantity.milli) ?? 0,
      memoryCapacityBytes: k.status?.capacity?["memory"].flatMap(Quantity.bytes) ?? 0)
    node.unschedulable = k.spec?.unschedulable ?? false
    return node
  }

  // MARK: - Entry points (tests and the informers)

  /// A pod list: the fast scanner, or JSONDecoder when the scanner meets anything unexpected.
  public static func podList(_ data: Data) throws -> (items: [Pod], resourceVersion: String?, continue: String?) {
    if let fast = fastPodList(data) { return fast }
    return try podListWithJSONDecoder(data)
  }

  public static func podListWithJSONDecoder(_ data: Data) throws -> (
    items: [Pod], resourceVersion: String?, continue: String?
  ) {
    let l = try JSONDecoder().decode(List<KPod>.self, from: data)
    return (l.items.map(pod), l.metadata?.resourceVersion, l.metadata?.continue)
  }

  public static func status(_ data: Data) -> Status? { try? JSONDecoder().decode(Status.self, from: data) }
}

/// Kubernetes resource quantities: `200m`, `1`, `0.5`, `128Mi`, `1G`, `1e3`.
public enum Quantity {
  static let suffixes: [(String, Double)] = [
    ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776), ("Pi", 1_125_899_906_842_624),
    ("Ei", 1_152_921_504_606_846_976), ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9),
    ("T", 1e12), ("P", 1e15), ("E", 1e18),
  ]

  /// `suffixes` by the byte that tells them apart: the last (decimal) or the one before `i` (binary).
  static let decimalScale: [UInt8: Double] = Dictionary(
    uniqueKeysWithValues: suffixes.filter { $0.0.utf8.count == 1 }.map { ($0.0.utf8.first!, $0.1) })
  static let binaryScale: [UInt8: Double] = Dictionary(
    uniqueKeysWithValues: suffixes.filter { $0.0.utf8.count == 2 }.map { ($0.0.utf8.first!, $0.1) })

  /// The suffix read from the last bytes (perf: the loop over `suffixes` with `hasSuffix` and a
  /// whitespace trim took a tenth of chaostui's CPU while 20,000 pods were listed).
  public static func value(_ s: String) -> Double? {
    let u = s.utf8
    guard let last = u.last, let first = u.first else { return nil }
    if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 {
      let t = s.trimmingCharacters(in: .whitespaces)
      return t.utf8.count < u.count ? value(t) : nil
    }
    var cut = 0
    var scale = 1.0
    if last == UInt8(ascii: "i") {
      guard u.count >= 2, let binary = binaryScale[u[u.index(u.endIndex, offsetBy: -2)]] else { return nil }
      (cut, scale) = (2, binary)
    } else if let decimal = decimalScale[last] {
      (cut, scale) = (1, decimal)
    }
    guard let v = Double(Substring(s.utf8.dropLast(cut))) else { return nil }
    return v * scale
  }

  public static func milli(_ s: String) -> Double? { value(s).map { $0 * 1000 } }
  public static func bytes(_ s: String) -> Double? { value(s) }
}

/// An answer of the right format but not the kind of object expected (a Table where a list was asked).
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
  public var description: String
  public init(_ d: String) { description = d }
}

/// A name from the cluster as one segment of a request's path (`RequestPath.segment`).
func seg(_ name: String) -> String { RequestPath.segment(name) }
