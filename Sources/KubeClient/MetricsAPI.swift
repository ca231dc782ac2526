import ClusterState
import Foundation
import Transport

/// metrics.k8s.io (metrics-server): pod and node usage, a new sample about every 15 s.
public enum MetricsAPI {
  struct Usage: Decodable {
    var cpu: String?
    var memory: String?
  }
  struct PodMetrics: Decodable {
    struct Container: Decodable {
      var name: String?
      var usage: Usage?
    }
    var metadata: KubeDecode.Meta
    var timestamp: String?
    var containers: [Container]?
  }
  struct NodeMetrics: Decodable {
    var metadata: KubeDecode.Meta
    var timestamp: String?
    var usage: Usage?
  }
  struct List<T: Decodable>: Decodable {
    var kind: String?
    var items: [T]?
  }

  /// Pod samples (CPU in millicores, memory working set in bytes, summed over the containers) and
  /// the newest sample time in the list.
  public static func pods(_ data: Data) throws -> (samples: [PodSample], time: Seconds?) {
    if let scanned = scannedPods(data) { return scanned }
    return try podsWithJSONDecoder(data)
  }

  static func podsWithJSONDecoder(_ data: Data) throws -> (samples: [PodSample], time: Seconds?) {
    let list = try JSONDecoder().decode(List<PodMetrics>.self, from: data)
    guard list.kind == nil || list.kind == "PodMetricsList" else {
      throw DecodeError("expected PodMetricsList, the server sent \(list.kind ?? "?")")
    }
    var newest: Seconds?
    let samples = (list.items ?? []).map { m -> PodSample in
      var cpu = 0.0
      var mem = 0.0
      for c in m.containers ?? [] {
        cpu += c.usage?.cpu.flatMap(Quantity.milli) ?? 0
        mem += c.usage?.memory.flatMap(Quantity.bytes) ?? 0
      }
      if let t = m.timestamp.flatMap(Timestamps.parse) { newest = max(newest ?? t, t) }
      return PodSample(
        podID: (m.metadata.namespace ?? "default") + "/" + m.metadata.name, cpuMilli: cpu, memoryBytes: mem)
    }
    return (samples, newest)
  }

  public static func nodes(_ data: Data) throws -> [NodeUsage] {
    let list = try JSONDecoder().decode(List<NodeMetrics>.self, from: data)
    guard list.kind == nil || list.kind == "NodeMetricsList" else {
      throw DecodeError("expected NodeMetricsList, the server sent \(list.kind ?? "?")")
    }
    return (list.items ?? []).map { m in
      NodeUsage(
        node: m.metadata.name, cpuMilli: m.usage?.cpu.flatMap(Quantity.milli) ?? 0,
        memoryBytes: m.usage?.memory.flatMap(Quantity.bytes) ?? 0)
    }
  }
}
