import ClusterState

extension ExperimentRun {
  /// The team's safety lever, from the method's start to the steady state after: engaged (its
  /// reducer has already set back every fault) or unknown, the run is aborted with its words.
  mutating func leverStop(_ s: ClusterSnapshot, _ now: Seconds) -> [Action]? {
    if case .steadyAfter = phase { return nil }
    guard let lever = s.chaos.lever, let why = lever.refusal else { return nil }
    closeSteps(now, status: "aborted")
    finish(now, .aborted(why))
    return lever.isEngaged ? [] : [.abortAllFaults]
  }
}
