import ClusterState
import Foundation

/// Writes a session's journal as it happens: lines are buffered and written at least once a
/// second (a crash or `kill -9` loses at most the last second), a snapshot every 5 minutes of
/// session time. Past the size cap the oldest detail is thinned first: the file is rewritten with its
/// oldest pod samples at one round a minute, as far as brings it to three quarters of the cap (the
/// newest 5 minutes kept whole; `JournalCompaction`, on a thread of its own); when that no longer
/// frees a tenth of the cap, new pod samples are thinned to one round a minute. Events,
/// faults, alerts and snapshots are always kept. A file that cannot be written is said once; the
/// session goes on without recording.
public final class JournalWriter {
  public let path: String
  /// What went wrong (nil: recording); the console says it once.
  public private(set) var problem: String?
  /// The journal's size now (after any rewrite), and everything appended to it in all.
  public private(set) var bytesWritten = 0
  public private(set) var bytesAppended = 0
  /// The rewrites past the cap: sizes before and after, and the seconds of the rewrite (on its own
  /// thread) and of putting it in place (on the recording's).
  public private(set) var rewrites: [(from: Int, to: Int, rewrite: Double, swap: Double)] = []
  /// The size past which metric samples are thinned.
  public var sizeCap: Int
  /// The newest seconds of pod samples a rewrite past the cap keeps whole.
  public var keepWhole: Seconds
  private var handle: FileHandle?
  private var mirror: FileHandle?
  /// A stream given (standard output) is not closed at the end.
  private var ownsHandle = true
  private var buffer = Data()
  private var lastFlush: Double
  private var lastSnapshot: Seconds = -.infinity
  private var podNumbers: [String: Int] = [:]
  /// New pod samples are thinned (rewriting the oldest no longer frees enough).
  private var thinNewest = false
  private var lastThinnedRound: Seconds = -.infinity
  /// Nothing was old enough to thin: new samples are thinned until then.
  private var rewriteNotBefore: Seconds = -.infinity
  private var saidNothingOld = false
  /// The rewrite of the oldest detail, while it runs.
  private var compaction: JournalCompaction?
  /// The session time of the last record and the session's start (for the notes).
  private var lastTime: Seconds = 0
  private var sessionStart: Seconds = 0
  private let clock: () -> Double

  /// Creates the file (and its folder); a file that exists is refused (a journal is never
  /// overwritten). `clock`: monotonic seconds, for the flush cadence.
  /// `mirror`: every line appended is written there too, as it is flushed (in a pod: standard
  /// output, the pod's log); a rewrite past the cap is the file's alone.
  public init(
    path: String, header: SessionJournal.Header, sizeCap: Int = 200 * 1024 * 1024, keepWhole: Seconds = 300,
    mirror: FileHandle? = nil, clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime }
  ) {
    self.path = path
    self.sizeCap = sizeCap
    self.keepWhole = keepWhole
    self.clock = clock
    self.mirror = mirror
    lastFlush = clock()
    let dir = (path as NSString).deletingLastPathComponent
    do {
      if !dir.isEmpty { try PrivateFile.folder(dir) }
      guard !FileManager.default.fileExists(atPath: path) else {
        problem = "not recording: \(path) exists (a journal is never overwritten)"
        return
      }
      do { handle = try PrivateFile.create(path) } catch {
        problem = "not recording: \(error)"
        return
      }
      line(try SessionJournal.encoder.encode(header))
      flush()
    } catch {
      problem = "not recording: cannot create \(dir) (\(error.localizedDescription))"
    }
  }

  public var isRecording: Bool { handle != nil && problem == nil }

  /// Log lines journaled a second at most (a replay shows them; a pouring log would fill the file).
  public static let logLinesPerSecond = 200
  private var logSecond = Int.min
  private var logKept = 0
  private var logSkipped = 0

  /// Records one action with the state it meets (the store's observer).
  public func record(_ action: Action, state: ClusterSnapshot) {
    guard isRecording else { return }
    let t = state.now
    lastTime = t
    sessionStart = state.sessionStart
    if t - lastSnapshot >= SessionJournal.snapshotEvery { snapshot(state) }
    switch action {
    case .tick(let at):
      text("{\"k\":\"tick\",\"t\":\(at)}")
    case .podMetrics(let time, let samples):
      if bytesWritten + buffer.count > sizeCap {
        if !thinNewest && time >= rewriteNotBefore {
          // Past the cap: the oldest samples thinned (full detail goes on meanwhile).
          if compaction == nil {
            flush()
            if problem == nil {
              compaction = JournalCompaction(
                path: path, upTo: bytesWritten, target: sizeCap * 3 / 4, keepNewest: keepWhole)
            }
          }
        } else {
          guard time - lastThinnedRound >= 60 else { return }
          lastThinnedRound = time
        }
      }
      var w = RowWriter(capacity: samples.count * 24 + 48)
      w.text(#"{"k":"pm","t":"#)
      w.number(time)
      w.text(#","s":["#)
      for s in samples {
        // CPU in whole millicores (Kubernetes' own resolution, and what the panes show) from 1m up:
        // "50" rather than "50.21" in every pod's row of every round.
        let cpu = s.cpuMilli >= 1 ? s.cpuMilli.rounded() : s.cpuMilli
        w.row(number(s.podID), cpu, s.memoryBytes / 1024, s.ioBytesPerSec, s.networkBytesPerSec)
      }
      w.text("]}")
      line(w.bytes)
    case .workloadMetrics(let time, let samples):
      var w = RowWriter(capacity: samples.count * 64 + 48)
      w.text(#"{"k":"wm","t":"#)
      w.number(time)
      w.text(#","s":["#)
      for s in samples {
        w.row(
          number(s.workloadID), s.cpuMilli, s.memoryBytes.map { $0 / 1024 }, s.ioBytesPerSec, s.latencyP50Ms,
          s.latencyP99Ms, s.lossPercent, s.errorPercent, s.requestsPerSec, s.networkBytesPerSec)
      }
      w.text("]}")
      line(w.bytes)
    case .logLines(let req, let lines):
      // A log pouring lines keeps its first `logLinesPerSecond` a second; the rest counted in a note.
      if Int(t) != logSecond {
        if logSkipped > 0 {
          note(t, "\(logSkipped) log lines of \(req.label) not journaled (over \(Self.logLinesPerSecond) a second)")
        }
        logSecond = Int(t)
        logKept = 0
        logSkipped = 0
      }
      let keep = max(0, min(lines.count, Self.logLinesPerSecond - logKept))
      logKept += keep
      logSkipped += lines.count - keep
      guard keep > 0,
        let data = try? SessionJournal.encoder.encode(
          SessionJournal.ActionRecord(t: t, a: .logLines(req, Array(lines.prefix(keep)))))
      else { return }
      line(data)
    default:
      guard let data = try? SessionJournal.encoder.encode(SessionJournal.ActionRecord(t: t, a: action)) else { return }
      line(data)
    }
    if clock() - lastFlush >= 1 { flush() }
  }

  /// Writes the whole state (replay seeks from it).
  public func snapshot(_ state: ClusterSnapshot) {
    // The pods' series to their last minute (what a pane draws of one pod); the workloads' whole.
    var small = state
    small.podFactsCache = nil
    for (id, series) in state.podSeries where series.cpuMilli.count > 60 {
      var cut = PodSeries(capacity: ClusterSnapshot.podHistory)
      for v in series.cpuMilli.suffix(60) { cut.cpuMilli.append(v) }
      for v in series.memoryBytes.suffix(60) { cut.memoryBytes.append(v) }
      small.metrics.podSeries[id] = cut
    }
    guard isRecording,
      let data = try? SessionJournal.encoder.encode(SessionJournal.SnapshotRecord(t: state.now, s: small))
    else { return }
    lastSnapshot = state.now
    line(data)
  }

  /// An experiment's verdict with its hypotheses.
  public func experiment(_ e: SessionJournal.ExperimentRecord) {
    guard isRecording, let data = try? SessionJournal.encoder.encode(e) else { return }
    line(data)
  }

  public func note(_ t: Seconds, _ text: String) {
    guard let data = try? SessionJournal.encoder.encode(SessionJournal.NoteRecord(t: t, text: text)) else { return }
    line(data)
  }

  /// A journal written to a stream only (`--journal-stdout --no-record`): appended, never rewritten
  /// (a stream cannot be; the pod log's rotation bounds it), named `name` in messages.
  public init(
    stream: FileHandle, name: String, header: SessionJournal.Header,
    clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime }
  ) {
    path = name
    sizeCap = .max
    keepWhole = 300
    self.clock = clock
    lastFlush = clock()
    handle = stream
    ownsHandle = false
    if let data = try? SessionJournal.encoder.encode(header) { line(data) }
    flush()
  }

  /// Writes what is buffered (at least once a second, and at the end); takes the rewrite of the
  /// oldest detail in once it is done.
  public func flush() {
    guard let handle, !buffer.isEmpty, problem == nil else { return }
    do {
      try handle.write(contentsOf: buffer)
      // The mirror's reader (a pod log's) going away does not stop the journal.
      if let m = mirror, (try? m.write(contentsOf: buffer)) == nil { mirror = nil }
      bytesWritten += buffer.count
      bytesAppended += buffer.count
      buffer.removeAll(keepingCapacity: true)
      lastFlush = clock()
    } catch {
      problem =
        "recording stopped: cannot write \(path) (\(error.localizedDescription)); the journal up to here is kept"
      buffer.removeAll()
    }
    if let result = compaction?.result { swapIn(result) }
  }

  /// A rewrite of the oldest samples is under way (tests on a compressed clock wait for it, as a
  /// session at real speed gives it the time).
  public var isCompacting: Bool { compaction.map { $0.result == nil } ?? false }

  public func close() {
    // A rewrite under way is waited for (it reads and writes the file once).
    while let c = compaction, c.result == nil, problem == nil { usleep(10_000) }
    flush()
    if let result = compaction?.result { swapIn(result) }
    flush()
    if ownsHandle { try? handle?.close() }
    handle = nil
  }

  /// The size cap in words.
  private var capText: String {
    sizeCap >= 1_048_576 ? "\(sizeCap / 1_048_576) MiB" : "\(sizeCap / 1024) KiB"
  }

  /// Puts the rewritten journal in place: what was appended since it was read is copied after it,
  /// then it is renamed over the journal. If it cannot be, the journal stays whole and new samples
  /// are thinned instead.
  private func swapIn(_ result: Result<JournalCompaction.Done, SessionJournal.ReadError>) {
    compaction = nil
    let done: JournalCompaction.Done
    switch result {
    case .failure(let e) where e == JournalCompaction.nothingOld:
      rewriteNotBefore = lastTime + keepWhole
      lastThinnedRound = -.infinity
      if !saidNothingOld {
        saidNothingOld = true
        note(lastTime, "past \(capText): new pod samples thinned to one round a minute until older ones can be")
      }
      return
    case .failure(let e):
      thinNewest = true
      note(lastTime, "past \(capText): new pod samples thinned to one round a minute (\(e.description))")
      return
    case .success(let d): done = d
    }
    let t0 = clock()
    let from = bytesWritten
    do {
      let src = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
      try src.seek(toOffset: UInt64(done.upTo))
      let tail = try src.readToEnd() ?? Data()
      try src.close()
      let dst = try FileHandle(forWritingTo: URL(fileURLWithPath: done.path))
      let size = try dst.seekToEnd()
      try dst.write(contentsOf: tail)
      try dst.synchronize()
      try dst.close()
      guard rename(done.path, path) == 0 else { throw SessionJournal.ReadError(String(cString: strerror(errno))) }
      // The rename itself on disk.
      let folder = (path as NSString).deletingLastPathComponent
      let fd = open(folder.isEmpty ? "." : folder, O_RDONLY)
      if fd >= 0 {
        fsync(fd)
        Glibc.close(fd)
      }
      try? handle?.close()
      let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      try h.seekToEnd()
      handle = h
      bytesWritten = Int(size) + tail.count
      rewrites.append((from, bytesWritten, done.seconds, clock() - t0))
      let span = formatDuration(done.before - sessionStart)
      note(lastTime, "past \(capText): pod samples up to +\(span) thinned to one round a minute")
      // Rewriting the oldest no longer frees a tenth of the cap: thin what comes instead.
      if bytesWritten + buffer.count > sizeCap * 9 / 10 {
        thinNewest = true
        note(lastTime, "past \(capText): new pod samples thinned to one round a minute")
      }
    } catch {
      try? FileManager.default.removeItem(atPath: done.path)
      thinNewest = true
      note(lastTime, "past \(capText): new pod samples thinned to one round a minute (cannot rewrite: \(error))")
    }
  }

  func number(_ podID: String) -> Int {
    if let n = podNumbers[podID] { return n }
    let n = podNumbers.count
    podNumbers[podID] = n
    if let data = try? SessionJournal.encoder.encode(SessionJournal.PodNumberRecord(n: n, id: podID)) { line(data) }
    return n
  }

  func line(_ data: Data) {
    buffer.append(data)
    buffer.append(0x0A)
  }

  func line(_ bytes: [UInt8]) {
    buffer.append(contentsOf: bytes)
    buffer.append(0x0A)
  }

  func text(_ s: String) { line(Data(s.utf8)) }
}
