import ClusterState
import Foundation
import Monkey
import Panels

/// Monkey mode in the console: kube-monkey's schedule stepped with the snapshot, its kills through
/// the store as a key's faults are (incidents, audit, journal), paused by the panic key.
extension Console {
  /// Starts the monkey now (the `M` key after its question, or `--monkey`); `wallNow` gives the
  /// date of the demo's compressed day (tests fix it).
  public func startMonkey(wallNow: Date = Date()) {
    guard monkey == nil else { return }
    if readOnly {
      say("monkey is disabled: \(store.state.readOnlyReason)")
      return
    }
    // Preflight: the lever engaged or a stop signal vetoes the monkey's day.
    if let why = store.state.haltReason {
      say("monkey not started: \(why)")
      return
    }
    let c = monkeyConfig
    // A pod kill the user may not make anywhere the monkey would act: greyed with the API's reason.
    let namespaces = Set(
      store.state.workloads.values.filter { Eligibility.of($0, config: c).victim != nil }.map(\.namespace))
    let denied = namespaces.compactMap { ns in store.state.whyUnavailable(.podKill, namespace: ns).map { (ns, $0) } }
    if !namespaces.isEmpty && denied.count == namespaces.count, let first = denied.min(by: { $0.0 < $1.0 }) {
      say("monkey is disabled: pod kill in \(first.0): \(first.1)")
      return
    }
    let origin =
      c.day != nil
      ? MonkeyRun.demoOrigin(c, now: wallNow)
      : store.state.isDemo ? wallNow : Date(timeIntervalSince1970: store.state.now)
    let run = MonkeyRun(
      config: c, state: store.state, origin: origin, seed: UInt64(truncatingIfNeeded: Int(origin.timeIntervalSince1970))
    )
    monkey = run
    ui.monkeyShown = true
    ui.focus = .monkey
    let victims = store.state.workloads.values.compactMap { Eligibility.of($0, config: c).victim }
    log?(
      "monkey: start, \(victims.count) workloads opted in, window \(MonkeyConfig.clock(c.start))-\(MonkeyConfig.clock(c.end))"
        + (c.dryRun ? ", dry run" : "") + ", \(run.planned.count) kills planned today")
    say(
      victims.isEmpty
        ? "Monkey on, but no workload opted in (label kube-monkey/enabled=enabled)"
        : "Monkey on: \(run.planned.count) kill\(run.planned.count == 1 ? "" : "s") planned today"
          + (c.dryRun ? " (dry run)" : ""))
  }

  func monkeyKey(_ request: MonkeyRequest) {
    switch request {
    case .start: startMonkey()
    case .togglePause:
      guard var m = monkey else { return }
      if m.pausedReason == nil {
        m.pause("M key")
        say("Monkey paused: M resumes")
      } else {
        m.resume()
        say("Monkey resumed")
      }
      log?("monkey: " + (m.pausedReason == nil ? "resumed" : "paused"))
      monkey = m
    }
  }

  /// Moves the monkey to the snapshot's time and dispatches its kills.
  func stepMonkey() {
    guard var m = monkey else { return }
    let before = m.kills.count
    let actions = m.step(store.state)
    monkey = m
    for k in m.kills.dropFirst(before) { log?("monkey: \(k.workload.key): \(k.outcome)") }
    if !actions.isEmpty { store.dispatch(actions) }
  }

  func renderMonkeyConfirm(_ buf: inout CellBuffer, ctx: RenderContext) {
    let c = monkeyConfig
    var lines: [(String, Theme.Role)] = [
      (
        "window \(MonkeyConfig.clock(c.start))-\(MonkeyConfig.clock(c.end)) \(c.timeZone), plan at \(MonkeyConfig.clock(c.runHour * 60))"
          + (c.day.map { ", a day in \(formatDuration($0))" } ?? (c.weekdaysOnly ? ", weekdays" : "")), .muted
      ),
      (
        c.dryRun ? "DRY RUN: kills are only logged (kubemonkey.dry_run)" : "kills pods for real",
        c.dryRun ? .info : .warn
      ),
      ("workloads with kube-monkey labels:", .title),
    ]
    let labelled = state.workloads.values.filter { $0.labels.keys.contains { $0.hasPrefix("kube-monkey/") } }
      .sorted { $0.id < $1.id }
    for w in labelled {
      switch Eligibility.of(w, config: c) {
      case .victim(let v): lines.append(("  \(w.id): mtbf \(v.mtbfText), \(v.mode.label)", .fault))
      case .notEnrolled: lines.append(("  \(w.id): opted out", .muted))
      case .excluded(let why), .invalid(let why): lines.append(("  \(w.id): not scheduled, \(why)", .warn))
      }
    }
    if labelled.isEmpty { lines.append(("  none: label workloads kube-monkey/enabled=enabled", .warn)) }
    lines.append(("the panic key pauses it; M on its pane pauses and resumes", .muted))
    lines.append(("", .main_fg))
    lines.append(("y/Enter start   any other key cancels", .key))
    lineDialog(&buf, width: 90, title: "Start the monkey?", lines: lines, ctx: ctx)
  }
}

// MARK: - Leftovers of earlier sessions

extension Console {
  /// Changes this user's earlier sessions left wait for an answer: asked once, when no other
  /// dialog is open (never in a read-only session, whose sweep sends nothing).
  func askAboutLeftovers() {
    guard !readOnly, ui.dialog == nil, !store.state.awaitingLeftovers.isEmpty else { return }
    ui.dialog = .confirmLeftovers
  }

  func renderLeftoversConfirm(_ buf: inout CellBuffer, ctx: RenderContext) {
    let waiting = state.awaitingLeftovers
    var lines: [(String, Theme.Role)] = [
      ("Your earlier chaostui sessions on this cluster ended without setting these back", .main_fg),
      ("(this machine's record of them, not the cluster's notes, says what to send):", .muted),
    ]
    lines += waiting.prefix(12).map { ("  \($0.what)  (session \($0.session))", .fault) }
    if waiting.count > 12 { lines.append(("  and \(waiting.count - 12) more", .fault)) }
    let alone = (state.leftovers ?? []).filter { $0.status == .notYours || $0.status == .leftAlone }.count
    if alone > 0 { lines.append(("\(alone) other restore note(s) are left alone: see the timeline", .warn)) }
    lines.append(("", .main_fg))
    lines.append(("y set them back   n/Esc leave them as they are", .key))
    lineDialog(&buf, width: 90, title: "Set back what was left?", lines: lines, ctx: ctx)
  }
}
