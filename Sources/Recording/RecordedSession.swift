import ClusterState
import Foundation

/// A recorded session as a source: the journal's actions replayed through the same reducer, so the
/// panes, incidents and verdicts are the session's own, on a machine with no cluster and no network.
/// The console drives it with the replay keys: pause, seek (from the nearest snapshot before), and
/// jumps to the faults and alerts. It carries nothing out: what the session's executor did is in the
/// journal.
public final class RecordedSession: SimulatedSource, ReplayControl {
  public let journal: JournalReader
  public let start: Seconds
  public let end: Seconds
  public private(set) var speed: Double
  public private(set) var paused = false
  /// Times of the faults, their ends, the incidents' detections and recoveries and the alerts that
  /// fired (the jumps' marks), from the start.
  public let marks: [Seconds]
  /// Where the replay is (offset from the start) and the record it plays next.
  public private(set) var position: Seconds = 0
  private var cursor = 0
  private var lastReal: Double?
  private var mustRestore = true
  /// Snapshots decoded, by record index: a background thread decodes them as the replay opens, so
  /// a seek finds its snapshot ready (else it decodes it itself, once).
  private let decoded = SnapshotCache()
  /// The experiments' records, by start.
  private let experiments: [SessionJournal.ExperimentRecord]

  public init(journal: JournalReader, speed: Double = 1) {
    self.journal = journal
    (start, end) = journal.span
    self.speed = speed
    var marks: [Seconds] = []
    for case .action(let t, let a) in journal.records {
      switch a {
      case .faultStarted, .faultEnded, .faultFailed, .abortAllFaults: marks.append(t)
      case .alerts(let list, _) where list.contains(where: { $0.state == "firing" }): marks.append(t)
      case .inContext(_, .alerts(let list, _)) where list.contains(where: { $0.state == "firing" }): marks.append(t)
      default: continue
      }
    }
    // The incidents' detections and recoveries, from the state at the journal's end.
    for i in SessionReport.finalState(journal).incidents {
      if let d = i.detected { marks.append(d) }
      if let r = i.recovered { marks.append(r) }
    }
    // One mark a second at most (a fault's start and its first alert are one moment).
    var kept: [Seconds] = []
    for m in marks.sorted().map({ $0 - journal.span.start }) where kept.last.map({ m - $0 >= 1 }) ?? true {
      kept.append(m)
    }
    self.marks = kept
    experiments = journal.records.compactMap { r -> SessionJournal.ExperimentRecord? in
      if case .experiment(_, let e) = r { return e } else { return nil }
    }.sorted { ($0.created ?? $0.t) < ($1.created ?? $1.t) }
    var snapshots: [(Int, SessionJournal.Snapshot)] = []
    for (i, r) in journal.records.enumerated() { if case .snapshot(_, let s) = r { snapshots.append((i, s)) } }
    decoded.warm(snapshots.suffix(SnapshotCache.warmLimit))
  }

  public var length: Seconds { end - start }

  public var info: SourceInfo {
    SourceInfo(
      isDemo: journal.header.isDemo, context: journal.header.context, namespace: journal.header.namespace,
      startedAt: start)
  }

  public func start(inbox: Inbox) {}
  public func stop() {}

  /// A replay changes nothing: the session's outcomes are in the journal.
  public func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] { [] }

  public func actions(at realTime: Double) -> [Action] {
    if let last = lastReal, !paused { position = min(length, position + (realTime - last) * speed) }
    lastReal = realTime
    return play(to: start + position)
  }

  /// Tests: the replay at `t` seconds from the recording's start.
  public func actions(atVirtual t: Seconds) -> [Action] {
    seek(to: t)
    return play(to: start + position)
  }

  public func togglePause() { paused.toggle() }

  public func setSpeed(_ s: Double) { speed = max(0.1, min(100, s)) }

  public func seek(by delta: Seconds) { seek(to: position + delta) }

  public func seek(to offset: Seconds) {
    let target = min(length, max(0, offset))
    if target < position { mustRestore = true }
    position = target
  }

  @discardableResult
  public func seekToMark(forward: Bool) -> Bool {
    // A jump lands half a second past its mark; the next press goes on from there (back: to the
    // start of the mark the replay is in, then the one before).
    let next = forward ? marks.first { $0 + 0.5 > position + 0.05 } : marks.last { $0 + 0.5 < position - 0.05 }
    guard let next else { return false }
    seek(to: next + 0.5)
    return true
  }

  /// The actions from where the replay was to `target`: from the last snapshot at or before it when
  /// seeking back (or far ahead), else the records in between.
  func play(to target: Seconds) -> [Action] {
    var out: [Action] = []
    let records = journal.records
    // A snapshot at or before the target, ahead of the cursor (or any, after a seek back).
    var from: Int?
    let lowest = mustRestore ? 0 : cursor
    var i = records.count - 1
    while i >= lowest {
      if case .snapshot(let t, _) = records[i], t <= target {
        from = i
        break
      }
      i -= 1
    }
    if let from, mustRestore || from > cursor, case .snapshot(_, let lazy) = records[from],
      var snap = decoded.get(from) ?? (try? lazy.decode())
    {
      decoded.put(from, snap)
      // A replay never changes a cluster: its keys are greyed with the reason.
      snap.session.readOnlyReason = "replay: a recording cannot be changed"
      out.append(.restore(snap))
      cursor = from + 1
      mustRestore = false
    }
    while cursor < records.count {
      let r = records[cursor]
      let t: Seconds
      switch r {
      case .snapshot(let at, _), .note(let at, _), .experiment(let at, _): t = at
      case .action(let at, _): t = at
      }
      guard t <= target else { break }
      if case .action(_, let a) = r { out.append(a) }
      cursor += 1
    }
    return out
  }

  /// The experiment the recording shows at cluster time `now`: the last one started by then (from
  /// its start to its verdict, then its verdict until the next one starts).
  public func experimentRecord(at now: Seconds) -> SessionJournal.ExperimentRecord? {
    experiments.last { ($0.created ?? $0.t) <= now }
  }

  /// The same as the experiment pane shows it.
  public func experiment(at now: Seconds) -> RecordedExperiment? {
    guard let e = experimentRecord(at: now) else { return nil }
    return RecordedExperiment(
      title: e.title, started: e.created ?? e.t, finished: e.t, verdict: e.verdict, passed: e.passed,
      hypotheses: e.hypotheses.map { .init(name: $0.name, status: $0.status, evidence: $0.evidence, at: $0.at) })
  }

  public var journalPath: String? { journal.path }
  public var replayControl: ReplayControl? { self }
  public var simulated: SimulatedSource? { self }

  /// Whether the replay has reached the recording's end.
  public var atEnd: Bool { position >= length }
}

/// Decoded snapshots shared with the thread that decodes them ahead of the seeks.
final class SnapshotCache: @unchecked Sendable {
  /// Snapshots decoded ahead at most (the newest; 4 hours of a journal, a few MiB each).
  static let warmLimit = 48
  private let lock = NSLock()
  private var items: [Int: ClusterSnapshot] = [:]
  private var stopped = false

  func get(_ i: Int) -> ClusterSnapshot? { lock.withLock { items[i] } }
  func put(_ i: Int, _ s: ClusterSnapshot) { lock.withLock { items[i] = s } }

  func warm(_ snapshots: some Collection<(Int, SessionJournal.Snapshot)>) {
    let list = Array(snapshots)
    guard list.count > 1 else { return }
    Thread.detachNewThread { [self] in
      for (i, s) in list {
        if lock.withLock({ stopped || items[i] != nil }) { continue }
        if let snap = try? s.decode() { put(i, snap) }
      }
    }
  }

  deinit { lock.withLock { stopped = true } }
}
