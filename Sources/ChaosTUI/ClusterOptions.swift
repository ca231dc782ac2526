import ArgumentParser
import ClusterState
import Foundation
import KubeClient
import Simulation
import Transport

/// The options of the console and of `chaostui run` alike: which cluster (the demo or a kubeconfig's),
/// the demo's seed and speed, dry runs and the log.
struct ClusterOptions: ParsableArguments {
  @Flag(help: "Run on the embedded simulated cluster, even when a kubeconfig is found.")
  var demo = false

  @Option(help: "The kubeconfig file (default: KUBECONFIG, a list merged, then ~/.kube/config).")
  var kubeconfig: String?

  @Option(
    name: .customLong("context"),
    help: ArgumentHelp(
      "The kubeconfig context to use (default: its current-context). Given more than once, one session shows several clusters: NAME or ALIAS=NAME, their objects named ALIAS:namespace.",
      valueName: "context"))
  var contexts: [String] = []

  /// The one context asked for (nil: the kubeconfig's current-context).
  var context: String? { contexts.count == 1 ? contexts[0] : nil }

  /// The contexts of a session of several (`--context` given more than once, else the config
  /// file's `contexts:`); empty: one cluster.
  func contextSpecs(config: [ContextSpec]) throws -> [ContextSpec] {
    let specs =
      contexts.count > 1
      ? try contexts.map { text in
        switch ContextSpec.parse(text) {
        case .success(let s): return s
        case .failure(let e): throw ValidationError("--context \(Sanitize.line(text)): \(e)")
        }
      } : contexts.isEmpty ? config : []
    if let problem = ContextSpec.problem(specs) { throw ValidationError(problem) }
    return specs
  }

  @Option(help: "Seed of the demo cluster: the same seed and keys replay the same demo.")
  var seed: UInt64 = 1

  @Option(help: "Demo clock multiplier (0.1 to 100; the demo only: a real cluster keeps its own pace).")
  var speed: Double = 1

  @Flag(help: "Send every change with dryRun=All: the server validates it, nothing is changed.")
  var dryRun = false

  @Flag(
    help:
      "Set back, without asking, what your earlier sessions left in the cluster (by this machine's record of them; for run and monkey). Never in --read-only or --dry-run."
  )
  var restoreLeftovers = false

  /// Settings every command gives a real cluster: this user's record of changes (the leftover
  /// sweep acts only on it), and whether leftovers are set back without asking. `--speed` is
  /// refused: it runs the demo's clock, and a real cluster keeps its own pace.
  func configure(_ kube: KubeCluster, readOnly: Bool = false) throws {
    guard speed == 1 else {
      throw RunError(
        "--speed \(format1(speed)) runs the demo's clock (and a replay's); a real cluster keeps its own pace: drop --speed, or add --demo"
      )
    }
    kube.readOnly = readOnly
    kube.restoreLeftoversWithoutAsking = restoreLeftovers
    kube.ledger.book = ChangeBook(folder: ChangeBook.defaultFolder())
  }

  @Option(
    help:
      "The team's safety lever every chaostui watches: NAMESPACE/NAME of a ConfigMap on a cluster (default chaostui-system/chaostui-lever), a file on the demo (default $XDG_STATE_HOME/chaostui/lever.json), or none."
  )
  var lever: String?

  @Flag(
    help:
      "Allow faults on a context the config file calls production (production.read-only); dangerous keys still ask for its name."
  )
  var allowProd = false

  @Option(help: "Write a log to this file (nothing is logged on screen).")
  var log: String?

  @Flag(help: "Run the demo without its control group (the second pipeline, in pipeline-control).")
  var noControlGroup = false

  /// The demo cluster these options ask for.
  func demoOptions() -> Simulator.Options {
    var o = Simulator.Options()
    o.seed = seed
    o.controlGroup = !noControlGroup
    return o
  }

  func validate() throws {
    guard speed >= 0.1 && speed <= 100 else {
      throw ValidationError("--speed must be between 0.1 and 100, got \(speed)")
    }
  }
}
