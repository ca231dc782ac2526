// Several clusters in one session (`--context a --context b`). Each context's objects carry its
// alias before their namespace ("b:pipeline", "b:pipeline/postgres-0"), its nodes and zones before
// their names ("b:worker-1"): one store, one reducer, one journal, and every pane, incident,
// experiment and permission works across contexts as it does in one. A colon is never in a
// Kubernetes namespace, node or zone name, so a qualified name is never mistaken for another.
// The translation is `ContextTranslation` (Contexts+Translate.swift); the source that joins the
// clusters is `ContextSet`.

/// One context of a session of several: its alias (what prefixes its names), its kubeconfig name,
/// and what holds for it alone.
public struct ContextStatus: Sendable, Equatable, Codable {
  /// Short, `[a-z0-9-]`, unique in the session.
  public var alias: String
  /// The kubeconfig context's name (what a production context asks to be typed).
  public var name: String
  public var connection: ConnectionState = .connecting
  /// Why faults may not be made here (`read-only: true` in the config, a production context
  /// without `--allow-prod`); nil: they may.
  public var readOnlyReason: String? = nil
  /// The production pattern the context's name matched (nil: not production).
  public var production: String? = nil
  /// What this cluster cannot carry out (no Chaos Mesh CRDs, faults on a node), with the reason.
  public var unavailable: [FaultKind: String] = [:]
  /// The user the context acts as (for the header; nil: not known).
  public var user: String? = nil

  public init(alias: String, name: String) {
    self.alias = alias
    self.name = name
  }

  /// Whether nothing of this context can be seen (its lists and watches fail).
  public var isLost: Bool {
    if case .disconnected = connection { return true }
    return false
  }
}

public enum ContextName {
  public static let separator: Character = ":"

  /// "b" and "pipeline" make "b:pipeline".
  @inline(__always)
  public static func qualify(_ alias: String, _ name: String) -> String { alias + ":" + name }

  /// The alias a qualified name starts with, and the name without it (nil alias: not qualified).
  public static func split(_ name: String) -> (alias: String?, name: String) {
    guard let i = name.firstIndex(of: separator) else { return (nil, name) }
    return (String(name[..<i]), String(name[name.index(after: i)...]))
  }

  /// A short alias for a kubeconfig context: its own name when it is short and plain, else the
  /// last part of it after `/`, `:` or `@` (EKS' `arn:...:cluster/prod` is `prod`), made plain.
  public static func alias(for context: String) -> String {
    if isValidAlias(context) { return context }
    let last = context.split(whereSeparator: { "/:@".contains($0) }).last.map(String.init) ?? context
    let plain = String(
      last.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" ? $0 : "-" }.prefix(16))
    let trimmed = plain.trimmingCharacters(in: ["-"])
    return trimmed.isEmpty ? "ctx" : trimmed
  }

  /// 1 to 16 of `a-z`, `0-9` and `-`, starting with a letter or digit.
  public static func isValidAlias(_ s: String) -> Bool {
    guard (1...16).contains(s.count), let first = s.first, first != "-" else { return false }
    return s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
  }
}

extension Character {
  fileprivate var isLowercase: Bool { isLetter && self == Character(lowercased()) }
}

extension ClusterSnapshot {
  /// The contexts of a session of several (empty: one cluster, as always).
  public var contexts: [ContextStatus] { session.contexts ?? [] }
  public var isMultiContext: Bool { !(session.contexts ?? []).isEmpty }

  /// The context a namespace, node or zone name belongs to (nil: one cluster, or not qualified).
  public func context(of qualifiedName: String) -> ContextStatus? {
    guard let all = session.contexts, !all.isEmpty else { return nil }
    guard let alias = ContextName.split(qualifiedName).alias else { return nil }
    return all.first { $0.alias == alias }
  }

  /// The context a fault's target is in.
  public func context(of target: FaultTarget) -> ContextStatus? {
    switch target {
    case .pod(let ns, _), .workload(let ns, _): return context(of: ns)
    case .node(let name), .zone(let name): return context(of: name)
    }
  }

  /// Why a fault may not be made in the target's context (read-only there, lost, or what that
  /// cluster cannot do), or nil. In a session of several, a target outside every context is
  /// refused: nothing is sent to a cluster it was not meant for.
  public func contextRefusal(_ kind: FaultKind, target: FaultTarget) -> String? {
    guard isMultiContext else { return nil }
    guard let c = context(of: target) else {
      let aliases = contexts.map(\.alias).joined(separator: ", ")
      return "\(target.label) names no context of this session (\(aliases))"
    }
    if let why = c.readOnlyReason { return "context \(c.alias) (\(c.name)) is read-only: \(why)" }
    if c.isLost { return "context \(c.alias) (\(c.name)) is \(c.connection.label)" }
    if let why = c.unavailable[kind] { return "in context \(c.alias): \(why)" }
    return nil
  }
}

/// The contexts' own reducer (a family of the session's).
func reduceContext(_ s: inout ClusterSnapshot, _ c: ContextStatus) {
  var all = s.session.contexts ?? []
  if let i = all.firstIndex(where: { $0.alias == c.alias }) {
    guard all[i] != c else { return }
    all[i] = c
  } else {
    all.append(c)
  }
  s.session.contexts = all
}

extension Alert {
  /// The name as shown: with its context's alias in a session of several (`b:HighErrorRate`).
  public var shownName: String { labels["context"].map { ContextName.qualify($0, name) } ?? name }
}

/// The pods of one context of several: its first page, first view or full list, each taken only
/// while that context has nothing more complete (as `reducePods` does for one cluster), whatever the
/// other contexts have. nil: not a pods relist.
func reduceContextPods(_ s: inout ClusterSnapshot, alias: String, _ inner: Action) -> [Effect]? {
  let (progress, pods): (PodsProgress, [Pod])
  switch inner {
  case .podsFirstPage(let p): (progress, pods) = (.firstPage, p)
  case .podsPreview(let p): (progress, pods) = (.preview, p)
  case .podsReplaced(let p): (progress, pods) = (.complete, p)
  default: return nil
  }
  if let had = s.podSet.contextPods[alias], had > progress { return [] }
  s.podSet.contextPods[alias] = progress
  let others = s.pods.values.filter { ContextName.split($0.namespace).alias != alias }
  let effects = reducePods(&s, .podsReplaced(others + pods))
  s.podSet.podsPartial = s.podSet.contextPods.values.contains(.firstPage)
  s.podSet.podDetailsPending = s.podSet.contextPods.values.contains { $0 != .complete }
  return effects
}

/// One context's requests by service and zone: they replace that context's figures and keep the
/// others', each context's as fresh as its own Prometheus' last answer. nil: not zone requests.
func reduceContextZones(_ s: inout ClusterSnapshot, alias: String, _ inner: Action) -> [Effect]? {
  guard case .zoneRequests(let time, let mine) = inner else { return nil }
  let others = (s.metrics.measuredZoneRequests ?? [:]).filter { ContextName.split($0.key).alias != alias }
  s.metrics.measuredZoneRequests = others.merging(mine) { _, new in new }
  s.metrics.measuredZoneRequestsAt = time
  s.metrics.contextZoneRequestsAt = (s.metrics.contextZoneRequestsAt ?? [:]).merging([alias: time]) { _, new in new }
  return []
}

/// A relist from one context of several (the pods': `reduceContextPods`): what the context no
/// longer has goes, the other contexts' objects stay. Turned into the one-cluster relist of
/// everything (relists are rare: on start and after a watch's 410).
func mergedRelist(_ s: ClusterSnapshot, alias: String, _ inner: Action) -> Action {
  let mine = { (ns: String) in ContextName.split(ns).alias == alias }
  switch inner {
  case .workloadsReplaced(let kind, let ws):
    return .workloadsReplaced(kind: kind, s.workloads.values.filter { $0.kind == kind && !mine($0.namespace) } + ws)
  case .hpasReplaced(let hs):
    return .hpasReplaced(s.hpas.values.filter { !mine($0.namespace) } + hs)
  case .nodesReplaced(let ns):
    return .nodesReplaced(s.nodes.values.filter { !mine($0.name) } + ns)
  case .alerts(let list, let time):
    return .alerts(s.monitoring.alerts.filter { $0.labels["context"] != alias } + list, time: time)
  case .targets(let list):
    return .targets((s.monitoring.targets ?? []).filter { !mine($0.job) } + list)
  default:
    return inner
  }
}

extension ClusterSnapshot {
  /// Why a fault is greyed in a namespace of one context of several: what that cluster cannot do,
  /// or that it is lost (nil: one cluster, or nothing against it).
  func contextUnavailable(_ kind: FaultKind, namespace: String) -> String? {
    guard let c = context(of: namespace) else { return nil }
    if let why = c.unavailable[kind] { return "in context \(c.alias): \(why)" }
    if c.isLost { return "context \(c.alias) is \(c.connection.label)" }
    return nil
  }
}

/// A context the user named for a session of several: `--context NAME` or `--context ALIAS=NAME`,
/// or the config file's `contexts:` list.
public struct ContextSpec: Sendable, Equatable {
  public var alias: String
  public var name: String
  public var readOnly = false
  /// This context's own Prometheus (the config file's `prometheus:`): its alerts and figures.
  public var prometheus: String?
  public init(alias: String, name: String, readOnly: Bool = false, prometheus: String? = nil) {
    self.alias = alias
    self.name = name
    self.readOnly = readOnly
    self.prometheus = prometheus
  }

  /// `NAME` (its alias made from it) or `ALIAS=NAME`; the problem in words otherwise.
  public static func parse(_ text: String) -> Result<ContextSpec, ContextSpecError> {
    guard !text.isEmpty else { return .failure(ContextSpecError("a context's name is empty")) }
    guard let eq = text.firstIndex(of: "=") else {
      return .success(ContextSpec(alias: ContextName.alias(for: text), name: text))
    }
    let alias = String(text[..<eq])
    let name = String(text[text.index(after: eq)...])
    guard ContextName.isValidAlias(alias) else {
      return .failure(ContextSpecError("the alias \(Sanitize.line(alias)) must be 1 to 16 of a-z, 0-9 and -"))
    }
    guard !name.isEmpty else { return .failure(ContextSpecError("\(alias)= names no context")) }
    return .success(ContextSpec(alias: alias, name: name))
  }

  /// Why these contexts cannot make one session (an alias twice, a context twice), or nil.
  public static func problem(_ specs: [ContextSpec]) -> String? {
    var aliases: Set<String> = []
    var names: Set<String> = []
    for s in specs {
      if !aliases.insert(s.alias).inserted {
        return "two contexts have the alias \(s.alias): give one another (--context ALIAS=NAME)"
      }
      if !names.insert(s.name).inserted { return "the context \(Sanitize.line(s.name)) is named twice" }
    }
    return nil
  }
}

public struct ContextSpecError: Error, Sendable, Equatable, CustomStringConvertible {
  public var description: String
  public init(_ d: String) { description = d }
}

extension ClusterSnapshot {
  /// The production context a dangerous step acts in, with the pattern it matched: the session's
  /// own context; with several, the target's (a step with no target, such as an experiment or the
  /// monkey, the first production context of them). nil: none is production.
  public func production(for target: FaultTarget?) -> (name: String, pattern: String)? {
    guard isMultiContext else { return session.production.map { (session.context, $0) } }
    if let target {
      guard let c = context(of: target), let p = c.production else { return nil }
      return (c.name, p)
    }
    return contexts.first { $0.production != nil }.map { ($0.name, $0.production ?? "") }
  }
}
