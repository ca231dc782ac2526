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
  /// A fault of the method the cluster already said it may not make (RBAC's answer, Chaos Mesh
  /// missing) or a read-only session: the run cannot go on as designed and is aborted with the
  /// reason, as when the fault fails once asked for (nil: it may be asked for).
  mutating func refuse(_ req: FaultRequest, _ s: ClusterSnapshot, _ now: Seconds) -> [Action]? {
    let why =
      s.session.readOnly
      ? s.session.readOnlyReason
      : s.whyUnavailable(req.kind, namespace: req.target.namespace)
    guard let why else { return nil }
    closeSteps(now, status: "aborted")
    if let k = steps.indices.last { steps[k].status = "failed" }
    finish(now, .aborted("\(req.kind.rawValue) on \(req.targetLabel) cannot be made: \(why)"))
    return [.abortAllFaults]
  }

  /// The alerts matching `selector` that fire now, in words (nil: none).
  static func alertsFiring(_ selector: AlertSelector, _ s: ClusterSnapshot) -> String? { selector.firing(s.alerts) }
}
