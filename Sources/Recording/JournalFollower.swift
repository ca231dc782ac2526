import ClusterState
import Foundation

/// `chaostui follow JOURNAL`: a session shown live, read-only, from the journal its chaostui is
/// writing. The journal is read to its end (the state from its last snapshot and the actions after),
/// then every frame what was appended is read and its actions played; a journal replaced under
/// the same name (its size cap's rewrite, a rotation) is read again from its last snapshot. It only
/// reads: ten followers are ten readers of a file the writer appends to.
public final class JournalFollower: ClusterSource, ReplayControl, @unchecked Sendable {
  public let path: String
  private var reader: JournalReader
  private var file: FileHandle?
  private var inode: UInt64 = 0
  private var offset = 0
  private var pending: [Action] = []
  private var experiments: [SessionJournal.ExperimentRecord] = []
  /// The newest record's time, and the first snapshot's (the session's time at its header's wall clock).
  private var lastT: Seconds = 0
  private var firstT: Seconds?
  private var problem: String?
  /// The journal's bytes when they come from a pod's log, and those not read yet (a line cut short).
  private let feed: JournalFeed?
  private var feedRest = Data()
  /// Wall clock (tests: a virtual one).
  public var clock: () -> Double = { Date().timeIntervalSince1970 }
  /// The most read in one go, so a frame never stalls on a huge append.
  static let chunk = 16 << 20

  public init(path: String) throws {
    self.path = path
    feed = nil
    let (r, data, ino) = try Self.read(path)
    reader = r
    try start(from: data, inode: ino)
  }

  /// Follows a journal that arrives through `feed` (a pod's log): waits up to `wait` seconds for its
  /// header and first snapshot. `sleep` passes the time between looks; what it throws (the user gave
  /// up) ends the wait.
  public init(feed: JournalFeed, wait: Seconds, sleep: (Double) throws -> Void = { Thread.sleep(forTimeInterval: $0) })
    throws
  {
    path = feed.name
    self.feed = feed
    var data = Data()
    var waited = 0.0
    while true {
      data += feed.take()
      if let r = try? JournalReader(data: data, name: feed.name) {
        reader = r
        break
      }
      let none =
        data.isEmpty
        ? "no journal in it (is chaostui there run with --journal-stdout?)" : "no snapshot in its journal"
      if let ended = feed.ended {
        // A refusal is its own sentence; a run that ended without a journal says so.
        throw SessionJournal.ReadError(feed.problem ?? "\(feed.name): \(ended), with \(none)")
      }
      guard waited < wait else {
        throw SessionJournal.ReadError(
          feed.problem ?? "\(feed.name): \(none) after \(formatDuration(wait))")
      }
      try sleep(0.1)
      waited += 0.1
    }
    try start(from: Data(), inode: 0)
  }

  /// The journal as it is now: read up to its last complete line.
  static func read(_ path: String) throws -> (JournalReader, Data, UInt64) {
    var st = stat()
    guard stat(path, &st) == 0, let d = FileManager.default.contents(atPath: path) else {
      throw SessionJournal.ReadError("\(path): cannot read the file")
    }
    let whole = d.prefix(d.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0)
    return (try JournalReader(data: Data(whole), name: path), Data(whole), UInt64(st.st_ino))
  }

  /// Plays the journal just read from its last snapshot; what is appended is read from its end.
  private func start(from data: Data, inode ino: UInt64) throws {
    try? file?.close()
    if feed == nil { file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) }
    inode = ino
    offset = data.count
    let records = reader.records
    reader.records.removeAll()
    experiments = records.compactMap { if case .experiment(_, let e) = $0 { e } else { nil } }
    let last = records.lastIndex { if case .snapshot = $0 { return true } else { return false } }
    guard let last, case .snapshot(let t, let lazy) = records[last], var snap = try? lazy.decode() else { return }
    // The keys are greyed with this reason; the state stays the session's (its faults replay as they were made).
    snap.session.readOnlyReason = "following: a session is changed from its own chaostui"
    pending = [.restore(snap)]
    if firstT == nil {
      firstT = records.lazy.compactMap { if case .snapshot(let t, _) = $0 { t } else { nil } }.first ?? t
    }
    lastT = t
    take(records[(last + 1)...])
  }

  private func take(_ records: ArraySlice<SessionJournal.Record>) {
    for r in records {
      switch r {
      case .action(let t, let a):
        pending.append(a)
        lastT = max(lastT, t)
      case .experiment(let t, let e):
        experiments.removeAll { ($0.created ?? $0.t) == (e.created ?? e.t) && $0.title == e.title }
        experiments.append(e)
        lastT = max(lastT, t)
      case .snapshot(let t, _), .note(let t, _): lastT = max(lastT, t)
      }
    }
  }

  /// What was appended since the last read (or the whole journal again when it was replaced).
  func poll() {
    if let feed { return pollFeed(feed) }
    var st = stat()
    guard stat(path, &st) == 0 else {
      problem = "the journal is gone (\(path))"
      return
    }
    if UInt64(st.st_ino) != inode || Int(st.st_size) < offset {
      do {
        let (r, data, ino) = try Self.read(path)
        reader = r
        try start(from: data, inode: ino)
        problem = nil
      } catch { problem = "\(error)" }
      return
    }
    guard Int(st.st_size) > offset, let file else { return }
    do {
      try file.seek(toOffset: UInt64(offset))
      let data = try file.read(upToCount: min(Int(st.st_size) - offset, Self.chunk)) ?? Data()
      offset += reader.append(data)
      take(reader.records[...])
      reader.records.removeAll(keepingCapacity: true)
      problem = nil
    } catch { problem = "cannot read \(path): \(error.localizedDescription)" }
  }

  private func pollFeed(_ feed: JournalFeed) {
    let fresh = feed.take()
    problem = feed.problem ?? feed.ended
    guard !fresh.isEmpty || !feedRest.isEmpty else { return }
    feedRest += fresh
    // At most a chunk a frame (a whole line at least), as from a file; the rest waits for the next.
    let firstLine = feedRest.firstIndex(of: 0x0A).map { $0 - feedRest.startIndex + 1 } ?? 0
    let used = reader.append(Data(feedRest.prefix(max(Self.chunk, firstLine))))
    feedRest = Data(feedRest.dropFirst(used))
    take(reader.records[...])
    reader.records.removeAll(keepingCapacity: true)
  }

  /// The namespace the session's console showed when it started (nil: every namespace).
  public var shownNamespace: String? { reader.header.shown }

  public var info: SourceInfo {
    SourceInfo(
      isDemo: reader.header.isDemo, context: reader.header.context, namespace: reader.header.namespace,
      startedAt: firstT)
  }

  public func start(inbox: Inbox) {}
  public func stop() { try? file?.close() }
  public func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] { [] }

  public func actions(at realTime: Double) -> [Action] {
    poll()
    defer { pending.removeAll(keepingCapacity: true) }
    return pending
  }

  /// How far behind the session the newest record is, in real seconds: its time against what the
  /// session's clock reads now (its header's wall clock at the first snapshot, at its speed).
  public var lag: Seconds {
    let speed = reader.header.speed ?? 1
    let expected = reader.header.started + (lastT - (firstT ?? lastT)) / speed
    return max(0, clock() - expected)
  }

  public var following: Following? {
    // A pod's run that has ended is not behind: it says so instead.
    if let ended = feed?.ended, feed?.problem == nil { return Following(lag: 0, problem: ended) }
    var p = problem
    if p == nil && lag > 10 && feed?.ended == nil {
      p = "nothing new for \(formatDuration(lag)): has the session ended?"
    }
    return Following(lag: lag, problem: p)
  }

  // A follower is at the live edge: the replay keys do nothing.
  public var position: Seconds { lastT - (firstT ?? lastT) }
  public var length: Seconds { position }
  public var paused: Bool { false }
  public var speed: Double { 1 }
  public var journalPath: String? { feed == nil ? path : nil }
  public func togglePause() {}
  public func setSpeed(_ speed: Double) {}
  public func seek(by delta: Seconds) {}
  public func seekToMark(forward: Bool) -> Bool { false }

  public func experiment(at now: Seconds) -> RecordedExperiment? {
    guard let e = experiments.last(where: { ($0.created ?? $0.t) <= now }) else { return nil }
    return RecordedExperiment(
      title: e.title, started: e.created ?? e.t, finished: e.t, verdict: e.verdict, passed: e.passed,
      hypotheses: e.hypotheses.map { .init(name: $0.name, status: $0.status, evidence: $0.evidence, at: $0.at) })
  }

  public var replayControl: ReplayControl? { self }
}
