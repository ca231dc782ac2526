import ClusterState

extension ExperimentRun {
  /// The team's safety lever and the stop signals, from the method's start to the steady state
  /// after: engaged or saying stop (their reducer has already set back every fault), or a lever
  /// unknown, the run is aborted with its words.
  mutating func leverStop(_ s: ClusterSnapshot, _ now: Seconds) -> [Action]? {
    if case .steadyAfter = phase { return nil }
    guard let why = s.injectionRefusal else { return nil }
    closeSteps(now, status: "aborted")
    finish(now, .aborted(why))
    return s.haltReason != nil ? [] : [.abortAllFaults]
  }
}

extension ExperimentRun {
  /// The alerts matching `selector` that fire now, in words (nil: none).
  static func alertsFiring(_ selector: AlertSelector, _ s: ClusterSnapshot) -> String? { selector.firing(s.alerts) }
}
