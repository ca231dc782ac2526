import ClusterState
import Foundation

/// The report's debrief (Harness GameDay's, a post-mortem's first page): the session's moments in
/// order (faults asked for, detections, recoveries, the lever, verdicts, notes), the notes typed at
/// `m`, and the action items among them (a note that starts with `action:` or `todo:`).
extension SessionReport {
  public struct Moment: Sendable, Equatable {
    public var t: Seconds
    public var what: String
  }

  /// A note's author and words, from the audit.
  public var typedNotes: [AuditEntry] {
    audit.compactMap { a in
      a.what.hasPrefix("note: ") ? AuditEntry(t: a.t, who: a.who, what: String(a.what.dropFirst(6))) : nil
    }
  }

  /// The notes that are action items, without their marker.
  public var actionItems: [AuditEntry] {
    typedNotes.compactMap { n in
      let lower = n.what.lowercased()
      guard let marker = ["action item:", "action:", "todo:"].first(where: { lower.hasPrefix($0) }) else { return nil }
      let text = n.what.dropFirst(marker.count).trimmingCharacters(in: .whitespaces)
      return AuditEntry(t: n.t, who: n.who, what: text)
    }
  }

  /// The session's moments in order.
  public var moments: [Moment] {
    var m = audit.map { Moment(t: $0.t, what: "\($0.who): \($0.what)") }
    for i in incidents {
      if let d = i.detected { m.append(Moment(t: d, what: "#\(i.id) \(i.title) detected (TTD \(Self.d(i.ttd)))")) }
      if let r = i.recovered { m.append(Moment(t: r, what: "#\(i.id) \(i.title) recovered (TTR \(Self.d(i.ttr)))")) }
    }
    for e in experiments { m.append(Moment(t: e.t, what: "experiment \(e.title): \(e.verdict)")) }
    return m.sorted { $0.t < $1.t }
  }

  func debriefMarkdown() -> [String] {
    let md = Sanitize.markdown
    var out = ["", "## Debrief", "", "### Timeline", ""]
    out += moments.map { "- \(Self.at($0.t - start)) \(md($0.what))" }
    out += ["", "### Notes", ""]
    let notes = typedNotes
    out +=
      notes.isEmpty
      ? ["None typed (m in the console)."] : notes.map { "- \(Self.at($0.t - start)) \(md($0.who)): \(md($0.what))" }
    out += ["", "### Action items", ""]
    let items = actionItems
    out +=
      items.isEmpty
      ? ["None (a note that starts with \"action:\" is one)."]
      : items.map { "- [ ] \(md($0.what)) (\(md($0.who)), \(Self.at($0.t - start)))" }
    return out
  }

  func debriefHTML() -> String {
    var h = "<h2>Debrief</h2>\n<h3>Timeline</h3>\n<ul>\n"
    for m in moments { h += "<li>\(Self.at(m.t - start)) \(Self.esc(m.what))</li>\n" }
    h += "</ul>\n<h3>Notes</h3>\n<ul>\n"
    for n in typedNotes { h += "<li>\(Self.at(n.t - start)) \(Self.esc(n.who)): \(Self.esc(n.what))</li>\n" }
    h += "</ul>\n<h3>Action items</h3>\n<ul>\n"
    for a in actionItems {
      h +=
        "<li><input type=\"checkbox\" disabled> \(Self.esc(a.what)) <span class=\"muted\">(\(Self.esc(a.who)), \(Self.at(a.t - start)))</span></li>\n"
    }
    return h + "</ul>\n"
  }

  var debriefJSON: [String: Any] {
    [
      "timeline": moments.map { ["t": $0.t - start, "what": $0.what] },
      "notes": typedNotes.map { ["t": $0.t - start, "who": $0.who, "text": $0.what] },
      "action_items": actionItems.map { ["t": $0.t - start, "who": $0.who, "text": $0.what] },
    ]
  }
}
