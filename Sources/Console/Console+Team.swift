import ClusterState
import Foundation
import Panels

/// The team: the safety lever every chaostui watches, and who this operator is.
extension Console {
  /// Watches `lever` from `start()` on (nil: this session has none, `--lever none`, said in the
  /// header). Until it is read its state is unknown: no fault starts.
  public func use(lever: SafetyLeverSource?) {
    self.lever = lever
    store.dispatch(
      .lever(
        lever.map { SafetyLever(status: .unknown, problem: SafetyLever.notReadYet, location: $0.location) }
          ?? SafetyLever(status: .off)))
    let source = source
    store.executor = { [unowned self] effect in
      if case .moveLever(let move) = effect {
        self.lever?.move(move, at: Date().timeIntervalSince1970, inbox: self.inbox)
        return []
      }
      return source.perform(effect, state: self.store.state)
    }
  }

  /// `user@host`, from the environment and the host name.
  public static func defaultOperator(_ env: [String: String]) -> String {
    let user =
      env["USER"] ?? env["LOGNAME"] ?? getpwuid(getuid()).flatMap { String(validatingCString: $0.pointee.pw_name) }
      ?? "uid\(getuid())"
    let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    return user + "@" + host
  }

  /// The lever's effects beyond the reducer's: engaged, the monkey is held (its kills are skipped
  /// with the reason) and the running experiment is aborted by its own step.
  func leverChanged(from before: SafetyLever?) {
    let now = store.state.chaos.lever
    guard now != before, let now else { return }
    if now.isEngaged && before?.isEngaged != true {
      log?("lever: engaged by \(Sanitize.line(now.by)): \(Sanitize.line(now.reason)) (\(now.location))")
    } else if now.status == .released && before?.isEngaged == true {
      log?("lever: released by \(Sanitize.line(now.by)) (\(now.location))")
    } else if now.status == .unknown {
      log?("lever: unknown: \(Sanitize.line(now.problem ?? ""))")
    }
  }
}

extension Console {
  /// The lever's question: what engaging (releasing) does, and the reason being typed.
  func renderLeverDialog(_ engage: Bool, _ reason: String, _ buf: inout CellBuffer, ctx: RenderContext) {
    let lever = store.state.chaos.lever ?? SafetyLever(status: .off)
    var lines: [(String, Theme.Role)] = [("at " + lever.location, .muted)]
    if engage {
      lines += [
        ("Every chaostui watching it (consoles, runs, monkeys, on any machine)", .main_fg),
        ("sets back its faults, starts no new one and holds its monkey.", .main_fg),
        ("", .main_fg), ("Why (everyone sees it):", .title),
      ]
    } else {
      lines += [
        (Prose.leverEngaged(lever), .error),
        ("Released, faults may be injected again by everyone.", .main_fg),
        ("", .main_fg), ("Why (optional):", .title),
      ]
    }
    lines.append(("> " + reason + "_", .main_fg))
    lines.append(("", .main_fg))
    lines.append((engage ? "Enter engages it   Esc cancels" : "Enter releases it   Esc keeps it engaged", .warn))
    lineDialog(
      &buf, width: 76, title: engage ? "Engage the safety lever?" : "Release the safety lever?", lines: lines, ctx: ctx)
  }

  /// The note being typed, and where it goes.
  func renderNoteDialog(_ text: String, _ buf: inout CellBuffer, ctx: RenderContext) {
    let s = store.state
    let lines: [(String, Theme.Role)] = [
      (
        "at \(Fmt.clock(s.now - s.sessionStart)), by \(operatorName): to the journal, timeline, cast and report", .muted
      ),
      ("", .main_fg), ("> " + text + "_", .main_fg), ("", .main_fg),
      ("Start with \"action:\" for an action item (the debrief lists them)", .muted),
      ("Enter keeps it   Esc drops it", .warn),
    ]
    lineDialog(&buf, width: 76, title: "Note", lines: lines, ctx: ctx)
  }
}

extension Console {
  /// A production context: the red frame and badge, dangerous keys asking for its name, and
  /// read-only with the reason when the config says so and `--allow-prod` was not given.
  public func guardProduction(pattern: String?, readOnlyReason: String?) {
    store.dispatch(.production(pattern: pattern, readOnlyReason: readOnlyReason))
    if readOnlyReason != nil { readOnly = true }
  }
}

extension Console {
  /// The question a production context asks before a dangerous step: its name, typed.
  func renderTypeContext(_ step: DangerousStep, _ typed: String, _ buf: inout CellBuffer, ctx: RenderContext) {
    let what: String
    switch step {
    case .fault(let req): what = "\(req.kind.title) on \(req.targetLabel)"
    case .experiment(let i): what = "the experiment " + (ui.catalog.entries[safe: i]?.name ?? "")
    case .monkey: what = "the monkey"
    }
    let s = store.state
    let prod = s.production(for: step.target)
    let lines: [(String, Theme.Role)] = [
      ("\(prod?.name ?? s.context) is PRODUCTION (matches \(prod?.pattern ?? "")).", .error),
      ("About to start: " + what, .main_fg), ("", .main_fg),
      ("Type the context's name to go on:", .title), ("> " + typed + "_", .main_fg), ("", .main_fg),
      ("Enter goes on (only with the exact name)   Esc cancels", .warn),
    ]
    lineDialog(&buf, width: 76, title: "Production: type the context's name", lines: lines, ctx: ctx)
  }
}

extension Console {
  /// The stop signals: alerts matching `alerts` (Prometheus' alerts, as they come) and a go/no-go
  /// URL, started with the session. While one says stop, nothing is injected.
  public func watchStopSignals(alerts: AlertSelector?, goNoGo: ActionSource?) {
    store.dispatch(.stopSignalRules(alerts: alerts))
    if let goNoGo { metricsSources.append(goNoGo) }
  }
}

extension Console {
  /// Sends the session's events out from now on (the timeline so far is not news).
  public func send(events sink: EventSink & ActionSource) {
    eventSink = sink
    eventCursor.skip(store.state.timeline)
    metricsSources.append(sink)
  }

  /// The timeline's new lines that are events, to the sink (which sends them in the background).
  func forwardEvents() {
    guard let sink = eventSink else { return }
    for e in eventCursor.new(store.state.timeline) {
      if let event = OutEvent.of(e) { sink.send(event) }
    }
  }
}

/// Runbook gates and the prerequisites checklist.
extension Console {
  /// The experiment waits at a gate: its question on screen (once a gate).
  func askAtGate() {
    guard let run = experiment, !run.isFinished, let (gate, _) = run.pendingGate else { return }
    if ui.dialog == nil || ui.dialog == .summary { ui.dialog = .gate(gate.text) }
  }

  /// The operator's answer at the gate, kept as a note (the journal, the timeline, the cast, the
  /// report's debrief).
  public func answerGate(_ confirm: Bool) {
    guard var run = experiment, let (gate, _) = run.pendingGate else { return }
    let now = store.state.now
    var actions: [Action] = []
    if confirm {
      run.confirmGate(at: now, by: operatorName)
    } else {
      actions = run.refuseGate(at: now, by: operatorName)
    }
    experiment = run
    store.dispatch(.note(text: "gate \(confirm ? "confirmed" : "refused"): \(gate.text)", by: operatorName))
    if run.isFinished { recordVerdict(run) }
    for a in actions { store.dispatch(a) }
    tellExperiment()
  }

  func renderGateDialog(_ text: String, _ buf: inout CellBuffer, ctx: RenderContext) {
    let waited = experiment?.pendingGate.map { formatDuration(store.state.now - $0.since) } ?? "-"
    let timeout = experiment?.pendingGate.map { g in
      "\(formatDuration(g.gate.timeout)), then \(g.gate.otherwise == .abort ? "the experiment is aborted" : "it goes on")"
    }
    let lines: [(String, Theme.Role)] = [
      (experiment?.experiment.title ?? "", .muted), ("", .main_fg), (text, .title), ("", .main_fg),
      ("waiting \(waited) of \(timeout ?? "-")", .muted), ("", .main_fg),
      ("y confirms and the method goes on   n aborts the experiment   ! panics", .warn),
    ]
    lineDialog(&buf, width: 76, title: "Runbook gate", lines: lines, ctx: ctx)
  }
}
