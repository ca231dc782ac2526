import ClusterState
import Foundation

/// Two recorded sessions side by side, for "did we get better since last quarter": MTTD, MTTR and
/// MTBF overall and by service, each with the difference (B - A), and each session's experiments
/// with their verdicts.
public struct SessionComparison: Sendable {
  public var a: SessionReport
  public var b: SessionReport

  public init(_ a: SessionReport, _ b: SessionReport) {
    self.a = a
    self.b = b
  }

  public struct Row: Sendable, Equatable {
    public var service: String
    public var a: SessionReport.ServiceFigures?
    public var b: SessionReport.ServiceFigures?
  }

  /// Every service of either session, with its figures in each.
  public var rows: [Row] {
    let byA = Dictionary(uniqueKeysWithValues: a.byService.map { ($0.service, $0) })
    let byB = Dictionary(uniqueKeysWithValues: b.byService.map { ($0.service, $0) })
    return Set(byA.keys).union(byB.keys).sorted().map { Row(service: $0, a: byA[$0], b: byB[$0]) }
  }

  /// `B - A` in words: `-3.2s` is better for a time to detect or recover, worse for MTBF.
  public static func delta(_ x: Seconds?, _ y: Seconds?) -> String {
    guard let x, let y else { return "-" }
    let d = y - x
    return abs(d) < 0.05 ? "=" : (d > 0 ? "+" : "-") + formatDuration(abs(d))
  }

  static func d(_ s: Seconds?) -> String { s.map(formatDuration) ?? "-" }

  public func markdown() -> String {
    let md = Sanitize.markdown
    let sa = a.final.summary
    let sb = b.final.summary
    var out = [
      "# \(md(a.title)) vs \(md(b.title))", "",
      "A: started \(a.startedText), \(formatDuration(a.length)) recorded. B: started \(b.startedText), \(formatDuration(b.length)) recorded.",
      "", "| | A | B | B - A |", "| --- | --- | --- | --- |",
      "| incidents | \(sa.incidents) | \(sb.incidents) | \(sb.incidents - sa.incidents) |",
      "| MTTD | \(Self.d(sa.meanTTD)) | \(Self.d(sb.meanTTD)) | \(Self.delta(sa.meanTTD, sb.meanTTD)) |",
      "| MTTR | \(Self.d(sa.meanTTR)) | \(Self.d(sb.meanTTR)) | \(Self.delta(sa.meanTTR, sb.meanTTR)) |",
      "", "## By service", "",
      "| service | incidents A / B | MTTD A / B (B - A) | MTTR A / B (B - A) | MTBF A / B (B - A) |",
      "| --- | --- | --- | --- | --- |",
    ]
    for r in rows {
      out.append(
        "| \(md(r.service)) | \(r.a?.incidents ?? 0) / \(r.b?.incidents ?? 0) | \(Self.d(r.a?.mttd)) / \(Self.d(r.b?.mttd)) (\(Self.delta(r.a?.mttd, r.b?.mttd))) | \(Self.d(r.a?.mttr)) / \(Self.d(r.b?.mttr)) (\(Self.delta(r.a?.mttr, r.b?.mttr))) | \(Self.d(r.a?.mtbf)) / \(Self.d(r.b?.mtbf)) (\(Self.delta(r.a?.mtbf, r.b?.mtbf))) |"
      )
    }
    out += ["", "## Experiments", ""]
    for (label, r) in [("A", a), ("B", b)] {
      if r.experiments.isEmpty { out.append("- \(label): none") }
      for e in r.experiments { out.append("- \(label): \(md(e.title)): \(md(e.verdict))") }
    }
    return out.joined(separator: "\n") + "\n"
  }

  public func json() -> Data {
    func figures(_ f: SessionReport.ServiceFigures?) -> Any {
      guard let f else { return NSNull() }
      var d: [String: Any] = ["incidents": f.incidents]
      if let v = f.mttd { d["mttd"] = v }
      if let v = f.mttr { d["mttr"] = v }
      if let v = f.mtbf { d["mtbf"] = v }
      return d
    }
    let root: [String: Any] = [
      "format": "chaostui-comparison", "version": 1, "a": a.summaryJSON, "b": b.summaryJSON,
      "by_service": rows.map { ["service": $0.service, "a": figures($0.a), "b": figures($0.b)] },
      "experiments": [
        "a": a.experiments.map { ["title": $0.title, "verdict": $0.verdict] },
        "b": b.experiments.map { ["title": $0.title, "verdict": $0.verdict] },
      ],
    ]
    return (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
  }

  public func html() -> String {
    let md = markdown()
    var h =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(SessionReport.esc(a.title)) vs \(SessionReport.esc(b.title))</title><style>body{font-family:system-ui,sans-serif;margin:2em} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.25em .6em}</style></head><body>\n"
    // The Markdown's tables as HTML tables, its lines as paragraphs.
    var inTable = false
    for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("|") {
        if line.contains("| --- ") { continue }
        if !inTable {
          h += "<table>\n"
          inTable = true
        }
        let cells = line.split(separator: "|").map { SessionReport.esc($0.trimmingCharacters(in: .whitespaces)) }
        h += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        continue
      }
      if inTable {
        h += "</table>\n"
        inTable = false
      }
      if line.hasPrefix("# ") {
        h += "<h1>\(SessionReport.esc(String(line.dropFirst(2))))</h1>\n"
      } else if line.hasPrefix("## ") {
        h += "<h2>\(SessionReport.esc(String(line.dropFirst(3))))</h2>\n"
      } else if line.hasPrefix("- ") {
        h += "<p>\(SessionReport.esc(String(line.dropFirst(2))))</p>\n"
      } else if !line.isEmpty {
        h += "<p>\(SessionReport.esc(String(line)))</p>\n"
      }
    }
    if inTable { h += "</table>\n" }
    return h + "</body></html>\n"
  }
}
