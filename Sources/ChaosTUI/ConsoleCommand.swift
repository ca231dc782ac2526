import ArgumentParser
import ClusterState
import Console
import Experiments
import Foundation
import KubeClient
import Monkey
import Panels
import Probes
import PromClient
import Recording
import Simulation

/// `chaostui console` (the default command): the full-screen console.
struct ConsoleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "console",
    abstract: "The full-screen console (the default: chaostui --demo is chaostui console --demo).")

  @OptionGroup var sources: SourceOptions

  @OptionGroup var namespaces: NamespaceOptions

  @OptionGroup(title: "Display") var display: DisplayOptions

  @OptionGroup(title: "Recording") var recording: RecordingOptions

  @Flag(help: "Disable every fault key (shown greyed, with the reason).")
  var readOnly = false

  @Option(help: "Scale the demo cluster with this many extra pods (benchmarks; up to 20000).")
  var pods: Int = 0

  @Option(help: "The demo HPA's scale-down stabilization window in seconds (Kubernetes' default is 300).")
  var scaleDownWindow: Double = 60

  @Flag(help: "Start monkey mode at once: kube-monkey's schedule from the workloads' labels (M in the console).")
  var monkey = false

  @OptionGroup(title: "Monkey") var monkeyOptions: MonkeyOptions

  @Option(
    help:
      "Write the terminal session as an asciicast v2 file (asciinema), with a marker at each fault, detection and recovery."
  )
  var cast: String?

  @Option(
    help:
      "The directory of experiment files the x key lists (default: ./experiments, then $XDG_CONFIG_HOME/chaostui/experiments, then the package's share/chaostui/experiments, merged)."
  )
  var experiments: String?

  var cluster: ClusterOptions { sources.cluster }

  func validate() throws {
    guard pods >= 0 && pods <= 20000 else { throw ValidationError("--pods must be between 0 and 20000, got \(pods)") }
    guard scaleDownWindow >= 0 && scaleDownWindow <= 3600 else {
      throw ValidationError("--scale-down-window must be between 0 and 3600 seconds")
    }
  }

  func run() throws {
    let logger = try cluster.log.map { try FileLog(path: $0) }
    let (term, utf8) = try terminalReady()
    var options = cluster.demoOptions()
    options.extraPods = pods
    options.scaleDownWindow = scaleDownWindow
    let built: SourceBuilder.Built
    let config: ChaosConfig?
    do {
      (built, config) = try sources.connect(
        namespace: namespaces.choice(default: .contextDefault), demo: options, readOnly: readOnly,
        forceDemo: pods > 0, logger: logger)
    } catch let e as RunError {
      throw e
    } catch let e as ValidationError {
      throw e
    } catch {
      throw RunError("chaostui: \(error)")
    }
    let searchPaths = themeSearchPaths()
    let (loadedTheme, themeProblem) = Theme.load(display.theme ?? config?.theme ?? "default", searchPaths: searchPaths)
    if let themeProblem { logger?.write("theme: " + themeProblem) }
    for line in loadedTheme.ignored { logger?.write("theme \(loadedTheme.name): ignored \(line)") }
    let glyphSet = display.glyphs.flatMap(Glyphs.named) ?? (utf8 ? .unicode : .ascii)
    let env = ProcessInfo.processInfo.environment
    let kube = built.kube
    logger?.write(
      "chaostui \(chaostuiVersion) starting: \(kube == nil ? "demo seed \(cluster.seed) speed \(cluster.speed) pods +\(pods)" : "cluster") TERM=\(term) utf8=\(utf8)"
    )
    let source = built.source
    let console = Console(
      source: source, metricsSources: built.metrics, speed: cluster.speed, readOnly: readOnly, theme: loadedTheme,
      glyphs: glyphSet, themeSearchPaths: searchPaths, now: now())
    console.log = logger.map { l in { l.write($0) } }
    console.warning = built.warning
    built.join(console)
    if kube != nil { console.attacher = built.attacher(for: console) }
    let inbox = console.inbox
    console.probeRunner = ProbeRunner(speed: source.simulated != nil ? cluster.speed : 1) { inbox.post($0) }
    let catalog =
      (experiments ?? config?.experiments).map { ExperimentCatalog.load(directory: $0) }
      ?? ExperimentCatalog.load(searching: ExperimentCatalog.searchPath())
    logger?.write(
      "experiments from \(catalog.directory ?? "-"): \(catalog.entries.count) files"
        + (catalog.problem.map { " (\($0))" } ?? ""))
    for e in catalog.entries where e.error != nil { logger?.write("experiment file: \(e.error!)") }
    console.use(catalog: catalog)
    console.monkeyConfig = try monkeyOptions.config(demo: kube == nil, environment: env)
    if built.source is ContextSet {
      // Several contexts: every one's namespaces, each named with its alias.
    } else if kube == nil, let ns = namespaces.namespace {
      console.show(namespace: ns)
    } else if kube == nil && options.controlGroup && pods == 0 && !namespaces.allNamespaces {
      // The demo shows its experimental group; N shows the control group, then everything.
      console.show(namespace: Simulator.experimentalNamespace)
    }
    // Sources the user named that the demo does not read stay visible, with the reason.
    console.store.dispatch(
      built.ignored.map {
        .source(
          SourceStatus(
            name: $0, health: .ignored, detail: built.ignoredWhy)
        )
      })
    if !recording.noRecord {
      let (path, problem) = recordSession(
        console, source: source, to: recording.record, shown: console.ui.namespaceScope)
      logger?.write(problem ?? "recording the session to \(path)")
    }
    console.start()
    if monkey { console.startMonkey() }
    try runOnTerminal(console: console, term: term, notice: themeProblem ?? built.notice, logger: logger, cast: cast)
  }

  func themeSearchPaths() -> [String] { chaostuiThemeSearchPaths() }
}
