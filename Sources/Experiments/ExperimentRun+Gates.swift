import ClusterState

/// Runbook gates: the method waits at a `gate:` step until the operator confirms it, at most its
/// timeout; then it aborts or goes on as the gate says. Every later step comes later by the time
/// waited (the hypotheses' windows still count from the method's start).
extension ExperimentRun {
  /// Still waiting at a gate (the schedule does not move); past its timeout, its `otherwise`.
  mutating func waitAtGate(_ now: Seconds) -> Bool {
    guard let (gate, since) = pendingGate else { return false }
    guard now - since >= gate.timeout else { return true }
    let why = "gate \"\(gate.text)\" not confirmed within \(formatDuration(gate.timeout))"
    switch gate.otherwise {
    case .abort:
      pendingGate = nil
      closeSteps(now, status: "aborted")
      finish(now, .aborted(why))
      return true
    case .continue:
      passGate(now, note: why + ": going on")
      return false
    }
  }

  mutating func passGate(_ now: Seconds, note text: String) {
    guard let (_, since) = pendingGate else { return }
    gateDelay += now - since
    pendingGate = nil
    if let k = steps.lastIndex(where: { $0.end == nil && $0.label.hasPrefix("gate: ") }) {
      steps[k].end = now
      steps[k].status = "succeeded"
    }
    note(now, text)
  }

  /// The operator confirmed the gate the method waits at (the console's `y`).
  public mutating func confirmGate(at now: Seconds, by who: String) {
    guard let (gate, _) = pendingGate else { return }
    passGate(now, note: "gate \"\(gate.text)\" confirmed by \(who)")
  }

  /// The operator said no: the run is aborted (its faults undone).
  public mutating func refuseGate(at now: Seconds, by who: String) -> [Action] {
    guard let (gate, _) = pendingGate else { return [] }
    pendingGate = nil
    return abort("gate \"\(gate.text)\" refused by \(who)", at: now)
  }
}
