/// The fault table: one descriptor per fault kind, from which the fault menu, its keys, the confirm
/// dialog, the help screen, the experiment file's strength fields, RBAC greying and the docs' table
/// (`chaostui faults --markdown`) are all made. Adding a fault: ARCHITECTURE.md, "Adding a fault".
public struct FaultDescriptor: Sendable {
  public let kind: FaultKind
  /// Its key in the fault menu (unique among faults; checked by a test).
  public let key: Character
  public let title: String
  /// The menu's line: what it does, in a few words.
  public let summary: String
  /// One-shot faults act once (a pod deleted); the others stay in force for their duration.
  public let oneShot: Bool
  public let target: FaultTargetKind
  /// What carrying it out needs from the cluster (the RBAC question asked, or why it cannot).
  public let needs: FaultNeeds
  /// The experiment file's `strength:` keys this fault reads.
  public let fields: [FaultField]
  /// The confirm dialog's `+`/`-`, when the fault has a strength.
  public let strength: FaultStrength?
  /// The confirm dialog's effect line, from the request's parameters and the state.
  public let effect: @Sendable (FaultRequest, ClusterSnapshot) -> String
  /// Fills the parameters a menu choice starts with from the selected pod and the state (scale: one
  /// replica fewer than desired).
  public let prepare: @Sendable (inout FaultRequest, Pod, ClusterSnapshot) -> Void

  public init(
    kind: FaultKind, key: Character, title: String, summary: String, oneShot: Bool, target: FaultTargetKind,
    needs: FaultNeeds, fields: [FaultField], strength: FaultStrength?,
    effect: @escaping @Sendable (FaultRequest, ClusterSnapshot) -> String,
    prepare: @escaping @Sendable (inout FaultRequest, Pod, ClusterSnapshot) -> Void = { _, _, _ in }
  ) {
    self.kind = kind
    self.key = key
    self.title = title
    self.summary = summary
    self.oneShot = oneShot
    self.target = target
    self.needs = needs
    self.fields = fields
    self.strength = strength
    self.effect = effect
    self.prepare = prepare
  }
}

/// What a fault acts on, chosen from the selected pod.
public enum FaultTargetKind: String, Sendable, CaseIterable {
  /// The pod, one or all of its workload's pods, or those in its zone (the menu's scope).
  case pods
  /// The primary of the pod's replicated workload (by the role selector).
  case primary
  /// The pod's workload as a whole (its replicas).
  case workload
  /// The pod's node.
  case node
  /// Every node of the pod's node's zone.
  case zone
}

/// What a fault needs from the cluster to be carried out.
public enum FaultNeeds: Sendable, Equatable {
  /// A call to the Kubernetes API: the verb, group, resource and subresource asked of RBAC.
  case api(verb: String, group: String, resource: String, subresource: String)
  /// A Chaos Mesh resource (`chaos-mesh.org/v1alpha1`) of this plural and kind; RBAC: create it.
  case chaosMesh(plural: String, kind: String)
  /// Done on the node's machine (its kubelet, its memory), not through the API: the demo and the
  /// lab carry it out; a real cluster greys it.
  case onNode

  /// The RBAC question: verb, group, resource, subresource (nil: none is asked).
  public var permission: (verb: String, group: String, resource: String, subresource: String)? {
    switch self {
    case .api(let v, let g, let r, let s): return (v, g, r, s)
    case .chaosMesh(let plural, _): return ("create", "chaos-mesh.org", plural, "")
    case .onNode: return nil
    }
  }

  public var chaosMeshPlural: String? {
    if case .chaosMesh(let plural, _) = self { return plural }
    return nil
  }

  /// In words, for the docs' table.
  public var text: String {
    switch self {
    case .api(let v, let g, let r, let s):
      return "\(v) \(g.isEmpty ? "" : g + "/")\(r)\(s.isEmpty ? "" : "/" + s)"
    case .chaosMesh(_, let kind): return "Chaos Mesh \(kind)"
    case .onNode: return "the node itself (demo, lab)"
    }
  }
}

/// One `strength:` key of an experiment file step and the parameter it sets.
public struct FaultField: Sendable {
  public enum Value: Sendable {
    case number(Double)
    case integer(Int)
    case text(String)
  }
  public enum ValueType: String, Sendable { case number, integer, text }
  public let key: String
  public let type: ValueType
  public let help: String
  /// Sets the parameter; returns what is wrong with the value (nil: nothing).
  public let apply: @Sendable (inout FaultParameters, Value) -> String?

  public init(
    _ key: String, _ type: ValueType, _ help: String,
    apply: @escaping @Sendable (inout FaultParameters, Value) -> String?
  ) {
    self.key = key
    self.type = type
    self.help = help
    self.apply = apply
  }

  /// A number field for a Double parameter.
  static func number(_ key: String, _ help: String, _ path: WritableKeyPath<FaultParameters, Double> & Sendable)
    -> FaultField
  {
    FaultField(key, .number, help) { p, v in
      if case .number(let n) = v { p[keyPath: path] = n }
      return nil
    }
  }
  static func integer(_ key: String, _ help: String, _ set: @escaping @Sendable (inout FaultParameters, Int) -> Void)
    -> FaultField
  {
    FaultField(key, .integer, help) { p, v in
      if case .integer(let n) = v { set(&p, n) }
      return nil
    }
  }
  /// A byte count as tc takes it (an int32 of at least 1).
  static func bytes(_ key: String, _ help: String, _ path: WritableKeyPath<FaultParameters, Int> & Sendable)
    -> FaultField
  {
    FaultField(key, .integer, help) { p, v in
      guard case .integer(let n) = v, (1...Int(Int32.max)).contains(n) else { return "must be 1 to 2147483647" }
      p[keyPath: path] = n
      return nil
    }
  }
  static func text(_ key: String, _ help: String, _ set: @escaping @Sendable (inout FaultParameters, String) -> Void)
    -> FaultField
  {
    FaultField(key, .text, help) { p, v in
      if case .text(let s) = v { set(&p, s) }
      return nil
    }
  }
}

/// The confirm dialog's `+`/`-` for a fault: one step stronger or weaker, within its range.
public struct FaultStrength: Sendable {
  /// In words, for the help and the docs: "latency, 10 ms to 5 s".
  public let help: String
  public let step: @Sendable (inout FaultRequest, _ up: Bool, ClusterSnapshot) -> Void

  /// A number stepped by `by` (by `above.step` from `above.from` on), kept in `range`.
  static func number(
    _ help: String, _ path: WritableKeyPath<FaultParameters, Double> & Sendable, by: Double,
    above: (from: Double, step: Double)? = nil, range: ClosedRange<Double>
  ) -> FaultStrength {
    FaultStrength(help: help) { req, up, _ in
      let v = req.parameters[keyPath: path]
      let size = above.map { v >= $0.from ? $0.step : by } ?? by
      req.parameters[keyPath: path] = max(range.lowerBound, min(range.upperBound, v + (up ? size : -size)))
    }
  }

  /// One of a ladder of values (the first the strongest); `+` moves toward the first.
  static func ladder<T: Equatable & Sendable>(
    _ help: String, _ path: WritableKeyPath<FaultParameters, T> & Sendable, _ steps: [T], start: Int
  ) -> FaultStrength {
    FaultStrength(help: help) { req, up, _ in
      let i = steps.firstIndex(of: req.parameters[keyPath: path]) ?? start
      req.parameters[keyPath: path] = steps[max(0, min(steps.count - 1, i + (up ? -1 : 1)))]
    }
  }
}

extension FaultKind {
  /// This kind's row of the fault table.
  public var descriptor: FaultDescriptor { FaultTable.byKind[self]! }
  public var title: String { descriptor.title }
  public var isOneShot: Bool { descriptor.oneShot }
}

public enum FaultTable {
  /// Every fault, in the menu's order.
  public static let all: [FaultDescriptor] = FaultKind.allCases.map(descriptor)
  static let byKind: [FaultKind: FaultDescriptor] = Dictionary(uniqueKeysWithValues: all.map { ($0.kind, $0) })

  public static func forKey(_ key: Character) -> FaultDescriptor? { all.first { $0.key == key } }

  /// Every `strength:` key an experiment file may use, for the parser's "known" list.
  public static var fieldKeys: [String] {
    var keys: [String] = []
    for d in all { for f in d.fields where !keys.contains(f.key) { keys.append(f.key) } }
    return keys
  }

  /// The faults as a Markdown table (docs/faults.md).
  public static func markdown() -> String {
    var out = [
      "| key | fault | name in experiment files | target | lasting | strength fields | needs |",
      "|---|---|---|---|---|---|---|",
    ]
    for d in all {
      let fields = d.fields.map { "`\($0.key)`" }.joined(separator: ", ")
      out.append(
        "| `\(d.key)` | **\(d.title)**: \(d.summary) | `\(d.kind.rawValue)` | \(d.target.rawValue) | "
          + "\(d.oneShot ? "one shot" : "for its duration") | \(fields.isEmpty ? "-" : fields) | \(d.needs.text) |")
    }
    return out.joined(separator: "\n") + "\n"
  }
}
