import ArgumentParser
import Experiments
import Foundation

/// `chaostui experiments`: the experiments the console's x key offers and `chaostui run NAME` finds,
/// each with the folder it came from, so an installed chaostui says where its examples are.
struct ExperimentsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "experiments",
    abstract:
      "List the experiments found: ./experiments, then $XDG_CONFIG_HOME/chaostui/experiments, then the package's.")

  @Option(help: "Read this folder only, as the console's --experiments does.")
  var experiments: String?

  func run() throws {
    let catalog =
      experiments.map { ExperimentCatalog.load(directory: $0) }
      ?? ExperimentCatalog.load(searching: ExperimentCatalog.searchPath())
    let searched = experiments.map { [$0] } ?? ExperimentCatalog.searchPath().map(\.path)
    say("searched: " + searched.joined(separator: ", "))
    if let problem = catalog.problem, catalog.entries.isEmpty {
      complain("chaostui experiments: \(problem)")
      throw ExitCode(1)
    }
    let nameWidth = min(48, catalog.entries.map { ($0.path as NSString).lastPathComponent.count }.max() ?? 4)
    for entry in catalog.entries {
      let file = (entry.path as NSString).lastPathComponent
      let what =
        entry.experiment.map {
          "\($0.title) (\($0.method.count) step\($0.method.count == 1 ? "" : "s") on \($0.experimental.namespace))"
        }
        ?? "unreadable: \(entry.error ?? "?")"
      say(
        file.padding(toLength: max(nameWidth, file.count), withPad: " ", startingAt: 0) + "  "
          + entry.origin.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + what)
    }
  }
}
