import ClusterState
import Foundation

/// What a recorded session comes to, for people: incidents with TTD, TTR, what detected them and
/// their overlaps; MTTD, MTTR and MTBF by service; alerts by service (counts, time to resolution,
/// noisy ones, the most frequent); incidents by severity; experiments and their verdicts; who did
/// what; and the workloads' p99, error rate, Ready replicas and CPU over the session. Built by
/// replaying the journal through the same reducer.
public struct SessionReport: Sendable {
  public struct Point: Sendable, Equatable {
    public var t: Seconds
    public var p99: Double?
    public var errors: Double?
    public var ready: Double?
    public var cpu: Double?
    init(t: Seconds, p99: Double? = nil, errors: Double? = nil, ready: Double? = nil, cpu: Double? = nil) {
      self.t = t
      self.p99 = p99
      self.errors = errors
      self.ready = ready
      self.cpu = cpu
    }
  }

  public struct AlertRun: Sendable, Equatable {
    public var name: String
    public var service: String
    public var severity: String
    public var fired: Seconds
    public var resolved: Seconds?
    /// The context whose Prometheus told of it, in a session of several (nil: one cluster).
    public var context: String? = nil
  }

  public struct ServiceFigures: Sendable, Equatable {
    public var service: String
    public var incidents: Int
    public var mttd: Seconds?
    public var mttr: Seconds?
    /// Mean time between failures: the time observed over the number of incidents.
    public var mtbf: Seconds?
  }

  public struct AuditEntry: Sendable, Equatable {
    public var t: Seconds
    public var who: String
    public var what: String
  }

  public var header: SessionJournal.Header
  public var start: Seconds
  public var end: Seconds
  public var final: ClusterSnapshot
  public var incidents: [Incident]
  public var faults: [ActiveFault]
  public var series: [String: [Point]] = [:]
  /// The charted workloads in the order shown.
  public var chartOrder: [String] = []
  public var alerts: [AlertRun] = []
  public var audit: [AuditEntry] = []
  public var experiments: [SessionJournal.ExperimentRecord] = []
  public var notes: [String]
  /// An alert that resolved by itself within this long, with no fault of the session active, is noisy.
  public static let noisyWithin: Seconds = 300

  public var length: Seconds { end - start }

  /// Reads the journal once: alerts, who did what and the charts from its records (the latest
  /// figures of each workload, sampled every `sampleEvery` seconds of session time); the incidents
  /// from the last snapshot and what follows it, through the reducer. At most `maxWorkloads`
  /// workloads are charted: those behind a service of the namespace shown first, then the busiest.
  public init(journal: JournalReader, sampleEvery: Seconds = 5, maxWorkloads: Int = 8, charts: Bool = true) {
    header = journal.header
    (start, end) = journal.span
    notes = journal.notes
    let records = journal.records
    let lastSnapshot = records.lastIndex { if case .snapshot = $0 { return true } else { return false } } ?? 0
    var firstState: ClusterSnapshot?
    for case .snapshot(_, let snap) in records {
      firstState = try? snap.decode()
      break
    }
    let store = Store()
    var nextSample = start
    var firing: [String: AlertRun] = [:]
    let charted =
      charts ? firstState.map { Self.chartedWorkloads($0, shown: journal.header.shown, max: maxWorkloads) } ?? [] : []
    chartOrder = charted
    let watched = Set(charted)
    // The latest figures of each charted workload, as the records bring them.
    var latest: [String: Point] = [:]
    for w in charted {
      let ws = firstState?.workloadSeries[w]
      latest[w] = Point(
        t: 0, p99: ws?.latencyP99Ms.last, errors: ws?.errorPercent.last,
        ready: firstState?.workloads[w].map { Double($0.readyReplicas) }, cpu: ws?.cpuMilli.last)
    }
    let who = journal.header.user.map { "\($0) (\(journal.header.context))" } ?? journal.header.context
    for (index, r) in records.enumerated() {
      switch r {
      case .snapshot(_, let snap):
        if index == lastSnapshot, let s = try? snap.decode() { store.dispatch(.restore(s)) }
      case .note: continue
      case .experiment(_, let e): experiments.append(e)
      case .action(let t, let a):
        if index > lastSnapshot { store.dispatch(a) }
        Self.take(a, at: t, who: who, watched: watched, &latest, &firing, audit: &audit, alerts: &alerts)
        if t >= nextSample {
          nextSample = t + sampleEvery
          for w in charted {
            var p = latest[w] ?? Point(t: 0)
            p.t = t - start
            series[w, default: []].append(p)
          }
        }
      }
    }
    alerts += firing.values.sorted { $0.fired < $1.fired }
    alerts.sort { $0.fired < $1.fired }
    final = store.state
    incidents = final.incidents
    faults = final.faults
  }

  /// What an action of the journal tells the report: a charted workload's latest figures, who asked
  /// for what (the audit), the alerts that fired and resolved.
  static func take(
    _ a: Action, at t: Seconds, who: String, watched: Set<String>, _ latest: inout [String: Point],
    _ firing: inout [String: AlertRun], audit: inout [AuditEntry], alerts: inout [AlertRun]
  ) {
    switch a {
    case .workloadMetrics(_, let samples):
      for sm in samples where watched.contains(sm.workloadID) {
        var p = latest[sm.workloadID] ?? Point(t: 0)
        p.p99 = sm.latencyP99Ms ?? p.p99
        p.errors = sm.errorPercent ?? p.errors
        p.cpu = sm.cpuMilli ?? p.cpu
        latest[sm.workloadID] = p
      }
    case .workloadUpserted(let w) where watched.contains(w.id):
      latest[w.id, default: Point(t: 0)].ready = Double(w.readyReplicas)
    case .workloadsReplaced(_, let list):
      for w in list where watched.contains(w.id) {
        latest[w.id, default: Point(t: 0)].ready = Double(w.readyReplicas)
      }
    case .requestFault(let req):
      audit.append(
        AuditEntry(
          t: t, who: req.origin ?? who,
          what: "asked for \(req.kind.rawValue) on \(req.targetLabel)"
            + (req.kind.isOneShot ? "" : " for \(formatDuration(req.parameters.duration))")))
    case .abortAllFaults: audit.append(AuditEntry(t: t, who: who, what: "panic: every active fault aborted"))
    case .moveLever(let m):
      audit.append(
        AuditEntry(
          t: t, who: m.by, what: "asked to \(m.engage ? "engage" : "release") the safety lever: \(m.reason)"))
    case .lever(let l) where l.status == .engaged || l.status == .released:
      audit.append(
        AuditEntry(t: t, who: l.by, what: "safety lever \(l.status.rawValue) (\(l.location)): \(l.reason)"))
    case .note(let text, let by): audit.append(AuditEntry(t: t, who: by, what: "note: " + text))
    case .faultFailed(let id, let message):
      audit.append(AuditEntry(t: t, who: "cluster", what: "fault #\(id) failed: \(message)"))
    case .alerts(let list, let time): seen(list, at: time, from: nil, &firing, alerts: &alerts)
    case .inContext(let alias, .alerts(let list, let time)):
      seen(list, at: time, from: alias, &firing, alerts: &alerts)
    default: break
    }
  }

  /// The state at the journal's end: its last snapshot and what follows it, through the reducer.
  public static func finalState(_ journal: JournalReader) -> ClusterSnapshot {
    let records = journal.records
    let store = Store()
    guard let last = records.lastIndex(where: { if case .snapshot = $0 { return true } else { return false } }),
      case .snapshot(_, let snap) = records[last], let s = try? snap.decode()
    else { return store.state }
    store.dispatch(.restore(s))
    for case .action(_, let a) in records[(last + 1)...] { store.dispatch(a) }
    return store.state
  }

  /// The alerts one Prometheus answers (one context's, in a session of several): those new to it
  /// fire, those of its own it no longer lists resolve; another context's stay as they are.
  static func seen(
    _ list: [Alert], at time: Seconds, from context: String?, _ firing: inout [String: AlertRun],
    alerts: inout [AlertRun]
  ) {
    var now: [String: Alert] = [:]
    for al in list where al.state == "firing" { now[Self.key(al)] = al }
    for (k, al) in now where firing[k] == nil {
      firing[k] = AlertRun(
        name: al.shownName, service: al.labels["service"] ?? al.labels["job"] ?? "-",
        severity: al.labels["severity"] ?? "-", fired: al.activeAt ?? time, context: context)
    }
    for (k, var run) in firing where now[k] == nil && run.context == context {
      run.resolved = time
      alerts.append(run)
      firing[k] = nil
    }
  }

  static func key(_ a: Alert) -> String {
    a.name + a.labels.sorted { $0.key < $1.key }.map { "," + $0.key + "=" + $0.value }.joined()
  }

  /// The workloads charted: those behind a service in the namespace the console showed first, then
  /// behind any service, then the busiest.
  static func chartedWorkloads(_ s: ClusterSnapshot, shown: String?, max: Int) -> [String] {
    let fronted = Set(s.services.values.map(\.workload))
    func rank(_ id: String) -> Int {
      let inShown = shown.map { id.hasPrefix($0 + "/") } ?? true
      return (fronted.contains(id) ? 0 : 2) + (inShown ? 0 : 1)
    }
    let ids = s.workloads.keys.sorted { a, b in
      if rank(a) != rank(b) { return rank(a) < rank(b) }
      let ca = s.workloadSeries[a]?.cpuMilli.last ?? 0
      let cb = s.workloadSeries[b]?.cpuMilli.last ?? 0
      return ca != cb ? ca > cb : a < b
    }
    return Array(ids.prefix(max))
  }

  /// MTTD, MTTR and MTBF by service (each workload an incident watched).
  public var byService: [ServiceFigures] {
    var by: [String: [Incident]] = [:]
    for i in incidents { for w in Set(i.workloads) { by[w, default: []].append(i) } }
    return by.keys.sorted().map { w in
      let list = by[w]!
      let ttds = list.compactMap(\.ttd)
      let ttrs = list.compactMap(\.ttr)
      let failures = list.filter { $0.status != .noImpact }.count
      return ServiceFigures(
        service: w, incidents: list.count, mttd: ttds.isEmpty ? nil : ttds.reduce(0, +) / Double(ttds.count),
        mttr: ttrs.isEmpty ? nil : ttrs.reduce(0, +) / Double(ttrs.count),
        mtbf: failures == 0 ? nil : length / Double(failures))
    }
  }

  /// An alert that resolved by itself within 5 minutes, with no incident of the session open
  /// meanwhile (an alert during an incident told of it; one without is noise).
  public func isNoisy(_ a: AlertRun) -> Bool {
    guard let r = a.resolved, r - a.fired <= Self.noisyWithin else { return false }
    return !incidents.contains { i in i.injected <= r && (i.recovered ?? end) >= a.fired && i.status != .noImpact }
  }

  /// Alerts by service: how many, their mean time to resolution, how many were noisy.
  public var alertsByService: [(service: String, count: Int, meanResolution: Seconds?, noisy: Int)] {
    Dictionary(grouping: alerts, by: \.service).keys.sorted().map { svc in
      let list = alerts.filter { $0.service == svc }
      let res = list.compactMap { a in a.resolved.map { $0 - a.fired } }
      return (svc, list.count, res.isEmpty ? nil : res.reduce(0, +) / Double(res.count), list.filter(isNoisy).count)
    }
  }

  /// The alerts that fired most often, most first.
  public var mostFrequentAlerts: [(name: String, count: Int)] {
    Dictionary(grouping: alerts, by: \.name).map { ($0.key, $0.value.count) }.sorted {
      $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0
    }
  }

  /// An incident's severity: the highest of the alerts that fired during it, else by what it did
  /// (no ready primary or no Ready pod: critical; degraded: major; no impact: none).
  public func severity(_ i: Incident) -> String {
    let endT = i.recovered ?? end
    let order = ["critical", "major", "warning", "minor", "info"]
    let labelled = alerts.filter { $0.fired <= endT && ($0.resolved ?? end) >= i.injected }.map {
      $0.severity.lowercased()
    }
    if let best = labelled.filter(order.contains).min(by: { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }) {
      return best
    }
    if i.status == .noImpact { return "none" }
    let text = (i.detectedBy ?? "") + " " + (i.lastViolation ?? "")
    return text.contains("no ready primary") || text.contains(" 0/") ? "critical" : "major"
  }

  public var incidentsBySeverity: [(severity: String, count: Int)] {
    Dictionary(grouping: incidents, by: severity).map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 }
  }

  /// The timeline entries of one incident.
  public func timeline(of i: Incident) -> [TimelineEntry] { final.timeline.filter { $0.incident == i.id } }
}
