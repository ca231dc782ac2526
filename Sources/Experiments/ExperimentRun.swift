import ClusterState

/// One run of an experiment, as a pure state machine on the snapshot: `step(state)` gives the next
/// run and the actions to dispatch (faults to request, the abort). Phases: wait for the steady
/// state (not steady within its timeout: not run), the method's steps on their schedule, observe
/// until every hypothesis is settled, undo the faults and run the rollbacks, check the steady state
/// after, verdict. Stop conditions are checked on every step from the method's start.
public struct ExperimentRun: Sendable {
  public enum Phase: Sendable, Equatable {
    case steadyBefore
    case method(step: Int, of: Int)
    case observing
    case steadyAfter
    case finished(Verdict)

    public var label: String {
      switch self {
      case .steadyBefore: return "checking the steady state"
      case .method(let k, let n): return "method: step \(k) of \(n)"
      case .observing: return "observing"
      case .steadyAfter: return "checking the steady state after"
      case .finished(let v): return "verdict: " + v.label
      }
    }
  }

  public enum Verdict: Sendable, Equatable {
    case passed
    case failed([String])
    case aborted(String)
    case notRun(String)

    public var label: String {
      switch self {
      case .passed: return "passed"
      case .failed(let why): return "failed (" + why.joined(separator: "; ") + ")"
      case .aborted(let why): return "aborted: " + why
      case .notRun(let why): return "not run: " + why
      }
    }
  }

  public enum Outcome: Sendable, Equatable {
    case pending
    case passed(at: Seconds, evidence: String)
    case failed(at: Seconds, evidence: String)
  }

  /// A step of the method as it ran.
  public struct StepRecord: Sendable, Equatable {
    public var label: String
    public var start: Seconds
    public var end: Seconds?
    public var status: String
  }

  public let experiment: Experiment
  public let origin: String
  /// What the recording says of the run when it is judged again from a journal (nil: a live run).
  public let recorded: Recorded?
  public internal(set) var phase: Phase = .steadyBefore
  public private(set) var created: Seconds
  public internal(set) var methodStart: Seconds?
  public private(set) var methodEnd: Seconds?
  public private(set) var finishedAt: Seconds?
  public private(set) var outcomes: [Outcome]
  public internal(set) var steps: [StepRecord] = []
  /// What was outside the steady state when it was checked (empty: steady).
  public internal(set) var steadyStateBefore: [String]?
  public private(set) var steadyStateAfter: [String]?
  /// Phase changes and results, in order, for progress lines and the journal.
  public private(set) var log: [(time: Seconds, text: String)] = []
  /// The steady state checked continuously from the method's start (each whole second): every
  /// change, with what was outside it (empty: back in it).
  public private(set) var steadyStateDuring: [(time: Seconds, violations: [String])] = []
  /// Control against experimental as tests (nil: no control group, or the method has not started).
  public internal(set) var statistics: GroupStatistics?
  /// The A/A check's answer, from the method's start (nil: no control group).
  public internal(set) var groupsCheck: GroupStatistics.GroupsCheck?
  /// Incidents, breaches and alerts outside the method's targets, from its start (at most 50).
  public internal(set) var unexpected: [Unexpected] = []
  var unexpectedKeys = Set<String>()
  /// The SLO's error budget this run spends (nil: no `slo:`).
  public internal(set) var budget: ErrorBudget?
  /// Looks made so far of each harm stop condition (by its index).
  public internal(set) var harmLooks: [Int: Int] = [:]
  /// The probes of `probes:`, by name.
  public internal(set) var probeStatus: [String: ProbeStatus] = [:]
  /// Workloads already outside the steady state when the method started (not the experiment's doing).
  var breachedAtStart = Set<String>()
  static let unexpectedLimit = 50
  /// What the log last said of each test (workload|figure).
  var statisticsShown: [String: GroupStatistics.Test.Direction] = [:]

  /// The method flattened: each fault at its offset from the method's start.
  let schedule: [(offset: Seconds, step: Experiment.Step, index: Int)]
  let methodLength: Seconds
  private var next = 0
  var lastTick: Seconds?
  /// The gate the method waits at (and since when), and the time waited at gates so far.
  public internal(set) var pendingGate: (gate: Experiment.Gate, since: Seconds)?
  var gateDelay: Seconds = 0
  var initialPrimary: [String: String?] = [:]
  /// Each zone's share of a service's traffic when the method started ("service@zone").
  var initialShare: [String: Double] = [:]
  var reachedAt: [Int: Seconds] = [:]
  var unavailable: [Int: Seconds] = [:]
  var breachedSince: [Int: Seconds] = [:]
  private var steadyAfterSince: Seconds?
  var steadySince: Seconds?
  /// How long the steady state must hold before the method starts (a Prometheus round is 5 s).
  static let steadyFor: Seconds = 5
  /// Faults asked for so far.
  var requested = 0

  public init(_ experiment: Experiment, at now: Seconds, judging recorded: Recorded? = nil) {
    self.experiment = experiment
    self.recorded = recorded
    origin = "experiment: " + (recorded?.title ?? experiment.title)
    created = now
    outcomes = Array(repeating: .pending, count: experiment.hypotheses.count)
    budget = experiment.slo.map(ErrorBudget.init)
    var schedule: [(Seconds, Experiment.Step, Int)] = []
    var offset: Seconds = 0
    for (i, step) in experiment.method.enumerated() {
      Self.flatten(step, at: offset, index: i, into: &schedule)
      offset += step.length
    }
    self.schedule = schedule.sorted { $0.0 < $1.0 }
    methodLength = offset
    note(now, "checking the steady state of \(experiment.experimental.namespace)")
  }

  static func flatten(
    _ step: Experiment.Step, at offset: Seconds, index: Int, into out: inout [(Seconds, Experiment.Step, Int)]
  ) {
    switch step {
    case .parallel(let steps): for s in steps { flatten(s, at: offset, index: index, into: &out) }
    default: out.append((offset, step, index))
    }
  }

  /// How long to observe after the method at most: the longest time limit of a hypothesis (a
  /// replica count's return included), with the steady state's timeout on top.
  var observeLimit: Seconds {
    let limits = experiment.hypotheses.map { h -> Seconds in
      switch h.kind {
      case .primaryChanges(_, let w), .crosses(_, _, _, _, let w), .alertFires(_, let w),
        .zoneShareBelow(_, _, _, let w):
        return w
      case .replicas(_, _, let w, _, let r): return w + r
      case .recoversWithin(let w), .detectedWithin(let w), .mitigatedWithin(let w): return w
      case .staysWithin, .unavailableAtMost, .noUnexpected: return 0
      // Judged once the faults are over: as long as they outlast the method.
      case .compare, .probe: return faultsOutlastMethod
      }
    }
    return (limits.max() ?? 0) + experiment.steadyState.timeout
  }

  /// How long the method's faults last past its end (a fault takes no time in the method).
  var faultsOutlastMethod: Seconds {
    let ends = schedule.map { entry -> Seconds in
      if case .fault(let req) = entry.step, !req.kind.isOneShot { return entry.offset + req.parameters.duration }
      return entry.offset
    }
    return max(0, (ends.max() ?? 0) - methodLength)
  }

  public var isFinished: Bool {
    if case .finished = phase { return true }
    return false
  }

  public var verdict: Verdict? {
    if case .finished(let v) = phase { return v }
    return nil
  }

  mutating func note(_ t: Seconds, _ text: String) { log.append((t, text)) }

  /// The experimental group's namespace: names without one are looked up there.
  var ns: String { experiment.experimental.namespace }

  func id(_ workload: String) -> String {
    workload.contains("/") ? workload : experiment.experimental.namespace + "/" + workload
  }

  /// The experiment's own faults in the snapshot.
  func ownFaults(_ s: ClusterSnapshot) -> [ActiveFault] { s.faults.filter { $0.request.origin == origin } }

  /// What is outside the steady state of the experimental group now.
  public func steadyStateViolations(_ s: ClusterSnapshot) -> [String] {
    let g = experiment.experimental
    // Unknown is not steady: no answer from the cluster yet, or nothing of the group in it.
    if let unknown = s.steadyStateUnknown {
      switch unknown {
      case .waiting: return ["waiting for the cluster's first answer"]
      case .noPods(let why), .stale(_, let why): return ["no answer from the cluster: " + why]
      case .empty: return ["nothing in \(g.namespace)"]
      }
    }
    if s.podDetailsPending { return ["waiting for the pods' labels and owners (the first view is on screen)"] }
    let workloads = g.workloads(in: s)
    if workloads.isEmpty { return ["no workload of the experimental group in \(GroupComparison.label(g))"] }
    var out =
      experiment.steadyState.builtIn
      ? HealthCheck.violations(workloads: workloads, services: g.services(in: s), in: s) : []
    // The PromQL probes, as Prometheus last answered them: no answer is not steady.
    for p in experiment.steadyState.probes {
      guard let r = s.probeResults.first(where: { $0.name == p.name }) else {
        out.append("probe \(p.name): no answer yet")
        continue
      }
      if let e = r.error {
        out.append("probe " + e)
      } else if let v = r.violation {
        out.append("probe " + v)
      } else if r.value == nil {
        out.append("probe \(p.name): no data")
      }
    }
    return out + probeViolations(s)
  }

  /// Why the run cannot even try (nil: it can): PromQL probes with no Prometheus to ask.
  func cannotRun(_ s: ClusterSnapshot) -> String? {
    if let why = contextMissing(s) { return why }
    if let why = probesRefused(s) { return why }
    if let slo = experiment.slo, slo.service == nil, !slo.queries.isEmpty,
      !s.sources.contains(where: { $0.name.hasPrefix("prometheus ") })
    {
      return "its SLO (\(slo.name)) is PromQL and there is no Prometheus: run with --prometheus, or give slo.service"
    }
    guard !experiment.steadyState.probes.isEmpty, !s.sources.contains(where: { $0.name.hasPrefix("prometheus ") })
    else { return nil }
    return
      "its steady state has PromQL probes (\(experiment.steadyState.probes.map(\.name).joined(separator: ", "))) and there is no Prometheus: run with --prometheus"
  }

  /// Moves the run to the snapshot's time; returns the actions to dispatch.
  public mutating func step(_ s: ClusterSnapshot) -> [Action] {
    let wasFinished = isFinished
    let actions = advance(s)
    // The error budget at the verdict (with the snapshot, for its incidents).
    if !wasFinished && isFinished { noteBudget(s, s.now) }
    return actions
  }

  mutating func advance(_ s: ClusterSnapshot) -> [Action] {
    let now = s.now
    defer { lastTick = now }
    var actions: [Action] = []
    if !experiment.probes.isEmpty { updateProbes(s, now) }
    switch phase {
    case .finished: return []
    case .steadyBefore:
      checkSteadyBefore(s, now)
      return []
    default: break
    }
    guard let start = methodStart else { return [] }
    if let stopped = leverStop(s, now) ?? stopIfNeeded(s, now) { return stopped }
    actions += runSchedule(s, now, from: start)
    evaluate(s, now: now)
    if Int(now) != Int(lastTick ?? now - 1) {
      if statistics?.observe(experiment, in: s) == true { noteStatistics(now) }
      if case .steadyAfter = phase {
      } else {
        let namespace = ns
        budget?.sample(s, namespace: namespace)
        noteUnexpected(s, now)
      }
      let v = steadyStateViolations(s)
      // A change of what is outside, not of its figures (those move every second).
      func shape(_ list: [String]) -> [String] { list.map { $0.filter { !$0.isNumber && $0 != "." } } }
      if shape(v) != shape(steadyStateDuring.last?.violations ?? []) {
        steadyStateDuring.append((now, v))
        note(now, v.isEmpty ? "back in the steady state" : "outside the steady state: " + v.joined(separator: "; "))
      }
    }
    actions += settleAndFinish(s, now)
    return actions
  }

  /// A stop condition that fired, or a fault of the method that could not be made: the actions that
  /// abort the run (nil: it goes on).
  mutating func stopIfNeeded(_ s: ClusterSnapshot, _ now: Seconds) -> [Action]? {
    var actions: [Action] = []
    // Stop conditions, from the method's start to the verdict.
    if case .steadyAfter = phase {
    } else if let why = stopConditionFired(s, now: now) {
      actions.append(.abortAllFaults)
      closeSteps(now, status: "aborted")
      finish(now, .aborted(why))
      return actions
    }
    // A fault of the method that could not be made: the experiment cannot go on as designed.
    for f in ownFaults(s) {
      if case .failed(let why) = f.state {
        actions.append(.abortAllFaults)
        closeSteps(now, status: "aborted")
        let label = Experiment.Step.fault(f.request).label
        if let k = steps.lastIndex(where: { $0.label == label }) { steps[k].status = "failed" }
        finish(now, .aborted("\(f.request.kind.rawValue) on \(f.request.targetLabel) failed: \(why)"))
        return actions
      }
    }
    return nil
  }

  /// The method's faults, on their schedule; the method's end.
  mutating func runSchedule(_ s: ClusterSnapshot, _ now: Seconds, from start: Seconds) -> [Action] {
    var actions: [Action] = []
    if waitAtGate(now) { return [] }
    // The method's faults, on their schedule (later by the time waited at gates).
    while pendingGate == nil, next < schedule.count, now >= start + gateDelay + schedule[next].offset {
      let (_, step, index) = schedule[next]
      next += 1
      if case .method(let k, _) = phase, index + 1 != k || steps.isEmpty {
        closeSteps(now, status: "succeeded")
        phase = .method(step: index + 1, of: experiment.method.count)
      }
      steps.append(StepRecord(label: step.label, start: now, end: nil, status: "running"))
      note(now, "step \(index + 1): " + step.label)
      if case .fault(var req) = step {
        req.origin = origin
        if let refused = refuse(req, s, now) { return actions + refused }
        requested += 1
        actions.append(.requestFault(req))
      }
      if case .gate(let g) = step { pendingGate = (g, now) }
    }
    if case .method = phase, pendingGate == nil, next >= schedule.count, now >= start + gateDelay + methodLength {
      closeSteps(now, status: "succeeded")
      methodEnd = now
      phase = .observing
      note(now, "method done: observing")
    }
    return actions
  }

  /// After the method: hypotheses left open past their limit fail; all settled, the faults are
  /// undone, the rollbacks run, and the steady state after decides the verdict.
  mutating func settleAndFinish(_ s: ClusterSnapshot, _ now: Seconds) -> [Action] {
    var actions: [Action] = []
    if case .observing = phase, let end = methodEnd, now - end > observeLimit {
      // Past every hypothesis' time limit: what is still open could not be shown to hold.
      for i in outcomes.indices where outcomes[i] == .pending {
        settle(i, .failed(at: now, evidence: "not settled \(formatDuration(observeLimit)) after the method"), now)
      }
    }
    if case .observing = phase, outcomes.allSatisfy({ $0 != .pending }) {
      // Every hypothesis settled: undo what is left and run the rollbacks, then the steady state after.
      actions.append(.abortAllFaults)
      for r in experiment.rollbacks {
        if case .fault(var req) = r {
          req.origin = origin
          actions.append(.requestFault(req))
        }
      }
      phase = .steadyAfter
      steadyAfterSince = now
      note(now, "every hypothesis settled: faults undone, checking the steady state after")
    } else if case .steadyAfter = phase {
      let v = steadyStateViolations(s)
      if v.isEmpty {
        steadyStateAfter = []
        let failed = zip(experiment.hypotheses, outcomes).compactMap { h, o -> String? in
          if case .failed(_, let e) = o { return "\(h.name): \(e)" }
          return nil
        }
        finish(now, failed.isEmpty ? .passed : .failed(failed))
      } else if now - (steadyAfterSince ?? now) >= experiment.steadyState.timeout {
        steadyStateAfter = v
        finish(now, .failed(["not back in the steady state: " + v.joined(separator: "; ")]))
      }
    }
    return actions
  }

  /// Aborts the run (the panic key, an interrupt): the method stops, every fault is undone.
  public mutating func abort(_ why: String, at now: Seconds) -> [Action] {
    guard !isFinished else { return [] }
    closeSteps(now, status: "aborted")
    finish(now, .aborted(why))
    return [.abortAllFaults]
  }

  mutating func closeSteps(_ now: Seconds, status: String) {
    for i in steps.indices where steps[i].end == nil {
      steps[i].end = now
      steps[i].status = status
    }
  }

  mutating func finish(_ now: Seconds, _ verdict: Verdict) {
    // Hypotheses still open at the end cannot have held.
    for i in outcomes.indices where outcomes[i] == .pending {
      outcomes[i] = .failed(at: now, evidence: "not settled when the run ended")
    }
    finishedAt = now
    phase = .finished(verdict)
    if !unexpected.isEmpty {
      note(
        now,
        "unexpected at the verdict: \(unexpected.count): " + unexpected.prefix(5).map(\.text).joined(separator: "; "))
    }
    if statistics != nil {
      statistics?.judgeNow()
      note(now, statistics!.verdictLine)
    }
    note(now, "verdict: " + verdict.label)
  }

  /// A figure's stop condition: past its bound by more than its margin, or for longer than its
  /// time (either at once when it has neither).
  mutating func figureStop(
    _ i: Int, _ figure: Experiment.Figure, _ service: String, _ bound: Double, _ above: Bool, _ margin: Double,
    _ longerThan: Seconds, _ s: ClusterSnapshot, _ now: Seconds
  ) -> String? {
    guard let v = figure.value(service: service, namespace: ns, in: s) else { return nil }
    let excess = above ? v - bound : bound - v
    if excess <= 0 {
      breachedSince[i] = nil
      return nil
    }
    let since = breachedSince[i] ?? now
    breachedSince[i] = since
    let bySize = margin > 0 && excess > margin
    let byTime = longerThan > 0 && now - since > longerThan
    guard bySize || byTime || (margin == 0 && longerThan == 0) else { return nil }
    return "\(service) \(figure.rawValue) \(Experiment.Figure.text(v))"
      + (byTime ? " for \(formatDuration(now - since))" : "")
  }

  /// The first stop condition that fires now, in words.
  mutating func stopConditionFired(_ s: ClusterSnapshot, now: Seconds) -> String? {
    for (i, c) in experiment.stopConditions.enumerated() {
      let why: String?
      switch c.kind {
      case .burnRate(let b): why = burnFired(b, now)
      case .harm(let h): why = harmLook(i, h, now)
      case .alerts(let a): why = Self.alertsFiring(a, s)
      case .probe(let name):
        guard let st = probeStatus[name], st.state == .failing else { continue }
        why = st.last?.detail ?? ""
      case .figure(let figure, let service, let bound, let above, let margin, let longerThan):
        why = figureStop(i, figure, service, bound, above, margin, longerThan, s, now)
      }
      if let why { return "stop condition \(c.label): " + why }
    }
    return nil
  }

  mutating func settle(_ i: Int, _ outcome: Outcome, _ now: Seconds) {
    guard outcomes[i] == .pending else { return }
    outcomes[i] = outcome
    let h = experiment.hypotheses[i]
    switch outcome {
    case .passed(_, let e): note(now, "hypothesis held: \(h.name) (\(e))")
    case .failed(_, let e): note(now, "hypothesis failed: \(h.name) (\(e))")
    case .pending: break
    }
  }

  /// Whether every hypothesis that waits for something to happen has settled: those that only ask
  /// that something does not happen (stays within, unavailable at most) are judged then.
  var activeSettled: Bool {
    zip(experiment.hypotheses, outcomes).allSatisfy { h, o in
      switch h.kind {
      case .staysWithin, .unavailableAtMost, .compare, .noUnexpected, .probe: return true
      default: return o != .pending
      }
    }
  }

  /// Whether what the experiment did is over: each of its faults has ended and its incident closed.
  func impactOver(_ s: ClusterSnapshot) -> Bool {
    let own = ownFaults(s)
    guard own.count >= requested else { return false }
    let ids = Set(own.map(\.id))
    return own.allSatisfy { !$0.isActive } && s.incidents.allSatisfy { !ids.contains($0.faultID) || !$0.isOpen }
  }

  /// No Ready primary (a workload whose pods carry roles: the snapshot keeps its last primary) or no
  /// Ready pod at all. O(1): it runs every step, whatever the number of pods.
  func unavailableNow(_ workload: String, _ s: ClusterSnapshot) -> Bool {
    if let primary = s.primaries[workload] {
      let ns = workload.split(separator: "/").first.map(String.init) ?? ""
      return !(s.pods[PodID(namespace: ns, name: primary).key]?.isReady ?? false)
    }
    return (s.workloads[workload]?.readyReplicas ?? 0) == 0
  }
}
