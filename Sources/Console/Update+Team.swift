import ClusterState
import Foundation

/// The team's keys: the safety lever (`L`) and notes (`m`).
extension Updater {
  /// L: asks to engage the lever (with a reason), or, engaged, to release it.
  mutating func leverKey() {
    guard let lever = state.chaos.lever, lever.status != .off else {
      return say("This session has no safety lever (--lever none)")
    }
    if lever.status == .unknown {
      // Engaging needs no reading of it: a lever that cannot be read may still be written.
      ui.dialog = .lever(engage: true, reason: "")
      return
    }
    ui.dialog = .lever(engage: !lever.isEngaged, reason: "")
  }

  mutating func handleLeverDialog(_ engage: Bool, _ reason: String, _ key: Key) {
    switch key {
    case .escape:
      ui.dialog = nil
      say(engage ? "The lever is not engaged" : "The lever stays engaged")
    case .enter:
      let why = reason.trimmingCharacters(in: .whitespaces)
      if engage && why.isEmpty { return say("Type why the lever is engaged (everyone sees it), then Enter") }
      ui.dialog = nil
      actions.append(.moveLever(LeverMove(engage: engage, reason: why, by: ctx.operatorName)))
      say(engage ? "Engaging the safety lever…" : "Releasing the safety lever…")
    case .backspace, .delete:
      ui.dialog = .lever(engage: engage, reason: String(reason.dropLast()))
    case .char(let c):
      if reason.count < SafetyLever.maxText { ui.dialog = .lever(engage: engage, reason: reason + String(c)) }
    default: break
    }
  }

  mutating func handleNoteDialog(_ text: String, _ key: Key) {
    switch key {
    case .escape:
      ui.dialog = nil
      say("Note dropped")
    case .enter:
      ui.dialog = nil
      let t = text.trimmingCharacters(in: .whitespaces)
      guard !t.isEmpty else { return say("Empty note: nothing kept") }
      actions.append(.note(text: t, by: ctx.operatorName))
      say("Noted")
    case .backspace, .delete:
      ui.dialog = .note(String(text.dropLast()))
    case .char(let c):
      if text.count < Prose.noteLimit { ui.dialog = .note(text + String(c)) }
    default: break
    }
  }
}

/// A production context: what was confirmed waits for the context's name.
extension Updater {
  /// Carries out a confirmed step, or, on a production context, asks for its name first.
  mutating func confirmed(_ step: DangerousStep) {
    if state.production(for: step.target) != nil {
      ui.dialog = .typeContext(step, typed: "")
      return
    }
    carryOut(step)
  }

  mutating func carryOut(_ step: DangerousStep) {
    switch step {
    case .fault(let req): actions.append(.requestFault(req))
    case .experiment(let i): commands.append(.startExperiment(i))
    case .monkey: commands.append(.monkey(.start))
    }
  }

  mutating func handleTypeContext(_ step: DangerousStep, _ typed: String, _ key: Key) {
    switch key {
    case .escape:
      ui.dialog = nil
      say("Cancelled")
    case .enter:
      ui.dialog = nil
      let name = state.production(for: step.target)?.name ?? state.context
      guard typed == name else {
        return say("Not done: that is not this context's name (\(name))")
      }
      carryOut(step)
    case .backspace, .delete:
      ui.dialog = .typeContext(step, typed: String(typed.dropLast()))
    case .char(let c):
      if typed.count < 253 { ui.dialog = .typeContext(step, typed: typed + String(c)) }
    default: break
    }
  }
}

/// A runbook gate: the experiment waits for the operator.
extension Updater {
  mutating func handleGate(_ key: Key) {
    switch key {
    case .char("y"), .char("Y"), .enter:
      ui.dialog = nil
      commands.append(.gate(confirm: true))
    case .char("n"), .char("N"):
      ui.dialog = nil
      commands.append(.gate(confirm: false))
    case .char("!"):
      ui.dialog = nil
      actions.append(.abortAllFaults)
    default: say("The experiment waits at its gate: y confirms, n aborts it, ! panics")
    }
  }
}

extension DangerousStep {
  /// What a fault acts on (nil: an experiment or the monkey).
  var target: FaultTarget? {
    if case .fault(let req) = self { return req.target }
    return nil
  }
}
