import ClusterState
import Foundation

/// The schedule as the pane and `chaostui monkey` show it: a row per workload carrying kube-monkey
/// labels, with its kill mode, configured MTBF, next kill, last kill and its TTR, and the MTBF
/// measured since the monkey started (session time over the workload's incidents, in the
/// monkey's clock so it compares with the label).
public struct MonkeySchedule: Sendable, Equatable {
  public struct Row: Sendable, Equatable {
    public var workload: String
    /// nil: eligible; else why not, in words.
    public var problem: String?
    public var mode: String
    public var mtbf: String
    /// Cluster time of the next planned kill.
    public var next: Seconds?
    public var plannedToday: Int
    public var lastKill: MonkeyRun.Kill?
    /// The last kill's incident: `recovered in 8.4s`, `recovering`, `no impact`.
    public var lastOutcome: String?
    public var lastTTR: Seconds?
    public var failures: Int
    /// In the monkey's clock (seconds).
    public var measuredMTBF: Seconds?
  }
  public var rows: [Row]
  /// Cluster time of the schedule.
  public var now: Seconds
  /// The monkey's time now, its window, dry run, pause, next planning: one line.
  public var status: String

  public init(_ run: MonkeyRun, state: ClusterSnapshot) {
    let now = state.now
    self.now = now
    var rows: [Row] = []
    let incidents = state.incidents.filter { $0.injected >= run.startedAt }
    for w in state.workloads.values.sorted(by: { $0.id < $1.id })
    where w.labels.keys.contains(where: { $0.hasPrefix("kube-monkey/") }) {
      let e = Eligibility.of(w, config: run.config)
      let problem: String? =
        switch e {
        case .victim: nil
        case .notEnrolled: "opted out (kube-monkey/enabled is \"\(w.labels["kube-monkey/enabled"] ?? "")\")"
        case .excluded(let why), .invalid(let why): why
        }
      let mine = run.planned.filter { $0.workload.key == w.id }
      let last = run.kills.last { $0.workload.key == w.id }
      var outcome: String?
      var ttr: Seconds?
      if let last, last.injected,
        let fault = state.faults.last(where: {
          $0.request.origin == MonkeyRun.origin && $0.request.target == .workload(namespace: w.namespace, name: w.name)
            && $0.started >= last.at - 0.001
        })
      {
        if let i = state.incidents.last(where: { $0.faultID == fault.id }) {
          if let r = i.recovered {
            ttr = r - i.injected
            outcome = "recovered in " + formatDuration(r - i.injected)
          } else {
            outcome = i.status.rawValue
          }
        } else if case .failed(let why) = fault.state {
          outcome = "failed: " + why
        }
      }
      let failures = incidents.filter { $0.workloads.contains(w.id) }.count
      let elapsed = now - run.startedAt
      rows.append(
        Row(
          workload: w.id, problem: problem, mode: e.victim?.mode.label ?? "-",
          mtbf: w.labels["kube-monkey/mtbf"] ?? "-", next: mine.first?.at, plannedToday: mine.count, lastKill: last,
          lastOutcome: outcome, lastTTR: ttr, failures: failures,
          measuredMTBF: failures == 0 ? nil : elapsed / Double(failures) * run.config.scale))
    }
    self.rows = rows
    let clock = run.wall(now)
    var parts = [
      "monkey clock " + Self.hhmm(clock, run.calendar)
        + (run.config.day.map { " (day=\(formatDuration($0)))" } ?? " \(run.config.timeZone)"),
      "window " + MonkeyConfig.clock(run.config.start) + "-" + MonkeyConfig.clock(run.config.end),
    ]
    if run.config.dryRun { parts.append("DRY RUN: kills only logged") }
    if let p = run.pausedReason {
      parts.append("PAUSED (\(p))")
    } else if state.chaos.lever?.isEngaged == true {
      parts.append("HELD by the safety lever")
    } else if state.chaos.lever?.status == .unknown {
      parts.append("HELD: the safety lever is unknown")
    } else if state.stopSignalReason != nil {
      parts.append("HELD by a stop signal")
    }
    if run.nextPlanning.isFinite {
      parts.append("plan in " + formatDuration(max(0, run.nextPlanning - now)))
    }
    status = parts.joined(separator: "  ")
  }

  /// `Wed 10:42` in the monkey's zone.
  public static func hhmm(_ d: Date, _ run: MonkeyRun) -> String { hhmm(d, run.calendar) }

  static func hhmm(_ d: Date, _ cal: Calendar) -> String {
    let c = cal.dateComponents([.weekday, .hour, .minute], from: d)
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    return days[(c.weekday ?? 1) - 1] + " " + MonkeyConfig.clock((c.hour ?? 0) * 60 + (c.minute ?? 0))
  }
}
