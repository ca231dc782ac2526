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

  public static func load(path: String) throws -> JournalReader {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SessionJournal.ReadError("\(path): cannot read the file")
    }
    return try JournalReader(data: data, name: path)
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
    for (i, raw) in lines.enumerated() {
      let isLast = i == lines.count - 1
      guard let kind = try? SessionJournal.decoder.decode(Kind.self, from: Data(raw)) else {
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
          let line = try SessionJournal.decoder.decode(SnapLine.self, from: Data(raw))
          records.append(.snapshot(line.t, line.s))
        case "id":
          let line = try SessionJournal.decoder.decode(PodNumber.self, from: Data(raw))
          pods[line.n] = line.id
        case "pm":
          let line = try SessionJournal.decoder.decode(PodMetricsLine.self, from: Data(raw))
          let samples = line.s.compactMap { row -> PodSample? in
            guard row.count >= 3, let n = row[0].map(Int.init), let id = pods[n], let cpu = row[1], let mem = row[2]
            else { return nil }
            return PodSample(
              podID: id, cpuMilli: cpu, memoryBytes: mem, ioBytesPerSec: row.count > 3 ? row[3] : nil,
              networkBytesPerSec: row.count > 4 ? row[4] : nil)
          }
          records.append(.action(line.t, .podMetrics(time: line.t, samples)))
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
    guard records.contains(where: { if case .snapshot = $0 { return true } else { return false } }) else {
      throw SessionJournal.ReadError("\(name): no snapshot in it: nothing to replay from (was the session that short?)")
    }
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
  struct SnapLine: Decodable {
    var t: Seconds
    var s: ClusterSnapshot
  }
  struct NoteLine: Decodable {
    var t: Seconds
    var text: String
  }
  struct PodNumber: Decodable {
    var n: Int
    var id: String
  }
  struct PodMetricsLine: Decodable {
    var t: Seconds
    var s: [[Double?]]
  }
}
