import ClusterState
import Foundation
import Transport

/// Counters into rates, between one scrape and the next, as Prometheus' `rate()` treats them: a
/// value lower than the last one means the counter was reset (the process restarted) and counted
/// again from zero, so the increase is the new value itself.
public struct CounterRates: Sendable {
  private var last: [String: (value: Double, time: Double)] = [:]
  public init() {}

  /// The per-second rate of `series` since its previous sample; nil for the first sample, a
  /// non-advancing clock or a non-finite value.
  public mutating func rate(_ series: String, value: Double, time: Double) -> Double? {
    defer { if value.isFinite { last[series] = (value, time) } }
    guard value.isFinite, let prev = last[series], time > prev.time else { return nil }
    let increase = value >= prev.value ? value - prev.value : value
    return increase / (time - prev.time)
  }

  /// Forgets series not seen in the latest scrape (pods come and go).
  public mutating func keepOnly(_ seen: Set<String>) { last = last.filter { seen.contains($0.key) } }
  public var count: Int { last.count }
}

public enum Histogram {
  /// A quantile from cumulative buckets (upper bound `le`, count of observations at most `le`), as
  /// Prometheus' `histogram_quantile` computes it: linear interpolation inside the bucket the rank
  /// falls in; in the +Inf bucket, the highest finite bound. nil without observations.
  public static func quantile(_ q: Double, buckets unsorted: [(le: Double, count: Double)]) -> Double? {
    guard q >= 0, q <= 1 else { return q < 0 ? -.infinity : .infinity }
    var buckets = unsorted.filter { !$0.count.isNaN }.sorted { $0.le < $1.le }
    guard buckets.count >= 2, buckets.last!.le == .infinity else { return nil }
    // Cumulative counts must not fall (a scrape between bucket updates can make them): keep the max.
    for i in 1..<buckets.count where buckets[i].count < buckets[i - 1].count { buckets[i].count = buckets[i - 1].count }
    let total = buckets.last!.count
    guard total > 0 else { return nil }
    let rank = q * total
    var i = 0
    while i < buckets.count - 1 && buckets[i].count < rank { i += 1 }
    if buckets[i].le == .infinity { return buckets[buckets.count - 2].le }
    let start = i == 0 ? 0 : buckets[i - 1].le
    let below = i == 0 ? 0 : buckets[i - 1].count
    let inBucket = buckets[i].count - below
    if i == 0 && buckets[0].le <= 0 { return buckets[0].le }
    guard inBucket > 0 else { return buckets[i].le }
    return start + (buckets[i].le - start) * ((rank - below) / inBucket)
  }
}

/// What one scrape of a raw endpoint becomes, between scrapes: pod usage from cAdvisor's series,
/// and request latency (p50/p99 over the interval) from request-duration histograms.
public struct ScrapeInterpreter: Sendable {
  var rates = CounterRates()
  public init() {}

  public struct Output: Sendable, Equatable {
    public var pods: [PodSample] = []
    /// Per service (the `service` label, else `job`): p50 and p99 in ms over the interval, and requests/s.
    public var latency: [String: (p50: Double, p99: Double, rps: Double)] = [:]
    /// Series read that chaostui uses (cAdvisor's, request-duration histograms): 0 says the endpoint
    /// is not one chaostui can read figures from.
    public var usedSeries = 0

    public static func == (a: Output, b: Output) -> Bool {
      a.pods == b.pods && a.latency.keys == b.latency.keys
    }
  }

  static func key(_ s: ExpositionSample) -> String {
    s.name + "{" + s.labels.map { $0.name + "=" + $0.value }.joined(separator: ",") + "}"
  }

  public mutating func interpret(_ samples: [ExpositionSample], time: Double) -> Output {
    var out = Output()
    var cpu: [String: Double] = [:]
    var mem: [String: Double] = [:]
    // Bucket increases over the interval, per service and le.
    var buckets: [String: [Double: Double]] = [:]
    var counts: [String: Double] = [:]
    var seen = Set<String>()
    for s in samples {
      let pod = s.label("pod").flatMap { p in s.label("namespace").map { $0 + "/" + p } }
      switch s.name {
      case "container_cpu_usage_seconds_total":
        guard let pod, s.label("container").map({ !$0.isEmpty && $0 != "POD" }) ?? true else { continue }
        let k = Self.key(s)
        seen.insert(k)
        if let r = rates.rate(k, value: s.value, time: time) { cpu[pod, default: 0] += r }
      case "container_memory_working_set_bytes":
        guard let pod, s.label("container").map({ !$0.isEmpty && $0 != "POD" }) ?? true else { continue }
        mem[pod, default: 0] += s.value
      default:
        guard
          s.name.hasSuffix("_request_duration_seconds_bucket") || s.name.hasSuffix("_request_duration_seconds_count"),
          let service = s.label("service") ?? s.label("job")
        else { continue }
        let k = Self.key(s)
        seen.insert(k)
        guard let r = rates.rate(k, value: s.value, time: time) else { continue }
        if s.name.hasSuffix("_count") {
          counts[service, default: 0] += r
        } else if let le = s.label("le").flatMap(PromAPI.value) {
          buckets[service, default: [:]][le, default: 0] += r
        }
      }
    }
    rates.keepOnly(seen)
    out.usedSeries = seen.count + mem.count
    out.pods = cpu.keys.sorted().map { PodSample(podID: $0, cpuMilli: cpu[$0]! * 1000, memoryBytes: mem[$0] ?? .nan) }
    for (service, b) in buckets {
      let list = b.map { (le: $0.key, count: $0.value) }
      guard let p50 = Histogram.quantile(0.5, buckets: list), let p99 = Histogram.quantile(0.99, buckets: list) else {
        continue
      }
      out.latency[service] = (p50 * 1000, p99 * 1000, counts[service] ?? 0)
    }
    return out
  }
}
