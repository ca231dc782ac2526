import ClusterState
import Foundation
import Transport
import Yams

/// The config file (`--config FILE`, else `$XDG_CONFIG_HOME/chaostui/config.yaml` when it exists):
/// where the monitoring stack is, so that a game day does not need a long command line. Flags given
/// on the command line win over it.
///
/// ```yaml
/// prometheus:
///   url: https://prometheus.monitoring:9090
///   token_file: /var/run/secrets/prometheus-token   # or user:password@ in the URL
///   ca_file: /etc/ssl/monitoring-ca.pem               # https verified with this CA (else the system's)
///   insecure_skip_tls_verify: false
///   queries: queries.yaml                             # a file, relative to this one, or the mapping itself
/// scrape: [http://10.0.0.5:9100/metrics]
/// theme: dracula
/// experiments: game-day/experiments                 # the directory the x key lists
/// lever: chaostui-system/chaostui-lever             # the team's safety lever (a ConfigMap), or none
/// production:                                       # contexts that are production: a red frame,
///   contexts: ["prod-*", "*-production"]            #   dangerous keys ask for the context's name,
///   read-only: true                                 #   and read-only unless --allow-prod
/// stop-signals:                                     # while one says stop: faults set back, none start
///   alerts: 'severity="critical"'                   #   Prometheus alerts matching this selector
///   go-no-go: http://cerberus:8080                  #   a Cerberus-style URL: True is go, False stop
///   every: 5s                                       #   how often the URL is asked
/// events:                                           # injections, detections, recoveries, aborts,
///   webhook: https://hooks.slack.com/services/...   #   verdicts, the lever: JSON with a `text`
///   grafana: {url: http://grafana:3000, token_file: /etc/chaostui/grafana-token, tags: [gameday]}
/// ```
public struct ChaosConfig: Sendable, Equatable {
  public var prometheusURL: String?
  public var tokenFile: String?
  public var caFile: String?
  public var insecureSkipTLSVerify = false
  public var queries: PromQueries?
  public var queriesFile: String?
  public var scrape: [String] = []
  public var theme: String?
  public var experiments: String?
  /// The team's safety lever: `NAMESPACE/NAME` of a ConfigMap, or `none`.
  public var lever: String?
  /// Contexts that are production.
  public var production = ProductionGuard()
  /// Stop signals: alerts that stop, a go/no-go URL and how often it is asked.
  public var stopAlerts: AlertSelector?
  public var goNoGo: String?
  public var goNoGoEvery: Double = 5
  /// Events out: a webhook URL, Grafana's URL, its token's file and extra tags.
  public var webhook: String?
  public var grafanaURL: String?
  public var grafanaTokenFile: String?
  public var grafanaTags: [String] = []
  /// Several clusters in one session, and the services served from one or another.
  public var contexts: [ContextSpec] = []
  public var failover: [FailoverGroup] = []

  public init() {}

  /// The default path: `$XDG_CONFIG_HOME/chaostui/config.yaml`, else `~/.config/chaostui/config.yaml`.
  public static func defaultPath(environment env: [String: String]) -> String {
    (env["XDG_CONFIG_HOME"] ?? ((env["HOME"] ?? "") + "/.config")) + "/chaostui/config.yaml"
  }

  /// Parses a config file's text; relative paths in it are taken from `directory`. Unknown keys and
  /// values of the wrong kind are errors that name them.
  public static func load(yaml text: String, source: String, directory: String) throws -> ChaosConfig {
    func fail(_ why: String) -> ConfigFileError { ConfigFileError("\(source): \(why)") }
    let node: Any?
    do { node = try Yams.load(yaml: text) } catch {
      throw fail("not YAML (\(String(describing: error).prefix(120)))")
    }
    var c = ChaosConfig()
    guard let node else { return c }
    guard let top = node as? [String: Any] else {
      throw fail("expected a mapping (\(known))")
    }
    func path(_ p: String) -> String { p.hasPrefix("/") ? p : directory + "/" + p }
    func string(_ v: Any, _ key: String) throws -> String {
      guard let s = v as? String, !s.isEmpty else { throw fail("\(key) must be text") }
      return s
    }
    for key in top.keys.sorted() {
      let value = top[key]!
      switch key {
      case "prometheus":
        guard let p = value as? [String: Any] else {
          throw fail("prometheus must be a mapping (url, token_file, ca_file, insecure_skip_tls_verify, queries)")
        }
        for k in p.keys.sorted() {
          let v = p[k]!
          switch k {
          case "url": c.prometheusURL = try string(v, "prometheus.url")
          case "token_file": c.tokenFile = path(try string(v, "prometheus.token_file"))
          case "ca_file": c.caFile = path(try string(v, "prometheus.ca_file"))
          case "insecure_skip_tls_verify":
            guard let b = v as? Bool else { throw fail("prometheus.insecure_skip_tls_verify must be true or false") }
            c.insecureSkipTLSVerify = b
          case "queries":
            if let file = v as? String {
              c.queriesFile = path(file)
            } else if v is [String: Any] {
              // The queries file's mapping, inline.
              c.queries = try PromQueries.load(node: v, source: source + " prometheus.queries")
            } else {
              throw fail("prometheus.queries must be a file name or a mapping of PromQL")
            }
          default:
            throw fail(
              "unknown key prometheus.\(k) (known: url, token_file, ca_file, insecure_skip_tls_verify, queries)")
          }
        }
      case "scrape":
        if let one = value as? String {
          c.scrape = [one]
        } else if let list = value as? [Any] {
          c.scrape = try list.map { try string($0, "scrape") }
        } else {
          throw fail("scrape must be a URL or a list of URLs")
        }
      case "theme": c.theme = try string(value, "theme")
      case "experiments": c.experiments = path(try string(value, "experiments"))
      case "lever": c.lever = try string(value, "lever")
      case "production": c.production = try production(value, fail)
      case "stop-signals": try stopSignals(value, into: &c, fail)
      case "events": try events(value, into: &c, fail, path: path)
      case "contexts": c.contexts = try contexts(value, fail)
      case "failover": c.failover = try failover(value, fail)
      default: throw fail("unknown key \(key) (known: \(known))")
      }
    }
    return c
  }

  static let known =
    "prometheus, scrape, theme, experiments, lever, production, stop-signals, events, contexts, failover"

  /// `events: {webhook: URL, grafana: {url, token_file, tags}}`.
  static func events(
    _ value: Any, into c: inout ChaosConfig, _ fail: (String) -> ConfigFileError, path: (String) -> String
  ) throws {
    func url(_ v: Any?, _ key: String) throws -> String {
      guard let u = v as? String, u.hasPrefix("http://") || u.hasPrefix("https://") else {
        throw fail("\(key) must be an http:// or https:// URL")
      }
      return u
    }
    guard let m = value as? [String: Any] else { throw fail("events must be a mapping (webhook, grafana)") }
    for k in m.keys.sorted() {
      switch k {
      case "webhook": c.webhook = try url(m[k], "events.webhook")
      case "grafana":
        guard let g = m[k] as? [String: Any] else {
          throw fail("events.grafana must be a mapping (url, token_file, tags)")
        }
        for gk in g.keys.sorted() {
          switch gk {
          case "url": c.grafanaURL = try url(g[gk], "events.grafana.url")
          case "token_file":
            guard let f = g[gk] as? String, !f.isEmpty else { throw fail("events.grafana.token_file must be a file") }
            c.grafanaTokenFile = path(f)
          case "tags":
            guard let tags = g[gk] as? [Any], tags.allSatisfy({ $0 is String }) else {
              throw fail("events.grafana.tags must be a list of words")
            }
            c.grafanaTags = tags.map { $0 as! String }
          default: throw fail("unknown key events.grafana.\(gk) (known: url, token_file, tags)")
          }
        }
        if c.grafanaURL == nil { throw fail("events.grafana needs url") }
      default: throw fail("unknown key events.\(k) (known: webhook, grafana)")
      }
    }
  }

  /// `stop-signals: {alerts: SELECTOR, go-no-go: URL, every: DURATION}`.
  static func stopSignals(_ value: Any, into c: inout ChaosConfig, _ fail: (String) -> ConfigFileError) throws {
    guard let m = value as? [String: Any] else {
      throw fail("stop-signals must be a mapping (alerts, go-no-go, every)")
    }
    for k in m.keys.sorted() {
      switch k {
      case "alerts":
        guard let text = m[k] as? String else {
          throw fail("stop-signals.alerts must be a selector (severity=\"critical\")")
        }
        do { c.stopAlerts = try AlertSelector.parse(text) } catch { throw fail("stop-signals.\(error.description)") }
      case "go-no-go":
        guard let url = m[k] as? String, url.hasPrefix("http://") || url.hasPrefix("https://") else {
          throw fail("stop-signals.go-no-go must be an http:// or https:// URL")
        }
        c.goNoGo = url
      case "every":
        guard let text = m[k].map({ "\($0)" }), let d = Durations.seconds(text, plainSeconds: true), d >= 1, d <= 300
        else {
          throw fail("stop-signals.every must be a duration from 1s to 5m")
        }
        c.goNoGoEvery = d
      default: throw fail("unknown key stop-signals.\(k) (known: alerts, go-no-go, every)")
      }
    }
  }

  /// `production: {contexts: [patterns], read-only: bool}`.
  static func production(_ value: Any, _ fail: (String) -> ConfigFileError) throws -> ProductionGuard {
    guard let m = value as? [String: Any] else { throw fail("production must be a mapping (contexts, read-only)") }
    var g = ProductionGuard()
    for k in m.keys.sorted() {
      switch k {
      case "contexts":
        if let one = m[k] as? String {
          g.contexts = [one]
        } else if let list = m[k] as? [Any], list.allSatisfy({ ($0 as? String)?.isEmpty == false }) {
          g.contexts = list.map { $0 as! String }
        } else {
          throw fail("production.contexts must be a pattern or a list of patterns (prod-*)")
        }
      case "read-only":
        guard let b = m[k] as? Bool else { throw fail("production.read-only must be true or false") }
        g.readOnly = b
      default: throw fail("unknown key production.\(k) (known: contexts, read-only)")
      }
    }
    return g
  }
}

/// A config or queries file that cannot be used, with the file and what is wrong in it.
public struct ConfigFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public var description: String
  public init(_ d: String) { description = d }
}
