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
      : s.contextRefusal(req.kind, target: req.target) ?? s.whyUnavailable(req.kind, namespace: req.target.namespace)
    guard let why else { return nil }
    closeSteps(now, status: "aborted")
    if let k = steps.indices.last { steps[k].status = "failed" }
    finish(now, .aborted("\(req.kind.rawValue) on \(req.targetLabel) cannot be made: \(why)"))
    return [.abortAllFaults]
  }

  /// The alerts matching `selector` that fire now, in words (nil: none).
  static func alertsFiring(_ selector: AlertSelector, _ s: ClusterSnapshot) -> String? { selector.firing(s.alerts) }
}

extension ExperimentRun {
  /// In a session of several clusters each group names the context it lives in (`context:`), so
  /// that no fault goes to a cluster it was not meant for (nil: it does, or one cluster).
  func contextMissing(_ s: ClusterSnapshot) -> String? {
    guard s.isMultiContext else { return nil }
    let aliases = s.contexts.map(\.alias)
    let groups = [("experimental", experiment.experimental)] + (experiment.control.map { [("control", $0)] } ?? [])
    for (name, g) in groups where s.context(of: g.namespace) == nil {
      let named = ContextName.split(g.namespace).alias
      return named.map {
        "groups.\(name).context \($0) is not a context of this session (\(aliases.joined(separator: ", ")))"
      }
        ?? "this session shows several contexts (\(aliases.joined(separator: ", "))): groups.\(name) must name one (context: ALIAS)"
    }
    return nil
  }
}
