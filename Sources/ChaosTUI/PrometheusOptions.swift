import ArgumentParser
import Foundation
import PromClient

/// Where Prometheus is and what to ask it: shared by the console and `chaostui run`.
struct PrometheusOptions: ParsableArguments {
  @Option(
    help:
      "Prometheus to take the panes' numbers, alerts and target health from (a real cluster), e.g. http://prometheus:9090; user:password@ in the URL for basic auth."
  )
  var prometheus: String?

  @Option(help: "A file holding the bearer token to send to --prometheus (read once; never logged).")
  var prometheusTokenFile: String?

  @Option(help: "The CA certificate (PEM) to verify an https --prometheus with (default: the system's).")
  var prometheusCa: String?

  @Flag(help: "Do not verify --prometheus' certificate (shown as TLS UNVERIFIED).")
  var prometheusInsecureSkipTlsVerify = false

  @Option(
    help:
      "A YAML file of PromQL for --prometheus: each pane's figures and steady-state bounds (see queries.example.yaml)."
  )
  var queries: String?

  /// The Prometheus source these options describe: the token and CA read once (never logged), the
  /// queries from `--queries`, else those given inline in the config file.
  func source(url: String, inline: PromQueries?, logger: FileLog?) throws -> PromSource {
    var token: String?
    if let f = prometheusTokenFile {
      guard let t = try? String(contentsOfFile: f, encoding: .utf8) else {
        throw ValidationError("--prometheus-token-file \(f): cannot read it")
      }
      token = t.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    var ca: Data?
    if let f = prometheusCa {
      guard let d = FileManager.default.contents(atPath: f), !d.isEmpty else {
        throw ValidationError("--prometheus-ca \(f): cannot read it")
      }
      ca = d
    }
    let source = PromSource(url: url, bearerToken: token, caData: ca, insecure: prometheusInsecureSkipTlsVerify)
    if prometheusInsecureSkipTlsVerify {
      logger?.write("warning: Prometheus' certificate is not checked (--prometheus-insecure-skip-tls-verify)")
    }
    if let inline { source.queries = inline }
    if let f = queries {
      guard let text = try? String(contentsOfFile: f, encoding: .utf8) else {
        throw ValidationError("--queries \(f): cannot read it")
      }
      do { source.queries = try PromQueries.load(yaml: text, source: f) } catch {
        throw ValidationError("\(error)")
      }
      logger?.write("queries from \(f)")
    }
    return source
  }
}
