import ArgumentParser
import ClusterState
import Console
import Events
import Foundation
import Panels
import PromClient
import Simulation

/// Where the numbers come from, for every command that connects (console, run, monkey): the
/// cluster (the demo, a kubeconfig's, or the in-cluster service account), Prometheus, raw scrapes
/// and the config file that may name them. `SourceBuilder` makes the sources from it.
struct SourceOptions: ParsableArguments {
  @OptionGroup(title: "Cluster") var cluster: ClusterOptions

  @OptionGroup(title: "Monitoring") var monitoring: PrometheusOptions

  @Option(
    help:
      "A config file (YAML: prometheus url/token_file/ca_file/queries, scrape, theme, experiments; default $XDG_CONFIG_HOME/chaostui/config.yaml if it exists). Flags win over it."
  )
  var config: String?

  @Option(
    help:
      "A raw /metrics endpoint (Prometheus text or OpenMetrics) to read every 5 s; repeatable. cAdvisor series give the pods' CPU and memory, request-duration histograms a service's latency."
  )
  var scrape: [String] = []

  func validate() throws {
    for p in (monitoring.prometheus.map { [$0] } ?? []) + scrape
    where !(p.hasPrefix("http://") || p.hasPrefix("https://")) {
      throw ValidationError("--prometheus and --scrape take http:// or https:// URLs, got \(p)")
    }
  }

  /// The config file: `--config`, else the default one if it exists; flags given win over it.
  /// Returns its path and what it says (nil: no file).
  mutating func applyConfig(environment env: [String: String]) throws -> (path: String, config: ChaosConfig)? {
    let path = config ?? ChaosConfig.defaultPath(environment: env)
    guard config != nil || FileManager.default.fileExists(atPath: path) else { return nil }
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
    if monitoring.queries == nil { monitoring.queries = c.queriesFile }
    if scrape.isEmpty { scrape = c.scrape }
    return (path, c)
  }
}

extension SourceOptions {
  /// The config file applied, then the sources built: what every command that connects does first.
  /// Returns the sources and the config file's settings (the console takes its theme and
  /// experiments folder from them).
  func connect(
    namespace: SourceBuilder.Namespace, demo: Simulator.Options, readOnly: Bool = false, forceDemo: Bool = false,
    logger: FileLog?
  ) throws -> (built: SourceBuilder.Built, config: ChaosConfig?) {
    let env = ProcessInfo.processInfo.environment
    var options = self
    let file = try options.applyConfig(environment: env)
    if let file { logger?.write("config from \(file.path)") }
    let built = try SourceBuilder(
      options: options, namespace: namespace, readOnly: readOnly, demo: demo, forceDemo: forceDemo, logger: logger,
      inlineQueries: file?.config.queries, leverSetting: file?.config.lever,
      production: file?.config.production ?? ProductionGuard(), stopAlerts: file?.config.stopAlerts,
      goNoGo: file?.config.goNoGo.map { ($0, file?.config.goNoGoEvery ?? 5) },
      events: try file.map { try Self.eventTargets($0.config) } ?? [],
      configContexts: file?.config.contexts ?? [], failover: file?.config.failover ?? []
    ).build(environment: env)
    return (built, file?.config)
  }
}

extension SourceOptions {
  /// The config file's events out; Grafana's token read from its file (never shown).
  static func eventTargets(_ c: ChaosConfig) throws -> [EventsOut.Target] {
    var out: [EventsOut.Target] = []
    if let hook = c.webhook { out.append(.webhook(url: hook)) }
    if let url = c.grafanaURL {
      var token: String?
      if let f = c.grafanaTokenFile {
        guard let t = try? String(contentsOfFile: f, encoding: .utf8) else {
          throw ValidationError("events.grafana.token_file \(f): cannot read it")
        }
        token = t.trimmingCharacters(in: .whitespacesAndNewlines)
      }
      out.append(.grafana(url: url, token: token, tags: c.grafanaTags))
    }
    return out
  }
}

/// `-n` and `-A`: one meaning wherever they appear — the namespace chaostui watches and acts in.
struct NamespaceOptions: ParsableArguments {
  @Option(
    name: [.short, .long],
    help:
      "The namespace to watch and act in (default: the console the context's namespace, monkey every namespace as kube-monkey does)."
  )
  var namespace: String?

  @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "Watch and act in every namespace.")
  var allNamespaces = false

  func validate() throws {
    if allNamespaces && namespace != nil { throw ValidationError("-n and -A together: pick one") }
  }

  /// What these options ask for, with the command's default when neither is given.
  func choice(default fallback: SourceBuilder.Namespace) -> SourceBuilder.Namespace {
    if allNamespaces { return .all }
    return namespace.map { .named($0) } ?? fallback
  }
}

/// The session's journal: every command that runs a session records it unless told not to.
struct RecordingOptions: ParsableArguments {
  @Option(
    help: "Record the session (replay, report) here (default: $XDG_STATE_HOME/chaostui/sessions/DATE-CONTEXT.jsonl).")
  var record: String?

  @Flag(help: "Do not record the session.")
  var noRecord = false

  @Flag(
    help:
      "Write the session's journal to standard output too, as JSON lines (in a pod: its log, which chaostui follow --pod reads); the command's own lines go to standard error. With --no-record, to standard output only."
  )
  var journalStdout = false

  /// Records the console's session as asked: to a file, to standard output, both, or not at all.
  /// Returns the line to say (where, or why not), nil when nothing is recorded.
  func begin(_ console: Console, source: ClusterSource, title: String, shown: String?) -> String? {
    if journalStdout { humanLinesToStandardError = true }
    guard !noRecord || journalStdout else { return nil }
    let (path, problem) = recordSession(
      console, source: source, to: noRecord ? nil : record, title: title, shown: shown, stdout: journalStdout,
      file: !noRecord)
    return problem ?? "session: \(path)" + (journalStdout && !noRecord ? " and standard output" : "")
  }
}

/// How the console looks: the theme and the glyphs (console and replay).
struct DisplayOptions: ParsableArguments {
  @Option(help: "Theme name (from themes/) or path to a .theme file (default: default).")
  var theme: String?

  @Option(help: "Glyphs: block, braille or ascii (default: block on UTF-8 locales, ascii otherwise).")
  var glyphs: String?

  func validate() throws {
    if let g = glyphs, Glyphs.named(g) == nil {
      throw ValidationError("--glyphs must be block, braille or ascii, got \(g)")
    }
  }
}
