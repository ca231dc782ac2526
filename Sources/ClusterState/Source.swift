import Foundation

/// Actions produced on background threads, taken by the runtime's loop. The runtime (the console)
/// owns one inbox and hands it to every source it starts.
public final class Inbox: @unchecked Sendable {
  private let lock = NSLock()
  private var actions: [Action] = []
  /// Called after each post (the console's terminal loop wakes on it rather than at its next tick).
  private var wake: (@Sendable () -> Void)?
  /// Where a forwarding inbox sends what is posted, after `map` (one context of several).
  private let forward: (target: Inbox, map: @Sendable ([Action]) -> [Action])?
  public init() { forward = nil }
  /// An inbox that hands what is posted to `target`, changed by `map` on the poster's thread.
  public init(forwardingTo target: Inbox, map: @escaping @Sendable ([Action]) -> [Action]) {
    forward = (target, map)
  }
  public func post(_ a: [Action]) {
    if let forward {
      forward.target.post(forward.map(a))
      return
    }
    guard !a.isEmpty else { return }
    let wake = lock.withLock {
      actions.append(contentsOf: a)
      return self.wake
    }
    wake?()
  }
  /// Sets what is called after each post, on the poster's thread: it must be quick and not block.
  public func onPost(_ wake: @escaping @Sendable () -> Void) {
    lock.withLock { self.wake = wake }
  }
  public func drain() -> [Action] {
    lock.withLock {
      let out = actions
      actions.removeAll(keepingCapacity: true)
      return out
    }
  }
}

/// A producer of Actions: a real cluster, a metrics source (Prometheus, a scrape), the demo, a
/// recorded session. It never touches the state: it only posts what it saw.
public protocol ActionSource: AnyObject {
  /// Starts producing into `inbox` (on threads of its own, or when the runtime asks).
  func start(inbox: Inbox)
  /// Stops producing and sets back what the session changed.
  func stop()
}

/// How the source that drives a session presents it before its first action.
public struct SourceInfo: Sendable, Equatable {
  public var isDemo: Bool
  /// The kubeconfig context (`demo` for the demo).
  public var context: String
  /// nil: every namespace.
  public var namespace: String?
  /// When the session starts on the source's own clock (a real cluster's: seconds since 1970); nil
  /// for the demo, whose virtual clock starts at 0.
  public var startedAt: Seconds?
  public init(isDemo: Bool, context: String, namespace: String?, startedAt: Seconds? = nil) {
    self.isDemo = isDemo
    self.context = context
    self.namespace = namespace
    self.startedAt = startedAt
  }
}

/// The source that drives a session (the demo's simulator, a real cluster, a recorded session):
/// it also carries out the reducer's effects and keeps the session's clock. The console cannot tell
/// one from another.
public protocol ClusterSource: ActionSource {
  var info: SourceInfo { get }
  /// The actions due at `realTime` (the run loop's monotonic clock, in seconds): the demo simulates
  /// up to its virtual time; a real cluster gives a tick of its own (wall) clock (what it saw is in
  /// the inbox).
  func actions(at realTime: Double) -> [Action]
  /// Carries out an effect; the results come back now or later through the inbox.
  func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action]
  /// The namespaces whose pods are shown (a real cluster asks which faults are allowed there).
  func showing(namespaces: Set<String>)
  /// What a source may offer beside its actions, so that the console never asks what it is: a
  /// recording's replay control, the demo's virtual clock.
  var replayControl: ReplayControl? { get }
  var simulated: SimulatedSource? { get }
}

extension ClusterSource {
  public func showing(namespaces: Set<String>) {}
  public var replayControl: ReplayControl? { nil }
  public var simulated: SimulatedSource? { nil }
}

/// A source on a virtual clock (the demo): tests and benchmarks move it by virtual seconds.
public protocol SimulatedSource: ClusterSource {
  func actions(atVirtual t: Seconds) -> [Action]
}

/// A source that evaluates PromQL probes for a running experiment (Prometheus): each round it also
/// answers `.probeResults` for them. An empty list stops it.
public protocol ProbeEvaluator: AnyObject {
  func evaluate(probes: [PromCheck])
}

/// A source that plays a recorded session: the console drives its clock with the replay keys.
public protocol ReplayControl: AnyObject {
  /// Where the replay is, from the recording's start, and how long the recording is.
  var position: Seconds { get }
  var length: Seconds { get }
  var paused: Bool { get }
  var speed: Double { get }
  /// The journal played (a report of it is written beside it).
  var journalPath: String? { get }
  func togglePause()
  func setSpeed(_ speed: Double)
  /// The experiment the recording shows at `t` (its own, as it ran), if any.
  func experiment(at t: Seconds) -> RecordedExperiment?
  /// Moves by `delta` seconds of the recording (back: from the nearest snapshot before).
  func seek(by delta: Seconds)
  /// To the next (or previous) fault, detection, recovery, fault end or alert; false when none.
  @discardableResult func seekToMark(forward: Bool) -> Bool
  /// A journal being written, followed live (`chaostui follow`): how far behind it is and what is
  /// wrong, if anything (nil: a replay, which the replay keys drive).
  var following: Following? { get }
}

extension ReplayControl {
  public var following: Following? { nil }
}

/// A follower's state: its lag behind the session it follows, and its problem in words (the journal
/// gone, the session no longer writing).
public struct Following: Sendable, Equatable {
  public var lag: Seconds
  public var problem: String?
  public init(lag: Seconds, problem: String? = nil) {
    self.lag = lag
    self.problem = problem
  }
}

/// An experiment as a recording shows it: its verdict and hypotheses as they were decided.
public struct RecordedExperiment: Sendable, Equatable {
  public var title: String
  public var started: Seconds
  public var finished: Seconds
  public var verdict: String
  public var passed: Bool
  public var hypotheses: [Hypothesis]
  public struct Hypothesis: Sendable, Equatable {
    public var name: String
    /// `held`, `failed` or `pending` (never decided).
    public var status: String
    public var evidence: String
    public var at: Seconds?
    public init(name: String, status: String, evidence: String, at: Seconds?) {
      self.name = name
      self.status = status
      self.evidence = evidence
      self.at = at
    }
  }
  public init(
    title: String, started: Seconds, finished: Seconds, verdict: String, passed: Bool, hypotheses: [Hypothesis]
  ) {
    self.title = title
    self.started = started
    self.finished = finished
    self.verdict = verdict
    self.passed = passed
    self.hypotheses = hypotheses
  }
}

/// A flag a source's threads read to know they should end (set once, by `stop`).
public final class StopFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var stopped = false
  public init() {}
  public func stop() { lock.withLock { stopped = true } }
  public var isStopped: Bool { lock.withLock { stopped } }
}
