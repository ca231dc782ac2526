import ClusterState
import Console
import Events
import Foundation
import KubeClient
import Probes
import PromClient
import Simulation
import Transport

/// The one place the sources of a session are made from `SourceOptions`, for every command: a real
/// cluster when one is configured (a kubeconfig, else the in-cluster service account), else the
/// demo; Prometheus and raw scrapes beside a real cluster; on the demo, what it does not read named
/// with the reason.
struct SourceBuilder {
  enum Namespace: Equatable {
    case named(String)
    case all
    /// The kubeconfig context's (the service account's in a pod), else `default`.
    case contextDefault
  }

  /// What a command runs on.
  struct Built {
    var source: ClusterSource
    var kube: KubeCluster?
    var metrics: [ActionSource] = []
    /// In words for the command's first line: the server and context, or the demo.
    var platform: String
    /// Shown in the header: DRY RUN, TLS UNVERIFIED.
    var warning: String?
    /// Why the demo runs, or what it does not read.
    var notice: String?
    /// Sources the user named that are not read (on the demo; beside several contexts), and why.
    var ignored: [String] = []
    var ignoredWhy = "not read: the demo makes its own numbers (this is for a real cluster)"
    /// The team's safety lever (nil: `--lever none`).
    var lever: SafetyLeverSource?
    /// Who acts, in the lever's and the notes' words (nil: `user@host`).
    var operatorName: String?
    /// The production pattern the context matched (nil: not production).
    var production: String?
    /// The stop signals: the alerts that stop (evaluated on Prometheus' alerts) and the go/no-go
    /// URL's poller.
    var stopAlerts: AlertSelector?
    var goNoGo: GoNoGoSource?
    /// Events out (a webhook, Grafana annotations).
    var events: EventsOut?
    /// Why this production context may not be changed (`production.read-only` without
    /// `--allow-prod`): the console is read-only, `run` and `monkey` refuse.
    var productionRefusal: String?
    /// The services served from one context or another (the config file's `failover:`).
    var failover: [FailoverGroup] = []

    /// The console watches the team's lever and knows who acts.
    func join(_ console: Console) {
      console.use(lever: lever)
      if let operatorName { console.operatorName = operatorName }
      if production != nil || productionRefusal != nil {
        console.guardProduction(pattern: production, readOnlyReason: productionRefusal)
      }
      if stopAlerts != nil || goNoGo != nil { console.watchStopSignals(alerts: stopAlerts, goNoGo: goNoGo) }
      if let events { console.send(events: events) }
      if !failover.isEmpty { console.store.dispatch(.failover(failover)) }
    }
  }

  var options: SourceOptions
  var namespace: Namespace
  var readOnly = false
  /// The demo's options (the console adds its extra pods and scale-down window).
  var demo: Simulator.Options
  /// The demo even when a cluster is configured (`--demo`, or the console's `--pods`).
  var forceDemo = false
  var logger: FileLog?
  /// PromQL given inline in the config file (`--queries` wins).
  var inlineQueries: PromQueries?
  /// The config file's `lever` (`--lever` wins).
  var leverSetting: String?
  /// The config file's production contexts.
  var production = ProductionGuard()
  /// The config file's stop signals.
  var stopAlerts: AlertSelector?
  var goNoGo: (url: String, every: Double)?
  /// The config file's events out.
  var events: [EventsOut.Target] = []
  /// The config file's several clusters (`--context` more than once wins), and its failover groups.
  var configContexts: [ContextSpec] = []
  var failover: [FailoverGroup] = []

  /// The events the config sends, from the context `context`.
  func addEvents(_ built: inout Built, context: String) {
    if !events.isEmpty { built.events = EventsOut(targets: events, context: context) }
  }

  /// The stop signals the config names, on what was built.
  func addStopSignals(_ built: inout Built) {
    built.stopAlerts = stopAlerts
    built.goNoGo = goNoGo.map { GoNoGoSource(url: $0.url, every: $0.every) }
  }

  func build(environment env: [String: String]) throws -> Built {
    var built = try buildSource(environment: env)
    built.failover = failover
    return built
  }

  func buildSource(environment env: [String: String]) throws -> Built {
    let cluster = options.cluster
    let specs = try cluster.contextSpecs(config: configContexts)
    if !specs.isEmpty { return try buildSet(specs, environment: env) }
    var connection: ClusterConnection?
    var notice: String?
    if !cluster.demo && !forceDemo {
      connection = try Kubeconfig.connection(flag: cluster.kubeconfig, context: cluster.context, environment: env)
      if connection == nil { notice = "No kubeconfig and no in-cluster service account: running the demo cluster" }
    }
    guard let connection else { return demoBuilt(notice: notice) }
    let ns = namespace(on: connection)
    let kube = KubeCluster(connection: connection, namespace: ns, dryRun: cluster.dryRun)
    kube.log = logger.map { l in { @Sendable line in l.write(line) } }
    let (prod, refusal) = productionGuard(connection.contextName)
    try cluster.configure(kube, readOnly: readOnly || refusal != nil)
    logger?.write("cluster: \(connection.description), namespace \(ns ?? "all")")
    logger?.write("session \(kube.session): resources carry the label chaostui.io/session=\(kube.session)")
    var built = Built(source: kube, kube: kube, platform: connection.description)
    built.lever = try kubeLever(kube, connection)
    built.operatorName = Console.defaultOperator(env) + " as " + connection.userName
    built.production = prod
    built.productionRefusal = refusal
    addStopSignals(&built)
    addEvents(&built, context: connection.contextName)
    if cluster.dryRun { built.warning = "DRY RUN" }
    if connection.insecureSkipTLSVerify {
      built.warning = "TLS UNVERIFIED"
      logger?.write("warning: insecure-skip-tls-verify is set; the server's certificate is not checked")
    }
    try addMonitoring(&built, kube)
    return built
  }

  /// The namespace a connection shows: `-n`'s, every one (`-A`), or the context's own.
  func namespace(on connection: ClusterConnection) -> String? {
    switch namespace {
    case .named(let n): return n
    case .all: return nil
    case .contextDefault: return connection.namespace ?? "default"
    }
  }

  /// Prometheus and raw scrapes: who feeds the pods' figures is decided here, once.
  func addMonitoring(_ built: inout Built, _ kube: KubeCluster) throws {
    let monitoring = options.monitoring
    kube.metricsPolicy =
      monitoring.prometheus != nil ? .prometheus : options.scrape.isEmpty ? .metricsAPI : .metricsAPIElseScrape
    if let url = monitoring.prometheus {
      let source = try prometheus(url, for: kube)
      if monitoring.prometheusInsecureSkipTlsVerify { built.warning = "TLS UNVERIFIED" }
      built.metrics.append(source)
      logger?.write("metrics from Prometheus \(PromSource.redacted(url))")
    }
    for url in options.scrape {
      let source = ScrapeSource(url: url)
      source.log = kube.log
      // Pod figures from the scrape only where metrics.k8s.io does not serve them.
      source.podsWanted = { [kube] in kube.servesPodMetrics != true }
      source.waitsFor = { kube.waitForPodList() }
      built.metrics.append(source)
      logger?.write("scraping \(PromSource.redacted(url))")
    }
  }

  /// A cluster's Prometheus (`--prometheus`, or a context's `prometheus:`): it logs as the cluster
  /// does, waits for its pod list, and feeds its pods' figures.
  func prometheus(_ url: String, for kube: KubeCluster) throws -> PromSource {
    let source = try options.monitoring.source(url: url, inline: inlineQueries, logger: logger)
    source.log = kube.log
    source.waitsFor = { kube.waitForPodList() }
    kube.metricsPolicy = .prometheus
    return source
  }

  /// The Prometheus and scrapes the user named, their URLs redacted (for where they are not read).
  var monitoringNamed: [String] {
    (options.monitoring.prometheus.map { ["prometheus " + PromSource.redacted($0)] } ?? [])
      + options.scrape.map { "scrape " + PromSource.redacted($0) }
  }

  /// The production pattern `context` matches, and why it may not be changed (the config's
  /// `production.read-only` without `--allow-prod`).
  func productionGuard(_ context: String) -> (pattern: String?, refusal: String?) {
    guard let prod = production.match(context) else { return (nil, nil) }
    guard production.readOnly, !options.cluster.allowProd else { return (prod, nil) }
    return (
      prod,
      "context \(context) is production (config production.contexts \(prod)): read-only; --allow-prod to change it"
    )
  }

  /// The ConfigMap lever `--lever` (or the config file) names, else the default one.
  func kubeLever(_ kube: KubeCluster, _ connection: ClusterConnection) throws -> SafetyLeverSource? {
    let given = options.cluster.lever ?? leverSetting ?? (KubeLever.defaultNamespace + "/" + KubeLever.defaultName)
    if given == "none" { return nil }
    let parts = given.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 2, parts.allSatisfy(Self.isDNSLabel) else {
      throw RunError("--lever takes NAMESPACE/NAME of a ConfigMap, or none; got \(Sanitize.line(given))")
    }
    let lever = KubeLever(
      namespace: parts[0], name: parts[1], userName: connection.userName, makeClient: kube.makeClient)
    lever.log = kube.log
    lever.dryRun = options.cluster.dryRun
    return lever
  }

  /// A Kubernetes name: lowercase letters, digits, '-' and '.', at most 253, starting and ending
  /// with a letter or digit.
  static func isDNSLabel(_ s: String) -> Bool {
    guard !s.isEmpty, s.count <= 253, let f = s.first, let l = s.last, f.isLetter || f.isNumber,
      l.isLetter || l.isNumber
    else { return false }
    return s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
  }

  func demoBuilt(notice: String?) -> Built {
    let cluster = options.cluster
    var built = Built(
      source: DemoCluster(options: demo, speed: cluster.speed),
      platform: "chaostui demo cluster (seed \(demo.seed), speed \(format1(cluster.speed)))", notice: notice)
    let leverPath = cluster.lever ?? FileLever.defaultPath(environment: ProcessInfo.processInfo.environment)
    built.lever = leverPath == "none" ? nil : FileLever(path: leverPath)
    (built.production, built.productionRefusal) = productionGuard("demo")
    addStopSignals(&built)
    addEvents(&built, context: "demo")
    built.ignored = monitoringNamed
    if !built.ignored.isEmpty {
      built.notice =
        (notice.map { $0 + ". " } ?? "")
        + "--prometheus and --scrape are for a real cluster: the demo makes its own numbers"
    }
    return built
  }
}
