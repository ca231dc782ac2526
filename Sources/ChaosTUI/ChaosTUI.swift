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

/// `chaostui [options]` is the console; `chaostui run FILE [options]` runs an experiment headless.
/// The two take options of the same names (`--speed`, `--demo`), so each is a command of its own
/// rather than a subcommand whose parent would take them.
@main
enum Entry {
  static func main() {
    let args = CommandLine.arguments.dropFirst()
    if args.first == "run" {
      execute(RunExperiment.self, Array(args.dropFirst()))
    } else if args.first == "replay" {
      execute(ReplaySession.self, Array(args.dropFirst()))
    } else if args.first == "report" {
      execute(ReportSession.self, Array(args.dropFirst()))
    } else if args.first == "monkey" {
      execute(MonkeyCommand.self, Array(args.dropFirst()))
    } else if args.first == "faults" {
      execute(FaultsCommand.self, Array(args.dropFirst()))
    } else {
      execute(ChaosTUI.self, Array(args))
    }
  }

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

struct ChaosTUI: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "chaostui",
    abstract: "A full-screen console for chaos engineering on Kubernetes: inject faults, watch the system heal.",
    discussion:
      "With no cluster configured it runs the embedded demo cluster: a Flask web tier with an autoscaler, "
      + "a Postgres primary and replica, and Spark. Select a pod, press f to inject a fault, and watch the "
      + "incident's time to detect (TTD) and to recover (TTR). Press ? in the console for every key. "
      + "chaostui run FILE runs a chaos experiment headless (see experiments/); chaostui monkey runs kube-monkey's "
      + "schedule headless; chaostui replay and chaostui report read a recorded session; chaostui faults lists the faults.",
    version: chaostuiVersion)

  @OptionGroup var cluster: ClusterOptions

  @Option(name: [.short, .long], help: "The namespace to watch (default: the context's, else default).")
  var namespace: String?

  @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "Watch every namespace.")
  var allNamespaces = false

  @Option(help: "Theme name (from themes/) or path to a .theme file (default: default).")
  var theme: String?

  @Option(help: "Glyphs: block, braille or ascii (default: block on UTF-8 locales, ascii otherwise).")
  var glyphs: String?

  @Flag(help: "Disable every fault key (shown greyed, with the reason).")
  var readOnly = false

  @Option(help: "Scale the demo cluster with this many extra pods (benchmarks; up to 20000).")
  var pods: Int = 0

  @Option(help: "The demo HPA's scale-down stabilization window in seconds (Kubernetes' default is 300).")
  var scaleDownWindow: Double = 60

  @OptionGroup var monitoring: PrometheusOptions

  @Flag(help: "Start monkey mode at once: kube-monkey's schedule from the workloads' labels (M in the console).")
  var monkey = false

  @OptionGroup var monkeyOptions: MonkeyOptions

  @Option(
    help:
      "A config file (YAML: prometheus url/token_file/ca_file/queries, scrape, theme; default $XDG_CONFIG_HOME/chaostui/config.yaml if it exists). Flags win over it."
  )
  var config: String?

  @Option(
    help:
      "A raw /metrics endpoint (Prometheus text or OpenMetrics) to read every 5 s; repeatable. cAdvisor series give the pods' CPU and memory, request-duration histograms a service's latency."
  )
  var scrape: [String] = []

  @Option(help: "Record the session's journal here (default: $XDG_STATE_HOME/chaostui/sessions/DATE-CONTEXT.jsonl).")
  var record: String?

  @Flag(help: "Do not record the session.")
  var noRecord = false

  @Option(
    help:
      "Write the terminal session as an asciicast v2 file (asciinema), with a marker at each fault, detection and recovery."
  )
  var cast: String?

  @Option(
    help:
      "The directory of experiment files the x key lists (default: ./experiments, else the one beside the chaostui checkout)."
  )
  var experiments: String?

  func validate() throws {
    for p in (monitoring.prometheus.map { [$0] } ?? []) + scrape
    where !(p.hasPrefix("http://") || p.hasPrefix("https://")) {
      throw ValidationError("--prometheus and --scrape take http:// or https:// URLs, got \(p)")
    }
    guard pods >= 0 && pods <= 20000 else { throw ValidationError("--pods must be between 0 and 20000, got \(pods)") }
    guard scaleDownWindow >= 0 && scaleDownWindow <= 3600 else {
      throw ValidationError("--scale-down-window must be between 0 and 3600 seconds")
    }
    if let g = glyphs, Glyphs.named(g) == nil {
      throw ValidationError("--glyphs must be block, braille or ascii, got \(g)")
    }
  }

  /// The config file: `--config`, else the default one if it exists; flags given win over it.
  /// Returns the file's path (nil: none) and the queries given inline in it.
  mutating func applyConfig(environment env: [String: String]) throws -> (path: String?, queries: PromQueries?) {
    let path = config ?? ChaosConfig.defaultPath(environment: env)
    guard config != nil || FileManager.default.fileExists(atPath: path) else { return (nil, nil) }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ValidationError("--config \(path): cannot read it")
    }
    let c: ChaosConfig
    do {
      c = try ChaosConfig.load(
        yaml: text, source: path, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    } catch {
      throw ValidationError("\(error)")
    }
    if monitoring.prometheus == nil { monitoring.prometheus = c.prometheusURL }
    if monitoring.prometheusTokenFile == nil { monitoring.prometheusTokenFile = c.tokenFile }
    if monitoring.prometheusCa == nil { monitoring.prometheusCa = c.caFile }
    if c.insecureSkipTLSVerify { monitoring.prometheusInsecureSkipTlsVerify = true }
    var inline: PromQueries?
    if monitoring.queries == nil {
      monitoring.queries = c.queriesFile
      inline = c.queries
    }
    if scrape.isEmpty { scrape = c.scrape }
    if theme == nil { theme = c.theme }
    if experiments == nil { experiments = c.experiments }
    return (path, inline)
  }

  func run() throws {
    var me = self
    let (configPath, configQueries) = try me.applyConfig(environment: ProcessInfo.processInfo.environment)
    try me.start(configPath: configPath, configQueries: configQueries)
  }

  func start(configPath: String?, configQueries: PromQueries?) throws {
    let logger = try cluster.log.map { try FileLog(path: $0) }
    if let configPath { logger?.write("config from \(configPath)") }
    let (term, utf8) = try terminalReady()

    let searchPaths = themeSearchPaths()
    let (loadedTheme, themeProblem) = Theme.load(theme ?? "default", searchPaths: searchPaths)
    if let themeProblem { logger?.write("theme: " + themeProblem) }
    for line in loadedTheme.ignored { logger?.write("theme \(loadedTheme.name): ignored \(line)") }
    let glyphSet = glyphs.flatMap(Glyphs.named) ?? (utf8 ? .unicode : .ascii)

    // A real cluster when one is configured (kubeconfig, or the in-cluster service account), else the demo.
    let env = ProcessInfo.processInfo.environment
    var kube: KubeCluster?
    var metricsSources: [ActionSource] = []
    var startNotice: String?
    let configured = cluster.kubeconfigFound(env)
    if !cluster.demo && pods == 0 {
      if configured {
        let connection: ClusterConnection
        do {
          connection = try cluster.connection(env)
        } catch {
          throw RunError("chaostui: \(error)")
        }
        let ns = allNamespaces ? nil : (namespace ?? connection.namespace ?? "default")
        kube = KubeCluster(connection: connection, namespace: ns, dryRun: cluster.dryRun)
        logger?.write("cluster: \(connection.description), namespace \(ns ?? "all")")
      } else if let inCluster = Kubeconfig.inCluster(environment: env) {
        kube = KubeCluster(
          connection: inCluster, namespace: allNamespaces ? nil : (namespace ?? inCluster.namespace),
          dryRun: cluster.dryRun)
      } else {
        startNotice = "No kubeconfig and no in-cluster service account: running the demo cluster"
      }
    }
    if kube == nil && (monitoring.prometheus != nil || !scrape.isEmpty) {
      startNotice =
        (startNotice.map { $0 + ". " } ?? "")
        + "--prometheus and --scrape are for a real cluster: the demo makes its own numbers"
    }
    var options = cluster.demoOptions()
    options.extraPods = pods
    options.scaleDownWindow = scaleDownWindow
    var warning: String?
    logger?.write(
      "chaostui \(chaostuiVersion) starting: \(kube == nil ? "demo seed \(cluster.seed) speed \(cluster.speed) pods +\(pods)" : "cluster") TERM=\(term) utf8=\(utf8)"
    )
    if let kube {
      kube.log = logger.map { l in { @Sendable line in l.write(line) } }
      try cluster.configure(kube, readOnly: readOnly)
      if cluster.dryRun { warning = "DRY RUN" }
      logger?.write("session \(kube.session): resources carry the label chaostui.io/session=\(kube.session)")
      if kube.connection.insecureSkipTLSVerify {
        warning = "TLS UNVERIFIED"
        logger?.write("warning: insecure-skip-tls-verify is set; the server's certificate is not checked")
      }
      if let url = monitoring.prometheus {
        let source = try monitoring.source(url: url, inline: configQueries, logger: logger)
        source.log = kube.log
        if monitoring.prometheusInsecureSkipTlsVerify { warning = "TLS UNVERIFIED" }
        kube.metricsFromPrometheus = true
        source.waitsFor = { kube.waitForPodList() }
        metricsSources.append(source)
        logger?.write("metrics from Prometheus \(PromSource.redacted(url))")
      }
      for url in scrape {
        let source = ScrapeSource(url: url)
        source.log = kube.log
        kube.metricsFromScrape = true
        // Pod figures from the scrape only where metrics.k8s.io does not serve them.
        source.podsWanted = { [kube] in kube.servesPodMetrics != true }
        source.waitsFor = { kube.waitForPodList() }
        metricsSources.append(source)
        logger?.write("scraping \(PromSource.redacted(url))")
      }
    }
    let source: ClusterSource = kube ?? DemoCluster(options: options, speed: cluster.speed)
    let console = Console(
      source: source, metricsSources: metricsSources, speed: cluster.speed, readOnly: readOnly, theme: loadedTheme,
      glyphs: glyphSet, themeSearchPaths: searchPaths, now: now())
    console.log = logger.map { l in { l.write($0) } }
    console.warning = warning
    let catalog = ExperimentCatalog.load(directory: experimentsDirectory())
    logger?.write(
      "experiments from \(catalog.directory ?? "-"): \(catalog.entries.count) files"
        + (catalog.problem.map { " (\($0))" } ?? ""))
    for e in catalog.entries where e.error != nil { logger?.write("experiment file: \(e.error!)") }
    console.use(catalog: catalog)
    console.monkeyConfig = try monkeyOptions.config(demo: kube == nil, environment: env)
    if kube == nil && options.controlGroup && pods == 0 {
      // The demo shows its experimental group; N shows the control group, then everything.
      console.show(namespace: Simulator.experimentalNamespace)
    }
    if kube == nil {
      // Sources the user named that the demo does not read stay visible, with the reason.
      let named =
        (monitoring.prometheus.map { ["prometheus " + PromSource.redacted($0)] } ?? [])
        + scrape.map { "scrape " + PromSource.redacted($0) }
      console.store.dispatch(
        named.map {
          .source(
            SourceStatus(
              name: $0, health: .ignored,
              detail: "not read: the demo makes its own numbers (this is for a real cluster)"))
        })
    }
    if !noRecord {
      let (path, problem) = recordSession(console, source: source, to: record, shown: console.ui.namespaceScope)
      logger?.write(problem ?? "recording the session to \(path)")
    }
    console.start()
    if monkey { console.startMonkey() }
    try runOnTerminal(console: console, term: term, notice: themeProblem ?? startNotice, logger: logger, cast: cast)
  }

  /// `--experiments` (or the config file's), else `./experiments`, else the checkout's beside the
  /// binary (.build/<config>/chaostui), else an installed share folder.
  func experimentsDirectory() -> String {
    if let experiments { return experiments }
    var candidates = [FileManager.default.currentDirectoryPath + "/experiments"]
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      let url = URL(fileURLWithPath: exe).deletingLastPathComponent()
      candidates.append(url.appendingPathComponent("../../experiments").standardized.path)
      candidates.append(url.appendingPathComponent("../share/chaostui/experiments").standardized.path)
    }
    return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
  }

  func themeSearchPaths() -> [String] { chaostuiThemeSearchPaths() }
}

/// Where themes are looked for: $CHAOSTUI_THEMES, the user's config, ./themes, beside the binary.
func chaostuiThemeSearchPaths() -> [String] {
  var paths: [String] = []
  let env = ProcessInfo.processInfo.environment
  if let dir = env["CHAOSTUI_THEMES"] { paths.append(dir) }
  let config = env["XDG_CONFIG_HOME"] ?? ((env["HOME"] ?? "") + "/.config")
  paths.append(config + "/chaostui/themes")
  paths.append(FileManager.default.currentDirectoryPath + "/themes")
  // Next to the binary's checkout (.build/<config>/chaostui) and an installed share folder.
  if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
    let url = URL(fileURLWithPath: exe).deletingLastPathComponent()
    paths.append(url.appendingPathComponent("../../themes").standardized.path)
    paths.append(url.appendingPathComponent("../share/chaostui/themes").standardized.path)
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
    let stamp = ISO8601DateFormatter().string(from: Date())
    lock.withLock { handle.write(Data((stamp + " " + Sanitize.line(line) + "\n").utf8)) }
  }
}
