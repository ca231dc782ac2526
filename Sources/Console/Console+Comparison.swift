import ClusterState
import Experiments
import Recording

extension Console {
  /// The comparison's tests as the journal keeps them, with the block means they were worked out on.
  static func comparisonRecord(_ stats: GroupStatistics) -> [SessionJournal.ExperimentRecord.Test] {
    stats.tests.map { t in
      let blocks = { (g: GroupStatistics.Group) in stats.samples(t.workload, t.figure, g, .observation)?.blocks }
      let counts = GroupStatistics.countFigures.contains(t.figure)
      return SessionJournal.ExperimentRecord.Test(
        workload: t.workload, figure: t.figure.rawValue, test: t.test, direction: t.direction.rawValue, n: t.n,
        unit: t.unitName, shift: t.shift, lower: t.lower, upper: t.upper, p: t.p, pHolm: t.adjusted, effect: t.effect,
        experimental: counts ? nil : blocks(.experimental), control: counts ? nil : blocks(.control))
    }
  }
}
