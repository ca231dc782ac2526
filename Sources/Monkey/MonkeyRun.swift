import ClusterState
import Foundation

/// kube-monkey's cycle, as a pure state machine on the session's clock: at `run_hour` each (week)day
/// it plans the day's kills of every eligible workload (a random time inside the window, as many as
/// the MTBF gives: one with probability 1/days for an MTBF of a day or more, 24h/MTBF packed into
/// the window for a shorter one); at each kill's time it reads the workload's labels again and
/// kills by its kill mode, through the same fault path as a key (so every kill is an incident, in
/// the audit and undone by nothing: a pod kill acts once). Started after `run_hour`, it plans the
/// rest of today's window at once. The panic key pauses it; kills that fall due while paused are
/// skipped and said so.
public struct MonkeyRun: Sendable {
  public struct Planned: Sendable, Equatable {
    public var workload: WorkloadID
    /// Cluster time.
    public var at: Seconds
  }
  public struct Kill: Sendable, Equatable {
    public var workload: WorkloadID
    public var at: Seconds
    /// What happened, in words ("killed 1 of 3 Running pods", "dry run: ...", "skipped: ...").
    public var outcome: String
    /// Whether a fault was asked for (its incident gives the TTR).
    public var injected: Bool
  }

  public let config: MonkeyConfig
  /// Cluster time when it started, and the monkey's wall time then.
  public let startedAt: Seconds
  public let origin: Date
  public private(set) var planned: [Planned] = []
  public private(set) var kills: [Kill] = []
  /// Cluster time of the next planning (the next run day's `run_hour`).
  public private(set) var nextPlanning: Seconds = .infinity
  public private(set) var pausedReason: String?
  var rng: SplitMix64
  let calendar: Calendar
  /// The origin of the fault requests it makes.
  public static let origin = "kube-monkey"

  /// `origin`: the monkey's wall time at `state.now` (a real cluster's own time; the demo's
  /// compressed day starts at its window, see `demoOrigin`).
  public init(config: MonkeyConfig, state: ClusterSnapshot, origin: Date, seed: UInt64 = 42) {
    self.config = config
    startedAt = state.now
    self.origin = origin
    rng = SplitMix64(seed: seed)
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: config.timeZone) ?? TimeZone(identifier: "UTC")!
    calendar = cal
    let now = origin
    let today = cal.startOfDay(for: now)
    let runAt = today.addingTimeInterval(Double(config.runHour) * 3600)
    if config.scheduleImmediateKill || (now >= runAt && isRunDay(today)) {
      plan(day: today, from: now, state: state)
      nextPlanning = cluster(nextRunDay(after: today).addingTimeInterval(Double(config.runHour) * 3600))
    } else {
      let day = isRunDay(today) ? today : nextRunDay(after: today)
      nextPlanning = cluster(day.addingTimeInterval(Double(config.runHour) * 3600))
    }
  }

  /// The demo's origin: today (UTC, or the configured zone) at the window's start, so the first
  /// kills come within a few minutes of pressing the key.
  public static func demoOrigin(_ config: MonkeyConfig, now: Date = Date()) -> Date {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: config.timeZone) ?? TimeZone(identifier: "UTC")!
    return cal.startOfDay(for: now).addingTimeInterval(Double(config.start) * 60)
  }

  /// The monkey's wall time at cluster time `t`, and back.
  public func wall(_ t: Seconds) -> Date { origin.addingTimeInterval((t - startedAt) * config.scale) }
  public func cluster(_ d: Date) -> Seconds { startedAt + d.timeIntervalSince(origin) / config.scale }

  func isRunDay(_ day: Date) -> Bool {
    guard config.weekdaysOnly else { return true }
    let wd = calendar.component(.weekday, from: day)
    return wd != 1 && wd != 7
  }

  func nextRunDay(after day: Date) -> Date {
    var d = calendar.date(byAdding: .day, value: 1, to: day)!
    while !isRunDay(d) { d = calendar.date(byAdding: .day, value: 1, to: d)! }
    return d
  }

  /// Plans `day`'s kills from `from` (the window's start, or now when started late).
  mutating func plan(day: Date, from: Date, state: ClusterSnapshot) {
    let windowStart = day.addingTimeInterval(Double(config.start) * 60)
    let windowEnd = day.addingTimeInterval(Double(config.end) * 60)
    var lo = max(windowStart, from)
    var hi = windowEnd
    if config.scheduleImmediateKill {
      lo = from
      hi = from.addingTimeInterval(60)
    }
    guard lo < hi else { return }
    let fraction =
      config.scheduleImmediateKill ? 1 : hi.timeIntervalSince(lo) / windowEnd.timeIntervalSince(windowStart)
    for w in state.workloads.values.sorted(by: { $0.id < $1.id }) {
      guard let v = Eligibility.of(w, config: config).victim else { continue }
      let expected = 86_400 / v.mtbf * fraction
      var n = Int(expected)
      if rng.unit() < expected - Double(n) { n += 1 }
      if config.forceShouldKill { n = max(n, 1) }
      for _ in 0..<n {
        let at = lo.addingTimeInterval(rng.uniform(0, hi.timeIntervalSince(lo)))
        planned.append(Planned(workload: v.workload, at: cluster(at)))
      }
    }
    planned.sort { $0.at < $1.at }
  }

  public mutating func pause(_ reason: String) { pausedReason = reason }
  public mutating func resume() { pausedReason = nil }

  /// Moves to the snapshot's time: plans a new day when its `run_hour` comes, and kills what is due.
  public mutating func step(_ state: ClusterSnapshot) -> [Action] {
    let now = state.now
    var out: [Action] = []
    while now >= nextPlanning {
      let day = calendar.startOfDay(for: wall(nextPlanning))
      plan(day: day, from: wall(nextPlanning), state: state)
      nextPlanning = cluster(nextRunDay(after: day).addingTimeInterval(Double(config.runHour) * 3600))
    }
    while let first = planned.first, first.at <= now {
      planned.removeFirst()
      // The team's safety lever (engaged or unread) and the stop signals hold the monkey.
      if let reason = pausedReason ?? state.injectionRefusal {
        kills.append(Kill(workload: first.workload, at: now, outcome: "skipped: paused (\(reason))", injected: false))
        continue
      }
      out += kill(first, state)
    }
    return out
  }

  mutating func kill(_ p: Planned, _ state: ClusterSnapshot) -> [Action] {
    let now = state.now
    func record(_ outcome: String, _ injected: Bool = false) {
      kills.append(Kill(workload: p.workload, at: now, outcome: outcome, injected: injected))
    }
    guard let w = state.workloads[p.workload.key] else {
      record("skipped: the workload is gone")
      return []
    }
    guard let v = Eligibility.of(w, config: config).victim else {
      record("skipped: no longer opted in (kube-monkey/enabled)")
      return []
    }
    let members = FaultPlan.members(of: v.workload, in: state)
    let running = members.filter { $0.phase == .running }.count
    let count = v.mode.count(running: running, random: rng.unit())
    let what =
      count.map { "\($0) of \(running) Running pod\(running == 1 ? "" : "s")" } ?? "all \(members.count) pods"
    if count == 0 || members.isEmpty {
      record("nothing to kill (\(v.mode.label), \(running) Running)")
      return []
    }
    if config.dryRun {
      record("dry run: would kill " + what)
      return [
        .event(
          ClusterEvent(
            time: now, reason: "KubeMonkeyDryRun", object: "\(w.kind.rawValue.lowercased())/\(w.name)",
            message: "kube-monkey (dry run): would kill \(what) (\(v.mode.label))", workload: w.id))
      ]
    }
    var params = FaultParameters()
    params.mode = .all
    params.count = count
    params.gracePeriod = config.gracePeriod
    record("killed " + what, true)
    return [
      .requestFault(
        FaultRequest(
          kind: .podKill, target: .workload(namespace: w.namespace, name: w.name), parameters: params,
          origin: Self.origin))
    ]
  }
}
