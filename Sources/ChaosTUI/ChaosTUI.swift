import ArgumentParser
import CNCursesW
import CTerminal
import ClusterState
import Console
import Experiments
import Foundation
import KubeClient
import Monkey
import Panels
import PromClient
import Recording
import Simulation
import Transport

let chaostuiVersion = "0.1.0"

/// The entry point: ArgumentParser's dispatch through the root command, with its messages sanitized.
@main
enum Entry {
  static func main() { execute(Chaostui.self, Array(CommandLine.arguments.dropFirst())) }

  /// ArgumentParser's `main`, with its messages (which may quote an error from a cluster or a
  /// file) through the sanitizer.
  static func execute<C: ParsableCommand>(_ command: C.Type, _ args: [String]) {
    do {
      var parsed = try C.parseAsRoot(args)
      try parsed.run()
    } catch {
      let code = C.exitCode(for: error)
      let message = C.fullMessage(for: error)
      if !message.isEmpty {
        if code == .success { sayLines(message) } else { complain(message, lines: true) }
      }
      exit(code.rawValue)
    }
    exit(0)
  }
}

/// `chaostui`: the console by default (`chaostui --demo` is `chaostui console --demo`), and the
/// headless commands beside it; `chaostui help COMMAND` for each one's options.
struct Chaostui: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "chaostui",
    abstract: "A full-screen console for chaos engineering on Kubernetes: inject faults, watch the system heal.",
    discussion:
      "With no cluster configured it runs the embedded demo cluster: a Flask web tier with an autoscaler, "
      + "a Postgres primary and replica, and Spark. Select a pod, press f to inject a fault, and watch the "
      + "incident's time to detect (TTD) and to recover (TTR). Press ? in the console for every key. "
      + "With no command chaostui runs the console: chaostui --demo is chaostui console --demo, and "
      + "chaostui help console lists its options; chaostui help COMMAND shows each command's.",
    version: chaostuiVersion,
    subcommands: [
      ConsoleCommand.self, RunExperiment.self, MonkeyCommand.self, ReplaySession.self, ReportSession.self,
      FaultsCommand.self, JudgeSession.self, FollowSession.self, HistoryCommand.self, ExperimentsCommand.self,
    ],
    defaultSubcommand: ConsoleCommand.self)
}

/// Where themes are looked for: $CHAOSTUI_THEMES, the user's config, ./themes, beside the binary.
func chaostuiThemeSearchPaths() -> [String] {
  var paths: [String] = []
  let env = ProcessInfo.processInfo.environment
  if let dir = env["CHAOSTUI_THEMES"] { paths.append(dir) }
  let config = env["XDG_CONFIG_HOME"] ?? ((env["HOME"] ?? "") + "/.config")
  paths.append(config + "/chaostui/themes")
  paths.append(FileManager.default.currentDirectoryPath + "/themes")
  // An installed share folder, or the checkout of a development build.
  if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
    paths += chaostuiShareFolders(executable: exe, name: "themes").map(\.path)
  }
  var seen = Set<String>()
  return paths.filter { seen.insert($0).inserted }
}

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

struct RunError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

/// Appends timestamped lines to a file. Never the screen.
final class FileLog: @unchecked Sendable {
  private let lock = NSLock()
  let handle: FileHandle
  init(path: String) throws {
    do { handle = try PrivateFile.append(path) } catch { throw RunError("chaostui: the log file: \(error)") }
  }
  /// One record a line: whatever the line carries from a cluster (an API's message, an event),
  /// its newlines and escapes are written escaped, so no record can forge another.
  func write(_ line: String) {
    let stamp = Timestamps.format(Date().timeIntervalSince1970)
    lock.withLock { handle.write(Data((stamp + " " + Sanitize.line(line) + "\n").utf8)) }
  }
}
