import Foundation

/// Several clusters as the one source of a session (`--context a --context b`): each member's
/// actions come in named with its alias (`ContextTranslation.inward`), its connection and what it
/// cannot do become its `ContextStatus`; each effect goes to the member its target is in, without
/// the alias, with the part of the state that is that member's. The console cannot tell it from one
/// cluster. Its members are real clusters, or demos (then it is a simulated source too).
public final class ContextSet: SimulatedSource, @unchecked Sendable {
  public let members: [ClusterSource]
  public let translations: [ContextTranslation]
  private let lock = NSLock()
  private var statuses: [ContextStatus]
  /// Which member each fault went to (the panic key ends each where it was made).
  private var faultMember: [Int: Int] = [:]
  /// The member following a container's log now.
  private var logsMember: Int?
  /// Statuses not yet handed over (the first actions the session sees).
  private var pending: [Action]
  /// Sources of each member's own beside its cluster (its Prometheus): what they post is that
  /// context's, translated as the member's own actions are.
  private var extras: [[ActionSource]]

  /// `members`: each source with its context's status (alias, name, read-only, production).
  public init(_ members: [(source: ClusterSource, status: ContextStatus)]) {
    precondition(!members.isEmpty, "a context set needs a context")
    self.members = members.map(\.source)
    statuses = members.map { m in
      var s = m.status
      if m.source.info.isDemo { s.connection = .simulated }
      return s
    }
    translations = members.enumerated().map {
      ContextTranslation(alias: $0.element.status.alias, index: $0.offset, count: members.count)
    }
    pending = statuses.map { .context($0) }
    extras = Array(repeating: [], count: members.count)
  }

  /// Adds a source of the `index`th context's own (before `start`).
  public func add(_ source: ActionSource, toMember index: Int) {
    lock.withLock { extras[index].append(source) }
  }

  public var statusesNow: [ContextStatus] { lock.withLock { statuses } }

  public var info: SourceInfo {
    let first = members[0].info
    return SourceInfo(
      isDemo: first.isDemo, context: statuses.map(\.alias).joined(separator: "+"), namespace: nil,
      startedAt: first.startedAt)
  }

  public var simulated: SimulatedSource? { members.allSatisfy { $0.simulated != nil } ? self : nil }

  public func start(inbox: Inbox) {
    inbox.post(takePending())
    let extras = lock.withLock { self.extras }
    for (i, m) in members.enumerated() {
      let own = Inbox(forwardingTo: inbox) { [unowned self] in translate(i, $0) }
      m.start(inbox: own)
      for e in extras[i] { e.start(inbox: own) }
    }
  }

  public func stop() {
    for e in lock.withLock({ extras }).joined() { e.stop() }
    for m in members { m.stop() }
  }

  public func actions(at realTime: Double) -> [Action] {
    var out = takePending()
    for (i, m) in members.enumerated() { out += translate(i, m.actions(at: realTime)) }
    return out
  }

  public func actions(atVirtual t: Seconds) -> [Action] {
    var out = takePending()
    for (i, m) in members.enumerated() { out += translate(i, m.simulated?.actions(atVirtual: t) ?? []) }
    return out
  }

  private func takePending() -> [Action] {
    lock.withLock {
      defer { pending = [] }
      return pending
    }
  }

  /// A member's actions as the session sees them. One clock: the first member's.
  public func translate(_ i: Int, _ actions: [Action]) -> [Action] {
    var out: [Action] = []
    out.reserveCapacity(actions.count)
    for a in actions {
      switch a {
      case .tick:
        if i == 0 { out.append(a) }
      case .connection(let c):
        let (status, overall) = lock.withLock {
          statuses[i].connection = c
          return (statuses[i], ContextSet.overall(statuses))
        }
        out += [.context(status), .connection(overall)]
      case .faultsUnavailable(let map):
        let status = lock.withLock {
          statuses[i].unavailable = map
          return statuses[i]
        }
        out.append(.context(status))
      default:
        out.append(translations[i].inward(a))
      }
    }
    return out
  }

  /// The session's connection: lost when every context is; otherwise degraded while one is not
  /// connected, naming it.
  static func overall(_ all: [ContextStatus]) -> ConnectionState {
    let fine = all.filter { $0.connection == .connected || $0.connection == .simulated }
    if fine.count == all.count { return all[0].connection }
    if all.allSatisfy(\.isLost), case .disconnected(let why) = all[0].connection {
      return .disconnected("\(all[0].alias): \(why)")
    }
    // Each context's badge says why in its words; the session's line only names them.
    let troubled = all.filter { !fine.contains($0) }.map { c -> String in
      switch c.connection {
      case .connecting: return "\(c.alias) connecting"
      case .degraded: return "\(c.alias) degraded"
      case .disconnected: return "\(c.alias) lost"
      case .connected, .simulated: return c.alias
      }
    }
    return .degraded(troubled.joined(separator: "; "))
  }

  public func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] {
    switch effect {
    case .inject(let id, let req):
      for (i, t) in translations.enumerated() {
        guard let local = t.outward(effect) else { continue }
        lock.withLock { faultMember[id] = i }
        return translate(i, members[i].perform(local, state: t.projected(state)))
      }
      return [.faultFailed(id: id, message: "\(req.target.label) names no context of this session")]
    case .abort(let ids):
      var byMember: [Int: [Int]] = [:]
      var unknown: [Int] = []
      lock.withLock {
        for id in ids {
          if let m = faultMember[id] { byMember[m, default: []].append(id) } else { unknown.append(id) }
        }
      }
      var out = unknown.map { Action.faultEnded(id: $0, time: state.now, reason: "aborted") }
      for (m, its) in byMember.sorted(by: { $0.key < $1.key }) {
        out += translate(m, members[m].perform(.abort(ids: its), state: translations[m].projected(state)))
      }
      return out
    case .followLogs(let req):
      return followLogs(req, state: state)
    case .restoreLeftovers:
      var out: [Action] = []
      for (i, t) in translations.enumerated() {
        if let local = t.outward(effect) { out += translate(i, members[i].perform(local, state: state)) }
      }
      return out
    case .notify, .moveLever:
      return []
    }
  }

  private func followLogs(_ req: LogRequest?, state: ClusterSnapshot) -> [Action] {
    let target = req.flatMap { r in translations.firstIndex { $0.local(r.namespace) != nil } }
    let previous = lock.withLock {
      defer { logsMember = target }
      return logsMember
    }
    var out: [Action] = []
    if let previous, previous != target {
      out += translate(previous, members[previous].perform(.followLogs(nil), state: state))
    }
    if let target, let local = translations[target].outward(.followLogs(req)) {
      out += translate(target, members[target].perform(local, state: state))
    }
    return out
  }

  public func showing(namespaces: Set<String>) {
    for (i, t) in translations.enumerated() {
      members[i].showing(namespaces: Set(namespaces.compactMap(t.local)))
    }
  }
}
