import ClusterState
import Experiments
import Panels

// The experiments list and the question before one starts.
extension Console {
  func renderExperimentList(_ selected: Int, _ buf: inout CellBuffer, ctx: RenderContext) {
    let t = ctx.theme
    let bg = t[.dialog_bg]
    func st(_ role: Theme.Role, _ a: Attributes = []) -> Style { Style(fg: t[role], bg: bg, attrs: a) }
    let entries = ui.catalog.entries
    let running = experiment.map { !$0.isFinished } ?? false
    let height = min(buf.height - 2, entries.count + 6)
    let folders = ui.catalog.folders
    let one = folders.first.map { $0.origin == "given" ? $0.path : $0.origin + ": " + $0.path }
    let from =
      folders.count == 1 ? one ?? "none" : folders.isEmpty ? "none" : folders.map(\.origin).joined(separator: ", ")
    let inner = dialogBox(&buf, width: 96, height: height, title: "Experiments (\(from))", ctx: ctx)
    let rows = max(1, inner.height - 3)
    let first = max(0, min(selected - rows + 1, entries.count - rows))
    for (k, entry) in entries.dropFirst(first).prefix(rows).enumerated() {
      let i = first + k
      let why = Updater.whyNotStartable(entry, running: running, readOnly: readOnly, state: state)
      let y = inner.y + k
      let mark = i == selected ? ">" : " "
      let title = Fmt.fit(entry.name, folders.count > 1 ? 33 : 42)
      let detail =
        why.map { "cannot start: " + $0 }
        ?? entry.experiment.map { e in
          "\(e.method.count) step\(e.method.count == 1 ? "" : "s"), \(e.hypotheses.count) hypothes\(e.hypotheses.count == 1 ? "is" : "es") on \(e.experimental.namespace)"
        } ?? ""
      let style =
        why == nil
        ? st(.title, i == selected ? [.bold, .reverse] : []) : st(.inactive, i == selected ? [.reverse] : [])
      buf.write(inner.x + 1, y, mark + " " + title + " ", style, maxWidth: inner.width - 2)
      if folders.count > 1 { buf.write(inner.x + 37, y, Fmt.fit(entry.origin, 8), st(.muted), maxWidth: 8) }
      buf.write(inner.x + 46, y, detail, why == nil ? st(.muted) : st(.inactive), maxWidth: inner.width - 47)
    }
    if let entry = entries[safe: selected] {
      let about = entry.experiment.map(\.description).flatMap { $0.isEmpty ? nil : $0 } ?? entry.path
      buf.write(inner.x + 1, inner.maxY - 2, about, st(.muted), maxWidth: inner.width - 2)
    }
    buf.write(
      inner.x + 1, inner.maxY - 1, "j/k choose   Enter start (asks first)   ! aborts a running one   Esc close",
      st(.key), maxWidth: inner.width - 2)
  }

  func renderExperimentConfirm(_ i: Int, _ buf: inout CellBuffer, ctx: RenderContext) {
    guard let e = ui.catalog.entries[safe: i]?.experiment else { return }
    var lines: [(String, Theme.Role)] = [
      (
        "groups: experimental \(GroupComparison.label(e.experimental))"
          + (e.control.map { ", control \(GroupComparison.label($0))" } ?? " (no control group)"), .title
      ),
      (
        "steady state: " + (e.steadyState.builtIn ? "built-in bounds" : "not checked")
          + (e.steadyState.probes.isEmpty ? "" : " + \(e.steadyState.probes.count) PromQL probes")
          + "; must hold within \(formatDuration(e.steadyState.timeout)) or it does not start", .muted
      ),
      ("method:", .title),
    ]
    for (k, step) in e.method.enumerated() {
      lines.append(("  \(k + 1). " + step.label, .fault))
      for case .fault(let req) in step.leaves {
        lines.append(("       touches " + FaultPlan.blastRadius(req, state: state).text, .muted))
      }
    }
    lines.append(("hypotheses:", .title))
    lines += e.hypotheses.map { ("  - " + $0.name, .main_fg) }
    if !e.stopConditions.isEmpty {
      lines.append(("stop conditions (abort, every fault undone):", .title))
      lines += e.stopConditions.map { ("  - " + $0.label, .warn) }
    }
    if !e.prerequisites.isEmpty {
      // The runbook's checklist: each checked by the team before y.
      lines.append(("before you start, check:", .title))
      lines += e.prerequisites.map { ("  [ ] " + $0, .warn) }
    }
    lines.append(("", .main_fg))
    lines.append(("y/Enter start   any other key back to the list", .key))
    lineDialog(&buf, width: 100, title: "Start \(e.title)?", lines: lines, ctx: ctx)
  }
}
