import ClusterState
import Foundation

/// What a run leaves behind: a journal in Chaos Toolkit's shape (status, deviated, steady states
/// before/during/after, each step with start, end, duration and status) and a Markdown report.
public enum Journal {
  /// The exit status of `chaostui run`: 0 every hypothesis held, 1 one failed, 2 aborted or not run.
  public static func exitCode(_ verdict: ExperimentRun.Verdict?) -> Int32 {
    switch verdict {
    case .passed?: return 0
    case .failed?: return 1
    default: return 2
    }
  }

  /// Chaos Toolkit's status word for a verdict.
  static func status(_ v: ExperimentRun.Verdict?) -> String {
    switch v {
    case .passed?, .failed?: return "completed"
    case .aborted?: return "aborted"
    default: return "failed"
    }
  }

  /// `wallStart` is the wall time of the run's start; cluster times are counted from `run.created`.
  public static func json(_ run: ExperimentRun, state: ClusterSnapshot, wallStart: Double, platform: String) -> Data {
    func iso(_ t: Seconds) -> String { Timestamps.format(wallStart + (t - run.created), fraction: 3) }
    let e = run.experiment
    let end = run.finishedAt ?? state.now
    var deviated = false
    if case .failed? = run.verdict { deviated = true }
    func steady(_ v: [String]?) -> Any {
      guard let v else { return NSNull() }
      return ["steady_state_met": v.isEmpty, "probes": v.map { ["activity": ["name": $0], "status": "failed"] }]
    }
    let steps: [[String: Any]] = run.steps.map { s in
      [
        "activity": ["type": "action", "name": s.label], "status": s.status, "start": iso(s.start),
        "end": iso(s.end ?? end), "duration": (s.end ?? end) - s.start,
      ]
    }
    let hypotheses: [[String: Any]] = zip(e.hypotheses, run.outcomes).map { h, o in
      switch o {
      case .pending: return ["name": h.name, "status": "pending"]
      case .passed(let t, let ev): return ["name": h.name, "status": "passed", "at": iso(t), "evidence": ev]
      case .failed(let t, let ev): return ["name": h.name, "status": "failed", "at": iso(t), "evidence": ev]
      }
    }
    let own = Set(state.faults.filter { $0.request.origin == run.origin }.map(\.id))
    let incidents: [[String: Any]] = state.incidents.filter { own.contains($0.faultID) }.map { i in
      var d: [String: Any] = ["id": i.id, "title": i.title, "status": i.status.rawValue]
      if let t = i.ttd { d["ttd"] = t }
      if let t = i.ttr { d["ttr"] = t }
      if let t = i.ttm { d["ttm"] = t }
      if let b = i.detectedBy { d["detected_by"] = b }
      if !i.overlaps.isEmpty { d["overlaps"] = i.overlaps }
      return d
    }
    let journal: [String: Any] = [
      "chaoslib-version": "chaostui", "platform": platform,
      "node": ProcessInfo.processInfo.hostName,
      "experiment": ["title": e.title, "description": e.description, "tags": e.tags],
      "start": iso(run.created), "end": iso(end), "duration": end - run.created,
      "status": status(run.verdict), "deviated": deviated,
      "steady_states": [
        "before": steady(run.steadyStateBefore), "after": steady(run.steadyStateAfter),
        "during": run.steadyStateDuring.map { d -> [String: Any] in
          ["at": iso(d.time), "steady_state_met": d.violations.isEmpty, "deviations": d.violations]
        },
      ],
      "run": steps, "rollbacks": [Any](), "hypotheses": hypotheses, "incidents": incidents,
      "verdict": run.verdict?.label ?? "unfinished",
      "comparison": run.statistics.map { comparisonJSON($0) } ?? NSNull(),
      "unexpected": run.unexpected.map { ["at": iso($0.time), "what": $0.text] },
      "groups_check": run.groupsCheck?.summary ?? NSNull(),
    ]
    return (try? JSONSerialization.data(withJSONObject: journal, options: [.prettyPrinted, .sortedKeys])) ?? Data()
  }

  /// A Markdown report for people: verdict, hypotheses with their evidence, steps, incidents, the log.
  public static func markdown(_ run: ExperimentRun, state: ClusterSnapshot) -> String {
    // Titles, evidence and the log quote experiment files and clusters: escaped for Markdown and HTML.
    let md = Sanitize.markdown
    let e = run.experiment
    var out = ["# \(md(e.title))", ""]
    if !e.description.isEmpty { out += [md(e.description), ""] }
    out += ["**Verdict: \(md(run.verdict?.label ?? "unfinished"))**", ""]
    out += [
      "Experimental group: namespace \(md(e.experimental.namespace))"
        + (e.control.map { "; control group: namespace \(md($0.namespace))" } ?? ""), "",
    ]
    out += ["## Hypotheses", "", "| hypothesis | result | evidence |", "| --- | --- | --- |"]
    for (h, o) in zip(e.hypotheses, run.outcomes) {
      switch o {
      case .pending: out.append("| \(md(h.name)) | pending | |")
      case .passed(_, let ev): out.append("| \(md(h.name)) | held | \(md(ev)) |")
      case .failed(_, let ev): out.append("| \(md(h.name)) | failed | \(md(ev)) |")
      }
    }
    out += ["", "## Method", "", "| step | start | end | status |", "| --- | --- | --- | --- |"]
    for s in run.steps {
      out.append(
        "| \(md(s.label)) | +\(formatDuration(s.start - run.created)) | \(s.end.map { "+" + formatDuration($0 - run.created) } ?? "-") | \(md(s.status)) |"
      )
    }
    if !e.stopConditions.isEmpty {
      out += ["", "## Stop conditions", ""] + e.stopConditions.map { "- " + md($0.label) }
    }
    let own = Set(state.faults.filter { $0.request.origin == run.origin }.map(\.id))
    let incidents = state.incidents.filter { own.contains($0.faultID) }
    if !incidents.isEmpty {
      out += [
        "", "## Incidents", "", "| incident | TTD | TTM | TTR | detected by |", "| --- | --- | --- | --- | --- |",
      ]
      for i in incidents {
        out.append(
          "| #\(i.id) \(md(i.title)) | \(i.ttd.map(formatDuration) ?? "-") | \(i.ttm.map(formatDuration) ?? "-") | \(i.ttr.map(formatDuration) ?? "-") | \(md(i.detectedBy ?? "")) |"
        )
      }
    }
    if !run.unexpected.isEmpty {
      out +=
        ["", "## Unexpected", ""]
        + run.unexpected.map { "- +\(formatDuration($0.time - run.created)) \(md($0.text))" }
    }
    if let stats = run.statistics { out += comparisonMarkdown(stats) }
    out += ["", "## What happened", ""] + run.log.map { "- +\(formatDuration($0.time - run.created)) \(md($0.text))" }
    return out.joined(separator: "\n") + "\n"
  }
}
