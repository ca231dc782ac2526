import ArgumentParser
import CTerminal
import ClusterState
import Console
import Foundation
import Panels
import Recording

/// `chaostui replay FILE`: a recorded session in the full console, with no cluster and no network.
struct ReplaySession: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract:
      "Replay a recorded session (a journal) in the console: Space pauses, Left/Right seek 10 s, [ ] a minute, n/p jump to the next/previous fault or alert."
  )

  @Argument(help: "The journal (see $XDG_STATE_HOME/chaostui/sessions/, or --record).")
  var file: String

  @Option(help: "Replay speed (0.1 to 100; + and - change it while playing).")
  var speed: Double = 1

  @OptionGroup(title: "Display") var display: DisplayOptions

  @Option(help: "Write a log to this file (nothing is logged on screen).")
  var log: String?

  func validate() throws {
    guard speed >= 0.1 && speed <= 100 else {
      throw ValidationError("--speed must be between 0.1 and 100, got \(speed)")
    }
  }

  func run() throws {
    let journal: JournalReader
    do { journal = try JournalReader.load(path: file) } catch {
      complain("chaostui replay: \(error)")
      throw ExitCode(2)
    }
    let logger = try log.map { try FileLog(path: $0) }
    for n in journal.notes { logger?.write("journal: " + n) }
    let (term, utf8) = try terminalReady()
    let searchPaths = chaostuiThemeSearchPaths()
    let (loadedTheme, themeProblem) = Theme.load(display.theme ?? "default", searchPaths: searchPaths)
    let session = RecordedSession(journal: journal, speed: speed)
    let console = Console(
      source: session, speed: speed, readOnly: true, theme: loadedTheme,
      glyphs: display.glyphs.flatMap(Glyphs.named) ?? (utf8 ? .unicode : .ascii), themeSearchPaths: searchPaths,
      now: now())
    console.log = logger.map { l in { l.write($0) } }
    console.show(namespace: journal.header.shown)
    console.start()
    let notice =
      themeProblem
      ?? (journal.notes.isEmpty
        ? "Replaying \((file as NSString).lastPathComponent): \(formatDuration(session.length)) recorded"
        : "Replaying: " + journal.notes.joined(separator: "; "))
    try runOnTerminal(console: console, term: term, notice: notice, logger: logger)
  }
}
