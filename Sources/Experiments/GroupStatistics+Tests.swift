import ClusterState
import Statistics

extension GroupStatistics {
  /// Every test, worked out from the samples so far; Holm's correction over those with a p.
  /// `window`: the observation (the verdict's tests) or the baseline (the A/A check before the method).
  func judge(_ window: Window = .observation) -> [Test] {
    var out: [Test] = []
    for pair in pairs {
      for f in GroupComparison.figures {
        let t = Self.countFigures.contains(f) ? countTest(pair, f, window) : rankTest(pair, f, window)
        if let t { out.append(t) }
      }
    }
    // Holm over the tests that could show a difference: a figure that held one value in both groups
    // (Ready replicas never moving, no failed request anywhere) can never be significant, and
    // counting it would only make the others' threshold stricter.
    let withP = out.indices.filter { out[$0].p != nil && !out[$0].constant }
    let adjusted = Multiple.holm(withP.map { out[$0].p! })
    for (k, i) in withP.enumerated() {
      out[i].adjusted = adjusted[k]
      out[i].direction = Self.direction(adjusted[k], shift: out[i].shift)
    }
    return out
  }

  /// "1 block of 5 s", "3 blocks of 5 s".
  static func blocksText(_ n: Int) -> String { "\(n) block\(n == 1 ? "" : "s") of \(blockSeconds) s" }

  static func direction(_ adjusted: Double, shift: Double?) -> Test.Direction {
    guard adjusted < alpha, let shift, shift != 0 else { return .noDifference }
    return shift > 0 ? .higher : .lower
  }

  func rankTest(_ pair: String, _ f: Experiment.Figure, _ window: Window) -> Test? {
    guard let exp = samples(pair, f, .experimental, window) else { return nil }
    let ctl = samples(pair, f, .control, window)
    var t = Test(
      workload: pair, figure: f, test: "Mann-Whitney U", n: [exp.blocks.count, ctl?.blocks.count ?? 0],
      direction: .insufficient)
    t.fromBaseline = [Group.experimental, .control].map { g in
      guard let base = samples(pair, f, g, .baseline), base.blocks.count >= Self.minimumBlocks,
        let now = samples(pair, f, g, .observation), now.blocks.count >= Self.minimumBlocks
      else { return nil }
      return RankTests.hodgesLehmann(now.blocks, base.blocks)?.estimate
    }
    guard let ctl else {
      t.note = "no control group to compare with"
      return t
    }
    guard exp.blocks.count >= Self.minimumBlocks, ctl.blocks.count >= Self.minimumBlocks else {
      t.note =
        "\(Self.blocksText(min(exp.blocks.count, ctl.blocks.count))) in a group; \(Self.minimumBlocks) needed"
      return t
    }
    guard let mw = RankTests.mannWhitney(exp.blocks, ctl.blocks),
      let hl = RankTests.hodgesLehmann(exp.blocks, ctl.blocks)
    else { return t }
    t.p = mw.p
    t.effect = mw.effect
    t.shift = hl.estimate
    t.lower = hl.lower.isFinite ? hl.lower : nil
    t.upper = hl.upper.isFinite ? hl.upper : nil
    t.spreadP = SpreadTests.brownForsythe(exp.blocks, ctl.blocks)?.p
    t.constant = Set(exp.blocks + ctl.blocks).count == 1
    t.direction = .noDifference
    return t
  }

  func countTest(_ pair: String, _ f: Experiment.Figure, _ window: Window) -> Test? {
    guard let exp = samples(pair, f, .experimental, window) else { return nil }
    let ctl = samples(pair, f, .control, window)
    let n1 = Int(exp.requests.rounded())
    let n2 = Int((ctl?.requests ?? 0).rounded())
    var t = Test(workload: pair, figure: f, test: "failed requests", n: [n1, n2], direction: .insufficient)
    t.fromBaseline = [Group.experimental, .control].map { g in
      guard let base = samples(pair, f, g, .baseline), base.requests > 0,
        let now = samples(pair, f, g, .observation), now.requests > 0
      else { return nil }
      return 100 * (now.failures / now.requests - base.failures / base.requests)
    }
    guard let ctl else {
      t.note = "no control group to compare with"
      return t
    }
    guard n1 > 0, n2 > 0 else {
      t.note = "no requests counted in a group"
      return t
    }
    // As long a window as the rank tests need, so a few early failures decide nothing.
    if let w = samples(pair, .p99, .experimental, window) ?? samples(pair, .cpu, .experimental, window),
      w.blocks.count < Self.minimumBlocks
    {
      t.note = "\(Self.blocksText(w.blocks.count)); \(Self.minimumBlocks) needed"
      return t
    }
    let f1 = min(n1, Int(exp.failures.rounded()))
    let f2 = min(n2, Int(ctl.failures.rounded()))
    guard let r = CountTests.failures(f1, of: n1, against: f2, of: n2) else { return t }
    t.test = r.test
    t.p = r.p
    t.shift = r.difference
    t.constant = f1 == 0 && f2 == 0
    t.direction = .noDifference
    return t
  }
}
