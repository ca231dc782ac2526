import ClusterState
import Statistics

extension GroupStatistics {
  /// One look for harm: the one-sided p-value that the experimental group's figure is worse than
  /// the control's by more than `margin`, over the observation so far, with what it was worked out
  /// on (nil: fewer than the minimum blocks in a group, or no such figure).
  public func harm(workload: String, figure f: Experiment.Figure, margin: Double) -> (p: Double, text: String)? {
    guard let exp = samples(workload, f, .experimental, .observation),
      let ctl = samples(workload, f, .control, .observation)
    else { return nil }
    if f.isCount {
      // As long a window as the rank tests need, so a few early failures decide nothing.
      guard
        let w = samples(workload, .p99, .experimental, .observation)
          ?? samples(workload, .cpu, .experimental, .observation),
        w.blocks.count >= Self.minimumBlocks
      else { return nil }
      let n1 = Int(exp.requests.rounded())
      let n2 = Int(ctl.requests.rounded())
      let f1 = min(n1, Int(exp.failures.rounded()))
      let f2 = min(n2, Int(ctl.failures.rounded()))
      guard let p = Sequential.failuresWorse(f1, of: n1, than: f2, of: n2, margin: margin / 100) else { return nil }
      func pct(_ k: Int, _ n: Int) -> String { Experiment.Figure.text(100 * Double(k) / Double(max(1, n))) + "%" }
      return (p, "\(pct(f1, n1)) vs \(pct(f2, n2)) failed of \(n1)/\(n2) requests")
    }
    guard exp.blocks.count >= Self.minimumBlocks, ctl.blocks.count >= Self.minimumBlocks else { return nil }
    // Worse is higher, but for Ready replicas: the control moved by the margin, then one-sided.
    let p =
      f == .ready
      ? Sequential.mannWhitneyGreater(ctl.blocks.map { $0 * (1 - margin) }, exp.blocks)
      : Sequential.mannWhitneyGreater(exp.blocks, ctl.blocks.map { $0 * (1 + margin) })
    guard let p else { return nil }
    let medians = [exp.blocks, ctl.blocks].map { Experiment.Figure.text(SpreadTests.median($0)) }
    return (
      p, "median \(medians[0]) vs \(medians[1])\(Test.unit(of: f)), \(exp.blocks.count)/\(ctl.blocks.count) blocks"
    )
  }
}
