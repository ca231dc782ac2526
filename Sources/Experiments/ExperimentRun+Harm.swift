import ClusterState
import Foundation
import Statistics

extension ExperimentRun {
  /// The window a harm condition's looks are spread over: its own, else the method and its faults,
  /// at least a minute.
  func harmWindow(_ h: Experiment.Harm) -> Seconds { h.over ?? max(60, methodLength + faultsOutlastMethod) }

  /// The next look of a harm condition when its time has come: the reason to stop, when the harm is
  /// significant at this look's level. Each look is written to the log.
  mutating func harmLook(_ i: Int, _ h: Experiment.Harm, _ now: Seconds) -> String? {
    guard let start = methodStart, let stats = statistics else { return nil }
    let done = harmLooks[i] ?? 0
    guard done < h.looks, now - start >= harmWindow(h) * Double(done + 1) / Double(h.looks) else { return nil }
    harmLooks[i] = done + 1
    let level = Sequential.lookLevels(looks: h.looks, alpha: 1 - h.confidence)[done]
    let look = "harm look \(done + 1) of \(h.looks): \(h.workload) \(h.figure.rawValue)"
    guard let (p, text) = stats.harm(workload: h.workload, figure: h.figure, margin: h.margin) else {
      note(now, look + ": too few blocks yet (its level \(Self.level(level)) is not spent)")
      return nil
    }
    let fired = p < level
    note(now, look + ": \(text), p \(Self.level(p)) \(fired ? "<" : "≥") \(Self.level(level))")
    return fired ? "\(h.workload) \(h.figure.rawValue) \(text), p \(Self.level(p)) at look \(done + 1)" : nil
  }

  /// A p-value or a look's level, small ones kept readable: 0.0193, 0.0009, 1.2e-05.
  static func level(_ p: Double) -> String {
    p >= 0.0001 ? String(format: "%.4f", p) : String(format: "%.1e", p)
  }
}
