import ClusterState
import Foundation

// A session report as Markdown, JSON and one self-contained HTML file (inline SVG charts, no
// scripts, no fonts or styles from elsewhere; prints on A4).
extension SessionReport {
  static func d(_ s: Seconds?) -> String { s.map(formatDuration) ?? "-" }
  static func at(_ t: Seconds) -> String { "+" + formatDuration(max(0, t)) }

  public var title: String { header.title ?? "chaostui session on \(header.context)" }

  public var startedText: String { Timestamps.format(header.started) }

  // MARK: - Markdown

  public func markdown() -> String {
    // Every name and message here may come from a cluster: escaped for Markdown and HTML, one line.
    let md = Sanitize.markdown
    let sum = final.summary
    var out = ["# \(md(title))", ""]
    out.append(
      "Started \(startedText), \(formatDuration(length)) recorded, context \(md(header.context))"
        + (header.isDemo ? " (the demo cluster)" : "") + ".")
    out += [
      "", "| incidents | recovered | no impact | MTTD | MTTM | MTTR (mean) | MTTR (max) |",
      "| --- | --- | --- | --- | --- | --- |",
      "| \(sum.incidents) | \(sum.recovered) | \(sum.noImpact) | \(Self.d(sum.meanTTD)) | \(Self.d(sum.meanTTM)) | \(Self.d(sum.meanTTR)) | \(Self.d(sum.maxTTR)) |",
    ]
    out += ["", "## By service", "", "| service | incidents | MTTD | MTTR | MTBF |", "| --- | --- | --- | --- | --- |"]
    for s in byService {
      out.append("| \(md(s.service)) | \(s.incidents) | \(Self.d(s.mttd)) | \(Self.d(s.mttr)) | \(Self.d(s.mtbf)) |")
    }
    out += [
      "", "## Incidents", "",
      "| # | fault | injected | TTD | TTM | TTR | detected by | severity | overlaps |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i in incidents {
      out.append(
        "| \(i.id) | \(md(i.title)) | \(Self.at(i.injected - start)) | \(Self.d(i.ttd)) | \(Self.d(i.ttm)) | \(Self.d(i.ttr)) | \(md(i.detectedBy ?? "-")) | \(md(severity(i))) | \(i.overlaps.map { "#\($0)" }.joined(separator: ", ")) |"
      )
    }
    for i in incidents {
      out += ["", "### #\(i.id) \(md(i.title))", ""]
      out += timeline(of: i).map { "- \(Self.at($0.time - start)) \(md($0.text))" }
    }
    out += ["", "## Incidents by severity", ""] + incidentsBySeverity.map { "- \(md($0.severity)): \($0.count)" }
    out += ["", "## Alerts", ""]
    if alerts.isEmpty {
      out.append("No alert fired" + (header.isDemo ? " (the demo has no Prometheus)." : "."))
    } else {
      out += ["| service | alerts | mean time to resolution | noisy |", "| --- | --- | --- | --- |"]
      for a in alertsByService {
        out.append("| \(md(a.service)) | \(a.count) | \(Self.d(a.meanResolution)) | \(a.noisy) |")
      }
      out += [
        "",
        "Most frequent: " + mostFrequentAlerts.prefix(5).map { "\(md($0.name)) (\($0.count))" }.joined(separator: ", "),
      ]
    }
    if !experiments.isEmpty {
      out += ["", "## Experiments", ""]
      for (slo, spent) in budgetBySLO {
        out += ["Error budget of \(md(slo)) spent by this session's experiments: \(Numbers.share(spent)).", ""]
      }
      for e in experiments {
        out += ["### \(md(e.title))", "", "**Verdict: \(md(e.verdict))**", ""]
        out += e.hypotheses.map {
          "- \(md($0.status)): \(md($0.name))" + ($0.evidence.isEmpty ? "" : " (\(md($0.evidence)))")
        }
        out.append("")
        out += Self.comparisonMarkdown(e)
      }
    }
    out += debriefMarkdown()
    out += ["", "## Who did what", ""] + audit.map { "- \(Self.at($0.t - start)) \(md($0.who)): \(md($0.what))" }
    if !notes.isEmpty { out += ["", "## Notes on the journal", ""] + notes.map { "- " + md($0) } }
    return out.joined(separator: "\n") + "\n"
  }

  // MARK: - JSON

  public var summaryJSON: [String: Any] {
    let sum = final.summary
    var d: [String: Any] = ["incidents": sum.incidents, "recovered": sum.recovered, "no_impact": sum.noImpact]
    if let v = sum.meanTTD { d["mttd"] = v }
    if let v = sum.meanTTR { d["mttr"] = v }
    if let v = sum.meanTTM { d["mttm"] = v }
    if let v = sum.maxTTR { d["max_ttr"] = v }
    return d
  }

  public func json() -> Data {
    func incident(_ i: Incident) -> [String: Any] {
      var d: [String: Any] = [
        "id": i.id, "title": i.title, "injected": i.injected - start, "status": i.status.rawValue,
        "severity": severity(i), "workloads": i.workloads, "overlaps": i.overlaps,
        "timeline": timeline(of: i).map { ["t": $0.time - start, "text": $0.text] },
      ]
      if let v = i.ttd { d["ttd"] = v }
      if let v = i.ttr { d["ttr"] = v }
      if let v = i.ttm { d["ttm"] = v }
      if let v = i.detectedBy { d["detected_by"] = v }
      return d
    }
    var root: [String: Any] = [
      "format": "chaostui-report", "version": 1, "title": title, "started": startedText, "length": length,
      "context": header.context, "demo": header.isDemo,
      "summary": summaryJSON,
      "by_service": byService.map { s -> [String: Any] in
        var d: [String: Any] = ["service": s.service, "incidents": s.incidents]
        if let v = s.mttd { d["mttd"] = v }
        if let v = s.mttr { d["mttr"] = v }
        if let v = s.mtbf { d["mtbf"] = v }
        return d
      },
      "incidents": incidents.map(incident),
      "alerts": alerts.map { a -> [String: Any] in
        var d: [String: Any] = [
          "name": a.name, "service": a.service, "severity": a.severity, "fired": a.fired - start, "noisy": isNoisy(a),
        ]
        if let r = a.resolved { d["resolved"] = r - start }
        return d
      },
      "experiments": experiments.map { e -> [String: Any] in
        [
          "title": e.title, "verdict": e.verdict, "passed": e.passed,
          "hypotheses": e.hypotheses.map { ["name": $0.name, "status": $0.status, "evidence": $0.evidence] },
          "comparison": e.comparison.flatMap { c in
            (try? JSONEncoder().encode(c)).flatMap { try? JSONSerialization.jsonObject(with: $0) }
          } ?? NSNull(),
          "groups_check": e.groupsCheck ?? NSNull(),
          "budget": e.budget.map(Self.budgetJSON) ?? NSNull(),
        ]
      },
      "audit": audit.map { ["t": $0.t - start, "who": $0.who, "what": $0.what] },
    ]
    root["notes"] = notes
    root["debrief"] = debriefJSON
    return (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
  }

  // MARK: - HTML

  /// Text for HTML: controls and invisible bidi/zero-width characters made visible (the file may
  /// be read in a terminal too), then `& < > "` as entities.
  public static func esc(_ s: String) -> String {
    Sanitize.line(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  public func html() -> String {
    let sum = final.summary
    var h = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>\(Self.esc(title))</title>
      <style>
      body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#1b1f24;max-width:1100px}
      h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd}
      table{border-collapse:collapse;margin:.6em 0} td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.92em}
      th{background:#f3f4f6} .fig{display:inline-block;margin:.3em 1.2em .3em 0} .fig b{font-size:1.5em;display:block}
      .ok{color:#1a7f37} .bad{color:#cf222e} svg{background:#fff;border:1px solid #ddd;margin:.3em 0}
      .muted{color:#6e7781} @media print{body{margin:1cm} h2{page-break-after:avoid} svg,table{page-break-inside:avoid}}
      </style></head><body>
      <h1>\(Self.esc(title))</h1>
      <p class="muted">Started \(startedText), \(formatDuration(length)) recorded, context <code>\(Self.esc(header.context))</code>\(header.isDemo ? " (the demo cluster)" : "").</p>
      <div>
      <span class="fig"><b id="incidents">\(sum.incidents)</b>incidents</span>
      <span class="fig"><b>\(sum.recovered)</b>recovered</span>
      <span class="fig"><b id="mttd">\(Self.d(sum.meanTTD))</b>MTTD</span>
      <span class="fig"><b id="mttm">\(Self.d(sum.meanTTM))</b>MTTM</span>
      <span class="fig"><b id="mttr">\(Self.d(sum.meanTTR))</b>MTTR (mean)</span>
      <span class="fig"><b>\(Self.d(sum.maxTTR))</b>MTTR (max)</span>
      </div>

      """
    h += htmlCharts() + htmlIncidents() + htmlAlertsAndExperiments() + debriefHTML()
    h += "<h2>Who did what</h2>\n<ul>\n"
    for a in audit { h += "<li>\(Self.at(a.t - start)) \(Self.esc(a.who)): \(Self.esc(a.what))</li>\n" }
    h += "</ul>\n"
    if !notes.isEmpty { h += "<p class=\"muted\">Journal: \(Self.esc(notes.joined(separator: "; ")))</p>\n" }
    h += "</body></html>\n"
    return h
  }

  /// The charts over the session, a charted workload each.
  func htmlCharts() -> String {
    var h = ""
    h +=
      "<h2>Over the session</h2>\n<p class=\"muted\">Fault windows shaded, incidents marked (red: detected, green: recovered).</p>\n"
    for w in chartOrder {
      let points = series[w] ?? []
      h += "<h3>\(Self.esc(w))</h3>\n"
      for (label, unit, pick) in [
        ("p99 latency", "ms", \Point.p99), ("error rate", "%", \Point.errors), ("Ready replicas", "", \Point.ready),
        ("CPU", "m", \Point.cpu),
      ] as [(String, String, KeyPath<Point, Double?>)] {
        let values = points.compactMap { p in p[keyPath: pick].map { (p.t, $0) } }
        guard !values.isEmpty else { continue }
        h += chart(label: label, unit: unit, values: values, workload: w) + "\n"
      }
    }
    return h
  }

  /// By service, the incidents, and each incident's timeline.
  func htmlIncidents() -> String {
    var h = ""
    h +=
      "<h2>By service</h2>\n<table><tr><th>service</th><th>incidents</th><th>MTTD</th><th>MTTR</th><th>MTBF</th></tr>\n"
    for s in byService {
      h +=
        "<tr><td>\(Self.esc(s.service))</td><td>\(s.incidents)</td><td>\(Self.d(s.mttd))</td><td>\(Self.d(s.mttr))</td><td>\(Self.d(s.mtbf))</td></tr>\n"
    }
    h +=
      "</table>\n<h2>Incidents</h2>\n<table><tr><th>#</th><th>fault</th><th>injected</th><th>TTD</th><th>TTM</th><th>TTR</th><th>detected by</th><th>severity</th><th>overlaps</th></tr>\n"
    for i in incidents {
      h +=
        "<tr><td>\(i.id)</td><td>\(Self.esc(i.title))</td><td>\(Self.at(i.injected - start))</td><td>\(Self.d(i.ttd))</td><td>\(Self.d(i.ttm))</td><td class=\"\(i.ttr == nil ? "bad" : "ok")\">\(Self.d(i.ttr))</td><td>\(Self.esc(i.detectedBy ?? "-"))</td><td>\(severity(i))</td><td>\(i.overlaps.map { "#\($0)" }.joined(separator: ", "))</td></tr>\n"
    }
    h += "</table>\n"
    for i in incidents {
      h += "<h3>#\(i.id) \(Self.esc(i.title))</h3>\n<ul>\n"
      for e in timeline(of: i) { h += "<li>\(Self.at(e.time - start)) \(Self.esc(e.text))</li>\n" }
      h += "</ul>\n"
    }
    return h
  }

  /// Incidents by severity, the alerts, the experiments' verdicts.
  func htmlAlertsAndExperiments() -> String {
    var h = ""
    h += "<h2>Incidents by severity</h2>\n<ul>\n"
    for s in incidentsBySeverity { h += "<li>\(Self.esc(s.severity)): \(s.count)</li>\n" }
    h += "</ul>\n<h2>Alerts</h2>\n"
    if alerts.isEmpty {
      h += "<p>No alert fired\(header.isDemo ? " (the demo has no Prometheus)" : "").</p>\n"
    } else {
      h += "<table><tr><th>service</th><th>alerts</th><th>mean time to resolution</th><th>noisy</th></tr>\n"
      for a in alertsByService {
        h +=
          "<tr><td>\(Self.esc(a.service))</td><td>\(a.count)</td><td>\(Self.d(a.meanResolution))</td><td>\(a.noisy)</td></tr>\n"
      }
      h +=
        "</table>\n<p>Most frequent: \(Self.esc(mostFrequentAlerts.prefix(5).map { "\($0.name) (\($0.count))" }.joined(separator: ", ")))</p>\n"
    }
    if !experiments.isEmpty {
      h += "<h2>Experiments</h2>\n"
      for (slo, spent) in budgetBySLO {
        h += "<p>Error budget of \(Self.esc(slo)) spent by this session's experiments: \(Numbers.share(spent)).</p>\n"
      }
      for e in experiments {
        h +=
          "<h3>\(Self.esc(e.title))</h3>\n<p class=\"\(e.passed ? "ok" : "bad")\"><b>Verdict: \(Self.esc(e.verdict))</b></p>\n<ul>\n"
        for x in e.hypotheses {
          h +=
            "<li>\(Self.esc(x.status)): \(Self.esc(x.name))\(x.evidence.isEmpty ? "" : " (\(Self.esc(x.evidence)))")</li>\n"
        }
        h += "</ul>\n" + Self.comparisonHTML(e)
      }
    }
    return h
  }

  /// One inline SVG line chart over the session: fault windows on this workload shaded, incidents
  /// marked at detection (red) and recovery (green).
  func chart(label: String, unit: String, values: [(Seconds, Double)], workload: String) -> String {
    let w = 900.0
    let hgt = 120.0
    let left = 50.0
    let span = max(1, length)
    // A flat zero line gets a scale of 1 (not of 1e-9).
    let top = max(values.map(\.1).max() ?? 1, unit == "%" ? 1 : 1e-9) * 1.1
    func x(_ t: Seconds) -> Double { left + (w - left - 10) * min(1, max(0, t / span)) }
    func y(_ v: Double) -> Double { hgt - 20 - (hgt - 30) * (v / top) }
    var s =
      "<svg class=\"chart\" data-label=\"\(Self.esc(label))\" width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\">"
    for f in faults where f.workloads.contains(workload) && !f.pods.isEmpty {
      let x0 = x(f.started - start)
      let x1 = max(x0 + 2, x(f.ends - start))
      s +=
        "<rect class=\"fault\" x=\"\(x0)\" y=\"5\" width=\"\(x1 - x0)\" height=\"\(hgt - 25)\" fill=\"#f59e0b\" fill-opacity=\"0.18\"/>"
    }
    for i in incidents where i.workloads.contains(workload) {
      if let d = i.detected {
        s +=
          "<line class=\"detected\" x1=\"\(x(d - start))\" x2=\"\(x(d - start))\" y1=\"5\" y2=\"\(hgt - 20)\" stroke=\"#cf222e\" stroke-dasharray=\"3,2\"/>"
      }
      if let r = i.recovered {
        s +=
          "<line class=\"recovered\" x1=\"\(x(r - start))\" x2=\"\(x(r - start))\" y1=\"5\" y2=\"\(hgt - 20)\" stroke=\"#1a7f37\" stroke-dasharray=\"3,2\"/>"
      }
    }
    let path = values.map { "\(String(format: "%.1f", x($0.0))),\(String(format: "%.1f", y($0.1)))" }.joined(
      separator: " ")
    s += "<polyline class=\"series\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"\(path)\"/>"
    s += "<text x=\"4\" y=\"14\" font-size=\"11\">\(Self.esc(label))\(unit.isEmpty ? "" : " (\(unit))")</text>"
    s += "<text x=\"4\" y=\"\(hgt - 22)\" font-size=\"10\" fill=\"#6e7781\">0</text>"
    s +=
      "<text x=\"4\" y=\"28\" font-size=\"10\" fill=\"#6e7781\">\(Self.esc(String(format: "%.4g", top / 1.1)))</text>"
    s += "<text x=\"\(left)\" y=\"\(hgt - 5)\" font-size=\"10\" fill=\"#6e7781\">+0s</text>"
    s += "<text x=\"\(w - 60)\" y=\"\(hgt - 5)\" font-size=\"10\" fill=\"#6e7781\">+\(formatDuration(length))</text>"
    return s + "</svg>"
  }
}
