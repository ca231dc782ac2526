import ArgumentParser
import ClusterState
import Console
import Foundation
import Panels
import Recording

/// `chaostui follow [JOURNAL]`: a session shown live, read-only, from the journal the operator's
/// chaostui is writing: for observers in other terminals or SSH sessions on the bastion.
struct FollowSession: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "follow",
    abstract:
      "Follow a session live, read-only, from the journal its chaostui is writing (default: the newest in $XDG_STATE_HOME/chaostui/sessions/)."
  )

  @Argument(help: "The journal being written (default: the newest one in the sessions folder).")
  var file: String?

  @OptionGroup(title: "Display") var display: DisplayOptions

  @Option(help: "Write a log to this file (nothing is logged on screen).")
  var log: String?

  func run() throws {
    guard let path = file ?? Self.newestJournal() else {
      complain("chaostui follow: no journal in \(Self.sessionsFolder()): give the one to follow")
      throw ExitCode(2)
    }
    let follower: JournalFollower
    do { follower = try JournalFollower(path: path) } catch {
      complain("chaostui follow: \(error)")
      throw ExitCode(2)
    }
    let logger = try log.map { try FileLog(path: $0) }
    let (term, utf8) = try terminalReady()
    let searchPaths = chaostuiThemeSearchPaths()
    let (loadedTheme, themeProblem) = Theme.load(display.theme ?? "default", searchPaths: searchPaths)
    let console = Console(
      source: follower, readOnly: true, theme: loadedTheme,
      glyphs: display.glyphs.flatMap(Glyphs.named) ?? (utf8 ? .unicode : .ascii), themeSearchPaths: searchPaths,
      now: now())
    console.log = logger.map { l in { l.write($0) } }
    console.show(namespace: follower.shownNamespace)
    console.start()
    let notice = themeProblem ?? "Following \((path as NSString).lastPathComponent): read-only, as it is written"
    try runOnTerminal(console: console, term: term, notice: notice, logger: logger)
  }

  static func sessionsFolder() -> String {
    let env = ProcessInfo.processInfo.environment
    return chaostuiStateFolder(env) + "/sessions"
  }

  /// The journal written last in the sessions folder.
  static func newestJournal() -> String? {
    let folder = sessionsFolder()
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".jsonl") }.map { folder + "/" + $0 }.max { a, b in
      let ma = (try? FileManager.default.attributesOfItem(atPath: a)[.modificationDate] as? Date) ?? .distantPast
      let mb = (try? FileManager.default.attributesOfItem(atPath: b)[.modificationDate] as? Date) ?? .distantPast
      return ma < mb
    }
  }
}
