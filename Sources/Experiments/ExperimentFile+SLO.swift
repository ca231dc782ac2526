import ClusterState
import Yams

// `slo:` and the `burn-rate` stop condition.
extension Reader {
  /// `slo: {name, service, target, window, good, total}`.
  func slo(_ node: YNode) throws -> Experiment.SLO {
    let known = ["name", "service", "target", "window", "good", "total"]
    let r = try mapping(node, "slo", known: known)
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let t = f("target") else { throw fail(node, "slo needs a target such as 99.5%") }
    let target = try share(t, "slo.target")
    guard target > 0, target < 1 else { throw fail(t, "slo.target is a share under 100%, such as 99.5%") }
    var s = Experiment.SLO(target: target)
    s.name = try f("name").map { try string($0, "slo.name") } ?? s.name
    s.service = try f("service").map { try string($0, "slo.service") }
    s.window = try f("window").map { try duration($0, "slo.window") } ?? s.window
    guard s.window >= 60 else { throw fail(f("window"), "slo.window is at least a minute (30d is usual)") }
    s.good = try f("good").map { try string($0, "slo.good") }
    s.total = try f("total").map { try string($0, "slo.total") }
    if (s.good == nil) != (s.total == nil) { throw fail(node, "slo: good and total go together (PromQL)") }
    if s.good == nil && s.service == nil {
      throw fail(node, "slo needs a service (chaostui's own error rate) or good and total (PromQL)")
    }
    return s
  }

  /// `burn-rate: {fast, slow, above}`.
  func burnRate(_ node: YNode) throws -> Experiment.BurnRate {
    let r = try mapping(node, "burn-rate", known: ["fast", "slow", "above"])
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    var b = Experiment.BurnRate()
    b.fast = try f("fast").map { try duration($0, "burn-rate.fast") } ?? b.fast
    b.slow = try f("slow").map { try duration($0, "burn-rate.slow") } ?? b.slow
    b.above = try f("above").map { try number($0, "burn-rate.above") } ?? b.above
    guard b.fast > 0, b.slow >= b.fast, b.above > 0 else {
      throw fail(node, "burn-rate: fast is shorter than slow, above is over 0 (14.4 is usual)")
    }
    return b
  }
}
