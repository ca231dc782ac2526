import ClusterState
import Foundation

/// Reads a journal whole: its header and records, in order. A last line cut short (a crash) is
/// skipped with a note; a line of a kind this version does not know is ignored; a corrupt line in
/// the middle is skipped and counted. Not a journal, empty, or from a newer version: an error in words.
public struct JournalReader: Sendable {
  public var header: SessionJournal.Header
  public var records: [SessionJournal.Record] = []
  /// What the reader skipped or ignored, for the user.
  public var notes: [String] = []
  /// The file it was read from (nil: read from memory).
  public var path: String?

  /// `podMetrics` false: the pods' samples are skipped (what counts incidents and alerts, such as
  /// `chaostui history`, reads a journal several times faster without them).
  public static func load(path: String, podMetrics: Bool = true) throws -> JournalReader {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SessionJournal.ReadError("\(path): cannot read the file")
    }
    var j = try JournalReader(data: data, name: path, podMetrics: podMetrics)
    j.path = path
    return j
  }

  public init(data: Data, name: String, podMetrics: Bool = true) throws {
    guard let h = try data.withUnsafeBytes({ try Self.read(data, $0, name: name, podMetrics: podMetrics) }) else {
      throw SessionJournal.ReadError("\(name): empty: no session was recorded in it")
    }
    self = h
    guard let first = records.first(where: { if case .snapshot = $0 { return true } else { return false } }),
      case .snapshot(_, let snap) = first, (try? snap.decode()) != nil
    else {
      throw SessionJournal.ReadError("\(name): no snapshot in it: nothing to replay from (was the session that short?)")
    }
  }

  private init(header: SessionJournal.Header) { self.header = header }

  private static func read(_ data: Data, _ buf: UnsafeRawBufferPointer, name: String, podMetrics: Bool) throws
    -> JournalReader?
  {
    var lines = MetricRows.lines(buf)
    guard let first = lines.first else { return nil }
    func bytes(_ r: Range<Int>) -> Data { Data(UnsafeRawBufferPointer(rebasing: buf[r])) }
    let h = try header(bytes(first), name: name)
    var j = JournalReader(header: h)
    j.skipPodMetrics = !podMetrics
    lines.removeFirst()
    j.records.reserveCapacity(lines.count)
    j.consume(buf, lines, endsCleanly: buf.last == 0x0A, firstLine: 2)
    return j
  }

  /// The pods' numbers the metrics rows use (`id` records), kept for lines read later.
  var podNumbers: [Int: String] = [:]
  /// The pods' samples are not read.
  var skipPodMetrics = false

  /// More of a journal being written (`chaostui follow`): the complete lines of `data` (after the
  /// header) into `records`; returns how many bytes they took (a line cut short waits for the rest).
  public mutating func append(_ data: Data) -> Int {
    data.withUnsafeBytes { buf in
      var lines = MetricRows.lines(buf)
      guard let last = lines.last else { return 0 }
      if buf.last != 0x0A { lines.removeLast() }
      consume(buf, lines, endsCleanly: true, firstLine: 0)
      return buf.last == 0x0A ? buf.count : last.lowerBound
    }
  }

  /// Record lines into `records`; what cannot be read is counted in a note.
  private mutating func consume(
    _ buf: UnsafeRawBufferPointer, _ lines: [Range<Int>], endsCleanly: Bool, firstLine: Int
  ) {
    func bytes(_ r: Range<Int>) -> Data { Data(UnsafeRawBufferPointer(rebasing: buf[r])) }
    var corrupt = 0
    /// The first unreadable line (its number in the file) and why, for the note.
    var firstCorrupt: (line: Int, why: String)?
    var unknown: Set<String> = []
    let tickPrefix = Array(#"{"k":"tick","t":"#.utf8)
    let pmPrefix = Array(#"{"k":"pm","#.utf8)
    let wmPrefix = Array(#"{"k":"wm","#.utf8)
    let snapPrefix = Array(#"{"k":"snap","#.utf8)
    let actionPrefix = Array(#"{"a":{"#.utf8)
    func starts(_ r: Range<Int>, _ prefix: [UInt8]) -> Bool { MetricRows.starts(buf, r, prefix) }
    for (i, r) in lines.enumerated() {
      let isLast = i == lines.count - 1
      // The clock's lines, most of a journal, without a decoder.
      if buf[r.upperBound - 1] == UInt8(ascii: "}"), let (t, end) = MetricRows.number(after: tickPrefix, buf, r),
        end == r.upperBound - 1
      {
        records.append(.action(t, .tick(t)))
        continue
      }
      if skipPodMetrics && starts(r, pmPrefix) { continue }
      // The kind from the line's start where the writer puts it there (a decoder would read the
      // whole line twice); else from the decoded line.
      let kindByPrefix: String? =
        starts(r, pmPrefix)
        ? "pm" : starts(r, wmPrefix) ? "wm" : starts(r, snapPrefix) ? "snap" : starts(r, actionPrefix) ? "a" : nil
      guard
        let kind = kindByPrefix.map({ Kind(k: $0, t: nil) })
          ?? (try? SessionJournal.decoder.decode(Kind.self, from: bytes(r)))
      else {
        if isLast && !endsCleanly {
          notes.append("the last line was cut short (the session ended abruptly): skipped")
        } else {
          corrupt += 1
          if firstCorrupt == nil { firstCorrupt = (i + firstLine, "not a JSON record") }
        }
        continue
      }
      do {
        if try !add(kind, buf, r) { unknown.insert(kind.k) }
      } catch {
        if isLast && !endsCleanly {
          notes.append("the last line was cut short (the session ended abruptly): skipped")
        } else {
          corrupt += 1
          if firstCorrupt == nil { firstCorrupt = (i + firstLine, "\(Self.kindName(kind.k)): \(Self.why(error))") }
        }
      }
    }
    if corrupt > 0, let (line, why) = firstCorrupt {
      notes.append(
        "\(corrupt) unreadable line\(corrupt == 1 ? "" : "s") skipped (\(corrupt == 1 ? "" : "the first, ")line \(line): \(why))"
      )
    }
    if !unknown.isEmpty {
      notes.append("records of kinds this version does not know ignored: " + unknown.sorted().joined(separator: ", "))
    }
  }

  /// The journal's first line: a chaostui journal of a version this build reads.
  private static func header(_ line: Data, name: String) throws -> SessionJournal.Header {
    guard let h = try? SessionJournal.decoder.decode(SessionJournal.Header.self, from: line),
      h.format == SessionJournal.format
    else {
      throw SessionJournal.ReadError("\(name): not a chaostui journal (its first line is no chaostui-journal header)")
    }
    guard h.version <= SessionJournal.version else {
      throw SessionJournal.ReadError(
        "\(name): a journal of version \(h.version), newer than this chaostui reads (\(SessionJournal.version)): update chaostui"
      )
    }
    return h
  }

  /// One record line into the journal; false for a kind this version does not know.
  private mutating func add(_ kind: Kind, _ buf: UnsafeRawBufferPointer, _ r: Range<Int>) throws -> Bool {
    func bytes(_ r: Range<Int>) -> Data { Data(UnsafeRawBufferPointer(rebasing: buf[r])) }
    switch kind.k {
    case "tick":
      records.append(.action(kind.t ?? 0, .tick(kind.t ?? 0)))
    case "a":
      let line = try SessionJournal.decoder.decode(SessionJournal.ActionRecord.self, from: bytes(r))
      records.append(.action(line.t, line.a))
    case "snap":
      // Its time from the line's end (`,"t":T}`: keys are sorted), the state decoded when used.
      let raw = bytes(r)
      guard let colon = raw.lastIndex(of: UInt8(ascii: ":")),
        let t = Double(String(decoding: raw[(colon + 1)...].dropLast(), as: UTF8.self))
      else { throw SessionJournal.ReadError("a snapshot without its time") }
      records.append(.snapshot(t, SessionJournal.Snapshot(data: raw)))
    case "id":
      let line = try SessionJournal.decoder.decode(SessionJournal.PodNumberRecord.self, from: bytes(r))
      podNumbers[line.n] = line.id
    case "pm", "wm":
      guard let (t, rows) = MetricRows.parse(buf, r) else {
        throw SessionJournal.ReadError("a metrics line without t and s")
      }
      records.append(
        .action(t, kind.k == "pm" ? Self.podMetrics(t, rows, podNumbers) : Self.workloadMetrics(t, rows, podNumbers)))
    case "note":
      let line = try SessionJournal.decoder.decode(SessionJournal.NoteRecord.self, from: bytes(r))
      records.append(.note(line.t, line.text))
    case "exp":
      let line = try SessionJournal.decoder.decode(SessionJournal.ExperimentRecord.self, from: bytes(r))
      records.append(.experiment(line.t, line))
    default:
      return false
    }
    return true
  }

  static func kindName(_ k: String) -> String {
    switch k {
    case "a": "an action"
    case "snap": "a snapshot"
    case "pm", "wm": "a metrics round"
    case "exp": "an experiment's verdict"
    case "id": "a pod's number"
    default: "a \(k) record"
    }
  }

  /// A decoding error in a few words: what was wrong and where in the record.
  static func why(_ error: Error) -> String {
    func path(_ c: DecodingError.Context) -> String {
      let p = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
      return p.isEmpty ? "" : " at \(p)"
    }
    switch error {
    case DecodingError.keyNotFound(let key, let c): return "no \(key.stringValue)\(path(c))"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
      return "\(c.debugDescription.prefix(80))\(path(c))"
    case DecodingError.dataCorrupted(let c): return "\(c.debugDescription.prefix(80))\(path(c))"
    default: return "\(error)".prefix(100).description
    }
  }

  private static func v(_ row: [Double?], _ k: Int) -> Double? { k < row.count ? row[k] : nil }

  private static func podMetrics(_ t: Seconds, _ rows: [[Double?]], _ pods: [Int: String]) -> Action {
    let samples = rows.compactMap { row -> PodSample? in
      guard let n = v(row, 0), let id = pods[Int(n)], let cpu = v(row, 1) else { return nil }
      // No memory figure (`null`): the source had none this round.
      return PodSample(
        podID: id, cpuMilli: cpu, memoryBytes: v(row, 2).map { $0 * 1024 } ?? .nan, ioBytesPerSec: v(row, 3),
        networkBytesPerSec: v(row, 4))
    }
    return .podMetrics(time: t, samples)
  }

  private static func workloadMetrics(_ t: Seconds, _ rows: [[Double?]], _ pods: [Int: String]) -> Action {
    let samples = rows.compactMap { row -> WorkloadSample? in
      guard let n = v(row, 0), let id = pods[Int(n)] else { return nil }
      var w = WorkloadSample(
        workloadID: id, cpuMilli: v(row, 1), memoryBytes: v(row, 2).map { $0 * 1024 },
        ioBytesPerSec: v(row, 3), latencyP50Ms: v(row, 4), latencyP99Ms: v(row, 5), lossPercent: v(row, 6),
        errorPercent: v(row, 7), requestsPerSec: v(row, 8))
      w.networkBytesPerSec = v(row, 9)
      return w
    }
    return .workloadMetrics(time: t, samples)
  }

  /// The recording's first and last times.
  public var span: (start: Seconds, end: Seconds) {
    var lo = Double.infinity
    var hi = -Double.infinity
    for r in records {
      let t: Seconds
      switch r {
      case .snapshot(let at, _), .action(let at, _), .note(let at, _), .experiment(let at, _): t = at
      }
      lo = min(lo, t)
      hi = max(hi, t)
    }
    return lo.isFinite ? (lo, hi) : (0, 0)
  }

  struct Kind: Decodable {
    var k: String
    var t: Seconds?
  }
}
