import ClusterState

/// Control vs experimental, side by side: each steady-state figure of each workload of the
/// experimental group beside the same workload of the control group (same name), with the
/// difference. The control group is left alone, so a difference is what the experiment did.
public struct GroupComparison: Sendable, Equatable {
  public struct Row: Sendable, Equatable {
    public var workload: String
    /// By figure: (experimental, control); nil where a group has no such figure.
    public var values: [Experiment.Figure: (Double?, Double?)]
    public static func == (a: Row, b: Row) -> Bool {
      a.workload == b.workload
        && a.values.keys.sorted { $0.rawValue < $1.rawValue } == b.values.keys.sorted { $0.rawValue < $1.rawValue }
        && a.values.allSatisfy { k, v in b.values[k].map { $0.0 == v.0 && $0.1 == v.1 } ?? false }
    }
  }

  public var experimental: String
  public var control: String?
  public var rows: [Row]

  /// The figures compared, in the order shown.
  public static let figures: [Experiment.Figure] = [.p50, .p99, .errors, .loss, .cpu, .ready]

  public init(_ e: Experiment, in s: ClusterSnapshot) {
    experimental = Self.label(e.experimental)
    control = e.control.map(Self.label)
    rows = Self.pairs(e, in: s).map { pair in
      var values: [Experiment.Figure: (Double?, Double?)] = [:]
      for f in Self.figures {
        values[f] = (
          Self.value(f, workload: pair.experimental, in: s), pair.control.flatMap { Self.value(f, workload: $0, in: s) }
        )
      }
      return Row(workload: pair.label, values: values)
    }
  }

  /// Each workload of the experimental group with its counterpart in the control group: the same
  /// workload in the other group's namespace; else (two selectors in one namespace, a canary beside
  /// the rest) the other group's workloads in order.
  public static func pairs(_ e: Experiment, in s: ClusterSnapshot) -> [(
    label: String, experimental: String, control: String?
  )] {
    let mine = e.experimental.workloads(in: s)
    let theirs = e.control?.workloads(in: s) ?? []
    let unmatched = theirs.filter { t in !mine.contains { WorkloadName.of($0) == WorkloadName.of(t) } }
    var byOrder = unmatched.makeIterator()
    return mine.map { id in
      let name = WorkloadName.of(id)
      let other = theirs.first { WorkloadName.of($0) == name && $0 != id } ?? byOrder.next()
      return (other.map { WorkloadName.of($0) != name ? name + "/" + WorkloadName.of($0) : name } ?? name, id, other)
    }
  }

  /// A group in words: its namespace and selector.
  public static func label(_ g: Experiment.Group) -> String {
    g.namespace + (g.selector.isEmpty ? "" : " " + g.selector.map { "\($0)=\($1)" }.sorted().joined(separator: ","))
  }

  /// A workload's figure: network figures where a service fronts it, resources and Ready replicas always.
  static func value(_ f: Experiment.Figure, workload id: String, in s: ClusterSnapshot) -> Double? {
    if f == .ready { return s.workloads[id].map { Double($0.readyReplicas) } }
    guard let series = s.workloadSeries[id] else { return nil }
    switch f {
    case .cpu: return series.cpuMilli.last
    case .p50: return series.latencyP50Ms.last
    case .p99: return series.latencyP99Ms.last
    case .loss: return series.lossPercent.last
    case .errors: return series.errorPercent.last
    case .ready: return nil
    }
  }
}

/// The name part of a `namespace/name` id.
enum WorkloadName {
  static func of(_ id: String) -> String { id.split(separator: "/").last.map(String.init) ?? id }
}
