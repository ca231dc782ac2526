import ClusterState
import Foundation

/// Past the size cap a journal is rewritten with its oldest detail thinned first: from the oldest on,
/// as far as brings it to three quarters of the cap, pod samples keep one round a minute; the newest
/// minutes and everything else (events, faults, alerts, snapshots, the clock) stay. The rewrite reads and writes on
/// a thread of its own into `FILE.compacting`; the writer goes on appending to the journal meanwhile,
/// then copies what it appended since into the new file and renames it over the journal (atomic: a
/// crash leaves the journal as it was, and at most a stray `.compacting` file).
final class JournalCompaction: @unchecked Sendable {
  struct Done: Sendable {
    /// The new file and how many bytes of the journal it stands for.
    var path: String
    var upTo: Int
    /// Pod samples up to this session time were thinned.
    var before: Seconds
    /// How long the rewrite took.
    var seconds: Double
  }

  /// No pod samples older than the newest minutes yet: nothing to thin now.
  static let nothingOld = SessionJournal.ReadError("nothing old enough to thin yet")

  private let lock = NSLock()
  private var outcome: Result<Done, SessionJournal.ReadError>?

  /// Starts rewriting the first `upTo` bytes of `path` down to about `target` bytes.
  init(path: String, upTo: Int, target: Int, keepNewest: Seconds) {
    Thread.detachNewThread { [self] in
      let result = Self.rewrite(path: path, upTo: upTo, target: target, keepNewest: keepNewest)
      lock.withLock { outcome = result }
    }
  }

  /// The rewrite's outcome once it is over (nil while it runs).
  var result: Result<Done, SessionJournal.ReadError>? { lock.withLock { outcome } }

  static func rewrite(path: String, upTo: Int, target: Int, keepNewest: Seconds) -> Result<
    Done, SessionJournal.ReadError
  > {
    let t0 = ProcessInfo.processInfo.systemUptime
    let tmp = path + ".compacting"
    guard let h = FileHandle(forReadingAtPath: path), let data = try? h.read(upToCount: upTo), data.count == upTo
    else { return .failure(SessionJournal.ReadError("cannot read \(path) back")) }
    try? h.close()
    return data.withUnsafeBytes { buf -> Result<Done, SessionJournal.ReadError> in
      let lines = MetricRows.lines(buf)
      let prefix = Array(#"{"k":"pm","t":"#.utf8)
      func pmTime(_ r: Range<Int>) -> Seconds? { MetricRows.number(after: prefix, buf, r)?.0 }
      // Thin from the oldest on, as far as brings the file to `target` bytes, keeping the newest
      // `keepNewest` seconds whole.
      var rounds: [(line: Int, t: Seconds, size: Int)] = []
      for (i, r) in lines.enumerated() { if let t = pmTime(r) { rounds.append((i, t, r.count + 1)) } }
      guard let newest = rounds.last?.t else { return .failure(Self.nothingOld) }
      var saved = 0
      var minute = Int.min
      var cut = -1
      for (k, round) in rounds.enumerated() {
        guard round.t < newest - keepNewest, upTo - saved > target else { break }
        let m = Int((round.t / 60).rounded(.down))
        if m == minute { saved += round.size } else { minute = m }
        cut = k
      }
      guard cut >= 0, saved > 0 else { return .failure(Self.nothingOld) }
      let lastThinned = rounds[cut].line
      let before = rounds[cut].t
      guard FileManager.default.createFile(atPath: tmp, contents: nil, attributes: [.posixPermissions: 0o600]),
        let out = FileHandle(forWritingAtPath: tmp)
      else {
        return .failure(SessionJournal.ReadError("cannot create \(tmp)"))
      }
      var chunk = Data()
      minute = Int.min
      do {
        for (i, r) in lines.enumerated() {
          if i <= lastThinned, let t = pmTime(r) {
            // One round a minute: the first of each.
            guard Int((t / 60).rounded(.down)) != minute else { continue }
            minute = Int((t / 60).rounded(.down))
          }
          chunk.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[r]))
          chunk.append(0x0A)
          if chunk.count >= 4 << 20 {
            try out.write(contentsOf: chunk)
            chunk.removeAll(keepingCapacity: true)
          }
        }
        try out.write(contentsOf: chunk)
        try out.synchronize()
        try out.close()
      } catch {
        try? out.close()
        try? FileManager.default.removeItem(atPath: tmp)
        return .failure(SessionJournal.ReadError("cannot write \(tmp) (\(error.localizedDescription))"))
      }
      return .success(
        Done(path: tmp, upTo: upTo, before: before, seconds: ProcessInfo.processInfo.systemUptime - t0))
    }
  }
}
