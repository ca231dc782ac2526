import ClusterState
import Foundation

extension Experiment {
  /// A service level objective: the share of good events over a window. Its error budget is the
  /// bad events it allows, (1 − target) of the window's events; an experiment spends some of it.
  public struct SLO: Sendable, Equatable {
    public var name = "SLO"
    /// Where no PromQL is given (or no Prometheus answers): chaostui's own figures of this
    /// service, its requests a second and the share of them that failed.
    public var service: String?
    public var target: Double
    public var window: Seconds = 30 * 86400
    /// Good and total events a second, in PromQL (with --prometheus).
    public var good: String?
    public var total: String?
    public init(target: Double) { self.target = target }

    /// The PromQL probes Prometheus evaluates for it, by name.
    public var queries: [PromCheck] {
      guard let good, let total else { return [] }
      return [PromCheck(name: Self.goodName, expr: good), PromCheck(name: Self.totalName, expr: total)]
    }
    static let goodName = "slo: good events"
    static let totalName = "slo: total events"

    public var label: String {
      "\(name) \(Figure.text(target * 100))% over \(ErrorBudget.span(window))"
    }
  }

  /// Stop when the budget burns faster than `above` times the rate that would spend it exactly
  /// over the SLO's window, over both the fast and the slow window (the SRE workbook's multiwindow
  /// alert: the slow one says it is real, the fast one that it is still going on).
  public struct BurnRate: Sendable, Equatable {
    public var fast: Seconds = 300
    public var slow: Seconds = 3600
    public var above: Double = 14.4
    public init() {}
    public var label: String {
      "burn rate over \(Figure.text(above))x for \(formatDuration(fast)) and \(formatDuration(slow))"
    }
  }
}

/// An experiment's spending of its SLO's error budget, from the method's start: events and bad
/// events of each second, the share of the budget spent, the burn rates.
public struct ErrorBudget: Sendable, Equatable {
  public let slo: Experiment.SLO
  /// Good and bad events since the method started.
  public private(set) var total = 0.0
  public private(set) var bad = 0.0
  public private(set) var seconds = 0.0
  /// Each sample: when, events, bad events (the last four hours).
  var samples: [(t: Seconds, total: Double, bad: Double)] = []
  static let kept = 4 * 3600
  /// Where the figures come from, in words.
  public private(set) var source = ""
  var lastAt: Seconds?

  public init(slo: Experiment.SLO) { self.slo = slo }

  public static func == (a: Self, b: Self) -> Bool {
    a.slo == b.slo && a.total == b.total && a.bad == b.bad && a.seconds == b.seconds
  }

  /// The bad events the window allows at the traffic seen so far.
  public var allowed: Double {
    guard seconds > 0 else { return 0 }
    return (1 - slo.target) * (total / seconds) * slo.window
  }

  /// The share of the window's budget this experiment has spent (nil: no traffic seen yet).
  public var spent: Double? { allowed > 0 ? bad / allowed : nil }

  /// The burn rate over the last `window` seconds: the bad share over the share the SLO allows
  /// (1: the budget would last exactly the SLO's window). Over what there is when the run is shorter.
  public func burnRate(over window: Seconds, now: Seconds) -> Double? {
    var t = 0.0
    var b = 0.0
    for s in samples.reversed() {
      if now - s.t >= window { break }
      t += s.total
      b += s.bad
    }
    guard t > 0, slo.target < 1 else { return nil }
    return (b / t) / (1 - slo.target)
  }

  /// Bad events between two times (an incident's span).
  public func badEvents(from: Seconds, to: Seconds) -> Double {
    samples.filter { $0.t > from && $0.t <= to }.reduce(0) { $0 + $1.bad }
  }

  /// One second's events: from Prometheus' answers to the SLO's queries, else the service's figures.
  public mutating func sample(_ s: ClusterSnapshot, namespace: String) {
    let dt = lastAt.map { min(60, max(0, s.now - $0)) } ?? 1
    lastAt = s.now
    guard dt > 0 else { return }
    var rates: (total: Double, bad: Double)?
    if !slo.queries.isEmpty,
      let total = s.probeResults.first(where: { $0.name == Experiment.SLO.totalName })?.value,
      let good = s.probeResults.first(where: { $0.name == Experiment.SLO.goodName })?.value
    {
      rates = (total, max(0, total - good))
      source = "Prometheus"
    } else if let svc = slo.service {
      let id = svc.contains("/") ? svc : namespace + "/" + svc
      if let w = s.services[id]?.workload, let series = s.workloadSeries[w], let rps = series.requestsPerSec.last {
        rates = (rps, rps * min(100, max(0, series.errorPercent.last ?? 0)) / 100)
        source = "chaostui's figures of \(svc)"
      }
    }
    guard let rates, rates.total.isFinite, rates.bad.isFinite, rates.total >= 0 else { return }
    let now = s.now
    total += rates.total * dt
    bad += rates.bad * dt
    seconds += dt
    samples.append((now, rates.total * dt, rates.bad * dt))
    if samples.count > Self.kept { samples.removeFirst(samples.count - Self.kept) }
  }

  /// A window in words: whole days as days (30d), else as durations are.
  public static func span(_ s: Seconds) -> String {
    s >= 86400 && s.truncatingRemainder(dividingBy: 86400) == 0 ? "\(Int(s / 86400))d" : formatDuration(s)
  }

  /// The gauge in words: `12% of flask availability 99.5% over 30d spent (18 of 150 failed
  /// requests allowed); burn rate 5m 14x, 1h 3.1x`.
  public func text(now: Seconds, fast: Seconds = 300, slow: Seconds = 3600) -> String {
    guard let spent else { return "error budget of \(slo.label): no traffic seen yet" }
    return
      "error budget of \(slo.label): \(Numbers.share(spent)) spent (\(Experiment.Figure.text(bad)) of \(Experiment.Figure.text(allowed)) failed requests allowed); burn rate "
      + burnText(fast: fast, slow: slow, now: now)
  }

  /// The burn rates over two windows: `5m00s 14x, 1h00m 3.1x` (`-`: no traffic in it).
  public func burnText(fast: Seconds, slow: Seconds, now: Seconds) -> String {
    func x(_ w: Seconds) -> String {
      Self.span(w) + " " + (burnRate(over: w, now: now).map { Experiment.Figure.text($0) + "x" } ?? "-")
    }
    return x(fast) + ", " + x(slow)
  }
}
