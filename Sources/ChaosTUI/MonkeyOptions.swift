import ArgumentParser
import ClusterState
import Foundation
import Monkey

/// kube-monkey's configuration for the console's monkey mode and `chaostui monkey`.
struct MonkeyOptions: ParsableArguments {
  @Option(
    name: .customLong("monkey-config"),
    help:
      "kube-monkey's config.toml ([kubemonkey] dry_run, run_hour, start_hour, end_hour, start_time, end_time, blacklisted_namespaces, whitelisted_namespaces, time_zone, graceperiod_sec); KUBEMONKEY_* variables win over it."
  )
  var monkeyConfig: String?

  @Option(
    name: .customLong("monkey-day"),
    help:
      "Run the monkey's day in this much time (like 12m: the demo's default) so that a day's kills come minutes apart.")
  var monkeyDay: String?

  func validate() throws {
    if let d = monkeyDay, (Durations.seconds(d) ?? 0) < 60 {
      throw ValidationError("--monkey-day must be a duration of at least a minute, like 12m, got \(d)")
    }
  }

  /// The demo starts from its own (kills for real in the simulation, a day in 12 minutes); a real
  /// cluster from kube-monkey's defaults (dry run on). Then the file, the variables, `--monkey-day`.
  func config(demo: Bool, environment: [String: String]) throws -> MonkeyConfig {
    var text: String?
    if let path = monkeyConfig {
      guard let t = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ValidationError("--monkey-config \(path): cannot read it")
      }
      text = t
    }
    var c: MonkeyConfig
    do {
      c = try MonkeyConfig.load(
        toml: text, name: monkeyConfig ?? "config.toml", environment: environment, base: demo ? .demo : MonkeyConfig())
    } catch {
      throw ValidationError("\(error)")
    }
    if let d = monkeyDay.flatMap({ Durations.seconds($0) }) {
      c.day = d
      c.weekdaysOnly = false
    }
    return c
  }
}
