import ClusterState
import Foundation
import Yams

typealias YNode = Yams.Node

/// A bad experiment file: where (file and line) and what is wrong.
public struct ExperimentFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var message: String
  public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Experiment files: YAML (JSON is YAML too). Documented in the README; every field is checked,
/// and an unknown field, fault kind or figure is named with its line.
public enum ExperimentFile {
  public static func load(path: String) throws -> Experiment {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ExperimentFileError(file: path, line: nil, message: "cannot read the file")
    }
    return try parse(text, file: path)
  }

  public static func parse(_ text: String, file: String) throws -> Experiment {
    let root: YNode
    do {
      guard let n = try Yams.compose(yaml: text) else {
        throw ExperimentFileError(file: file, line: nil, message: "the file is empty")
      }
      root = n
    } catch let e as ExperimentFileError {
      throw e
    } catch let e as YamlError {
      throw ExperimentFileError(file: file, line: yamlLine(e), message: "not YAML: \(yamlProblem(e))")
    }
    var e = try Reader(file: file).experiment(root)
    e.source = text.utf8.count <= Experiment.sourceLimit ? text : nil
    return e
  }

  static func yamlLine(_ e: YamlError) -> Int? {
    switch e {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
    default: return nil
    }
  }

  static func yamlProblem(_ e: YamlError) -> String {
    switch e {
    case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
    default: return "\(e)".split(separator: "\n").first.map(String.init) ?? "unreadable"
    }
  }

}

/// Reads the composed YAML with line numbers for every error.
struct Reader {
  let file: String

  func fail(_ node: YNode?, _ message: String) -> ExperimentFileError {
    ExperimentFileError(file: file, line: node?.mark?.line, message: message)
  }

  /// A mapping's entries, every key among `known` (else an error naming it and the known ones).
  func mapping(_ node: YNode, _ what: String, known: [String]) throws -> [(key: String, value: YNode, keyNode: YNode)] {
    guard let m = node.mapping else { throw fail(node, "\(what) must be a mapping (\(known.joined(separator: ", ")))") }
    var out: [(String, YNode, YNode)] = []
    for (k, v) in m {
      guard let key = k.string else { throw fail(k, "\(what): a key must be text") }
      guard known.contains(key) else {
        throw fail(k, "\(what): unknown field \(key) (known: \(known.joined(separator: ", ")))")
      }
      out.append((key, v, k))
    }
    return out
  }

  func string(_ node: YNode, _ what: String) throws -> String {
    guard let s = node.string, !s.isEmpty else { throw fail(node, "\(what) must be text") }
    return s
  }

  func number(_ node: YNode, _ what: String) throws -> Double {
    guard let s = node.string, let v = Double(s), v.isFinite else { throw fail(node, "\(what) must be a number") }
    return v
  }

  func int(_ node: YNode, _ what: String) throws -> Int {
    guard let s = node.string, let v = Int(s), v >= 0 else { throw fail(node, "\(what) must be a whole number") }
    return v
  }

  func duration(_ node: YNode, _ what: String) throws -> Seconds {
    guard let s = node.string, let v = Durations.seconds(s, plainSeconds: true) else {
      throw fail(node, "\(what) must be a duration such as 30s, 2m or 1h30m")
    }
    return v
  }

  func list(_ node: YNode, _ what: String) throws -> [YNode] {
    guard let seq = node.sequence else { throw fail(node, "\(what) must be a list") }
    return Array(seq)
  }

  func experiment(_ root: YNode) throws -> Experiment {
    let known = [
      "title", "description", "tags", "groups", "steady-state", "method", "hypotheses", "stop-conditions",
      "rollbacks", "probes", "slo", "prerequisites",
    ]
    let fields = try mapping(root, "the experiment", known: known)
    func field(_ k: String) -> YNode? { fields.first { $0.key == k }?.value }
    guard let titleNode = field("title") else { throw fail(root, "the experiment has no title") }
    guard let groupsNode = field("groups") else {
      throw fail(root, "the experiment has no groups (experimental: {namespace: ...})")
    }
    var experimental: Experiment.Group?
    var control: Experiment.Group?
    var comparable = Experiment.Comparability()
    for (k, v, _) in try mapping(groupsNode, "groups", known: ["experimental", "control", "comparable"]) {
      if k == "comparable" {
        comparable = try comparability(v)
        continue
      }
      let g = try group(v, "groups." + k)
      if k == "experimental" { experimental = g } else { control = g }
    }
    guard let experimental else { throw fail(groupsNode, "groups has no experimental group") }
    var e = Experiment(title: try string(titleNode, "title"), experimental: experimental)
    e.control = control
    e.comparable = comparable
    if let d = field("description") { e.description = try string(d, "description") }
    if let t = field("tags") { e.tags = try list(t, "tags").map { try string($0, "a tag") } }
    if let p = field("prerequisites") {
      e.prerequisites = try list(p, "prerequisites").map { try string($0, "a prerequisite") }
    }
    if let s = field("steady-state") { e.steadyState = try steadyState(s) }
    guard let method = field("method") else { throw fail(root, "the experiment has no method") }
    e.method = try list(method, "method").map { try step($0, ns: experimental.namespace) }
    if e.method.isEmpty { throw fail(method, "the method has no step") }
    if let h = field("hypotheses") { e.hypotheses = try list(h, "hypotheses").map(hypothesis) }
    if let s = field("stop-conditions") { e.stopConditions = try list(s, "stop-conditions").map(stopCondition) }
    if let r = field("rollbacks") {
      e.rollbacks = try list(r, "rollbacks").map { n in
        guard n.string == "undo-faults" else {
          throw fail(n, "rollbacks: only undo-faults (every fault the experiment made is undone at its end anyway)")
        }
        return .undoFaults
      }
    }
    if let p = field("probes") {
      e.probes = try list(p, "probes").map { try probeSpec($0, ns: experimental.namespace) }
    }
    try checkProbeReferences(e, root)
    if let n = field("slo") { e.slo = try slo(n) }
    if e.slo == nil, e.stopConditions.contains(where: { $0.burnRate != nil }) {
      throw fail(root, "a burn-rate stop condition burns the SLO's error budget: slo: is missing")
    }
    if e.control == nil, e.stopConditions.contains(where: { $0.harm != nil }) {
      throw fail(root, "a harm stop condition compares with the control group: groups.control is missing")
    }
    return e
  }

  func group(_ node: YNode, _ what: String) throws -> Experiment.Group {
    var g = Experiment.Group(namespace: "")
    var context: String?
    for (k, v, _) in try mapping(node, what, known: ["namespace", "selector", "context"]) {
      if k == "namespace" { g.namespace = try string(v, what + ".namespace") }
      if k == "context" {
        let alias = try string(v, what + ".context")
        guard ContextName.isValidAlias(alias) else {
          throw fail(v, "\(what).context names a context of the session by its alias (1 to 16 of a-z, 0-9 and -)")
        }
        context = alias
      }
      if k == "selector" {
        for (key, value) in v.mapping ?? [:] {
          g.selector[try string(key, what + ".selector key")] = try string(value, what + ".selector value")
        }
      }
    }
    if g.namespace.isEmpty { throw fail(node, "\(what) has no namespace") }
    // In a session of several clusters, the group lives in the context named (its alias).
    if let context { g.namespace = ContextName.qualify(context, g.namespace) }
    return g
  }

  func steadyState(_ node: YNode) throws -> Experiment.SteadyStateHypothesis {
    var s = Experiment.SteadyStateHypothesis()
    for (k, v, _) in try mapping(node, "steady-state", known: ["built-in", "timeout", "probes"]) {
      switch k {
      case "built-in":
        guard let b = v.bool else { throw fail(v, "steady-state.built-in must be true or false") }
        s.builtIn = b
      case "timeout": s.timeout = try duration(v, "steady-state.timeout")
      default:
        for n in try list(v, "steady-state.probes") {
          // `{probe: NAME}` names one of `probes:`; else a PromQL probe.
          if let m = n.mapping, m.count == 1, let ref = m["probe"] {
            s.probeNames.append(try string(ref, "steady-state probe"))
          } else {
            s.probes.append(try probe(n))
          }
        }
      }
    }
    return s
  }

  /// A PromQL probe: `{name, query, max | min | tolerance: [lo, hi]}` (Chaos Toolkit's tolerance as a
  /// range), evaluated by Prometheus before, during and after the method.
  func probe(_ node: YNode) throws -> PromCheck {
    let r = try mapping(node, "a probe", known: ["name", "query", "max", "min", "tolerance"])
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let name = f("name"), let query = f("query") else { throw fail(node, "a probe needs name and query") }
    var c = PromCheck(name: try string(name, "probe name"), expr: try string(query, "probe query"))
    c.max = try f("max").map { try number($0, "probe max") }
    c.min = try f("min").map { try number($0, "probe min") }
    if let t = f("tolerance") {
      let range = try list(t, "probe tolerance")
      guard range.count == 2 else { throw fail(t, "probe tolerance is a range: [lowest, highest]") }
      c.min = try number(range[0], "probe tolerance")
      c.max = try number(range[1], "probe tolerance")
    }
    if c.max == nil && c.min == nil { throw fail(node, "probe \(c.name) needs a bound: max, min or tolerance") }
    return c
  }

  static let faultNames = FaultKind.allCases.map(\.rawValue)
  static let targetKeys = ["workload", "pod", "node", "namespace", "zone"]
  /// Every fault's strength keys (the fault table's fields).
  static let strengthKeys = FaultTable.fieldKeys

  /// `gate: TEXT` with `timeout` (default 5m) and `otherwise: abort | continue` (default abort).
  func gate(_ g: YNode, timeout: YNode?, otherwise: YNode?) throws -> Experiment.Gate {
    var gate = Experiment.Gate(text: try string(g, "gate"))
    if let t = timeout { gate.timeout = try duration(t, "timeout") }
    if let o = otherwise {
      guard let v = Experiment.Gate.Otherwise(rawValue: try string(o, "otherwise")) else {
        throw fail(o, "otherwise must be abort or continue")
      }
      gate.otherwise = v
    }
    return gate
  }

  func step(_ node: YNode, ns: String) throws -> Experiment.Step {
    let fields = try mapping(
      node, "a step",
      known: [
        "fault", "target", "duration", "mode", "strength", "wait", "parallel", "name", "gate", "timeout", "otherwise",
      ])
    func field(_ k: String) -> YNode? { fields.first { $0.key == k }?.value }
    if let w = field("wait") { return .wait(try duration(w, "wait")) }
    if let g = field("gate") { return .gate(try gate(g, timeout: field("timeout"), otherwise: field("otherwise"))) }
    if let p = field("parallel") { return .parallel(try list(p, "parallel").map { try step($0, ns: ns) }) }
    guard let f = field("fault") else { throw fail(node, "a step is a fault, a wait or a parallel block") }
    let name = try string(f, "fault")
    guard let kind = FaultKind(rawValue: name) else {
      throw fail(f, "unknown fault \(name) (known: \(Self.faultNames.joined(separator: ", ")))")
    }
    guard let t = field("target") else { throw fail(node, "the \(name) step has no target") }
    let target = try self.target(t, ns: ns)
    if let why = Self.mismatch(kind.descriptor.target, target) { throw fail(t, "\(name) \(why)") }
    var req = FaultRequest(kind: kind, target: target)
    if let z = try mapping(t, "target", known: Self.targetKeys).first(where: { $0.key == "zone" }) {
      switch target {
      case .workload: req.parameters.zone = try string(z.value, "target.zone")
      case .zone: break
      case .pod, .node: throw fail(z.value, "target.zone narrows a workload's pods")
      }
    }
    if let d = field("duration") { req.parameters.duration = try duration(d, "duration") }
    if let m = field("mode") {
      guard let mode = FaultMode(rawValue: try string(m, "mode")) else { throw fail(m, "mode must be one or all") }
      req.parameters.mode = mode
    }
    if let s = field("strength") {
      let fields = kind.descriptor.fields
      for (k, v, keyNode) in try mapping(s, "strength", known: Self.strengthKeys) {
        guard let f = fields.first(where: { $0.key == k }) else {
          let own = fields.isEmpty ? "it has none" : "its are " + fields.map(\.key).joined(separator: ", ")
          throw fail(keyNode, "strength.\(k) is not a strength of \(name) (\(own))")
        }
        let value: FaultField.Value
        switch f.type {
        case .number: value = .number(try number(v, k))
        case .integer: value = .integer(try int(v, k))
        case .text: value = .text(try string(v, k))
        }
        if let problem = f.apply(&req.parameters, value) { throw fail(v, "strength.\(k): \(problem)") }
      }
    }
    return .fault(req)
  }

  /// Why a step's target does not suit its fault (nil: it does).
  static func mismatch(_ wants: FaultTargetKind, _ target: FaultTarget) -> String? {
    switch (wants, target) {
    case (.pods, .pod), (.pods, .workload), (.primary, .pod), (.primary, .workload), (.workload, .workload),
      (.node, .node), (.zone, .zone):
      return nil
    case (.pods, _), (.primary, _): return "acts on pods: its target names a workload or a pod"
    case (.workload, _): return "acts on a workload: its target names one"
    case (.node, _): return "acts on a node: its target names one (target: {node: NAME})"
    case (.zone, _): return "acts on a zone's nodes: its target names the zone alone (target: {zone: NAME})"
    }
  }

  func target(_ node: YNode, ns: String) throws -> FaultTarget {
    let fields = try mapping(node, "target", known: Self.targetKeys)
    let namespace = try fields.first { $0.key == "namespace" }.map { try string($0.value, "target.namespace") } ?? ns
    if let w = fields.first(where: { $0.key == "workload" }) {
      return .workload(namespace: namespace, name: try string(w.value, "target.workload"))
    }
    if let p = fields.first(where: { $0.key == "pod" }) {
      return .pod(namespace: namespace, name: try string(p.value, "target.pod"))
    }
    if let n = fields.first(where: { $0.key == "node" }) { return .node(name: try string(n.value, "target.node")) }
    // A zone alone is the zone's nodes (with a workload it narrows the workload's pods: see `step`).
    if let z = fields.first(where: { $0.key == "zone" }) { return .zone(name: try string(z.value, "target.zone")) }
    throw fail(node, "target names a workload, a pod, a node or a zone")
  }

  func figure(_ node: YNode) throws -> Experiment.Figure {
    let name = try string(node, "figure")
    guard let f = Experiment.Figure(rawValue: name) else {
      throw fail(
        node, "unknown figure \(name) (known: \(Experiment.Figure.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    return f
  }

  /// A bound given as `max: X` (must stay at most / crosses above) or `min: X`.
  func bound(_ fields: [(key: String, value: YNode, keyNode: YNode)], _ node: YNode, _ what: String) throws -> (
    Double, above: Bool
  ) {
    if let m = fields.first(where: { $0.key == "max" }) { return (try number(m.value, what + ".max"), true) }
    if let m = fields.first(where: { $0.key == "min" }) { return (try number(m.value, what + ".min"), false) }
    throw fail(node, "\(what) needs a bound: max or min")
  }

  func hypothesis(_ node: YNode) throws -> Experiment.Hypothesis {
    let kinds = [
      "primary-changes", "replicas", "crosses", "stays-within", "unavailable-at-most", "recovers-within",
      "alert-fires", "traffic-share", "detected-within", "compare", "no-unexpected-incidents", "mitigated-within",
      "probe",
    ]
    let fields = try mapping(node, "a hypothesis", known: ["name", "within"] + kinds)
    func field(_ k: String) -> YNode? { fields.first { $0.key == k }?.value }
    let within = try field("within").map { try duration($0, "within") } ?? 120
    guard let (k, v, _) = fields.first(where: { kinds.contains($0.key) }) else {
      throw fail(node, "a hypothesis says what must happen: one of \(kinds.joined(separator: ", "))")
    }
    let kind: Experiment.Hypothesis.Kind
    switch k {
    case "primary-changes":
      kind = .primaryChanges(workload: try string(v, k), within: within)
    case "replicas":
      let r = try mapping(v, k, known: ["workload", "reach", "within", "return-to", "return-within"])
      func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
      guard let w = f("workload"), let reach = f("reach") else { throw fail(v, "replicas needs workload and reach") }
      kind = .replicas(
        workload: try string(w, "replicas.workload"), reach: try int(reach, "replicas.reach"),
        within: try f("within").map { try duration($0, "replicas.within") } ?? within,
        returnTo: try f("return-to").map { try int($0, "replicas.return-to") },
        returnWithin: try f("return-within").map { try duration($0, "replicas.return-within") } ?? 300)
    case "crosses", "stays-within":
      let r = try mapping(v, k, known: ["service", "figure", "max", "min"])
      guard let svc = r.first(where: { $0.key == "service" }), let fig = r.first(where: { $0.key == "figure" }) else {
        throw fail(v, "\(k) needs service and figure")
      }
      let (b, above) = try bound(r, v, k)
      let service = try string(svc.value, k + ".service")
      kind =
        k == "crosses"
        ? .crosses(figure: try figure(fig.value), service: service, bound: b, above: above, within: within)
        : .staysWithin(figure: try figure(fig.value), service: service, bound: b, above: above)
    case "unavailable-at-most":
      let r = try mapping(v, k, known: ["workload", "for"])
      guard let w = r.first(where: { $0.key == "workload" }), let d = r.first(where: { $0.key == "for" }) else {
        throw fail(v, "unavailable-at-most needs workload and for")
      }
      kind = .unavailableAtMost(
        workload: try string(w.value, k + ".workload"), seconds: try duration(d.value, k + ".for"))
    case "recovers-within":
      kind = .recoversWithin(try duration(v, k))
    case "detected-within":
      kind = .detectedWithin(try duration(v, k))
    case "mitigated-within":
      kind = .mitigatedWithin(try duration(v, k))
    case "traffic-share":
      let r = try mapping(v, k, known: ["service", "zone", "below"])
      func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
      guard let svc = f("service"), let zone = f("zone"), let below = f("below") else {
        throw fail(v, "traffic-share needs service, zone and below (percent)")
      }
      kind = .zoneShareBelow(
        service: try string(svc, k + ".service"), zone: try string(zone, k + ".zone"),
        below: try number(below, k + ".below"), within: within)
    case "compare":
      kind = try compare(v)
    case "no-unexpected-incidents":
      guard v.string == "true" else { throw fail(v, "no-unexpected-incidents takes true") }
      kind = .noUnexpected
    case "probe":
      kind = .probe(try string(v, k))
    default:
      kind = .alertFires(name: try string(v, k), within: within)
    }
    let name = try field("name").map { try string($0, "name") } ?? Self.defaultName(kind) ?? k
    return Experiment.Hypothesis(name: name, kind: kind)
  }

  func stopCondition(_ node: YNode) throws -> Experiment.StopCondition {
    if let m = node.mapping, m.count == 1, let (key, value) = m.first, let k = key.string {
      switch k {
      case "burn-rate": return .init(.burnRate(try burnRate(value)))
      case "harm": return .init(.harm(try harm(value)))
      case "probe": return .init(.probe(try string(value, "stop condition probe")))
      case "alerts":
        do { return .init(.alerts(try AlertSelector.parse(try string(value, "stop condition alerts")))) } catch let e
          as AlertSelector.ParseError
        { throw fail(value, e.description) }
      default: break
      }
    }
    let r = try mapping(node, "a stop condition", known: ["service", "figure", "max", "min", "by", "for"])
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let svc = f("service"), let fig = f("figure") else {
      throw fail(node, "a stop condition needs service and figure")
    }
    let (b, above) = try bound(r, node, "a stop condition")
    return Experiment.StopCondition(
      figure: try figure(fig), service: try string(svc, "service"), bound: b, above: above,
      margin: try f("by").map { try number($0, "by") } ?? 0,
      longerThan: try f("for").map { try duration($0, "for") } ?? 0)
  }
}
