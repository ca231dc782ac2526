/// A change an earlier chaostui session left in the cluster (it was killed, the machine died)
/// and that this user's own record says how to set back. Found at start by the leftover sweep;
/// set back only when the user says so, never in a read-only or dry-run session.
public struct Leftover: Sendable, Equatable, Codable, Identifiable {
  public enum Status: String, Sendable, Codable {
    /// Yours, past its time: waits for the user's answer.
    case awaiting
    /// The user said yes: being set back.
    case restoring
    case restored
    case failed
    /// Left as it is: the user said no, the session is read-only or a dry run, the object changed
    /// since, or more than the sweep sets back at once.
    case leftAlone
    /// A restore note no record of this user's sessions backs: never acted on.
    case notYours
  }
  public var id: Int
  /// What setting it back means, in words ("scale deployments pipeline/flask back to 3").
  public var what: String
  /// The session that made the change.
  public var session: String
  public var status: Status
  /// Why it is left alone, or what the API answered.
  public var detail: String?

  public init(id: Int, what: String, session: String, status: Status, detail: String? = nil) {
    self.id = id
    self.what = what
    self.session = session
    self.status = status
    self.detail = detail
  }

  /// One line for the timeline, the audit log and the dialog.
  public var line: String {
    let head = "\(what) (session \(session))"
    switch status {
    case .awaiting: return head + ": yours, past its time"
    case .restoring: return head + ": setting back"
    case .restored: return head + ": set back" + (detail.map { " (\($0))" } ?? "")
    case .failed: return head + ": not set back: " + (detail ?? "?")
    case .leftAlone, .notYours: return head + ": left alone: " + (detail ?? "?")
    }
  }
}

/// What the leftover sweep and the user say of leftovers.
public enum LeftoverAction: Sendable, Equatable, Codable {
  /// The sweep's findings (each awaiting an answer, or left alone with the reason).
  case found([Leftover])
  /// The user's answer to the awaiting ones.
  case answer(restore: Bool)
  /// One was set back (or could not be), with what the API answered.
  case result(id: Int, restored: Bool, detail: String)
}

extension ClusterSnapshot {
  /// Leftovers that wait for the user's answer.
  public var awaitingLeftovers: [Leftover] { (leftovers ?? []).filter { $0.status == .awaiting } }
}

func reduceLeftovers(_ s: inout ClusterSnapshot, _ action: LeftoverAction) -> [Effect] {
  var list = s.chaos.leftovers ?? []
  var effects: [Effect] = []
  func note(_ l: Leftover) {
    s.chaos.timeline.insertByTime(
      TimelineEntry(time: s.now, kind: .info, text: Prose.leftoverLine(l.line)), limit: ClusterSnapshot.timelineLimit)
  }
  switch action {
  case .found(let items):
    list = items
    items.forEach(note)
    let awaiting = items.filter { $0.status == .awaiting }.count
    let alone = items.count - awaiting
    var words: [String] = []
    if awaiting > 0 { words.append("\(awaiting) change(s) your earlier sessions left wait for your answer") }
    if alone > 0 { words.append("\(alone) restore note(s) left alone (see the timeline)") }
    if !words.isEmpty { effects.append(.notify(Prose.leftoversNotice(words))) }
  case .answer(let restore):
    var ids: [Int] = []
    for i in list.indices where list[i].status == .awaiting {
      if restore {
        list[i].status = .restoring
        ids.append(list[i].id)
      } else {
        list[i].status = .leftAlone
        list[i].detail = "you said no"
        note(list[i])
      }
    }
    if !ids.isEmpty { effects.append(.restoreLeftovers(ids: ids)) }
  case .result(let id, let restored, let detail):
    guard let i = list.firstIndex(where: { $0.id == id }) else { return [] }
    list[i].status = restored ? .restored : .failed
    list[i].detail = detail
    note(list[i])
  }
  s.chaos.leftovers = list
  return effects
}
