import Foundation

/// Network figures of one service from a monitoring source (blackbox probes, request histograms);
/// nil where the source has no such figure.
public struct ServiceSample: Sendable, Equatable, Codable {
  public var namespace: String?
  public var service: String
  public var p50Ms: Double?
  public var p99Ms: Double?
  public var lossPercent: Double?
  public var errorPercent: Double?
  public var requestsPerSec: Double?
  /// The context whose Prometheus measured it, in a session of several: a series with no namespace
  /// names a service of that context only (nil: one cluster).
  public var context: String? = nil

  public init(
    namespace: String? = nil, service: String, p50Ms: Double? = nil, p99Ms: Double? = nil, lossPercent: Double? = nil,
    errorPercent: Double? = nil, requestsPerSec: Double? = nil
  ) {
    self.namespace = namespace
    self.service = service
    self.p50Ms = p50Ms
    self.p99Ms = p99Ms
    self.lossPercent = lossPercent
    self.errorPercent = errorPercent
    self.requestsPerSec = requestsPerSec
  }
}

/// A steady-state bound measured by a PromQL expression (the queries file's `steady_state:`):
/// every series of the result must stay at most `max` and/or at least `min`.
public struct PromCheck: Sendable, Equatable, Codable {
  public var name: String
  public var expr: String
  public var max: Double?
  public var min: Double?
  /// The service or workload (by name) whose incidents it bounds; nil: every incident.
  public var scope: String?

  public init(name: String, expr: String, max: Double? = nil, min: Double? = nil, scope: String? = nil) {
    self.name = name
    self.expr = expr
    self.max = max
    self.min = min
    self.scope = scope
  }

  /// The bound in words: "<= 250", ">= 3", "2 .. 9".
  public var boundText: String {
    switch (min, max) {
    case (let lo?, let hi?): return "\(Self.fmt(lo)) .. \(Self.fmt(hi))"
    case (nil, let hi?): return "<= \(Self.fmt(hi))"
    case (let lo?, nil): return ">= \(Self.fmt(lo))"
    default: return "any"
    }
  }

  public static func fmt(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    let r = (v * 100).rounded() / 100
    return r == 0 ? String(format: "%.3g", v) : String(r)
  }

  /// The check against one evaluation's series: the worst value, and what is wrong (nil: within).
  /// No series is "no data", not a violation (a check cannot fail on a metric nobody exports).
  public func evaluate(_ series: [MetricSeries]) -> CheckResult {
    // How far past its bound each value is (negative: within, by that much); NaN counts as past.
    func excess(_ v: Double) -> Double {
      if v.isNaN { return .infinity }
      return Swift.max(max.map { v - $0 } ?? -.infinity, min.map { $0 - v } ?? -.infinity)
    }
    var worst: (value: Double, excess: Double, labels: [String: String])?
    for s in series {
      guard let v = s.last else { continue }
      let e = excess(v)
      if worst == nil || e > worst!.excess { worst = (v, e, s.labels) }
    }
    var result = CheckResult(name: name, value: worst?.value, bound: boundText, scope: scope, series: series.count)
    if let w = worst {
      result.detail = Self.describe(w.labels)
      if w.excess > 0 {
        let over = max.map { w.value > $0 || w.value.isNaN } ?? false
        let bound = over ? max! : min!
        result.violation =
          "\(name) \(Self.fmt(w.value))\(result.detail.isEmpty ? "" : " (\(result.detail))") \(over ? ">" : "<") \(Self.fmt(bound))"
      }
    }
    return result
  }

  /// The labels that tell series apart, shortly: pod, service, instance or job.
  static func describe(_ labels: [String: String]) -> String {
    for key in ["pod", "service", "deployment", "statefulset", "horizontalpodautoscaler", "instance", "job"] {
      if let v = labels[key] { return v }
    }
    return ""
  }
}

/// One evaluation of a `PromCheck`.
public struct CheckResult: Sendable, Equatable, Codable {
  public var name: String
  /// The worst value seen (nil: no data or the query failed).
  public var value: Double?
  /// Which series it was (pod, service, instance).
  public var detail: String
  public var bound: String
  /// What is wrong, for the incident tracker; nil while within bounds.
  public var violation: String?
  /// The query failed: why.
  public var error: String?
  public var scope: String?
  public var series: Int

  public init(
    name: String, value: Double?, detail: String = "", bound: String, violation: String? = nil, error: String? = nil,
    scope: String? = nil, series: Int = 0
  ) {
    self.name = name
    self.value = value
    self.detail = detail
    self.bound = bound
    self.violation = violation
    self.error = error
    self.scope = scope
    self.series = series
  }

  /// Whether this check bounds an incident touching these services and workloads (ids "ns/name").
  public func applies(services: [String], workloads: [String]) -> Bool {
    guard let scope else { return true }
    return (services + workloads).contains { $0 == scope || $0.hasSuffix("/" + scope) }
  }
}
