import ClusterState
import Experiments
import Foundation
import Simulation
import Statistics

/// `chaostui-bench --verdicts [RUNS]`: how honest the comparison's verdict is, on the demo with its
/// control group, through the simulator and the reducer (no terminal). An A/A experiment (no fault,
/// both groups alike) run RUNS times with different seeds: the share of runs that report any
/// difference (the family-wise false-positive rate, Holm-corrected over every figure of every
/// workload; target about 5%). Then an experiment that raises the experimental Flask's p99 by about
/// 30% (a network delay of 30% of its p99 on every Flask pod): the share of runs where the p99 test
/// says "higher" (the power; target at least 90%). Each with its 95% Wilson interval.
func verdictsSection(runs: Int) {
  print("10. Verdicts: control against experimental on the demo, \(runs) runs each (seeds 1...\(runs))")
  let t0 = now()
  var falsePositives = 0
  var detected = 0
  var shifts: [Double] = []
  var blocks: [Int] = []
  var harmStops = (aa: 0, power: 0)
  for seed in 1...runs {
    // The same runs with the harm stop condition: five looks at the spending levels.
    if verdictRun(seed: UInt64(seed), delayShare: nil, harm: true)?.stoppedForHarm == true { harmStops.aa += 1 }
    if verdictRun(seed: UInt64(seed), delayShare: 0.3, harm: true)?.stoppedForHarm == true { harmStops.power += 1 }
    if let r = verdictRun(seed: UInt64(seed), delayShare: nil) {
      if r.tests.contains(where: { $0.direction == .higher || $0.direction == .lower }) { falsePositives += 1 }
      blocks.append(r.tests.first { $0.figure == .p99 }?.n.first ?? 0)
    }
    if let r = verdictRun(seed: UInt64(seed), delayShare: 0.3) {
      let p99 = r.tests.first { $0.workload == "flask" && $0.figure == .p99 }
      if p99?.direction == .higher { detected += 1 }
      if let s = r.relativeShift { shifts.append(s) }
    }
  }
  let took = now() - t0
  shifts.sort()
  blocks.sort()
  print(
    String(
      format:
        "   A/A (no fault, 60 s observed, %d blocks of %d s a group): a difference reported in %d of %d runs = %.1f%% (95%% CI %@)",
      blocks.isEmpty ? 0 : blocks[blocks.count / 2], GroupStatistics.blockSeconds, falsePositives, runs,
      100 * Double(falsePositives) / Double(runs), wilson(falsePositives, runs)))
  print(
    String(
      format:
        "   Flask p99 +30%% (measured median shift +%.0f%%): detected (higher) in %d of %d runs = %.1f%% (95%% CI %@)",
      shifts.isEmpty ? 0 : 100 * shifts[shifts.count / 2], detected, runs, 100 * Double(detected) / Double(runs),
      wilson(detected, runs)))
  print(
    String(
      format: "   harm stop (flask p99, 5 looks over 60 s, 95%%): A/A stopped in %d of %d runs = %.1f%% (95%% CI %@)",
      harmStops.aa, runs, 100 * Double(harmStops.aa) / Double(runs), wilson(harmStops.aa, runs)))
  print(
    String(
      format: "   harm stop: Flask p99 +30%% stopped in %d of %d runs = %.1f%% (95%% CI %@)", harmStops.power, runs,
      100 * Double(harmStops.power) / Double(runs), wilson(harmStops.power, runs)))
  print(String(format: "   %d runs in %.1f s of real time", 4 * runs, took))
}

/// The 95% Wilson score interval of k successes in n, in percent (the Statistics module's).
func wilson(_ k: Int, _ n: Int) -> String {
  let (lo, hi) = CountTests.wilson(k, n)
  return String(format: "%.1f-%.1f%%", 100 * lo, 100 * hi)
}

struct VerdictRun {
  var tests: [GroupStatistics.Test]
  /// The Flask p99 shift relative to the control's median block (the fault's size as measured).
  var relativeShift: Double?
  /// Aborted by the harm stop condition.
  var stoppedForHarm = false
}

/// One run: the demo with its control group, two minutes of history, then an experiment with a
/// 60-second method (a wait, or a network delay on the experimental Flask of `delayShare` of its
/// p99), observed to the method's end.
func verdictRun(seed: UInt64, delayShare: Double?, harm: Bool = false) -> VerdictRun? {
  var o = Simulator.Options()
  o.controlGroup = true
  o.seed = seed
  let cluster = DemoCluster(options: o)
  let store = Store()
  store.executor = { cluster.perform($0) }
  var t: Seconds = 0
  func advance(to end: Seconds) {
    while t < end - 1e-9 {
      t = ((t + 0.1) * 10).rounded() / 10
      store.dispatch(cluster.simulator.advance(to: t))
    }
  }
  advance(to: 130)
  var method = "  - wait: 60s"
  if let share = delayShare, let p99 = store.state.workloadSeries["pipeline/flask"]?.latencyP99Ms.last {
    let delay = Int((p99 * share).rounded())
    method =
      "  - {fault: network-delay, target: {workload: flask}, mode: all, strength: {delay-ms: \(delay), jitter-ms: 0}, duration: 60s}"
  }
  guard
    let e = try? ExperimentFile.parse(
      """
      title: verdicts
      groups: {experimental: {namespace: pipeline}, control: {namespace: pipeline-control}}
      method:
      \(method)
      hypotheses: [{recovers-within: 300s}]
      \(harm ? "stop-conditions: [{harm: {workload: flask, figure: p99, looks: 5, over: 60s}}]" : "")
      """, file: "bench")
  else { return nil }
  var run = ExperimentRun(e, at: t)
  while t < 300 {
    advance(to: t + 0.1)
    for a in run.step(store.state) { store.dispatch(a) }
    if let start = run.methodStart, t >= start + 60 || run.isFinished { break }
  }
  if case .aborted(let why) = run.verdict, why.contains("significant harm") {
    return VerdictRun(tests: [], relativeShift: nil, stoppedForHarm: true)
  }
  guard let stats = run.statistics else { return nil }
  var relative: Double?
  if let shift = stats.tests.first(where: { $0.workload == "flask" && $0.figure == .p99 })?.shift,
    let ctl = stats.samples("flask", .p99, .control, .observation), !ctl.blocks.isEmpty
  {
    relative = shift / SpreadTests.median(ctl.blocks)
  }
  return VerdictRun(tests: stats.tests, relativeShift: relative)
}

/// Section 11: what the comparison costs at scale: 100 workloads a group, 6 figures each, sampled
/// every second for 10 minutes of cluster time (the tests worked out each time a block closes).
func statisticsCostSection() {
  print("11. Control vs experimental as tests: 100 workloads a group x 6 figures, 600 s of cluster time")
  var s = ClusterSnapshot()
  s.session.isDemo = true
  var rng = SplitMix64(seed: 7)
  for ns in ["exp", "ctl"] {
    for i in 0..<100 {
      let w = Workload(
        kind: .deployment, namespace: ns, name: "w\(i)", desiredReplicas: 3, currentReplicas: 3, readyReplicas: 3)
      s.objects.workloads[w.id] = w
    }
  }
  var e = Experiment(title: "cost", experimental: Experiment.Group(namespace: "exp"))
  e.control = Experiment.Group(namespace: "ctl")
  var stats = GroupStatistics()
  var spent = 0.0
  for second in 0..<600 {
    s.now = Seconds(second)
    s.metrics.metricsAt = s.now
    for id in s.objects.workloads.keys {
      let noise = rng.unit()
      s.metrics.workloadSeries[id, default: WorkloadSeries(capacity: ClusterSnapshot.workloadHistory)].append(
        WorkloadSample(
          workloadID: id, cpuMilli: 100 + 20 * noise, memoryBytes: nil, ioBytesPerSec: nil, latencyP50Ms: 20 + noise,
          latencyP99Ms: 50 + 10 * noise, lossPercent: noise < 0.05 ? 1 : 0, errorPercent: noise < 0.1 ? 2 : 0,
          requestsPerSec: 100))
    }
    let t0 = now()
    if second == 120 { stats.takeBaseline(e, in: s) }
    if second >= 120 { stats.observe(e, in: s) }
    spent += now() - t0
  }
  print(
    "   \(stats.tests.count) tests, \(stats.tests.first?.n.first ?? 0) blocks a group at the end: \(ms(spent / 480)) a second of cluster time"
  )
}
