import ClusterState
import Foundation

/// Writes a session's journal as it happens: lines are buffered and written at least once a
/// second (a crash or `kill -9` loses at most the last second), a snapshot every 5 minutes of
/// session time, and past the size cap the metric samples are thinned to one round a minute (events,
/// faults and snapshots are always kept). A file that cannot be written is said once; the session
/// goes on without recording.
public final class JournalWriter {
  public let path: String
  /// What went wrong (nil: recording); the console says it once.
  public private(set) var problem: String?
  public private(set) var bytesWritten = 0
  /// The size past which metric samples are thinned.
  public var sizeCap: Int
  private var handle: FileHandle?
  private var buffer = Data()
  private var lastFlush: Double
  private var lastSnapshot: Seconds = -.infinity
  private var podNumbers: [String: Int] = [:]
  private var thinned = false
  private var lastThinnedRound: Seconds = -.infinity
  private let clock: () -> Double

  /// Creates the file (and its folder); a file that exists is refused (a journal is never
  /// overwritten). `clock`: monotonic seconds, for the flush cadence.
  public init(
    path: String, header: SessionJournal.Header, sizeCap: Int = 200 * 1024 * 1024,
    clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime }
  ) {
    self.path = path
    self.sizeCap = sizeCap
    self.clock = clock
    lastFlush = clock()
    let dir = (path as NSString).deletingLastPathComponent
    do {
      if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
      guard !FileManager.default.fileExists(atPath: path) else {
        problem = "not recording: \(path) exists (a journal is never overwritten)"
        return
      }
      guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
        let h = FileHandle(forWritingAtPath: path)
      else {
        problem = "not recording: cannot create \(path)"
        return
      }
      handle = h
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
    if t - lastSnapshot >= SessionJournal.snapshotEvery { snapshot(state) }
    switch action {
    case .tick(let at):
      text("{\"k\":\"tick\",\"t\":\(at)}")
    case .podMetrics(let time, let samples):
      if bytesWritten + buffer.count > sizeCap {
        // Past the cap: one round a minute.
        if !thinned {
          thinned = true
          note(t, "past \(sizeCap / 1_048_576) MiB: pod samples thinned to one round a minute")
        }
        guard time - lastThinnedRound >= 60 else { return }
        lastThinnedRound = time
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
        let data = try? SessionJournal.encoder.encode(Line(t: t, a: .logLines(req, Array(lines.prefix(keep)))))
      else { return }
      line(data)
    default:
      guard let data = try? SessionJournal.encoder.encode(Line(t: t, a: action)) else { return }
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
      small.podSeries[id] = cut
    }
    guard isRecording, let data = try? SessionJournal.encoder.encode(Snap(t: state.now, s: small)) else { return }
    lastSnapshot = state.now
    line(data)
  }

  /// An experiment's verdict with its hypotheses.
  public func experiment(_ e: SessionJournal.ExperimentRecord) {
    guard isRecording, let data = try? SessionJournal.encoder.encode(e) else { return }
    line(data)
  }

  public func note(_ t: Seconds, _ text: String) {
    guard let data = try? SessionJournal.encoder.encode(Note(t: t, text: text)) else { return }
    line(data)
  }

  /// Writes what is buffered (at least once a second, and at the end).
  public func flush() {
    guard let handle, !buffer.isEmpty, problem == nil else { return }
    do {
      try handle.write(contentsOf: buffer)
      bytesWritten += buffer.count
      buffer.removeAll(keepingCapacity: true)
      lastFlush = clock()
    } catch {
      problem =
        "recording stopped: cannot write \(path) (\(error.localizedDescription)); the journal up to here is kept"
      buffer.removeAll()
    }
  }

  public func close() {
    flush()
    try? handle?.close()
    handle = nil
  }

  func number(_ podID: String) -> Int {
    if let n = podNumbers[podID] { return n }
    let n = podNumbers.count
    podNumbers[podID] = n
    if let data = try? SessionJournal.encoder.encode(PodNumber(n: n, id: podID)) { line(data) }
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

  struct Line: Encodable {
    var k = "a"
    var t: Seconds
    var a: Action
  }
  struct Snap: Encodable {
    var k = "snap"
    var t: Seconds
    var s: ClusterSnapshot
  }
  struct Note: Encodable {
    var k = "note"
    var t: Seconds
    var text: String
  }
  struct PodNumber: Encodable {
    var k = "id"
    var n: Int
    var id: String
  }
}
