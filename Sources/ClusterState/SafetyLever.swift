/// The team's safety lever (AWS FIS's, Gremlin's halt-all): one object every chaostui watches (a
/// ConfigMap on a real cluster, a file in the state folder on the demo). While it is engaged no
/// instance injects, each sets back its faults, and the monkey pauses; while its state is unknown
/// (it cannot be read, its watch is lost) no instance injects either.
public struct SafetyLever: Sendable, Equatable, Codable {
  public enum Status: String, Sendable, Codable {
    /// This session has no lever (`--lever none`).
    case off
    /// Not read yet, unreadable (forbidden), or its watch lost: see `problem`.
    case unknown
    case released
    case engaged
  }
  public var status: Status
  /// Who moved it last, when (cluster time, or the wall clock) and why; as the object says (hostile
  /// text: cut to `maxText` and shown through the screen's or `Sanitize`'s escaping).
  public var by: String
  /// Wall-clock seconds since 1970 (instances on several machines, and the demo's virtual clocks,
  /// share no other clock).
  public var at: Seconds?
  public var reason: String
  /// Why the state is unknown, in words.
  public var problem: String?
  /// Where the lever is ("configmap chaostui-system/chaostui-lever", "file ~/.local/...").
  public var location: String

  /// The problem of a lever not read yet (a session's first moment: not worth a timeline line).
  public static let notReadYet = "not read yet"

  /// How much of a name or reason is kept: the object is anyone's who may write it.
  public static let maxText = 200

  public init(
    status: Status, by: String = "", at: Seconds? = nil, reason: String = "", problem: String? = nil,
    location: String = ""
  ) {
    self.status = status
    self.by = String(by.prefix(Self.maxText))
    self.at = at
    self.reason = String(reason.prefix(Self.maxText))
    self.problem = problem.map { String($0.prefix(Self.maxText)) }
    self.location = location
  }

  public var isEngaged: Bool { status == .engaged }

  /// Why no fault may start now (nil: the lever allows it).
  public var refusal: String? {
    switch status {
    case .off, .released: return nil
    case .engaged:
      return "the safety lever is engaged by \(by.isEmpty ? "someone" : by)"
        + (reason.isEmpty ? "" : " (\(reason))")
    case .unknown:
      return
        "the safety lever's state is unknown (\(problem ?? Self.notReadYet)): no fault until it is read (--lever none goes without one)"
    }
  }

  /// The lever as the object's fields give it (a ConfigMap's data, the demo's file): `engaged`
  /// "true" or "false", `by`, `at` (RFC 3339), `reason`. Anything else is released.
  public static func from(fields: [String: String], location: String) -> SafetyLever {
    let engaged = fields["engaged"]?.lowercased() == "true"
    return SafetyLever(
      status: engaged ? .engaged : .released, by: fields["by"] ?? "", at: fields["at"].flatMap { Timestamps.parse($0) },
      reason: fields["reason"] ?? "", location: location)
  }

  /// The object's fields for this lever.
  public var fields: [String: String] {
    var f = ["engaged": isEngaged ? "true" : "false", "by": by, "reason": reason]
    if let at { f["at"] = Timestamps.format(at) }
    return f
  }
}

/// Asking to move the lever (a key, after a confirmation): the reducer checks it may, then the
/// lever's source writes it; the change comes back through the lever's watch.
public struct LeverMove: Sendable, Equatable, Codable {
  public var engage: Bool
  public var reason: String
  /// Who asks: `user@host` (and the cluster's user name where there is one).
  public var by: String
  public init(engage: Bool, reason: String, by: String) {
    self.engage = engage
    self.reason = String(reason.prefix(SafetyLever.maxText))
    self.by = String(by.prefix(SafetyLever.maxText))
  }
}

/// The lever's side of a source: watches the object (posting `.lever`), and writes it when asked
/// (posting `.leverMoveFailed` when it could not).
public protocol SafetyLeverSource: AnyObject, Sendable {
  /// Where it is, in words.
  var location: String { get }
  func start(inbox: Inbox)
  func stop()
  /// Writes the lever on a thread of its own; the watch brings the new state.
  func move(_ move: LeverMove, at time: Seconds, inbox: Inbox)
}

/// The reducer of the lever (within the faults' family): what it means that it moved.
func reduceLever(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .lever(let next):
    let before = s.chaos.lever
    if before == next { return [] }
    s.chaos.lever = next
    var effects: [Effect] = []
    switch next.status {
    case .engaged where before?.isEngaged != true || before?.at != next.at:
      note(&s, .warning, Prose.leverEngaged(next), time: s.now)
      let ids = s.chaos.faults.filter(\.isActive).map(\.id) + s.chaos.pendingRequests.keys.sorted()
      if !ids.isEmpty { effects.append(.abort(ids: ids)) }
      effects.append(.notify(Prose.leverEngagedNotice(next, aborted: ids.count)))
    case .released where before?.isEngaged == true:
      note(&s, .info, Prose.leverReleased(next), time: s.now)
      effects.append(.notify(Prose.leverReleased(next)))
    case .unknown where next.problem != SafetyLever.notReadYet && before?.problem != next.problem:
      note(&s, .warning, Prose.leverUnknown(next), time: s.now)
    default: break
    }
    return effects
  case .moveLever(let move):
    if s.session.readOnly {
      return [.notify("The lever cannot be moved from a read-only session: \(s.session.readOnlyReason)")]
    }
    guard let lever = s.chaos.lever, lever.status != .off else {
      return [.notify("This session has no safety lever (--lever none)")]
    }
    note(&s, .info, Prose.leverAsked(move), time: s.now)
    return [.moveLever(move)]
  case .leverMoveFailed(let why):
    note(&s, .warning, "the lever could not be moved: " + why, time: s.now)
    return [.notify("The lever could not be moved: " + why)]
  default: return []
  }
}

private func note(_ s: inout ClusterSnapshot, _ kind: TimelineEntry.Kind, _ text: String, time: Seconds) {
  s.chaos.timeline.insertByTime(
    TimelineEntry(time: time, kind: kind, text: text), limit: ClusterSnapshot.timelineLimit)
}
