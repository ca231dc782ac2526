import ClusterState
import Foundation

/// The history as Markdown, JSON and HTML (with the trends as charts), as `report` writes a
/// session's. Every name from a journal (services, alerts, severities) is escaped on its way out.
extension History {
  /// `2026-11-30` for a week's Monday.
  public static func day(_ t: Double) -> String { String(Timestamps.format(t).prefix(10)) }
  static func d(_ s: Seconds?) -> String { s.map(formatDuration) ?? "-" }
  static func pct(_ v: Double?) -> String { v.map { Numbers.share($0) } ?? "-" }

  /// One table: a row a key, a column a week.
  func table(_ title: String, rows: [String], cell: (Week, String) -> String) -> [String] {
    let md = Sanitize.markdown
    var out = ["", "## " + title, ""]
    out.append("| | " + weeks.map { Self.day($0.start) }.joined(separator: " | ") + " |")
    out.append("| --- |" + String(repeating: " --- |", count: weeks.count))
    if rows.isEmpty { out.append("| none |" + String(repeating: " |", count: weeks.count)) }
    for r in rows { out.append("| \(md(r)) | " + weeks.map { cell($0, r) }.joined(separator: " | ") + " |") }
    return out
  }

  /// The tables of the weeks after, by week and service.
  public func markdown() -> [String] {
    let md = Sanitize.markdown
    var out = [
      "# chaostui history: \(sessions) session\(sessions == 1 ? "" : "s") over \(weeks.count) week\(weeks.count == 1 ? "" : "s")",
      "",
      "Weeks start on Monday 00:00 UTC; an alert or incident counts in the week it started. Resilience: the share of hypotheses held and of incidents recovered within \(formatDuration(target)).",
    ]
    out += table("Sessions and resilience", rows: ["sessions", "hypotheses held", "recovered within target"]) { w, r in
      switch r {
      case "sessions": return "\(w.sessions)"
      case "hypotheses held": return Self.pct(w.heldShare)
      default: return Self.pct(w.recoveredShare)
      }
    }
    let svcs = services
    out += table("Alerts by service", rows: svcs) { w, s in "\(w.services[s]?.alerts ?? 0)" }
    out += table("Time to resolution of alerts by service (mean)", rows: svcs) { w, s in
      Self.d(w.services[s]?.meanResolution)
    }
    out += table("Noisy alerts by service (resolved by themselves within 5 min, no incident)", rows: svcs) { w, s in
      "\(w.services[s]?.noisy ?? 0)"
    }
    out += table("Incidents by SEV level", rows: severities) { w, sev in "\(w.severities[sev] ?? 0)" }
    out += table("SEVs by service", rows: svcs) { w, s in
      let sevs = w.services[s]?.sevs ?? [:]
      return sevs.isEmpty ? "0" : sevs.keys.sorted().map { "\(md($0)) \(sevs[$0]!)" }.joined(separator: ", ")
    }
    out += table("MTTD / MTTR / MTBF of SEVs by service", rows: svcs) { w, s in
      let f = w.services[s]
      return "\(Self.d(f?.mttd)) / \(Self.d(f?.mttr)) / \(Self.d(w.mtbf(s)))"
    }
    out += ["", "## Top 20 alerts a week, by service"]
    for w in weeks where w.alerts > 0 {
      out += ["", "### Week of \(Self.day(w.start))", ""]
      for s in w.services.keys.sorted() {
        let top = w.services[s]!.topAlerts
        if top.isEmpty { continue }
        out.append("- \(md(s)): " + top.map { "\(md($0.name)) \($0.count)" }.joined(separator: ", "))
      }
    }
    if !problems.isEmpty { out += ["", "## Journals not read", ""] + problems.map { "- " + md($0) } }
    return out
  }

  public func json() -> Data {
    let root: [String: Any] = [
      "format": "chaostui-history", "version": 1, "sessions": sessions, "target": target,
      "weeks": weeks.map { w -> [String: Any] in
        [
          "week": Self.day(w.start), "sessions": w.sessions, "observed": w.observed, "incidents": w.incidents,
          "recovered_within_target": w.recoveredWithinTarget, "hypotheses_held": w.hypothesesHeld,
          "hypotheses": w.hypothesesTotal, "severities": w.severities,
          "services": w.services.mapValues { s -> [String: Any] in
            [
              "alerts": s.alerts, "noisy": s.noisy, "mean_resolution": s.meanResolution ?? NSNull(),
              "top_alerts": s.topAlerts.map { ["name": $0.name, "count": $0.count] }, "sevs": s.sevs,
              "mttd": s.mttd ?? NSNull(), "mttr": s.mttr ?? NSNull(), "failures": s.failures,
            ]
          },
        ]
      },
      "problems": problems,
    ]
    return (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
  }

  public func html() -> String {
    let esc = SessionReport.esc
    var h = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>chaostui history</title>
      <style>
      body{font-family:system-ui,sans-serif;margin:2em;color:#1b1f24;max-width:1200px}
      table{border-collapse:collapse;margin:.6em 0} td,th{border:1px solid #ccc;padding:.25em .6em;font-size:.9em}
      th{background:#f3f4f6} svg{background:#fff;border:1px solid #ddd;margin:.3em 1em .3em 0} .muted{color:#6e7781}
      </style></head><body>
      <h1>chaostui history</h1>
      <p class="muted">\(sessions) sessions over \(weeks.count) weeks; weeks start on Monday 00:00 UTC.</p>

      """
    h += "<h2>Trends</h2>\n"
    h += trend("Alerts a week", weeks.map { Double($0.alerts) }, unit: "")
    h += trend("Incidents a week", weeks.map { Double($0.incidents) }, unit: "")
    h += trend("Hypotheses held", weeks.map { $0.heldShare.map { $0 * 100 } ?? .nan }, unit: "%")
    h += trend(
      "Recovered within \(formatDuration(target))", weeks.map { $0.recoveredShare.map { $0 * 100 } ?? .nan }, unit: "%")
    // The tables, from the Markdown's (one source of the figures).
    var inTable = false
    for line in markdown().dropFirst(3) {
      if line.hasPrefix("## ") || line.hasPrefix("### ") {
        if inTable { h += "</table>\n" }
        inTable = false
        let level = line.hasPrefix("### ") ? "h3" : "h2"
        h += "<\(level)>\(esc(Self.unmarkdown(String(line.drop { $0 == "#" || $0 == " " }))))</\(level)>\n"
      } else if line.hasPrefix("| --- ") {
        continue
      } else if line.hasPrefix("|") {
        if !inTable { h += "<table>\n" }
        inTable = true
        let cells = line.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
        h +=
          "<tr>"
          + cells.map { "<td>\(esc(Self.unmarkdown(String($0).trimmingCharacters(in: .whitespaces))))</td>" }.joined()
          + "</tr>\n"
      } else if line.hasPrefix("- ") {
        h += "<p>\(esc(Self.unmarkdown(String(line.dropFirst(2)))))</p>\n"
      }
    }
    if inTable { h += "</table>\n" }
    return h + "</body></html>\n"
  }

  /// Markdown's escapes taken off again (the HTML escapes the text itself).
  static func unmarkdown(_ s: String) -> String {
    var out = ""
    var escaped = false
    for c in s {
      if !escaped && c == "\\" {
        escaped = true
        continue
      }
      escaped = false
      out.append(c)
    }
    return out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
      .replacingOccurrences(of: "&amp;", with: "&")
  }

  /// A week-by-week line chart (a gap where there is nothing to say).
  func trend(_ label: String, _ values: [Double], unit: String) -> String {
    let w = 360.0
    let hgt = 140.0
    let top = max(1, values.filter { !$0.isNaN }.max() ?? 1)
    let n = max(1, values.count - 1)
    var path = ""
    var pen = false
    for (i, v) in values.enumerated() {
      guard !v.isNaN else {
        pen = false
        continue
      }
      let x = 40 + (w - 50) * Double(i) / Double(n)
      let y = hgt - 20 - (hgt - 40) * v / top
      path += (pen ? " L" : " M") + String(format: "%.1f %.1f", x, y)
      pen = true
    }
    return """
      <svg width="\(Int(w))" height="\(Int(hgt))" role="img" aria-label="\(SessionReport.esc(label))"><text x="8" y="16" font-size="12">\(SessionReport.esc(label)) (max \(Numbers.one(top))\(unit))</text><path d="\(path)" fill="none" stroke="#0969da" stroke-width="2"/><line x1="40" y1="\(Int(hgt - 20))" x2="\(Int(w - 10))" y2="\(Int(hgt - 20))" stroke="#999"/></svg>

      """
  }
}
