import ClusterState
import Foundation

/// `chaostui history`: the weeks after. Every journal's report boiled down to what the weeks
/// need (`SessionFacts`), then counted by ISO week (Monday 00:00 UTC) and service: alert counts,
/// their time to resolution, noisy alerts, the most frequent alerts, incidents by severity, SEVs
/// by service, MTTD/MTTR/MTBF, and a resilience figure (the share of hypotheses held and of
/// incidents recovered within the target). An incident or alert belongs to the week it started in.
public struct History: Sendable {
  /// One session as the weeks count it: times are wall-clock seconds since 1970.
  public struct SessionFacts: Sendable, Equatable {
    public struct AlertFact: Sendable, Equatable {
      public var name: String
      public var service: String
      public var severity: String
      public var fired: Double
      public var resolution: Seconds?
      public var noisy: Bool
      public init(
        name: String, service: String, severity: String, fired: Double, resolution: Seconds?, noisy: Bool
      ) {
        self.name = name
        self.service = service
        self.severity = severity
        self.fired = fired
        self.resolution = resolution
        self.noisy = noisy
      }
    }
    public struct IncidentFact: Sendable, Equatable {
      public var services: [String]
      public var severity: String
      public var injected: Double
      public var ttd: Seconds?
      public var ttr: Seconds?
      /// It did harm (not "no impact"): counted in MTBF.
      public var failure: Bool
    }
    public var name: String
    public var started: Double
    public var length: Seconds
    public var alerts: [AlertFact] = []
    public var incidents: [IncidentFact] = []
    public var hypothesesHeld = 0
    public var hypothesesTotal = 0

    public init(name: String, started: Double, length: Seconds) {
      self.name = name
      self.started = started
      self.length = length
    }

    /// What a session's report says, its times on the wall clock (a demo's virtual clock starts
    /// at its header's `started`).
    public init(report r: SessionReport, name: String) {
      let wall = { (t: Seconds) in r.header.started + (t - r.start) }
      self.init(name: name, started: r.header.started, length: r.length)
      alerts = r.alerts.map { a in
        AlertFact(
          name: a.name, service: a.service, severity: a.severity.lowercased(), fired: wall(a.fired),
          resolution: a.resolved.map { $0 - a.fired }, noisy: r.isNoisy(a))
      }
      incidents = r.incidents.map { i in
        IncidentFact(
          services: Array(Set(i.workloads)).sorted(), severity: r.severity(i), injected: wall(i.injected), ttd: i.ttd,
          ttr: i.ttr, failure: i.status != .noImpact)
      }
      for e in r.experiments {
        hypothesesTotal += e.hypotheses.count
        hypothesesHeld += e.hypotheses.filter { $0.status == "held" }.count
      }
    }
  }

  /// By service: how many, and the figures (nil: none to say).
  public struct ServiceWeek: Sendable, Equatable {
    public var alerts = 0
    public var resolutions: [Seconds] = []
    public var noisy = 0
    public var alertCounts: [String: Int] = [:]
    public var sevs: [String: Int] = [:]
    public var ttds: [Seconds] = []
    public var ttrs: [Seconds] = []
    public var failures = 0

    public var meanResolution: Seconds? { History.mean(resolutions) }
    public var mttd: Seconds? { History.mean(ttds) }
    public var mttr: Seconds? { History.mean(ttrs) }
    /// The 20 alerts that fired most often, most first.
    public var topAlerts: [(name: String, count: Int)] {
      Array(alertCounts.map { ($0.key, $0.value) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(20))
    }
  }

  public struct Week: Sendable, Equatable {
    /// Monday 00:00 UTC.
    public var start: Double
    public var sessions = 0
    /// Seconds of sessions that started this week.
    public var observed: Seconds = 0
    public var services: [String: ServiceWeek] = [:]
    public var severities: [String: Int] = [:]
    public var hypothesesHeld = 0
    public var hypothesesTotal = 0
    public var incidents = 0
    public var recoveredWithinTarget = 0
    public init(start: Double) { self.start = start }

    /// Mean time between failures of a service this week: the time observed over its failures.
    public func mtbf(_ service: String) -> Seconds? {
      guard let f = services[service]?.failures, f > 0 else { return nil }
      return observed / Double(f)
    }
    public var heldShare: Double? { hypothesesTotal == 0 ? nil : Double(hypothesesHeld) / Double(hypothesesTotal) }
    public var recoveredShare: Double? { incidents == 0 ? nil : Double(recoveredWithinTarget) / Double(incidents) }
    public var alerts: Int { services.values.reduce(0) { $0 + $1.alerts } }
  }

  public var weeks: [Week]
  /// Recovered within this long counts towards the resilience figure.
  public var target: Seconds
  public var sessions: Int
  /// What could not be read, a line each (a journal named and why).
  public var problems: [String] = []

  public init(_ facts: [SessionFacts], target: Seconds = 300) {
    self.target = target
    sessions = facts.count
    var byWeek: [Double: Week] = [:]
    func week(_ t: Double) -> Double { History.weekStart(t) }
    for f in facts {
      let w = week(f.started)
      byWeek[w, default: Week(start: w)].sessions += 1
      byWeek[w, default: Week(start: w)].observed += f.length
      byWeek[w, default: Week(start: w)].hypothesesHeld += f.hypothesesHeld
      byWeek[w, default: Week(start: w)].hypothesesTotal += f.hypothesesTotal
      for a in f.alerts {
        let k = week(a.fired)
        var s = byWeek[k, default: Week(start: k)].services[a.service] ?? ServiceWeek()
        s.alerts += 1
        if let r = a.resolution { s.resolutions.append(r) }
        if a.noisy { s.noisy += 1 }
        s.alertCounts[a.name, default: 0] += 1
        byWeek[k, default: Week(start: k)].services[a.service] = s
      }
      for i in f.incidents {
        let k = week(i.injected)
        var w = byWeek[k] ?? Week(start: k)
        w.incidents += 1
        w.severities[i.severity, default: 0] += 1
        if let r = i.ttr, r <= target { w.recoveredWithinTarget += 1 }
        for svc in i.services {
          var s = w.services[svc] ?? ServiceWeek()
          s.sevs[i.severity, default: 0] += 1
          if let d = i.ttd { s.ttds.append(d) }
          if let r = i.ttr { s.ttrs.append(r) }
          if i.failure { s.failures += 1 }
          w.services[svc] = s
        }
        byWeek[k] = w
      }
    }
    // Every week from the first to the last, those with no session too (a trend has its gaps).
    var out: [Week] = []
    if let first = byWeek.keys.min(), let last = byWeek.keys.max() {
      var w = first
      while w <= last {
        out.append(byWeek[w] ?? Week(start: w))
        w += 7 * 86_400
      }
    }
    weeks = out
  }

  /// Monday 00:00 UTC of the week `t` (seconds since 1970) is in: 1970-01-01 was a Thursday.
  public static func weekStart(_ t: Double) -> Double {
    let day = (t / 86_400).rounded(.down)
    let sinceMonday = (day + 3).truncatingRemainder(dividingBy: 7)
    return (day - (sinceMonday < 0 ? sinceMonday + 7 : sinceMonday)) * 86_400
  }

  static func mean(_ v: [Seconds]) -> Seconds? { v.isEmpty ? nil : v.reduce(0, +) / Double(v.count) }

  /// Every service seen in any week, sorted.
  public var services: [String] { Array(Set(weeks.flatMap { $0.services.keys })).sorted() }
  public var severities: [String] { Array(Set(weeks.flatMap { $0.severities.keys })).sorted() }

  /// Reads every journal (`.jsonl`) of `paths` (files, or folders read to their depth one): each
  /// one's report boiled down; what cannot be read is named in `problems`, the rest counted.
  public static func load(paths: [String], target: Seconds = 300) -> History {
    var files: [String] = []
    var problems: [String] = []
    for p in paths {
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
        problems.append("\(p): no such file or folder")
        continue
      }
      if isDir.boolValue {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
        files += names.filter { $0.hasSuffix(".jsonl") }.sorted().map { p + "/" + $0 }
      } else {
        files.append(p)
      }
    }
    let facts = Self.facts(files, problems: &problems)
    var h = History(facts, target: target)
    h.problems = problems
    return h
  }

  /// The journals' facts, read on every core (each journal is read once, alone).
  static func facts(_ files: [String], problems: inout [String]) -> [SessionFacts] {
    final class Results: @unchecked Sendable {
      let lock = NSLock()
      var items: [Result<SessionFacts, SessionJournal.ReadError>?]
      init(_ n: Int) { items = Array(repeating: nil, count: n) }
    }
    let results = Results(files.count)
    DispatchQueue.concurrentPerform(iterations: files.count) { i in
      let r: Result<SessionFacts, SessionJournal.ReadError>
      do {
        let journal = try JournalReader.load(path: files[i], podMetrics: false)
        r = .success(SessionFacts(report: SessionReport(journal: journal, charts: false), name: files[i]))
      } catch let e as SessionJournal.ReadError {
        r = .failure(e)
      } catch {
        r = .failure(SessionJournal.ReadError("\(files[i]): \(error)"))
      }
      results.lock.withLock { results.items[i] = r }
    }
    var out: [SessionFacts] = []
    for r in results.items {
      switch r {
      case .success(let f)?: out.append(f)
      case .failure(let e)?: problems.append(e.description)
      case nil: break
      }
    }
    return out
  }
}
