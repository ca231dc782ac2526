import ArgumentParser
import ClusterState
import Foundation
import Recording

/// `chaostui report FILE`: a recorded session as Markdown, JSON and one self-contained HTML file.
struct ReportSession: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract:
      "Write the report of a recorded session: incidents (TTD, TTR, what detected them), MTTD/MTTR/MTBF by service, alerts, experiments, who did what, charts."
  )

  @Argument(help: "The journal (see $XDG_STATE_HOME/chaostui/sessions/, or --record).")
  var file: String

  @Argument(help: "A second journal: the two sessions side by side (MTTD/MTTR/MTBF by service, verdicts).")
  var other: String?

  @Option(help: "Write the Markdown report here.")
  var md: String?

  @Option(help: "Write the JSON report here.")
  var json: String?

  @Option(help: "Write the HTML report here (one file: inline SVG charts, no scripts, prints well).")
  var html: String?

  @Flag(help: "Replace report files that exist (never a symbolic link).")
  var force = false

  func run() throws {
    let journal: JournalReader
    do { journal = try JournalReader.load(path: file) } catch {
      complain("chaostui report: \(error)")
      throw ExitCode(2)
    }
    var second: JournalReader?
    if let other {
      do { second = try JournalReader.load(path: other) } catch {
        complain("chaostui report: \(error)")
        throw ExitCode(2)
      }
    }
    let report = SessionReport(journal: journal)
    let comparison = second.map { SessionComparison(report, SessionReport(journal: $0)) }
    let markdown = comparison?.markdown() ?? report.markdown()
    var wrote = false
    do {
      if let md {
        try PrivateFile.write(Data(markdown.utf8), to: md, overwrite: force)
        say("report: \(md)")
        wrote = true
      }
      if let json {
        try PrivateFile.write(comparison?.json() ?? report.json(), to: json, overwrite: force)
        say("report: \(json)")
        wrote = true
      }
      if let html {
        try PrivateFile.write(Data((comparison?.html() ?? report.html()).utf8), to: html, overwrite: force)
        say("report: \(html)")
        wrote = true
      }
    } catch {
      complain("chaostui report: cannot write: \(error)")
      throw ExitCode(2)
    }
    // Nothing asked for: the Markdown on standard output.
    if !wrote { sayLines(markdown, terminator: "") }
    for n in journal.notes { complain("chaostui report: journal: \(n)") }
  }
}
