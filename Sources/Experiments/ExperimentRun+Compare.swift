import ClusterState

extension ExperimentRun {
  /// A compare hypothesis is judged when the observation is over (every hypothesis that waits for
  /// something has settled and the experiment's impact is over), on tests worked out then.
  mutating func judgeCompare(
    _ i: Int, _ w: String, _ f: Experiment.Figure, _ rule: Experiment.Hypothesis.CompareRule, _ c: Judging
  ) {
    guard c.observingEnded && activeSettled && impactOver(c.s) else { return }
    guard statistics != nil else {
      settle(i, .failed(at: c.now, evidence: "no control group to compare with"), c.now)
      return
    }
    statistics?.judgeNow()
    let (passed, evidence) = statistics!.judgeCompare(workload: w, figure: f, rule: rule)
    settle(i, passed ? .passed(at: c.now, evidence: evidence) : .failed(at: c.now, evidence: evidence), c.now)
  }

  /// Before the method: the A/A check on the groups' baselines. Returns the reason not to start.
  mutating func checkGroups(_ now: Seconds) -> String? {
    guard let stats = statistics else { return nil }
    let check = stats.checkGroups(experiment.comparable)
    groupsCheck = check
    note(now, check.summary)
    guard !check.differences.isEmpty, experiment.comparable.refuse else { return nil }
    return "the groups differ before any fault (A/A check; groups.comparable.otherwise: warn starts anyway): "
      + check.differences.joined(separator: "; ")
  }
}
