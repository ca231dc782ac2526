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

  /// The error budget the run spent, for the journal (nil: no SLO).
  static func budgetRecord(_ run: ExperimentRun, _ s: ClusterSnapshot) -> SessionJournal.ExperimentRecord.Budget? {
    guard let b = run.budget else { return nil }
    return .init(
      slo: b.slo.label, spent: b.spent, badEvents: b.bad, allowed: b.allowed,
      incidents: run.budgetByIncident(s).map { [Double($0.incident), $0.spent] })
  }
}
