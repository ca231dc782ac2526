import ArgumentParser
import ClusterState
import Foundation
import Recording

/// `chaostui history [PATH...]`: the weeks after, over every journal: alerts, noisy alerts, the most
/// frequent ones, incidents by SEV level and by service, MTTD/MTTR/MTBF, and resilience, by week.
struct HistoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract:
      "The weeks after: every journal's alerts and incidents by week and service (counts, resolution, noisy alerts, the top 20, SEVs, MTTD/MTTR/MTBF) and a resilience figure, as Markdown, JSON or HTML."
  )

  @Argument(help: "Journals, or folders of them (default: $XDG_STATE_HOME/chaostui/sessions).")
  var paths: [String] = []

  @Option(help: "Recovered within this long counts towards the resilience figure (default 5m).")
  var target: String = "5m"

  @Option(help: "Write the Markdown here.")
  var md: String?

  @Option(help: "Write the JSON here.")
  var json: String?

  @Option(help: "Write the HTML here (one file: the trends as inline SVG charts, no scripts).")
  var html: String?

  @Flag(help: "Replace files that exist (never a symbolic link).")
  var force = false

  func validate() throws {
    guard let t = Durations.seconds(target, plainSeconds: true), t > 0 else {
      throw ValidationError("--target must be a duration such as 5m, got \(target)")
    }
  }

  func run() throws {
    let folder = FollowSession.sessionsFolder()
    let given = paths.isEmpty ? [folder] : paths
    let started = Date()
    let history = History.load(paths: given, target: Durations.seconds(target, plainSeconds: true) ?? 300)
    for p in history.problems { complain("chaostui history: " + Sanitize.line(p)) }
    guard history.sessions > 0 else {
      complain("chaostui history: no journal read in \(given.joined(separator: ", "))")
      throw ExitCode(2)
    }
    let markdown = history.markdown().joined(separator: "\n") + "\n"
    var wrote = false
    do {
      for (path, data) in [(md, Data(markdown.utf8)), (json, history.json()), (html, Data(history.html().utf8))] {
        guard let path else { continue }
        try PrivateFile.write(data, to: path, overwrite: force)
        say("history: \(path)")
        wrote = true
      }
    } catch {
      complain("chaostui history: cannot write: \(error)")
      throw ExitCode(2)
    }
    if !wrote { sayLines(markdown, terminator: "") }
    complain(
      "chaostui history: \(history.sessions) journals, \(history.weeks.count) weeks, in \(Numbers.one(Date().timeIntervalSince(started))) s"
    )
  }
}
