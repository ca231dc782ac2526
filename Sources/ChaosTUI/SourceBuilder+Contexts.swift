import ClusterState
import Console
import Foundation
import KubeClient
import PromClient
import Simulation
import Transport

/// Several clusters in one session (`--context a --context b`, or the config file's `contexts:`):
/// one `KubeCluster` a context (or one demo a context), joined by a `ContextSet`. Each context has
/// its own RBAC, read-only flag and production guard; the team's lever is the first context's.
extension SourceBuilder {
  func buildSet(_ specs: [ContextSpec], environment env: [String: String]) throws -> Built {
    let cluster = options.cluster
    if cluster.demo || forceDemo { return demoSet(specs, notice: nil) }
    var members: [(source: ClusterSource, status: ContextStatus)] = []
    var descriptions: [String] = []
    var firstKube: KubeCluster?
    var ownPrometheus: [(index: Int, source: PromSource)] = []
    for (index, spec) in specs.enumerated() {
      guard
        let connection = try Kubeconfig.connection(flag: cluster.kubeconfig, context: spec.name, environment: env)
      else {
        throw RunError("context \(Sanitize.line(spec.name)): no kubeconfig found to read it from")
      }
      let ns = namespace(on: connection)
      let kube = KubeCluster(connection: connection, namespace: ns, dryRun: cluster.dryRun)
      kube.log = logger.map { l in { @Sendable line in l.write("[\(spec.alias)] " + line) } }
      let (prod, refusal) = productionGuard(connection.contextName)
      var status = ContextStatus(alias: spec.alias, name: connection.contextName)
      status.production = prod
      status.readOnlyReason = refusal ?? (spec.readOnly ? "the config file says read-only (contexts)" : nil)
      status.user = connection.userName
      try cluster.configure(kube, readOnly: readOnly || status.readOnlyReason != nil)
      kube.metricsPolicy = .metricsAPI
      logger?.write("context \(spec.alias): \(connection.description), namespace \(ns ?? "all")")
      members.append((kube, status))
      descriptions.append("\(spec.alias) = \(connection.description)")
      if let url = spec.prometheus {
        // This context's alerts and figures from its own Prometheus (--prometheus-ca and the token
        // file, when given, serve each).
        ownPrometheus.append((index, try prometheus(url, for: kube)))
        descriptions[descriptions.count - 1] += " with Prometheus \(PromSource.redacted(url))"
        logger?.write("context \(spec.alias): metrics and alerts from Prometheus \(PromSource.redacted(url))")
      }
      if firstKube == nil { firstKube = kube }
      if connection.insecureSkipTLSVerify {
        logger?.write(
          "warning: \(spec.alias): insecure-skip-tls-verify is set; the server's certificate is not checked")
      }
    }
    let set = ContextSet(members)
    for p in ownPrometheus { set.add(p.source, toMember: p.index) }
    var built = Built(
      source: set, kube: firstKube, platform: "\(specs.count) contexts: " + descriptions.joined(separator: "; "))
    if let firstKube, let first = members.first?.status {
      built.lever = try kubeLever(firstKube, firstKube.connection)
      built.operatorName = Console.defaultOperator(env) + " as " + (first.user ?? "?")
    }
    addStopSignals(&built)
    addEvents(&built, context: set.info.context)
    if cluster.dryRun { built.warning = "DRY RUN" }
    if members.contains(where: { ($0.source as? KubeCluster)?.connection.insecureSkipTLSVerify == true }) {
      built.warning = "TLS UNVERIFIED"
    }
    built.ignored = monitoringNamed
    if !built.ignored.isEmpty {
      built.ignoredWhy =
        "not read: it serves one cluster; with several contexts, figures come from each one's metrics API, or its own prometheus: in the config's contexts"
      built.notice =
        "--prometheus and --scrape serve one cluster: with several contexts, give each its prometheus: in the config's contexts"
    }
    return built
  }

  /// Several demo clusters, each its own simulator (seeds 1, 2, ... after the one given).
  func demoSet(_ specs: [ContextSpec], notice: String?) -> Built {
    let cluster = options.cluster
    let members: [(source: ClusterSource, status: ContextStatus)] = specs.enumerated().map { i, spec in
      var o = demo
      o.seed = demo.seed &+ UInt64(i)
      var status = ContextStatus(alias: spec.alias, name: spec.name)
      (status.production, status.readOnlyReason) = productionGuard(spec.name)
      if spec.readOnly && status.readOnlyReason == nil {
        status.readOnlyReason = "the config file says read-only (contexts)"
      }
      return (DemoCluster(options: o, speed: cluster.speed), status)
    }
    let set = ContextSet(members)
    var built = Built(
      source: set,
      platform:
        "chaostui demo clusters \(specs.map(\.alias).joined(separator: ", ")) (seed \(demo.seed), speed \(format1(cluster.speed)))",
      notice: notice)
    let leverPath = cluster.lever ?? FileLever.defaultPath(environment: ProcessInfo.processInfo.environment)
    built.lever = leverPath == "none" ? nil : FileLever(path: leverPath)
    addStopSignals(&built)
    addEvents(&built, context: set.info.context)
    // The demo's figures and alerts are its own.
    built.ignored =
      monitoringNamed
      + specs.compactMap { s in s.prometheus.map { "prometheus \(PromSource.redacted($0)) (context \(s.alias))" } }
    return built
  }
}
