import ClusterState
import KubeClient
import PromClient
import Simulation
import TestSupport
import Transport
import XCTest

/// The config file: what it sets, relative paths, inline queries, and bad files named precisely.
final class ConfigTests: XCTestCase {
  /// The error loading `yaml` gives, in words ("no error" when it loads).
  func loadError(_ yaml: String) -> String {
    do {
      _ = try ChaosConfig.load(yaml: yaml, source: "c.yaml", directory: "/")
      return "no error"
    } catch { return "\(error)" }
  }

  func testAFullFile() throws {
    let c = try ChaosConfig.load(
      yaml: """
        prometheus:
          url: https://prometheus.monitoring:9090
          token_file: secrets/token
          ca_file: /etc/ssl/ca.pem
          insecure_skip_tls_verify: false
          queries:
            pod_io_bytes_per_second: ""
            steady_state:
              - {name: ready, expr: "kube_deployment_status_replicas_available", min: 3}
        scrape: [http://10.0.0.5:9100/metrics, http://10.0.0.6:9100/metrics]
        theme: dracula
        """, source: "config.yaml", directory: "/home/me/.config/chaostui")
    XCTAssertEqual(c.prometheusURL, "https://prometheus.monitoring:9090")
    XCTAssertEqual(c.tokenFile, "/home/me/.config/chaostui/secrets/token")
    XCTAssertEqual(c.caFile, "/etc/ssl/ca.pem")
    XCTAssertFalse(c.insecureSkipTLSVerify)
    XCTAssertEqual(c.queries?.podIOBytesPerSecond, "")
    XCTAssertEqual(c.queries?.podCPUCores, PromQueries().podCPUCores)
    XCTAssertEqual(
      c.queries?.steadyState, [PromCheck(name: "ready", expr: "kube_deployment_status_replicas_available", min: 3)])
    XCTAssertEqual(c.scrape.count, 2)
    XCTAssertEqual(c.theme, "dracula")
    // A queries file by name, relative to the config file; one scrape URL as text.
    let d = try ChaosConfig.load(
      yaml: "prometheus: {url: 'http://p:9090', queries: q.yaml}\nscrape: http://x/metrics", source: "c",
      directory: "/etc/chaostui")
    XCTAssertEqual(d.queriesFile, "/etc/chaostui/q.yaml")
    XCTAssertNil(d.queries)
    XCTAssertEqual(d.scrape, ["http://x/metrics"])
    XCTAssertEqual(try ChaosConfig.load(yaml: "", source: "c", directory: "/"), ChaosConfig())
    XCTAssertEqual(ChaosConfig.defaultPath(environment: ["HOME": "/home/me"]), "/home/me/.config/chaostui/config.yaml")
    XCTAssertEqual(ChaosConfig.defaultPath(environment: ["XDG_CONFIG_HOME": "/x"]), "/x/chaostui/config.yaml")
  }

  func testTeamSettings() throws {
    let c = try ChaosConfig.load(
      yaml: "lever: ops/lever\nproduction: {contexts: [prod-*, '*-live'], read-only: true}", source: "c", directory: "/"
    )
    XCTAssertEqual(c.lever, "ops/lever")
    let d = try ChaosConfig.load(
      yaml: "stop-signals: {alerts: 'severity=\"critical\"', go-no-go: 'http://c:8080', every: 10s}", source: "c",
      directory: "/")
    XCTAssertEqual(d.stopAlerts?.text, #"severity="critical""#)
    XCTAssertEqual(d.goNoGo, "http://c:8080")
    XCTAssertEqual(d.goNoGoEvery, 10)
    let e = try ChaosConfig.load(
      yaml: "events: {webhook: 'https://hooks/x', grafana: {url: 'http://g:3000', token_file: t, tags: [gd]}}",
      source: "c", directory: "/etc/chaostui")
    XCTAssertEqual(e.webhook, "https://hooks/x")
    XCTAssertEqual(e.grafanaURL, "http://g:3000")
    XCTAssertEqual(e.grafanaTokenFile, "/etc/chaostui/t")
    XCTAssertEqual(e.grafanaTags, ["gd"])
    XCTAssertEqual(c.production, ProductionGuard(contexts: ["prod-*", "*-live"], readOnly: true))
    XCTAssertEqual(c.production.match("prod-eu-1"), "prod-*")
    XCTAssertEqual(c.production.match("shop-live"), "*-live")
    XCTAssertNil(c.production.match("staging"))
    XCTAssertNil(c.production.match("preprod-eu"), "a pattern matches the whole name")
    XCTAssertTrue(ProductionGuard.glob("p?od*x", "prodigal-x"))
    XCTAssertFalse(ProductionGuard.glob("p?od*x", "prod"))
    XCTAssertTrue(ProductionGuard.glob("*", ""))
    XCTAssertTrue(ProductionGuard.glob("a*b*c", "aXbYbZc"))
  }

  func testBadFilesAreNamed() {
    XCTAssertEqual(
      loadError("promethues: {url: x}"),
      "c.yaml: unknown key promethues (known: prometheus, scrape, theme, experiments, lever, production, stop-signals, events, contexts, failover)"
    )
    XCTAssertEqual(
      loadError("prometheus: {uri: x}"),
      "c.yaml: unknown key prometheus.uri (known: url, token_file, ca_file, insecure_skip_tls_verify, queries)")
    XCTAssertEqual(
      loadError("prometheus: {url: x, insecure_skip_tls_verify: maybe}"),
      "c.yaml: prometheus.insecure_skip_tls_verify must be true or false")
    XCTAssertEqual(
      loadError("prometheus: http://x"),
      "c.yaml: prometheus must be a mapping (url, token_file, ca_file, insecure_skip_tls_verify, queries)")
    XCTAssertEqual(loadError("scrape: {a: b}"), "c.yaml: scrape must be a URL or a list of URLs")
    XCTAssertEqual(
      loadError("- a"),
      "c.yaml: expected a mapping (prometheus, scrape, theme, experiments, lever, production, stop-signals, events, contexts, failover)"
    )
    XCTAssertEqual(loadError("production: prod-*"), "c.yaml: production must be a mapping (contexts, read-only)")
    XCTAssertEqual(
      loadError("production: {contexts: [prod-*, 3]}"),
      "c.yaml: production.contexts must be a pattern or a list of patterns (prod-*)")
    XCTAssertEqual(
      loadError("production: {read-only: yes please}"), "c.yaml: production.read-only must be true or false")
    XCTAssertEqual(
      loadError("production: {contxts: []}"), "c.yaml: unknown key production.contxts (known: contexts, read-only)")
    XCTAssertEqual(loadError("lever: [a]"), "c.yaml: lever must be text")
    XCTAssertEqual(
      loadError("stop-signals: {go-no-go: ftp://x}"), "c.yaml: stop-signals.go-no-go must be an http:// or https:// URL"
    )
    XCTAssertEqual(
      loadError("stop-signals: {every: 0s}"), "c.yaml: stop-signals.every must be a duration from 1s to 5m")
    XCTAssertEqual(
      loadError("stop-signals: {alerts: 'severity'}"),
      "c.yaml: stop-signals.alert selector severity: = != =~ or !~ expected after severity")
    XCTAssertEqual(
      loadError("stop-signals: {alert: x}"), "c.yaml: unknown key stop-signals.alert (known: alerts, go-no-go, every)")
    XCTAssertEqual(loadError("events: {webhook: x}"), "c.yaml: events.webhook must be an http:// or https:// URL")
    XCTAssertEqual(loadError("events: {grafana: {tags: [a]}}"), "c.yaml: events.grafana needs url")
    XCTAssertEqual(loadError("events: {slack: x}"), "c.yaml: unknown key events.slack (known: webhook, grafana)")
    XCTAssertTrue(loadError("prometheus: {url: x, queries: {pod_cpu: y}}").contains("unknown key pod_cpu"))
    XCTAssertTrue(loadError("a: [unclosed").hasPrefix("c.yaml: not YAML"))
  }

  func testSeveralContextsAndFailover() throws {
    let c = try ChaosConfig.load(
      yaml: """
        contexts:
          - primary=kind-primary
          - {name: kind-standby, alias: standby, read-only: true, prometheus: "https://prom.standby:9090"}
        failover:
          - name: postgres
            workloads: [primary:pipeline/postgres, standby:pipeline/postgres]
        """, source: "c.yaml", directory: "/")
    XCTAssertEqual(
      c.contexts,
      [
        ContextSpec(alias: "primary", name: "kind-primary"),
        ContextSpec(alias: "standby", name: "kind-standby", readOnly: true, prometheus: "https://prom.standby:9090"),
      ])
    XCTAssertEqual(
      c.failover,
      [FailoverGroup(name: "postgres", workloads: ["primary:pipeline/postgres", "standby:pipeline/postgres"])])
    XCTAssertEqual(
      loadError("contexts: kind-a"),
      "c.yaml: contexts must be a list (NAME, ALIAS=NAME, or {name, alias, read-only, prometheus})")
    XCTAssertEqual(
      loadError("contexts: [a=x, a=y]"),
      "c.yaml: contexts: two contexts have the alias a: give one another (--context ALIAS=NAME)")
    XCTAssertEqual(
      loadError("contexts: [{name: x, alias: X}]"), "c.yaml: contexts[0].alias must be 1 to 16 of a-z, 0-9 and -")
    XCTAssertEqual(
      loadError("contexts: [{name: x, ro: true}]"),
      "c.yaml: unknown key contexts[0].ro (known: name, alias, read-only, prometheus)")
    for bad in ["ftp://x", "\"http://x\\u001b]52;c;x\"", "3", "\"http://a b\""] {
      XCTAssertEqual(
        loadError("contexts: [{name: x, prometheus: \(bad)}]"),
        "c.yaml: contexts[0].prometheus must be an http:// or https:// URL", bad)
    }
    XCTAssertEqual(
      loadError("failover: [{name: pg, workloads: [a:ns/pg, \"ns/pg\"]}]"),
      "c.yaml: failover[0]: ns/pg is not ALIAS:NAMESPACE/NAME")
  }
}
