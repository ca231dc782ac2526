import ClusterState
import Foundation

/// How many pods one kill takes (`kube-monkey/kill-mode` with `kube-monkey/kill-value`).
public enum KillMode: Sendable, Equatable {
  /// No kill-mode label: one pod.
  case one
  /// Every pod, ready or not.
  case killAll
  /// That many Running pods (all of them when there are fewer).
  case fixed(Int)
  /// That percentage of the Running pods.
  case fixedPercent(Int)
  /// A random percentage up to this one of the Running pods.
  case randomMaxPercent(Int)

  public var label: String {
    switch self {
    case .one: return "one pod"
    case .killAll: return "kill-all"
    case .fixed(let n): return "fixed \(n)"
    case .fixedPercent(let p): return "fixed-percent \(p)%"
    case .randomMaxPercent(let p): return "random-max-percent \(p)%"
    }
  }

  /// Pods to kill of `running` Running pods; nil: every pod (kill-all). `random` gives 0...1.
  public func count(running: Int, random: Double) -> Int? {
    switch self {
    case .one: return min(1, running)
    case .killAll: return nil
    case .fixed(let n): return min(n, running)
    case .fixedPercent(let p): return running * p / 100
    case .randomMaxPercent(let p):
      let drawn = min(p, Int(random * Double(p + 1)))
      return running * drawn / 100
    }
  }
}

/// A workload that opted in: what kube-monkey reads from its `metadata.labels`.
public struct Victim: Sendable, Equatable {
  public var workload: WorkloadID
  public var identifier: String
  /// Mean time between failures, seconds of the monkey's clock.
  public var mtbf: Seconds
  public var mtbfText: String
  public var mode: KillMode
}

/// Whether a workload takes part, and why not.
public enum Eligibility: Sendable, Equatable {
  case victim(Victim)
  /// No `kube-monkey/enabled=enabled`.
  case notEnrolled
  /// Its namespace is blacklisted or not whitelisted.
  case excluded(String)
  /// Enrolled, but a label is wrong: in words, naming the label.
  case invalid(String)

  public var victim: Victim? {
    if case .victim(let v) = self { return v }
    return nil
  }

  /// Reads the labels as kube-monkey does.
  public static func of(_ w: Workload, config: MonkeyConfig) -> Eligibility {
    let l = w.labels
    guard l["kube-monkey/enabled"] == "enabled" else { return .notEnrolled }
    guard config.allows(namespace: w.namespace) else {
      return .excluded(
        config.blacklisted.contains { Glob.matches($0, w.namespace) }
          ? "namespace \(w.namespace) is blacklisted" : "namespace \(w.namespace) is not whitelisted")
    }
    guard let id = l["kube-monkey/identifier"], !id.isEmpty else {
      return .invalid("kube-monkey/identifier is missing")
    }
    guard let text = l["kube-monkey/mtbf"] else { return .invalid("kube-monkey/mtbf is missing") }
    guard let mtbf = parseMTBF(text) else {
      return .invalid("kube-monkey/mtbf \"\(text)\" is no whole number of days or a duration like 2h, 30m, 3d")
    }
    guard mtbf >= 60 else { return .invalid("kube-monkey/mtbf \"\(text)\" is under a minute, the shortest") }
    let mode: KillMode
    let value = l["kube-monkey/kill-value"]
    func number(_ range: ClosedRange<Int>) -> Int? {
      value.flatMap { Int($0) }.flatMap { range.contains($0) ? $0 : nil }
    }
    switch l["kube-monkey/kill-mode"] {
    case nil, "": mode = .one
    case "kill-all": mode = .killAll
    case "fixed":
      guard let n = number(0...100_000) else {
        return .invalid(
          "kill-mode fixed needs kube-monkey/kill-value, a whole number (got \(value.map { "\"\($0)\"" } ?? "none"))")
      }
      mode = .fixed(n)
    case "fixed-percent", "random-max-percent":
      guard let p = number(0...100) else {
        return .invalid(
          "kill-mode \(l["kube-monkey/kill-mode"]!) needs kube-monkey/kill-value from 0 to 100 (got \(value.map { "\"\($0)\"" } ?? "none"))"
        )
      }
      mode = l["kube-monkey/kill-mode"] == "fixed-percent" ? .fixedPercent(p) : .randomMaxPercent(p)
    case let other?:
      return .invalid(
        "kube-monkey/kill-mode \"\(other)\" is none of kill-all, fixed, fixed-percent, random-max-percent")
    }
    return .victim(
      Victim(
        workload: WorkloadID(namespace: w.namespace, name: w.name), identifier: id, mtbf: mtbf, mtbfText: text,
        mode: mode))
  }

  /// `3` (days, as older kube-monkey), `3d`, `2h`, `30m`: a whole number and a unit.
  public static func parseMTBF(_ text: String) -> Seconds? {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard let last = t.last else { return nil }
    let units: [Character: Double] = ["d": 86_400, "h": 3600, "m": 60]
    if let u = units[last] {
      guard let n = Int(t.dropLast()), n > 0 else { return nil }
      return Double(n) * u
    }
    guard let n = Int(t), n > 0 else { return nil }
    return Double(n) * 86_400
  }
}
