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

  public static func load(path: String) throws -> JournalReader {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SessionJournal.ReadError("\(path): cannot read the file")
    }
    var j = try JournalReader(data: data, name: path)
    j.path = path
    return j
  }

  public init(data: Data, name: String) throws {
    var lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
    guard let first = lines.first else {
      throw SessionJournal.ReadError("\(name): empty: no session was recorded in it")
    }
    guard let h = try? SessionJournal.decoder.decode(SessionJournal.Header.self, from: Data(first)),
      h.format == SessionJournal.format
    else {
      throw SessionJournal.ReadError("\(name): not a chaostui journal (its first line is no chaostui-journal header)")
    }
    guard h.version <= SessionJournal.version else {
      throw SessionJournal.ReadError(
        "\(name): a journal of version \(h.version), newer than this chaostui reads (\(SessionJournal.version)): update chaostui"
      )
    }
    header = h
    lines.removeFirst()
    let endsCleanly = data.last == 0x0A
    var pods: [Int: String] = [:]
    var corrupt = 0
    var unknown: Set<String> = []
    let tickPrefix = Array(#"{"k":"tick","t":"#.utf8)
    let pmPrefix = Array(#"{"k":"pm","#.utf8)
    let wmPrefix = Array(#"{"k":"wm","#.utf8)
    let snapPrefix = Array(#"{"k":"snap","#.utf8)
    let actionPrefix = Array(#"{"a":{"#.utf8)
    for (i, raw) in lines.enumerated() {
      let isLast = i == lines.count - 1
      // The clock's lines, most of a journal, without a decoder.
      if raw.starts(with: tickPrefix), raw.last == UInt8(ascii: "}"),
        let t = Double(String(decoding: raw.dropFirst(tickPrefix.count).dropLast(), as: UTF8.self))
      {
        records.append(.action(t, .tick(t)))
        continue
      }
      // The kind from the line's start where the writer puts it there (a decoder would read the
      // whole line twice); else from the decoded line.
      let kindByPrefix: String? =
        raw.starts(with: pmPrefix)
        ? "pm"
        : raw.starts(with: wmPrefix)
          ? "wm" : raw.starts(with: snapPrefix) ? "snap" : raw.starts(with: actionPrefix) ? "a" : nil
      guard
        let kind = kindByPrefix.map({ Kind(k: $0, t: nil) })
          ?? (try? SessionJournal.decoder.decode(Kind.self, from: Data(raw)))
      else {
        if isLast && !endsCleanly {
          notes.append("the last line was cut short (the session ended abruptly): skipped")
        } else {
          corrupt += 1
        }
        continue
      }
      do {
        switch kind.k {
        case "tick":
          records.append(.action(kind.t ?? 0, .tick(kind.t ?? 0)))
        case "a":
          let line = try SessionJournal.decoder.decode(ActionLine.self, from: Data(raw))
          records.append(.action(line.t, line.a))
        case "snap":
          // Its time from the line's end (`,"t":T}`: keys are sorted), the state decoded when used.
          guard let comma = raw.lastIndex(of: UInt8(ascii: ":")),
            let t = Double(String(decoding: raw[(comma + 1)...].dropLast(), as: UTF8.self))
          else { throw SessionJournal.ReadError("a snapshot without its time") }
          records.append(.snapshot(t, SessionJournal.Snapshot(data: Data(raw))))
        case "id":
          let line = try SessionJournal.decoder.decode(PodNumber.self, from: Data(raw))
          pods[line.n] = line.id
        case "pm", "wm":
          guard let (t, rows) = Self.metricsLine(raw) else {
            throw SessionJournal.ReadError("a metrics line without t and s")
          }
          func v(_ row: [Double?], _ k: Int) -> Double? { k < row.count ? row[k] : nil }
          if kind.k == "pm" {
            let samples = rows.compactMap { row -> PodSample? in
              guard let n = v(row, 0), let id = pods[Int(n)], let cpu = v(row, 1), let kib = v(row, 2) else {
                return nil
              }
              return PodSample(
                podID: id, cpuMilli: cpu, memoryBytes: kib * 1024, ioBytesPerSec: v(row, 3),
                networkBytesPerSec: v(row, 4))
            }
            records.append(.action(t, .podMetrics(time: t, samples)))
          } else {
            let samples = rows.compactMap { row -> WorkloadSample? in
              guard let n = v(row, 0), let id = pods[Int(n)] else { return nil }
              var w = WorkloadSample(
                workloadID: id, cpuMilli: v(row, 1), memoryBytes: v(row, 2).map { $0 * 1024 },
                ioBytesPerSec: v(row, 3), latencyP50Ms: v(row, 4), latencyP99Ms: v(row, 5), lossPercent: v(row, 6),
                errorPercent: v(row, 7), requestsPerSec: v(row, 8))
              w.networkBytesPerSec = v(row, 9)
              return w
            }
            records.append(.action(t, .workloadMetrics(time: t, samples)))
          }
        case "note":
          let line = try SessionJournal.decoder.decode(NoteLine.self, from: Data(raw))
          records.append(.note(line.t, line.text))
        case "exp":
          let line = try SessionJournal.decoder.decode(SessionJournal.ExperimentRecord.self, from: Data(raw))
          records.append(.experiment(line.t, line))
        default:
          unknown.insert(kind.k)
        }
      } catch {
        if isLast && !endsCleanly {
          notes.append("the last line was cut short (the session ended abruptly): skipped")
        } else {
          corrupt += 1
        }
      }
    }
    if corrupt > 0 { notes.append("\(corrupt) unreadable line\(corrupt == 1 ? "" : "s") skipped") }
    if !unknown.isEmpty {
      notes.append("records of kinds this version does not know ignored: " + unknown.sorted().joined(separator: ", "))
    }
    guard let first = records.first(where: { if case .snapshot = $0 { return true } else { return false } }),
      case .snapshot(_, let snap) = first, (try? snap.decode()) != nil
    else {
      throw SessionJournal.ReadError("\(name): no snapshot in it: nothing to replay from (was the session that short?)")
    }
  }

  /// `{"k":"pm","t":T,"s":[[N,v,...],...]}` (or `wm`) read by hand: numbers and `null` only, so no
  /// JSON decoder is needed for the bulk of a journal.
  static func metricsLine(_ raw: Data.SubSequence) -> (Seconds, [[Double?]])? {
    let bytes = Array(raw)
    func find(_ needle: String, from: Int) -> Int? {
      let n = Array(needle.utf8)
      guard bytes.count >= n.count else { return nil }
      var i = from
      while i + n.count <= bytes.count {
        if bytes[i] == n[0] && Array(bytes[i..<i + n.count]) == n { return i + n.count }
        i += 1
      }
      return nil
    }
    func number(_ i: inout Int) -> Double?? {
      let start = i
      while i < bytes.count,
        !(bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "]") || bytes[i] == UInt8(ascii: "}"))
      {
        i += 1
      }
      let text = String(decoding: bytes[start..<i], as: UTF8.self)
      if text == "null" { return .some(nil) }
      guard let v = Double(text) else { return nil }
      return .some(v)
    }
    guard var i = find(#""t":"#, from: 0), let t = number(&i), let time = t, var j = find(#""s":["#, from: i) else {
      return nil
    }
    var rows: [[Double?]] = []
    while j < bytes.count, bytes[j] == UInt8(ascii: "[") {
      j += 1
      var row: [Double?] = []
      while j < bytes.count, bytes[j] != UInt8(ascii: "]") {
        guard let v = number(&j) else { return nil }
        row.append(v)
        if j < bytes.count, bytes[j] == UInt8(ascii: ",") { j += 1 }
      }
      rows.append(row)
      j += 1  // ]
      if j < bytes.count, bytes[j] == UInt8(ascii: ",") { j += 1 }
    }
    return (time, rows)
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
  struct ActionLine: Decodable {
    var t: Seconds
    var a: Action
  }
  struct NoteLine: Decodable {
    var t: Seconds
    var text: String
  }
  struct PodNumber: Decodable {
    var n: Int
    var id: String
  }
}
