import ClusterState

/// A chaos experiment as the discipline defines it (field names close to Chaos Toolkit's): the
/// steady state it must start from and come back to, a method of faults and waits, the hypotheses
/// that must hold, stop conditions that abort it, and rollbacks.
public struct Experiment: Sendable, Equatable {
  public var title: String
  public var description: String = ""
  public var tags: [String] = []
  /// What must be true before the start (a checklist shown before `y`).
  public var prerequisites: [String] = []
  /// Where the faults go (`experimental`) and what is left alone to compare with (`control`).
  public var experimental: Group
  public var control: Group?
  /// How alike the groups must be before any fault (the A/A check, with a control group).
  public var comparable = Comparability()
  public var steadyState = SteadyStateHypothesis()
  public var method: [Step] = []
  public var hypotheses: [Hypothesis] = []
  public var stopConditions: [StopCondition] = []
  /// Run after the method (or an abort): every fault the experiment made is undone first, always.
  public var rollbacks: [Step] = []
  /// Probes without Prometheus (HTTP, Kubernetes, command), named by the steady state, hypotheses
  /// and stop conditions.
  public var probes: [ProbeSpec] = []
  /// The service level objective whose error budget the experiment spends (nil: none).
  public var slo: SLO?
  /// The file's text as it was read (at most `sourceLimit` bytes; nil: longer, or not from a file):
  /// the session's journal keeps it, so `chaostui judge` can read the run again as it was defined.
  public var source: String?
  public static let sourceLimit = 64 * 1024

  public init(title: String, experimental: Group) {
    self.title = title
    self.experimental = experimental
  }

  /// The A/A check: before the method, the groups' baselines are compared with the same tests as the
  /// verdict's; a significant difference beyond the tolerance (a share of the control's median for
  /// latencies, CPU and Ready; points of failed requests for errors and loss) stops the experiment
  /// before it starts, or (`otherwise: warn`) is noted and carried to the verdict.
  public struct Comparability: Sendable, Equatable {
    public var tolerance: Double = 0.10
    public var points: Double = 1
    public var refuse = true
    public init() {}
  }

  /// A part of the system: a namespace and/or a label selector (`app=flask`).
  public struct Group: Sendable, Equatable {
    public var namespace: String
    public var selector: [String: String] = [:]
    public init(namespace: String, selector: [String: String] = [:]) {
      self.namespace = namespace
      self.selector = selector
    }

    /// The workloads of the group in a snapshot (ids), sorted.
    public func workloads(in s: ClusterSnapshot) -> [String] {
      s.workloads.values.filter { w in
        w.namespace == namespace
          && (selector.isEmpty
            || s.pods.values.contains { p in
              p.workloadID == w.id && selector.allSatisfy { k, v in p.labels[k] == v }
            })
      }.map(\.id).sorted()
    }

    /// The services of the group's workloads.
    public func services(in s: ClusterSnapshot) -> [String] {
      let ws = Set(workloads(in: s))
      return s.services.values.filter { ws.contains($0.workload) }.map(\.id).sorted()
    }
  }

  public struct SteadyStateHypothesis: Sendable, Equatable {
    /// The built-in bounds (p99, loss, errors, every replica Ready, a primary where roles are used).
    public var builtIn = true
    /// PromQL probes with their tolerance (need --prometheus; on the demo they are not evaluated).
    public var probes: [PromCheck] = []
    /// Probes of `probes:` the steady state needs passing (where their mode runs them).
    public var probeNames: [String] = []
    /// How long to wait for the steady state before the method; not steady by then: not run.
    public var timeout: Seconds = 60
    public init() {}
  }

  /// One step of a method (or of the rollbacks).
  public indirect enum Step: Sendable, Equatable {
    case fault(FaultRequest)
    case wait(Seconds)
    /// Steps started together; the block ends when its longest step does.
    case parallel([Step])
    /// Ends every fault the experiment made (rollbacks).
    case undoFaults
    /// A runbook step: the method waits for the operator to confirm (`y` in the console), at most
    /// `timeout`; then it aborts, or goes on, as `otherwise` says.
    case gate(Gate)

    /// The step's own steps (a parallel block's), else itself.
    public var leaves: [Step] {
      if case .parallel(let steps) = self { return steps.flatMap(\.leaves) }
      return [self]
    }

    /// How long the step lasts from its start.
    public var length: Seconds {
      switch self {
      case .fault: return 0
      case .wait(let s): return s
      case .parallel(let steps): return steps.map(\.length).max() ?? 0
      case .undoFaults, .gate: return 0
      }
    }

    public var label: String {
      switch self {
      case .fault(let r):
        return "\(r.kind.rawValue) on \(r.targetLabel)"
          + (r.kind.isOneShot ? "" : " for \(formatDuration(r.parameters.duration))")
      case .wait(let s): return "wait \(formatDuration(s))"
      case .parallel(let steps): return "together: " + steps.map(\.label).joined(separator: "; ")
      case .undoFaults: return "undo every fault"
      case .gate(let g): return "gate: " + g.text
      }
    }
  }

  /// A runbook step the operator confirms.
  public struct Gate: Sendable, Equatable {
    public enum Otherwise: String, Sendable { case abort, `continue` }
    public var text: String
    public var timeout: Seconds
    public var otherwise: Otherwise
    public init(text: String, timeout: Seconds = 300, otherwise: Otherwise = .abort) {
      self.text = text
      self.timeout = timeout
      self.otherwise = otherwise
    }
  }

  /// What must happen, each within a time limit counted from the method's start.
  public struct Hypothesis: Sendable, Equatable {
    public var name: String
    public var kind: Kind
    public init(name: String, kind: Kind) {
      self.name = name
      self.kind = kind
    }

    public enum Kind: Sendable, Equatable {
      /// Another pod of the workload becomes its primary within `within`.
      case primaryChanges(workload: String, within: Seconds)
      /// The workload's Ready replicas reach `reach` within `within`, then return to `returnTo`
      /// within `returnWithin` of reaching it.
      case replicas(workload: String, reach: Int, within: Seconds, returnTo: Int?, returnWithin: Seconds)
      /// A service's figure crosses the bound within `within` (above: rises past it; else falls under).
      case crosses(figure: Figure, service: String, bound: Double, above: Bool, within: Seconds)
      /// A service's figure stays within the bound for the whole run.
      case staysWithin(figure: Figure, service: String, bound: Double, above: Bool)
      /// The workload is without a Ready primary (or, without roles, without any Ready pod) for at
      /// most `seconds` in all.
      case unavailableAtMost(workload: String, seconds: Seconds)
      /// Every incident the experiment's faults opened recovers within `within` of its fault.
      case recoversWithin(Seconds)
      /// Every incident the experiment's faults open is mitigated (what users see back within the
      /// steady state) within `within` of its fault.
      case mitigatedWithin(Seconds)
      /// chaostui's own alerting (its steady-state checks) detects every incident the experiment's
      /// faults open, each within `within` of its fault.
      case detectedWithin(Seconds)
      /// An alert of that name fires (Prometheus) within `within`.
      case alertFires(name: String, within: Seconds)
      /// The probe of that name (`probes:`) never turns failing while it runs (its mode's window).
      case probe(String)
      /// A zone's share of a service's traffic (its share of the Ready endpoints) falls below
      /// `below` percent within `within`.
      case zoneShareBelow(service: String, zone: String, below: Double, within: Seconds)
      /// Control against experimental, judged on the tests at the end of the observation: the
      /// experimental group's figure worse than the control's by at most a share (latencies, CPU,
      /// Ready: the 95% interval's worse end against the control's median) or points (errors, loss:
      /// Newcombe's interval of the difference of failure rates); or a difference shown (or not).
      case compare(workload: String, figure: Figure, rule: CompareRule)
      /// Nothing outside the method's targets and their dependants: no incident of another fault, no
      /// new steady-state breach of another workload, no alert about one.
      case noUnexpected
    }

    public enum CompareRule: Sendable, Equatable {
      case worseByAtMost(Double)
      case differs(Bool)
    }
  }

  /// Abort the experiment (every fault undone at once, as the panic key does): a figure past its
  /// bound, a probe failing, significant harm against the control group, or the SLO's error budget
  /// burning too fast.
  public struct StopCondition: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      /// A figure passes its bound by more than `margin` at once, or stays past it for longer than
      /// `longerThan`.
      case figure(figure: Figure, service: String, bound: Double, above: Bool, margin: Double, longerThan: Seconds)
      /// A probe of `probes:` turns failing.
      case probe(String)
      /// Significant harm against the control group, looked at a fixed number of times.
      case harm(Harm)
      case burnRate(BurnRate)
      /// An alert matching the selector fires (Prometheus' alerts).
      case alerts(AlertSelector)
    }
    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public init(figure: Figure, service: String, bound: Double, above: Bool, margin: Double, longerThan: Seconds) {
      kind = .figure(
        figure: figure, service: service, bound: bound, above: above, margin: margin, longerThan: longerThan)
    }

    public var probe: String? { if case .probe(let n) = kind { n } else { nil } }
    public var harm: Harm? { if case .harm(let h) = kind { h } else { nil } }
    public var burnRate: BurnRate? { if case .burnRate(let b) = kind { b } else { nil } }

    public var label: String {
      switch kind {
      case .probe(let name): return "probe \(name) failing"
      case .alerts(let a): return "alerts {\(a.text)} firing"
      case .harm(let h): return h.label
      case .burnRate(let b): return b.label
      case .figure(let figure, let service, let bound, let above, let margin, let longerThan):
        let limits =
          (margin > 0 ? ["by more than \(PromCheck.fmt(margin))"] : [])
          + (longerThan > 0 ? ["for longer than \(formatDuration(longerThan))"] : [])
        return "\(service) \(figure.rawValue) \(above ? ">" : "<") \(PromCheck.fmt(bound))"
          + (limits.isEmpty ? "" : " " + limits.joined(separator: " or "))
      }
    }
  }

  /// Stop on significant harm: the experimental group's figure worse than the control's by more than
  /// `margin` (a share of the control's for latencies, CPU and Ready; points of failed requests for
  /// errors and loss), one-sided at `confidence`, looked at `looks` times spread evenly over `over`
  /// from the method's start, each look at the level the O'Brien–Fleming spending function gives it.
  public struct Harm: Sendable, Equatable {
    public var workload: String
    public var figure: Figure
    public var margin: Double = 0
    public var confidence: Double = 0.95
    public var looks = 5
    /// The window the looks are spread over (nil: the method and its faults, at least a minute).
    public var over: Seconds?
    public init(workload: String, figure: Figure) {
      self.workload = workload
      self.figure = figure
    }

    public var label: String {
      let by =
        margin == 0
        ? "" : " by more than " + (figure.isCount ? Figure.text(margin) + " points" : Figure.text(margin * 100) + "%")
      return
        "significant harm to \(workload) \(figure.rawValue)\(by) (\(looks) looks at \(Figure.text(confidence * 100))%)"
    }
  }

  /// A figure of a service's workload, as the network and resources panes show it.
  public enum Figure: String, Sendable, Equatable, CaseIterable {
    case p50, p99, loss, errors, cpu, ready

    /// Tested as counts of failed requests (errors, loss).
    public var isCount: Bool { self == .errors || self == .loss }

    /// A figure in words: whole numbers from 100 up, else one decimal.
    public static func text(_ v: Double) -> String {
      abs(v) >= 100 ? PromCheck.fmt(v.rounded()) : PromCheck.fmt((v * 10).rounded() / 10)
    }

    /// Its latest value for a service in a snapshot: `namespace/name`, or a name in `namespace`.
    public func value(service: String, namespace: String, in s: ClusterSnapshot) -> Double? {
      let id = service.contains("/") ? service : namespace + "/" + service
      guard let svc = s.services[id] else { return nil }
      if self == .ready { return s.workloads[svc.workload].map { Double($0.readyReplicas) } }
      guard let series = s.workloadSeries[svc.workload] else { return nil }
      switch self {
      case .p50: return series.latencyP50Ms.last
      case .p99: return series.latencyP99Ms.last
      case .loss: return series.lossPercent.last
      case .errors: return series.errorPercent.last
      case .cpu: return series.cpuMilli.last
      case .ready: return nil
      }
    }
  }
}
