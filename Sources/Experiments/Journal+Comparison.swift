import ClusterState
import Foundation

extension Journal {
  /// The tests of control against experimental, for the run's journal: each with its numbers.
  static func comparisonJSON(_ stats: GroupStatistics) -> [String: Any] {
    func num(_ v: Double?) -> Any { v.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull() }
    return [
      "block_seconds": GroupStatistics.blockSeconds, "minimum_blocks": GroupStatistics.minimumBlocks,
      "confidence": 1 - GroupStatistics.alpha, "correction": "holm",
      "tests": stats.tests.map { t -> [String: Any] in
        [
          "workload": t.workload, "figure": t.figure.rawValue, "test": t.test, "n": t.n,
          "direction": t.direction.rawValue, "shift": num(t.shift), "lower": num(t.lower), "upper": num(t.upper),
          "p": num(t.p), "p_holm": num(t.adjusted), "effect": num(t.effect), "spread_p": num(t.spreadP),
          "from_baseline": ["experimental": num(t.fromBaseline[0]), "control": num(t.fromBaseline[1])],
          "constant": t.constant, "note": t.note.map { $0 as Any } ?? NSNull(),
        ]
      },
    ]
  }

  /// The tests as a Markdown table (workload names come from the cluster: escaped).
  static func comparisonMarkdown(_ stats: GroupStatistics) -> [String] {
    let md = Sanitize.markdown
    var out = [
      "", "## Control against experimental",
      "",
      "Means of \(GroupStatistics.blockSeconds) s blocks; 95%, Holm-corrected over the figures that varied; "
        + "\(GroupStatistics.minimumBlocks) blocks a group needed.",
      "", "| workload | figure | answer | shift [95% interval] | test | n | p (Holm) | effect |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in stats.tests {
      let p = t.adjusted.map { GroupStatistics.Test.pText($0) } ?? t.p.map { GroupStatistics.Test.pText($0) } ?? "-"
      let effect = t.effect.map { GroupStatistics.Test.signed(($0 * 100).rounded() / 100) } ?? "-"
      let answer = t.direction == .insufficient ? "insufficient data: " + (t.note ?? "") : t.direction.rawValue
      out.append(
        "| \(md(t.workload)) | \(t.figure.rawValue) | \(md(answer)) | \(md(t.shiftText ?? "-")) | \(md(t.test)) | "
          + "\(t.n.map(String.init).joined(separator: "/")) | \(p) | \(effect) |")
    }
    return out
  }
}
