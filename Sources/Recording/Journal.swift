import ClusterState
import Foundation

/// A session's journal: JSON Lines, one record a line, append-only. The first line is the header
/// (`"k": "header"`, the format's `version`); then what the session's store saw, in order:
///
/// - `{"k":"snap","t":T,"s":{...}}` the whole state (at the start and every 5 minutes: replay starts
///   and seeks from these);
/// - `{"k":"tick","t":T}` the clock (incidents are judged on it);
/// - `{"k":"id","n":N,"id":"ns/pod"}` a pod's number in the `pm` records that follow;
/// - `{"k":"pm","t":T,"s":[[N,cpu,memory],...]}` pod samples of one metrics round (CPU in whole
///   millicores from 1m up, memory in KiB to 4 significant digits);
/// - `{"k":"a","t":T,"a":{...}}` any other action (watch events, faults, alerts, the panic key);
/// - `{"k":"note","t":T,"text":"..."}` what the recorder itself has to say (details thinned past
///   the size cap: which, and up to when).
///
/// A reader skips a last line cut short by a crash (with a note) and ignores kinds it does not know
/// (a newer chaostui's); a newer `version` is refused in words. Nothing secret is in an action.
public enum SessionJournal {
  public static let format = "chaostui-journal"
  public static let version = 1
  /// Seconds of session time between snapshots.
  public static let snapshotEvery: Seconds = 300

  public struct Header: Codable, Sendable, Equatable {
    public var k = "header"
    public var format = SessionJournal.format
    public var version = SessionJournal.version
    public var chaostui: String
    /// Wall-clock seconds since 1970 when recording started.
    public var started: Double
    public var isDemo: Bool
    public var context: String
    public var namespace: String?
    public var title: String?
    /// The namespace the console showed when recording started (nil: every namespace).
    public var shown: String?
    /// Who the cluster knows the session as (the kubeconfig's user; nil on the demo).
    public var user: String?
    /// The demo clock's multiplier (nil: 1, or a journal of an earlier build): a follower works
    /// out its lag from it.
    public var speed: Double?

    public init(chaostui: String, started: Double, info: SourceInfo, title: String? = nil, shown: String? = nil) {
      self.chaostui = chaostui
      self.started = started
      isDemo = info.isDemo
      context = info.context
      namespace = info.namespace
      self.title = title
      self.shown = shown
    }
  }

  /// One line's record, as read.
  public enum Record: Sendable {
    case snapshot(Seconds, Snapshot)
    case action(Seconds, Action)
    case note(Seconds, String)
    case experiment(Seconds, ExperimentRecord)
  }

  /// A snapshot as read: decoded when a replay restores it (a journal holds one every 5 minutes;
  /// loading decodes none).
  public struct Snapshot: Sendable {
    let data: Data
    public func decode() throws -> ClusterSnapshot {
      try SessionJournal.decoder.decode(SnapLine.self, from: data).s
    }
    struct SnapLine: Decodable { var s: ClusterSnapshot }
  }

  /// An experiment's outcome (`{"k":"exp",...}`), written at its verdict.
  public struct ExperimentRecord: Codable, Sendable, Equatable {
    public var k = "exp"
    public var t: Seconds
    public var title: String
    public var verdict: String
    public var passed: Bool
    public var hypotheses: [Hypothesis]
    /// When it started (absent in journals before it was written).
    public var created: Seconds?
    /// Control against experimental as tests, at the verdict (absent without a control group, and in
    /// journals before they were written).
    public var comparison: [Test]?
    /// The A/A check before the method, in words.
    public var groupsCheck: String?
    /// What happened outside the method's targets, in words.
    public var unexpected: [String]?
    /// The experiment file's text (absent when it was over 64 KiB, and in journals before it was
    /// written): what `chaostui judge` reads again by default.
    public var file: String?
    /// When the method started (absent: it never did).
    public var methodStart: Seconds?
    /// The SLO's error budget the run spent (absent: no SLO).
    public var budget: Budget?
    public struct Budget: Codable, Sendable, Equatable {
      /// The SLO in words ("flask availability 99.5% over 30d").
      public var slo: String
      /// The share of the window's budget spent (nil: no traffic seen).
      public var spent: Double?
      public var badEvents: Double
      public var allowed: Double
      /// By incident: its number and its share of the budget.
      public var incidents: [[Double]]
      public init(slo: String, spent: Double?, badEvents: Double, allowed: Double, incidents: [[Double]]) {
        self.slo = slo
        self.spent = spent
        self.badEvents = badEvents
        self.allowed = allowed
        self.incidents = incidents
      }
    }
    public struct Hypothesis: Codable, Sendable, Equatable {
      public var name: String
      public var status: String
      public var evidence: String
      /// When it held or failed.
      public var at: Seconds?
      public init(name: String, status: String, evidence: String, at: Seconds? = nil) {
        self.name = name
        self.status = status
        self.evidence = evidence
        self.at = at
      }
    }
    public init(
      t: Seconds, title: String, verdict: String, passed: Bool, hypotheses: [Hypothesis], created: Seconds? = nil,
      comparison: [Test]? = nil, groupsCheck: String? = nil, unexpected: [String]? = nil, file: String? = nil,
      methodStart: Seconds? = nil, budget: Budget? = nil
    ) {
      self.budget = budget
      self.file = file
      self.methodStart = methodStart
      self.t = t
      self.title = title
      self.verdict = verdict
      self.passed = passed
      self.hypotheses = hypotheses
      self.created = created
      self.comparison = comparison
      self.groupsCheck = groupsCheck
      self.unexpected = unexpected
    }

    /// One test of control against experimental, with the block means it was worked out on.
    public struct Test: Codable, Sendable, Equatable {
      public static let blocksKept = 200
      public var workload: String
      public var figure: String
      public var test: String
      public var direction: String
      public var n: [Int]
      public var shift: Double?
      public var lower: Double?
      public var upper: Double?
      public var p: Double?
      public var pHolm: Double?
      public var effect: Double?
      /// What the shift is in ("ms", "m", "pods", "points").
      public var unit: String
      /// The groups' block means (rank tests; the last `blocksKept` of each).
      public var experimental: [Double]?
      public var control: [Double]?
      public init(
        workload: String, figure: String, test: String, direction: String, n: [Int], unit: String,
        shift: Double? = nil, lower: Double? = nil, upper: Double? = nil, p: Double? = nil, pHolm: Double? = nil,
        effect: Double? = nil, experimental: [Double]? = nil, control: [Double]? = nil
      ) {
        self.workload = workload
        self.figure = figure
        self.test = test
        self.direction = direction
        self.n = n
        self.unit = unit
        self.shift = shift.flatMap { $0.isFinite ? $0 : nil }
        self.lower = lower.flatMap { $0.isFinite ? $0 : nil }
        self.upper = upper.flatMap { $0.isFinite ? $0 : nil }
        self.p = p.flatMap { $0.isFinite ? $0 : nil }
        self.pHolm = pHolm.flatMap { $0.isFinite ? $0 : nil }
        self.effect = effect.flatMap { $0.isFinite ? $0 : nil }
        self.experimental = experimental.map { Array($0.filter(\.isFinite).suffix(Self.blocksKept)) }
        self.control = control.map { Array($0.filter(\.isFinite).suffix(Self.blocksKept)) }
      }
    }
  }

  /// A journal that cannot be read, in words.
  public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
  }

  static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    e.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
    return e
  }()

  static let decoder: JSONDecoder = {
    let d = JSONDecoder()
    d.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
    return d
  }()
}

extension SessionJournal {
  /// The records of a journal line by line, one type each for the writer and the reader alike (the
  /// metric rows `pm`/`wm` are written and read as bytes: `MetricRows`).
  /// `{"a":{...},"k":"a","t":T}`: an action the store saw.
  struct ActionRecord: Codable {
    var k = "a"
    var t: Seconds
    var a: Action
  }
  /// `{"k":"note","t":T,"text":"..."}`: what the recorder itself has to say.
  struct NoteRecord: Codable {
    var k = "note"
    var t: Seconds
    var text: String
  }
  /// `{"id":"ns/pod","k":"id","n":N}`: a pod's number in the metric rows that follow.
  struct PodNumberRecord: Codable {
    var k = "id"
    var n: Int
    var id: String
  }
  /// `{"k":"snap","s":{...},"t":T}`: the whole state (the reader decodes it lazily, when used).
  struct SnapshotRecord: Encodable {
    var k = "snap"
    var t: Seconds
    var s: ClusterSnapshot
  }
}
