import ClusterState
import Statistics

/// Control against experimental as statistical tests, not as two latest values. Each whole second
/// with new figures, every steady-state figure of every workload pair is sampled in both groups;
/// samples are taken as means of 5-second blocks (per-second samples follow each other, and as
/// independent draws they would make p-values too small). The baseline is the groups' history
/// before the method's start (up to two minutes of it), the observation window the method's start
/// on. Tests are worked out every second closed block (every 10 s):
/// - latencies, CPU and Ready replicas: Mann–Whitney U on the block means, with the Hodges–Lehmann
///   shift and its 95% interval, the rank-biserial effect size, and Brown–Forsythe for a change in
///   spread;
/// - errors and loss: the requests and failed requests of each group (Fisher's exact test on small
///   tables, else the two-proportion z-test), so 2 failures in 40 requests are not judged like 2% of
///   10,000;
/// - Holm's correction over every figure of every workload that varied; fewer than `minimumBlocks` blocks in a
///   group is "insufficient data", never "same".
public struct GroupStatistics: Sendable {
  public static let blockSeconds = 5
  public static let minimumBlocks = 6
  /// Blocks kept a series (beyond: the oldest go; 5.5 hours of blocks).
  public static let blockLimit = 2000
  /// Seconds of history taken as the baseline at the method's start.
  public static let baselineSeconds = 120
  public static let alpha = 0.05
  /// The tests are worked out every this many closed blocks.
  public static let judgeEvery = 2

  /// One figure of one group in one window: closed block means and the open block; for counts,
  /// requests and failures.
  public struct Samples: Sendable, Equatable {
    public var blocks: [Double] = []
    var open: [Double] = []
    public var requests: Double = 0
    public var failures: Double = 0

    public init() {}

    public mutating func add(_ v: Double) {
      guard v.isFinite else { return }
      open.append(v)
      if open.count == GroupStatistics.blockSeconds {
        blocks.append(open.reduce(0, +) / Double(open.count))
        open.removeAll(keepingCapacity: true)
        if blocks.count > GroupStatistics.blockLimit { blocks.removeFirst(blocks.count - GroupStatistics.blockLimit) }
      }
    }

    public mutating func count(requests r: Double, failedPercent pct: Double) {
      guard r.isFinite, pct.isFinite, r >= 0 else { return }
      requests += r
      failures += r * min(100, max(0, pct)) / 100
    }
  }

  public enum Group: Int, Sendable { case experimental, control }
  public enum Window: Int, Sendable { case baseline, observation }

  struct Key: Hashable, Sendable {
    var pair: String
    var figure: Experiment.Figure
    var group: Group
    var window: Window
  }

  /// What the tests said, one a workload and figure.
  public struct Test: Sendable, Equatable {
    public enum Direction: String, Sendable {
      /// The experimental group's figure is higher (lower) than the control's, after Holm's correction.
      case higher, lower
      /// No difference shown at this confidence (not: shown to be the same).
      case noDifference = "no difference"
      case insufficient = "insufficient data"
    }
    public var workload: String
    public var figure: Experiment.Figure
    /// The test's name, as shown.
    public var test: String
    /// Blocks (or requests, for counts) of the experimental and the control group.
    public var n: [Int]
    /// Hodges–Lehmann shift (the figure's unit) or the difference of failure rates (points).
    public var shift: Double?
    public var lower: Double?
    public var upper: Double?
    public var p: Double?
    /// p after Holm's correction over every test of the comparison.
    public var adjusted: Double?
    /// Rank-biserial correlation (−1…1), for rank tests.
    public var effect: Double?
    /// Brown–Forsythe's p for a change in spread (rank tests only).
    public var spreadP: Double?
    /// Each group's shift from its own baseline (experimental, control), where a baseline was had.
    public var fromBaseline: [Double?] = [nil, nil]
    public var direction: Direction
    /// Why the answer is "insufficient data".
    public var note: String?
    /// Both groups held one value throughout (no failure at all, Ready never moving): no test can
    /// show a difference, and it is left out of Holm's correction.
    public var constant = false
  }

  public internal(set) var pairs: [String] = []
  var samples: [Key: Samples] = [:]
  var lastMetricsAt: Seconds?
  /// The workload pairs, worked out again only when the cluster's objects change.
  var pairCache: (revision: Int, pairs: [(label: String, experimental: String, control: String?)])?
  var lastSampleAt: Seconds?
  /// The tests as of the last closed block.
  public internal(set) var tests: [Test] = []
  var blocksSeen = 0

  public init() {}

  public func samples(_ pair: String, _ f: Experiment.Figure, _ g: Group, _ w: Window) -> Samples? {
    samples[Key(pair: pair, figure: f, group: g, window: w)]
  }
}
