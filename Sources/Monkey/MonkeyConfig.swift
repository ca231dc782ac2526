import ClusterState
import Foundation

/// kube-monkey's configuration, read as kube-monkey reads it: the `[kubemonkey]` (and `[debug]`)
/// sections of its TOML file, then `KUBEMONKEY_*` / `DEBUG_*` environment variables over it. Its
/// defaults are kube-monkey's (dry run on, 08:00 plan, kills 10:00-16:00 on weekdays, kube-system
/// left alone). chaostui adds minute-level windows (`start_time = "10:30"`) and a compressed clock
/// (`day`: a whole day in so many seconds of cluster time) for demos.
public struct MonkeyConfig: Sendable, Equatable {
  public var dryRun = true
  public var runHour = 8
  /// Minutes after midnight.
  public var start = 10 * 60
  public var end = 16 * 60
  public var blacklisted = ["kube-system"]
  /// `[""]`: every namespace.
  public var whitelisted = [""]
  public var timeZone = "America/Los_Angeles"
  public var gracePeriod: Int? = 5
  /// Plans on weekdays only (kube-monkey); a compressed day plans every day.
  public var weekdaysOnly = true
  /// A day in seconds of cluster time (nil: a real day).
  public var day: Seconds?
  /// kube-monkey's `debug.force_should_kill`: every eligible app is killed each day.
  public var forceShouldKill = false
  /// `debug.schedule_immediate_kill`: kills within the next minute, outside the window.
  public var scheduleImmediateKill = false

  public init() {}

  /// The demo's: kills for real (simulated), a 01:00-23:00 window in UTC, a day in 12 minutes.
  public static var demo: MonkeyConfig {
    var c = MonkeyConfig()
    c.dryRun = false
    c.runHour = 0
    c.start = 60
    c.end = 23 * 60
    c.timeZone = "UTC"
    c.day = 720
    c.weekdaysOnly = false
    return c
  }

  /// How much faster than the wall clock the monkey's day runs.
  public var scale: Double { day.map { 86_400 / $0 } ?? 1 }

  public struct LoadError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ s: String) { description = s }
  }

  /// `toml` (a file's text, nil: none) and then `environment` over `base`; every value checked.
  public static func load(
    toml: String?, name: String = "config.toml", environment: [String: String], base: MonkeyConfig
  )
    throws -> MonkeyConfig
  {
    var c = base
    var values: [String: TOMLValue] = [:]
    if let toml { values = try TOML.parse(toml, name: name) }
    for (key, variable) in Self.environmentNames {
      if let v = environment[variable] { values[key] = .text(v, fromEnvironment: variable) }
    }
    func where_(_ key: String) -> String { values[key]?.origin ?? "\(name): \(key)" }
    func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
      guard let v = values[key] else { return nil }
      guard let n = v.int, range.contains(n) else {
        throw LoadError("\(where_(key)): \(key) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
      }
      return n
    }
    func bool(_ key: String) throws -> Bool? {
      guard let v = values[key] else { return nil }
      guard let b = v.bool else { throw LoadError("\(where_(key)): \(key) must be true or false") }
      return b
    }
    func time(_ key: String) throws -> Int? {
      guard let v = values[key] else { return nil }
      let parts = (v.string ?? "").split(separator: ":")
      guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m)
      else { throw LoadError("\(where_(key)): \(key) must be a time of day like \"10:30\"") }
      return h * 60 + m
    }
    if let b = try bool("kubemonkey.dry_run") { c.dryRun = b }
    if let h = try int("kubemonkey.run_hour", 0...23) { c.runHour = h }
    if let h = try int("kubemonkey.start_hour", 0...23) { c.start = h * 60 }
    if let h = try int("kubemonkey.end_hour", 0...23) { c.end = h * 60 }
    if let m = try time("kubemonkey.start_time") { c.start = m }
    if let m = try time("kubemonkey.end_time") { c.end = m }
    if let g = try int("kubemonkey.graceperiod_sec", 0...86_400) { c.gracePeriod = g }
    if let v = values["kubemonkey.blacklisted_namespaces"] {
      guard let l = v.list else { throw LoadError("\(v.origin): blacklisted_namespaces must be a list of namespaces") }
      c.blacklisted = l
    }
    if let v = values["kubemonkey.whitelisted_namespaces"] {
      guard let l = v.list else { throw LoadError("\(v.origin): whitelisted_namespaces must be a list of namespaces") }
      c.whitelisted = l
    }
    if let v = values["kubemonkey.time_zone"] {
      guard let z = v.string, TimeZone(identifier: z) != nil else {
        throw LoadError("\(v.origin): time_zone \(v.shown) is no tzdata time zone (like \"Europe/Paris\" or \"UTC\")")
      }
      c.timeZone = z
    }
    if let v = values["chaostui.day"] {
      guard let d = v.string.flatMap({ Durations.seconds($0) }) ?? v.int.map(Double.init), d >= 60 else {
        throw LoadError("\(v.origin): day must be a duration of at least a minute, like \"12m\"")
      }
      c.day = d
      c.weekdaysOnly = false
    }
    if try bool("debug.enabled") == true {
      if let b = try bool("debug.force_should_kill") { c.forceShouldKill = b }
      if let b = try bool("debug.schedule_immediate_kill") { c.scheduleImmediateKill = b }
    }
    guard c.runHour * 60 < c.start || c.scheduleImmediateKill else {
      throw LoadError("\(name): run_hour (\(c.runHour)) must come before the start of the window (\(clock(c.start)))")
    }
    guard c.start < c.end else {
      throw LoadError("\(name): the window's start (\(clock(c.start))) must come before its end (\(clock(c.end)))")
    }
    return c
  }

  static let environmentNames: [(String, String)] = [
    ("kubemonkey.dry_run", "KUBEMONKEY_DRY_RUN"), ("kubemonkey.run_hour", "KUBEMONKEY_RUN_HOUR"),
    ("kubemonkey.start_hour", "KUBEMONKEY_START_HOUR"), ("kubemonkey.end_hour", "KUBEMONKEY_END_HOUR"),
    ("kubemonkey.start_time", "KUBEMONKEY_START_TIME"), ("kubemonkey.end_time", "KUBEMONKEY_END_TIME"),
    ("kubemonkey.blacklisted_namespaces", "KUBEMONKEY_BLACKLISTED_NAMESPACES"),
    ("kubemonkey.whitelisted_namespaces", "KUBEMONKEY_WHITELISTED_NAMESPACES"),
    ("kubemonkey.time_zone", "KUBEMONKEY_TIME_ZONE"), ("kubemonkey.graceperiod_sec", "KUBEMONKEY_GRACEPERIOD_SEC"),
    ("debug.enabled", "DEBUG_ENABLED"), ("debug.force_should_kill", "DEBUG_FORCE_SHOULD_KILL"),
    ("debug.schedule_immediate_kill", "DEBUG_SCHEDULE_IMMEDIATE_KILL"),
  ]

  /// `HH:MM`.
  public static func clock(_ minutes: Int) -> String {
    let h = minutes / 60
    let m = minutes % 60
    return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
  }

  /// The namespace passes both lists (shell patterns; the blacklist wins).
  public func allows(namespace ns: String) -> Bool {
    if blacklisted.contains(where: { !$0.isEmpty && Glob.matches($0, ns) }) { return false }
    if whitelisted.allSatisfy(\.isEmpty) { return true }
    return whitelisted.contains { !$0.isEmpty && Glob.matches($0, ns) }
  }
}

/// Shell-style patterns as kube-monkey's namespace lists use them: `*` and `?`.
enum Glob {
  static func matches(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern)
    let t = Array(text)
    var pi = 0
    var ti = 0
    var star = -1
    var mark = 0
    while ti < t.count {
      if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
        pi += 1
        ti += 1
      } else if pi < p.count && p[pi] == "*" {
        star = pi
        mark = ti
        pi += 1
      } else if star >= 0 {
        pi = star + 1
        mark += 1
        ti = mark
      } else {
        return false
      }
    }
    while pi < p.count && p[pi] == "*" { pi += 1 }
    return pi == p.count
  }
}
