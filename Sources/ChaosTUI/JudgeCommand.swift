import ArgumentParser
import ClusterState
import Console
import Experiments
import Foundation
import Panels
import Recording

/// `chaostui judge JOURNAL`: a recorded experiment judged again from the session's journal alone (no
/// cluster), with changed hypotheses, thresholds, tests or stop conditions; the new verdict beside
/// the recorded one. Exit 0 when it passes now, 1 when a hypothesis fails, 2 when it would have been
/// aborted or not run, or the journal or file is bad.
struct JudgeSession: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "judge",
    abstract:
      "Judge a recorded experiment again from its session's journal (no cluster), with a changed file: the new verdict beside the recorded one."
  )

  @Argument(help: "The session's journal (chaostui run prints it as 'session: PATH'; or --record).")
  var file: String

  @Option(help: "Judge with this experiment file (default: the file the journal recorded with the run).")
  var experiment: String?

  @Option(help: "Which experiment of the journal, from 1 in the order they started (default: the last).")
  var index: Int?

  @Flag(help: "Print the judged run's whole log (phases, results, tests), as chaostui run does.")
  var log = false

  func run() throws {
    let journal: JournalReader
    let judgement: Judge.Judgement
    do {
      journal = try JournalReader.load(path: file)
      let e = try experiment.map { try ExperimentFile.load(path: $0) }
      if let index, index < 1 { throw Judge.Failure(description: "--index counts from 1") }
      judgement = try Judge.judge(journal, experiment: e, index: index.map { $0 - 1 })
    } catch {
      complain("chaostui judge: \(error)")
      throw ExitCode(2)
    }
    for n in journal.notes { complain("chaostui judge: journal: \(n)") }
    let run = judgement.run
    let rec = judgement.recorded
    let with = experiment ?? "the file recorded with it"
    say(
      "chaostui judge: \"\(rec.title)\" (experiment \(judgement.index + 1) of \(judgement.count)) judged again with \(with)"
    )
    if log {
      for (t, text) in run.log { say(String(format: "%8@  %@", "+" + formatDuration(t - run.created), text)) }
    }
    for line in Self.table(judgement) { say(line) }
    if let comparison = run.log.last(where: { $0.text.hasPrefix("comparison at the verdict") }) {
      say(comparison.text)
    }
    say("recorded: " + rec.verdict)
    say("judged:   " + (run.verdict?.label ?? "not settled"))
    say(judgement.changed ? "the verdict changed" : "the verdict is the same")
    switch run.verdict {
    case .passed: return
    case .failed: throw ExitCode(1)
    default: throw ExitCode(2)
    }
  }

  /// A line a hypothesis: its name, what the recording says, what it says now and why.
  static func table(_ j: Judge.Judgement) -> [String] {
    let rows = j.rows
    let width = min(44, max(10, (rows.map(\.name.count) + j.dropped.map(\.count)).max() ?? 10))
    // Cut and padded in terminal cells (a wide character takes two).
    let pad = { (s: String, n: Int) in Fmt.fit(s, n) }
    var out = [pad("hypothesis", width) + "  " + pad("recorded", 8) + "  " + pad("judged", 8) + "  why"]
    for r in rows {
      let (status, why): (String, String)
      switch r.judged {
      case .pending: (status, why) = ("pending", "")
      case .passed(_, let e): (status, why) = ("held", e)
      case .failed(_, let e): (status, why) = ("FAILED", e)
      }
      out.append(pad(r.name, width) + "  " + pad(r.recorded ?? "(new)", 8) + "  " + pad(status, 8) + "  " + why)
    }
    for name in j.dropped { out.append(pad(name, width) + "  (not in the file judged with)") }
    return out
  }
}
