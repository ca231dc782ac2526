import ClusterState

/// A probe's state in a run: its answers in its mode's window, turned into passing or failing by its
/// thresholds.
public struct ProbeStatus: Sendable, Equatable {
  public enum State: String, Sendable { case waiting, passing, failing }
  public var state = State.waiting
  public var answers = 0
  public var failures = 0
  var inARowOK = 0
  var inARowFailed = 0
  /// The last answers, oldest first (true: as expected).
  public var history: [Bool] = []
  public var last: ProbeSample?
  /// When it first turned failing since the method started, and why.
  public var failedAt: Seconds?
  public var failedWhy: String?
  /// The newest answer taken (HTTP and command probes: its number), and when a Kubernetes probe
  /// looks next.
  var seen = 0
  var next: Seconds = 0
  static let historyKept = 30
  public init() {}
}

extension ExperimentRun {
  /// Whether the probe's mode runs it now.
  func probeRuns(_ p: ProbeSpec, _ s: ClusterSnapshot) -> Bool {
    switch (p.mode, phase) {
    case (_, .finished): return false
    case (.before, .steadyBefore), (.continuous, _), (.after, .steadyAfter): return true
    // From the first fault until the faults are over and their incidents closed.
    case (.onChaos, .method), (.onChaos, .observing): return !impactOver(s)
    default: return false
    }
  }

  /// The HTTP and command probes whose time it is (the console's runner runs these).
  public func probesWanted(_ s: ClusterSnapshot) -> [ProbeSpec] {
    guard recorded == nil else { return [] }
    return experiment.probes.filter { p in
      if case .k8s = p.kind { return false }
      return probeRuns(p, s)
    }
  }

  /// Why a probe cannot run here (nil: they all can): a command in a read-only session.
  func probesRefused(_ s: ClusterSnapshot) -> String? {
    guard s.readOnly, recorded == nil else { return nil }
    let cmds = experiment.probes.filter { if case .cmd = $0.kind { return true } else { return false } }
    guard !cmds.isEmpty else { return nil }
    return "its probe \(cmds.map(\.name).joined(separator: ", ")) runs a command, and a read-only session runs none"
  }

  /// Takes the probes' new answers: HTTP and command probes' from the snapshot, Kubernetes probes'
  /// read off it on their schedule.
  mutating func updateProbes(_ s: ClusterSnapshot, _ now: Seconds) {
    for p in experiment.probes {
      var st = probeStatus[p.name] ?? ProbeStatus()
      defer { probeStatus[p.name] = st }
      guard probeRuns(p, s) else { continue }
      if case .k8s(let k) = p.kind {
        guard now >= st.next else { continue }
        st.next = now + p.every
        var sample = Self.kubeProbe(p.name, k, s)
        sample.at = now
        take(sample, p, &st, now)
      } else {
        // The answers since the last step: the newest few, from the end (oldest first).
        let fresh = (s.probeSamples[p.name] ?? []).reversed().prefix { ($0.seq ?? 0) > st.seen && $0.at >= created }
        for sample in fresh.reversed() {
          st.seen = sample.seq ?? 0
          take(sample, p, &st, now)
        }
      }
    }
  }

  mutating func take(_ sample: ProbeSample, _ p: ProbeSpec, _ st: inout ProbeStatus, _ now: Seconds) {
    st.answers += 1
    st.last = sample
    st.history.append(sample.ok)
    if st.history.count > ProbeStatus.historyKept { st.history.removeFirst() }
    if sample.ok {
      st.inARowOK += 1
      st.inARowFailed = 0
      if st.state != .passing && st.inARowOK >= p.successThreshold {
        if st.state == .failing { note(now, "probe \(p.name) passing again: \(sample.detail)") }
        st.state = .passing
      }
    } else {
      st.failures += 1
      st.inARowFailed += 1
      st.inARowOK = 0
      if st.state != .failing && st.inARowFailed >= p.failureThreshold {
        st.state = .failing
        note(now, "probe \(p.name) failing: \(sample.detail)")
        if methodStart != nil || p.mode == .before, st.failedAt == nil {
          st.failedAt = now
          st.failedWhy = sample.detail
        }
      }
    }
  }

  /// The steady state's probes, where their mode runs them now: not passing is not steady.
  func probeViolations(_ s: ClusterSnapshot) -> [String] {
    experiment.steadyState.probeNames.compactMap { name in
      guard let p = experiment.probes.first(where: { $0.name == name }), probeRuns(p, s) else { return nil }
      let st = probeStatus[name] ?? ProbeStatus()
      switch st.state {
      case .passing: return nil
      case .waiting: return "probe \(name): no answer yet"
      case .failing: return "probe \(name) failing: " + (st.last?.detail ?? "")
      }
    }
  }

  /// A probe hypothesis: failed the first time the probe turns failing in its window; held when the
  /// window is over (the method's start for `before`, the faults' end otherwise) with answers in it.
  mutating func judgeProbe(_ i: Int, _ name: String, _ c: Judging) {
    guard let p = experiment.probes.first(where: { $0.name == name }) else { return }
    let st = probeStatus[name] ?? ProbeStatus()
    if let at = st.failedAt {
      let when = methodStart.map { " at +" + formatDuration(max(0, at - $0)) } ?? " before the method"
      settle(i, .failed(at: c.now, evidence: "\(name) failing\(when): \(st.failedWhy ?? "")"), c.now)
      return
    }
    let over = p.mode == .before ? true : c.observingEnded && activeSettled && impactOver(c.s)
    guard over else { return }
    if st.answers == 0 {
      settle(i, .failed(at: c.now, evidence: "no answer from \(name) while it ran"), c.now)
    } else {
      let failed = st.failures == 0 ? "none failed" : "\(st.failures) failed, never \(p.failureThreshold) in a row"
      settle(i, .passed(at: c.now, evidence: "\(st.answers) answers, \(failed)"), c.now)
    }
  }

  /// A Kubernetes probe on the snapshot: the objects matched and whether they meet it.
  static func kubeProbe(_ name: String, _ k: KubeProbe, _ s: ClusterSnapshot) -> ProbeSample {
    func sel(_ labels: [String: String]) -> Bool { k.selector.allSatisfy { labels[$0.key] == $0.value } }
    let inNS: (String) -> Bool = { ns in k.namespace.map { $0 == ns } ?? true }
    var ready = 0
    var total = 0
    var missing: [String] = []
    switch k.kind {
    case "pods":
      let pods = s.pods.values.filter {
        inNS($0.namespace) && sel($0.labels) && (k.name.map(\.self) ?? $0.name) == $0.name
      }
      total = pods.count
      ready = pods.filter(\.isReady).count
      if let c = k.condition, c != "Ready" {
        return .init(name: name, ok: false, detail: "pods have no \(c) condition here (Ready)")
      }
    case "nodes":
      let nodes = s.nodes.values.filter { (k.name.map(\.self) ?? $0.name) == $0.name }
      total = nodes.count
      ready = nodes.filter(\.ready).count
      if let c = k.condition, c != "Ready" {
        return .init(name: name, ok: false, detail: "nodes have no \(c) condition here (Ready)")
      }
    case "hpa":
      guard let h = s.hpas.values.first(where: { inNS($0.namespace) && $0.name == k.name }) else {
        return .init(name: name, ok: false, detail: "no HPA \(k.name ?? "")")
      }
      total = 1
      ready = h.currentReplicas
      if let c = k.condition, h.conditions.first(where: { $0.type == c })?.status != "True" {
        missing.append("\(h.name) \(c) is not True")
      }
    default:
      guard
        let w = s.workloads.values.first(where: {
          inNS($0.namespace) && $0.name == k.name && (k.kind == "workload" || $0.kind.rawValue.lowercased() == k.kind)
        })
      else {
        return .init(name: name, ok: false, detail: "no \(k.kind) \(k.name ?? "")")
      }
      total = w.desiredReplicas
      ready = w.readyReplicas
    }
    if k.condition == "Ready" && ready < total { missing.append("\(ready)/\(total) Ready") }
    if let atLeast = k.readyAtLeast, ready < atLeast { missing.append("\(ready) Ready, fewer than \(atLeast)") }
    if total == 0 && k.kind != "hpa" { missing.append("nothing matches") }
    return .init(
      name: name, ok: missing.isEmpty,
      detail: missing.isEmpty ? "\(ready)/\(total) Ready" : missing.joined(separator: "; "))
  }
}
