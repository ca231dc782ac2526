/// What the reducers tell people, in words: the timeline's lines and the footer's notices. The
/// reducers decide what happened; this says it (one place to read and to change the wording).
public enum Prose {
  // MARK: Faults

  public static func refusedReadOnly(_ reason: String) -> String { "Fault refused: \(reason)" }
  public static func refusedContext(_ why: String) -> String { "Fault refused: " + why }
  public static func unavailable(_ kind: FaultKind, _ why: String) -> String { "\(kind.title) is unavailable: \(why)" }
  public static func faultFailedLine(_ id: Int, _ message: String) -> String { "fault #\(id) failed: \(message)" }
  public static func faultFailedNotice(_ id: Int, _ message: String) -> String { "Fault #\(id) failed: \(message)" }
  public static func faultEnded(_ kind: FaultKind, _ id: Int, _ reason: String) -> String {
    "\(kind.rawValue) #\(id) \(reason)"
  }
  public static let panicNothing = "Panic: no active faults"
  public static func panicAborted(_ n: Int) -> String { "Panic: aborted \(n) active fault\(n == 1 ? "" : "s")" }

  /// What a fault acted on: its pod, "N pods of W", a node, a zone, a workload's new replicas.
  public static func faultObject(_ request: FaultRequest, pods: [String], workloads: [String]) -> String {
    switch request.target {
    case .node(let name): return "node \(name)"
    case .zone(let name): return "zone \(name)"
    case .workload(let ns, let name) where request.kind == .scale:
      return
        "\(ContextName.split(ns).alias.map { ContextName.qualify($0, name) } ?? name) to \(request.parameters.replicas) replicas"
    case .pod, .workload:
      let names = pods.map(shortName)
      return names.count == 1 ? names[0] : "\(names.count) pods of \(workloads.map(shortName).joined(separator: ","))"
    }
  }

  public static func incidentTitle(_ kind: FaultKind, _ object: String) -> String { "\(kind.rawValue) \(object)" }

  public static func injectedLine(_ kind: FaultKind, _ object: String, overlaps: [Int]) -> String {
    "injected \(kind.rawValue) -> \(object)"
      + (overlaps.isEmpty ? "" : " (overlaps " + overlaps.map { "#\($0)" }.joined(separator: ", ") + ")")
  }

  public static func injectedNotice(_ kind: FaultKind, _ object: String) -> String {
    "Injected \(kind.title) on \(object)"
  }

  // MARK: Incidents

  public static func detected(_ id: Int, after: Seconds, _ problem: String) -> String {
    "#\(id) detected after \(formatDuration(after)): \(problem)"
  }
  public static func noImpact(_ id: Int) -> String { "#\(id) no impact detected" }
  public static func mitigated(_ id: Int, ttm: Seconds) -> String {
    "#\(id) mitigated after \(formatDuration(ttm)): what users see is back within the steady state"
  }

  public static func recovered(_ id: Int, ttd: Seconds, ttr: Seconds) -> String {
    "#\(id) recovered: TTD \(formatDuration(ttd)), TTR \(formatDuration(ttr))"
  }

  // MARK: The cluster and monitoring

  public static func hpaScaled(_ name: String, from: Int, to: Int) -> String { "HPA \(name) scaled \(from) -> \(to)" }
  public static func event(_ object: String, _ message: String) -> String { "\(object): \(message)" }
  public static func alertFiring(_ name: String, summary: String) -> String {
    "alert \(name) firing" + (summary.isEmpty ? "" : ": " + summary)
  }
  public static func alertResolved(_ name: String) -> String { "alert \(name) resolved" }

  // MARK: Leftovers

  public static func leftoverLine(_ line: String) -> String { "leftover: " + line }
  public static func leftoversNotice(_ words: [String]) -> String { "Leftovers: " + words.joined(separator: "; ") }
}

extension Prose {
  /// The lever's time of day as the object says it (UTC), for a line.
  static func leverWhen(_ l: SafetyLever) -> String {
    guard let at = l.at else { return "" }
    let t = Timestamps.format(at)
    return " at " + String(t.dropFirst(11).prefix(8)) + "Z"
  }
  public static func leverEngaged(_ l: SafetyLever) -> String {
    "SAFETY LEVER ENGAGED by \(l.by.isEmpty ? "someone" : l.by)\(leverWhen(l))"
      + (l.reason.isEmpty ? "" : ": " + l.reason)
  }
  public static func leverEngagedNotice(_ l: SafetyLever, aborted: Int) -> String {
    leverEngaged(l) + (aborted > 0 ? " (setting back \(aborted) fault\(aborted == 1 ? "" : "s"))" : "")
  }
  public static func leverReleased(_ l: SafetyLever) -> String {
    "safety lever released by \(l.by.isEmpty ? "someone" : l.by)\(leverWhen(l))"
      + (l.reason.isEmpty ? "" : ": " + l.reason)
  }
  public static func leverUnknown(_ l: SafetyLever) -> String {
    "safety lever unknown (\(l.problem ?? SafetyLever.notReadYet)): no fault starts until it is read"
  }
  public static func leverAsked(_ m: LeverMove) -> String {
    "\(m.by) asked to \(m.engage ? "engage" : "release") the safety lever" + (m.reason.isEmpty ? "" : ": " + m.reason)
  }
  public static func refusedLever(_ why: String) -> String { "Fault refused: " + why }
}

extension Prose {
  /// How long a note may be (typed at a key; the journal keeps it as typed, escaped where shown).
  public static let noteLimit = 300
  public static func note(_ text: String, by: String) -> String { "note (\(by)): " + text }
}
