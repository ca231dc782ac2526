import ClusterState
import Foundation

// An experiment's comparison of control and experimental in the session report: the tests, and for
// latencies, CPU and Ready both groups' block means drawn side by side.
extension SessionReport {
  static func number(_ v: Double?) -> String {
    guard let v else { return "-" }
    return abs(v) >= 100 ? String(Int(v.rounded())) : String(format: "%.1f", v)
  }

  static func pText(_ p: Double?) -> String {
    guard let p else { return "-" }
    return p < 0.001 ? "<0.001" : String(format: "%.3g", p)
  }

  static func shiftText(_ t: SessionJournal.ExperimentRecord.Test) -> String {
    guard let s = t.shift else { return "-" }
    var text = (s > 0 ? "+" : "") + number(s) + " " + t.unit
    if let lo = t.lower, let hi = t.upper { text += " [\(number(lo)), \(number(hi))]" }
    return text
  }

  /// An experiment's error budget in words: the share spent, and by incident.
  static func budgetText(_ b: SessionJournal.ExperimentRecord.Budget) -> String {
    guard let spent = b.spent else { return "Error budget of \(b.slo): no traffic seen." }
    var text =
      "Error budget of \(b.slo): \(Numbers.share(spent)) spent (\(number(b.badEvents)) of \(number(b.allowed)) failed requests allowed)"
    let per = b.incidents.filter { $0.count == 2 }.map { "#\(Int($0[0])) \(Numbers.share($0[1]))" }
    if !per.isEmpty { text += "; by incident: " + per.joined(separator: ", ") }
    return text + "."
  }

  static func budgetJSON(_ b: SessionJournal.ExperimentRecord.Budget) -> Any {
    let spent: Any = b.spent.map { $0 as Any } ?? NSNull()
    let incidents: [[String: Double]] = b.incidents.filter { $0.count == 2 }.map {
      ["incident": $0[0], "spent": $0[1]]
    }
    return ["slo": b.slo, "spent": spent, "bad_events": b.badEvents, "allowed": b.allowed, "incidents": incidents]
  }

  /// What the session's experiments spent of each SLO's budget, in all.
  var budgetBySLO: [(slo: String, spent: Double)] {
    var sum: [String: Double] = [:]
    for e in experiments { if let b = e.budget, let s = b.spent { sum[b.slo, default: 0] += s } }
    return sum.keys.sorted().map { ($0, sum[$0]!) }
  }

  /// The tests as Markdown rows (every string from a cluster escaped).
  static func comparisonMarkdown(_ e: SessionJournal.ExperimentRecord) -> [String] {
    let md = Sanitize.markdown
    var out: [String] = []
    if let u = e.unexpected, !u.isEmpty { out += ["Unexpected:", ""] + u.map { "- " + md($0) } + [""] }
    if let check = e.groupsCheck { out += [md(check), ""] }
    if let b = e.budget { out += [md(budgetText(b)), ""] }
    guard let tests = e.comparison, !tests.isEmpty else { return out }
    out += [
      "| workload | figure | answer | shift [95%] | test | n | p (Holm) |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in tests {
      out.append(
        "| \(md(t.workload)) | \(md(t.figure)) | \(md(t.direction)) | \(md(shiftText(t))) | \(md(t.test)) | "
          + "\(t.n.map(String.init).joined(separator: "/")) | \(pText(t.pHolm ?? t.p)) |")
    }
    return out + [""]
  }

  /// The tests as an HTML table, then a drawing a figure of both groups' block means.
  static func comparisonHTML(_ e: SessionJournal.ExperimentRecord) -> String {
    var h = ""
    if let u = e.unexpected, !u.isEmpty {
      h += "<p class=\"bad\">Unexpected:</p>\n<ul class=\"unexpected\">\n"
      for x in u { h += "<li>\(esc(x))</li>\n" }
      h += "</ul>\n"
    }
    if let check = e.groupsCheck { h += "<p class=\"muted\">\(esc(check))</p>\n" }
    if let b = e.budget { h += "<p class=\"budget\">\(esc(budgetText(b)))</p>\n" }
    guard let tests = e.comparison, !tests.isEmpty else { return h }
    h +=
      "<table class=\"comparison\"><tr><th>workload</th><th>figure</th><th>answer</th><th>shift [95%]</th><th>test</th><th>n</th><th>p (Holm)</th></tr>\n"
    for t in tests {
      let differs = t.direction == "higher" || t.direction == "lower"
      h +=
        "<tr><td>\(esc(t.workload))</td><td>\(esc(t.figure))</td><td class=\"\(differs ? "bad" : "")\">\(esc(t.direction))</td><td>\(esc(shiftText(t)))</td><td>\(esc(t.test))</td><td>\(t.n.map(String.init).joined(separator: "/"))</td><td>\(pText(t.pHolm ?? t.p))</td></tr>\n"
    }
    h += "</table>\n<div>\n"
    for t in tests {
      guard let a = t.experimental, let b = t.control, !a.isEmpty, !b.isEmpty else { continue }
      h += distributions(t, a, b) + "\n"
    }
    return h + "</div>\n"
  }

  /// Both groups' block means side by side: each block a dot, the box from the lower to the upper
  /// quartile, the median a line.
  static func distributions(_ t: SessionJournal.ExperimentRecord.Test, _ a: [Double], _ b: [Double]) -> String {
    let w = 260.0
    let hgt = 170.0
    let lo = min(a.min()!, b.min()!)
    let hi = max(a.max()!, b.max()!)
    let span = hi - lo > 0 ? hi - lo : max(1, abs(hi))
    func y(_ v: Double) -> Double { 20 + (hgt - 55) * (1 - (v - (hi - lo > 0 ? lo : lo - span / 2)) / span) }
    func quartiles(_ v: [Double]) -> (Double, Double, Double) {
      let s = v.sorted()
      func q(_ p: Double) -> Double {
        let x = p * Double(s.count - 1)
        let i = Int(x)
        return i + 1 < s.count ? s[i] + (s[i + 1] - s[i]) * (x - Double(i)) : s[i]
      }
      return (q(0.25), q(0.5), q(0.75))
    }
    var s =
      "<svg class=\"distribution\" data-figure=\"\(esc(t.figure))\" data-workload=\"\(esc(t.workload))\" width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\">"
    s += "<text x=\"6\" y=\"14\" font-size=\"11\">\(esc(t.workload)) \(esc(t.figure)) (\(esc(t.unit)))</text>"
    for (k, (label, values, colour)) in [("experimental", a, "#cf222e"), ("control", b, "#0969da")].enumerated() {
      let cx = 90.0 + Double(k) * 110
      let (q1, med, q3) = quartiles(values)
      s +=
        "<rect class=\"box\" x=\"\(cx - 22)\" y=\"\(String(format: "%.1f", y(q3)))\" width=\"44\" height=\"\(String(format: "%.1f", max(1, y(q1) - y(q3))))\" fill=\"\(colour)\" fill-opacity=\"0.12\" stroke=\"\(colour)\"/>"
      s +=
        "<line class=\"median\" x1=\"\(cx - 22)\" x2=\"\(cx + 22)\" y1=\"\(String(format: "%.1f", y(med)))\" y2=\"\(String(format: "%.1f", y(med)))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
      for (i, v) in values.enumerated() {
        // A fixed spread across the box, so the drawing is the same every time.
        let dx = Double((i * 7919) % 31) - 15
        s +=
          "<circle cx=\"\(String(format: "%.1f", cx + dx))\" cy=\"\(String(format: "%.1f", y(v)))\" r=\"2\" fill=\"\(colour)\" fill-opacity=\"0.6\"/>"
      }
      s +=
        "<text x=\"\(cx - 30)\" y=\"\(hgt - 20)\" font-size=\"10\" fill=\"#6e7781\">\(label) (\(values.count))</text>"
    }
    s += "<text x=\"6\" y=\"30\" font-size=\"10\" fill=\"#6e7781\">\(esc(number(hi)))</text>"
    s += "<text x=\"6\" y=\"\(Int(hgt - 36))\" font-size=\"10\" fill=\"#6e7781\">\(esc(number(lo)))</text>"
    s += "<text x=\"6\" y=\"\(Int(hgt - 5))\" font-size=\"10\">\(esc(t.direction)) \(esc(shiftText(t)))</text>"
    return s + "</svg>"
  }
}
