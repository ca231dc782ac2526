/// The HorizontalPodAutoscaler's replica calculation, as kube-controller-manager does it
/// (pkg/controller/podautoscaler/replica_calculator.go and horizontal.go), for a resource
/// utilization target.
public enum HPAAlgorithm {
  public struct PodMetric: Sendable, Equatable {
    /// Ready pods count normally; unready ones are set aside on scale-up.
    public var ready: Bool
    /// Usage in the same unit as the request (millicores); nil when the pod has no metrics yet.
    public var usage: Double?
    public var request: Double
    public init(ready: Bool, usage: Double?, request: Double) {
      self.ready = ready
      self.usage = usage
      self.request = request
    }
  }

  public struct Recommendation: Sendable, Equatable {
    public var replicas: Int
    /// Utilization in percent over the pods with metrics, as the HPA status reports it.
    public var utilization: Double?
  }

  public static let tolerance = 0.1

  /// desired = ceil(currentReplicas x currentUtilization / target), skipped within the tolerance;
  /// missing metrics count as 100% on scale-down and 0% on scale-up, unready pods as 0% on scale-up,
  /// and the scale is dropped if that flips its direction.
  public static func desiredReplicas(
    currentReplicas: Int, pods: [PodMetric], targetUtilization: Double, tolerance: Double = tolerance
  ) -> Recommendation {
    var readyUsage = 0.0
    var readyRequest = 0.0
    var readyCount = 0
    var unready: [PodMetric] = []
    var missing: [PodMetric] = []
    for p in pods {
      guard let u = p.usage else {
        missing.append(p)
        continue
      }
      if !p.ready {
        unready.append(p)
        continue
      }
      readyUsage += u
      readyRequest += p.request
      readyCount += 1
    }
    guard readyCount > 0, readyRequest > 0 else {
      return Recommendation(replicas: currentReplicas, utilization: nil)
    }
    let utilization = readyUsage / readyRequest * 100
    let ratio = utilization / targetUtilization
    if unready.isEmpty && missing.isEmpty {
      if abs(ratio - 1) <= tolerance { return Recommendation(replicas: currentReplicas, utilization: utilization) }
      return Recommendation(replicas: Int((ratio * Double(readyCount)).rounded(.up)), utilization: utilization)
    }
    // Re-run with the conservative assumptions.
    var usage = readyUsage
    var request = readyRequest
    if ratio < 1 {
      for p in missing {
        usage += p.request
        request += p.request
      }
    } else if ratio > 1 {
      for p in missing + unready { request += p.request }
    }
    let newUtilization = usage / request * 100
    let newRatio = newUtilization / targetUtilization
    if abs(newRatio - 1) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) {
      return Recommendation(replicas: currentReplicas, utilization: utilization)
    }
    let counted = ratio > 1 ? readyCount + missing.count + unready.count : readyCount + missing.count
    let desired = Int((newRatio * Double(counted)).rounded(.up))
    if (newRatio > 1 && desired < currentReplicas) || (newRatio < 1 && desired > currentReplicas) {
      return Recommendation(replicas: currentReplicas, utilization: utilization)
    }
    return Recommendation(replicas: desired, utilization: utilization)
  }

  /// The autoscaling/v2 default behaviour: scale up by at most max(4 pods, 100%) a 15 s period with no
  /// stabilization; scale down to the highest recommendation of the stabilization window, at most 100% a period.
  public struct Behavior: Sendable, Equatable {
    public var scaleDownWindow: Seconds = 300
    public var scaleUpWindow: Seconds = 0
    public var scaleUpPods = 4
    public var scaleUpPercent = 100.0
    public var period: Seconds = 15
    public init(scaleDownWindow: Seconds = 300) { self.scaleDownWindow = scaleDownWindow }
  }

  public struct History: Sendable, Equatable {
    public var recommendations: [(time: Seconds, replicas: Int)] = []
    public var scaleUps: [(time: Seconds, delta: Int)] = []
    public init() {}
    public static func == (a: History, b: History) -> Bool {
      a.recommendations.map(\.time) == b.recommendations.map(\.time)
        && a.recommendations.map(\.replicas) == b.recommendations.map(\.replicas)
        && a.scaleUps.map(\.time) == b.scaleUps.map(\.time) && a.scaleUps.map(\.delta) == b.scaleUps.map(\.delta)
    }
  }

  /// Applies stabilization, rate limits and min/max to a raw recommendation; records history.
  public static func stabilize(
    raw: Int, current: Int, min minReplicas: Int, max maxReplicas: Int, behavior: Behavior, now: Seconds,
    history: inout History
  ) -> Int {
    history.recommendations.append((now, raw))
    let keep = Swift.max(behavior.scaleDownWindow, behavior.scaleUpWindow)
    history.recommendations.removeAll { now - $0.time > keep }
    history.scaleUps.removeAll { now - $0.time > behavior.period }

    var desired = raw
    if raw < current {
      // Scale down only as far as the highest recommendation within the window.
      let window = history.recommendations.filter { now - $0.time <= behavior.scaleDownWindow }
      desired = Swift.min(current, window.map(\.replicas).max() ?? raw)
    }
    if desired > current {
      let startOfPeriod = current - history.scaleUps.reduce(0) { $0 + $1.delta }
      let limit = Swift.max(
        startOfPeriod + behavior.scaleUpPods,
        Int((Double(startOfPeriod) * (1 + behavior.scaleUpPercent / 100)).rounded(.down)))
      desired = Swift.min(desired, limit)
    }
    desired = Swift.min(Swift.max(desired, minReplicas), maxReplicas)
    if desired > current { history.scaleUps.append((now, desired - current)) }
    return desired
  }
}
