import ClusterState
import Statistics

extension GroupStatistics {
  static var rankFigures: [Experiment.Figure] { [.p50, .p99, .cpu, .ready] }
  /// Figures tested as counts of failed requests (no block means kept).
  public static var countFigures: [Experiment.Figure] { [.errors, .loss] }

  /// The groups' history before the method's start, as the baseline window.
  public mutating func takeBaseline(_ e: Experiment, in s: ClusterSnapshot) {
    for pair in GroupComparison.pairs(e, in: s) {
      if !pairs.contains(pair.label) { pairs.append(pair.label) }
      for (group, id) in [(Group.experimental, pair.experimental), (.control, pair.control)] {
        guard let id, let series = s.workloadSeries[id] else { continue }
        for f in Self.rankFigures {
          var smp = Samples()
          let values: [Double]
          if f == .ready {
            values = []
          } else {
            values = Self.ring(f, series).suffix(Self.baselineSeconds)
          }
          // Whole blocks only, the newest last.
          let whole = values.count - values.count % Self.blockSeconds
          for v in values.suffix(whole) { smp.add(v) }
          samples[Key(pair: pair.label, figure: f, group: group, window: .baseline)] = smp
        }
        for f in Self.countFigures {
          var smp = Samples()
          let rates = series.requestsPerSec.suffix(Self.baselineSeconds)
          let pcts = Self.ring(f, series).suffix(Self.baselineSeconds)
          for (r, pct) in zip(rates.suffix(pcts.count), pcts.suffix(rates.count)) {
            smp.count(requests: r, failedPercent: pct)
          }
          samples[Key(pair: pair.label, figure: f, group: group, window: .baseline)] = smp
        }
      }
    }
  }

  /// Works the tests out now from every sample so far (the verdict's).
  public mutating func judgeNow() { tests = judge() }

  static func ring(_ f: Experiment.Figure, _ s: WorkloadSeries) -> RingBuffer {
    switch f {
    case .p50: return s.latencyP50Ms
    case .p99: return s.latencyP99Ms
    case .cpu: return s.cpuMilli
    case .errors: return s.errorPercent
    case .loss: return s.lossPercent
    case .ready: return RingBuffer(capacity: 1)
    }
  }

  /// One second of the observation window: the latest figures of each group, when new figures came.
  /// Returns whether the tests were worked out again.
  @discardableResult
  public mutating func observe(_ e: Experiment, in s: ClusterSnapshot) -> Bool {
    guard let at = s.metricsAt ?? (s.isDemo ? s.now : nil), at != lastMetricsAt else { return false }
    let dt = lastSampleAt.map { min(60, max(0, s.now - $0)) } ?? 1
    lastMetricsAt = at
    lastSampleAt = s.now
    var closed = false
    if pairCache?.revision != s.objectsRevision {
      pairCache = (s.objectsRevision, GroupComparison.pairs(e, in: s))
    }
    for pair in pairCache?.pairs ?? [] {
      if !pairs.contains(pair.label) { pairs.append(pair.label) }
      for (group, id) in [(Group.experimental, pair.experimental), (.control, pair.control)] {
        guard let id else { continue }
        let series = s.workloadSeries[id]
        for f in Self.rankFigures {
          let v =
            f == .ready ? s.workloads[id].map { Double($0.readyReplicas) } : series.flatMap { Self.ring(f, $0).last }
          guard let v else { continue }
          let key = Key(pair: pair.label, figure: f, group: group, window: .observation)
          let before = samples[key]?.blocks.count ?? 0
          samples[key, default: Samples()].add(v)
          if samples[key]!.blocks.count != before { closed = true }
        }
        guard let series, let rps = series.requestsPerSec.last else { continue }
        for f in Self.countFigures {
          guard let pct = Self.ring(f, series).last else { continue }
          samples[Key(pair: pair.label, figure: f, group: group, window: .observation), default: Samples()].count(
            requests: rps * dt, failedPercent: pct)
        }
      }
    }
    // Worked out every second block (10 s): the tests' cost halves, and a verdict reads them at most
    // 10 s old.
    guard closed else { return false }
    blocksSeen += 1
    guard blocksSeen % Self.judgeEvery == 0 else { return false }
    tests = judge()
    return true
  }
}
