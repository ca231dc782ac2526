import ClusterState
import Foundation
import Transport
import Yams

/// PromQL for each figure the panes draw, and the steady-state bounds. The defaults work on a stock
/// stack: the kubelet's cAdvisor metrics, the blackbox exporter's probes labelled with `namespace`
/// and `service` (as `kubernetes_sd_configs` relabelling gives them), an HTTP request-duration
/// histogram, and kube-state-metrics. An empty expression turns a figure off.
public struct PromQueries: Sendable, Equatable {
  // Pods: results carry `namespace` and `pod`.
  public var podCPUCores =
    #"sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[1m]))"#
  public var podMemoryBytes =
    #"sum by (namespace, pod) (container_memory_working_set_bytes{container!="",container!="POD"})"#
  public var podIOBytesPerSecond =
    #"sum by (namespace, pod) (rate(container_fs_reads_bytes_total{container!=""}[1m]) + rate(container_fs_writes_bytes_total{container!=""}[1m]))"#
  /// The pod's network namespace (container=""), every interface.
  public var podNetworkBytesPerSecond =
    "sum by (namespace, pod) (rate(container_network_receive_bytes_total[1m]) + rate(container_network_transmit_bytes_total[1m]))"
  // Services: results carry `service` (and `namespace` where names repeat).
  public var serviceLatencyP50Seconds =
    "max by (namespace, service) (quantile_over_time(0.5, probe_duration_seconds[1m]))"
  public var serviceLatencyP99Seconds =
    "max by (namespace, service) (quantile_over_time(0.99, probe_duration_seconds[1m]))"
  public var serviceLossPercent =
    "100 * (1 - min by (namespace, service) (avg_over_time(probe_success[1m])))"
  public var serviceErrorPercent =
    #"100 * sum by (namespace, service) (rate(http_request_duration_seconds_count{code=~"5.."}[1m])) / sum by (namespace, service) (rate(http_request_duration_seconds_count[1m]))"#
  public var serviceRequestsPerSecond =
    "sum by (namespace, service) (rate(http_request_duration_seconds_count[1m]))"
  /// Requests a second by zone for each service (a load balancer's or an ingress controller's
  /// metrics): results carry `service`, `zone` (and `namespace`). Off by default: the zones view then
  /// takes a zone's share as its share of the service's Ready endpoints, and says so.
  public var zoneRequestsPerSecond = ""
  // Autoscalers (back-fill of the replica history): results carry `namespace` and `horizontalpodautoscaler`.
  public var hpaCurrentReplicas = "kube_horizontalpodautoscaler_status_current_replicas"
  /// Steady-state bounds as PromQL (none by default: the built-in bounds apply).
  public var steadyState: [PromCheck] = []

  public init() {}

  static var fields: [(String, WritableKeyPath<PromQueries, String>)] {
    [
      ("pod_cpu_cores", \.podCPUCores), ("pod_memory_bytes", \.podMemoryBytes),
      ("pod_io_bytes_per_second", \.podIOBytesPerSecond),
      ("pod_network_bytes_per_second", \.podNetworkBytesPerSecond),
      ("service_latency_p50_seconds", \.serviceLatencyP50Seconds),
      ("service_latency_p99_seconds", \.serviceLatencyP99Seconds),
      ("service_loss_percent", \.serviceLossPercent), ("service_error_percent", \.serviceErrorPercent),
      ("service_requests_per_second", \.serviceRequestsPerSecond),
      ("hpa_current_replicas", \.hpaCurrentReplicas), ("zone_requests_per_second", \.zoneRequestsPerSecond),
    ]
  }
  static var keys: [String] { fields.map(\.0) + ["steady_state"] }

  /// A queries file (YAML): any of the keys above, each a PromQL expression ("" turns it off), and
  /// `steady_state:` a list of `{name, expr, max and/or min, service}`. What is not given keeps its
  /// default. Unknown keys, non-text expressions and checks without a bound are errors that say so.
  public static func load(yaml text: String, source: String) throws -> PromQueries {
    let node: Any?
    do { node = try Yams.load(yaml: text) } catch {
      throw ConfigFileError("\(source): not YAML (\(String(describing: error).prefix(120)))")
    }
    return try load(node: node, source: source)
  }

  /// The same from YAML already parsed (a config file's inline `queries:`).
  static func load(node: Any?, source: String) throws -> PromQueries {
    var q = PromQueries()
    guard let node else { return q }
    guard let map = node as? [String: Any] else {
      throw ConfigFileError("\(source): expected a mapping of \(keys.joined(separator: ", ")) to PromQL")
    }
    for key in map.keys.sorted() {
      let value = map[key]!
      if key == "steady_state" {
        q.steadyState = try checks(value, source: source)
        continue
      }
      guard let path = fields.first(where: { $0.0 == key })?.1 else {
        throw ConfigFileError("\(source): unknown key \(key) (known: \(keys.joined(separator: ", ")))")
      }
      if value is NSNull {
        q[keyPath: path] = ""
        continue
      }
      guard let expr = value as? String else {
        throw ConfigFileError("\(source): \(key) must be a PromQL expression (text), or \"\" to turn it off")
      }
      q[keyPath: path] = expr.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return q
  }

  static func checks(_ value: Any, source: String) throws -> [PromCheck] {
    guard let list = value as? [Any] else {
      throw ConfigFileError("\(source): steady_state must be a list of {name, expr, max or min, service}")
    }
    var out: [PromCheck] = []
    for (i, item) in list.enumerated() {
      let at = "\(source): steady_state[\(i)]"
      guard let m = item as? [String: Any] else { throw ConfigFileError("\(at): expected {name, expr, max or min}") }
      for k in m.keys where !["name", "expr", "max", "min", "service"].contains(k) {
        throw ConfigFileError("\(at): unknown key \(k) (known: name, expr, max, min, service)")
      }
      guard let expr = m["expr"] as? String, !expr.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw ConfigFileError("\(at): expr must be a PromQL expression")
      }
      func number(_ k: String) throws -> Double? {
        guard let v = m[k] else { return nil }
        if let d = v as? Double, d.isFinite { return d }
        if let n = v as? Int { return Double(n) }
        throw ConfigFileError("\(at): \(k) must be a number")
      }
      let max = try number("max")
      let min = try number("min")
      guard max != nil || min != nil else { throw ConfigFileError("\(at): give max, min or both") }
      if let lo = min, let hi = max, lo > hi { throw ConfigFileError("\(at): min \(lo) is above max \(hi)") }
      let name = (m["name"] as? String) ?? "check \(i + 1)"
      let scope = m["service"].map { "\($0)" }
      out.append(PromCheck(name: name, expr: expr, max: max, min: min, scope: scope))
    }
    return out
  }
}
