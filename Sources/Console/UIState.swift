import ClusterState
import Experiments
import Foundation
import Panels

public enum PaneID: String, CaseIterable, Sendable {
  case pods, resources, network, hpa, alerts, timeline, experiment, zones, monkey, logs, capacity

  public var title: String {
    switch self {
    case .pods: return "Pods"
    case .resources: return "Resources"
    case .network: return "Network"
    case .hpa: return "Autoscaling"
    case .alerts: return "Alerts & checks"
    case .timeline: return "Timeline"
    case .experiment: return "Experiment"
    case .zones: return "Zones"
    case .monkey: return "Monkey"
    case .logs: return "Logs"
    case .capacity: return "Capacity"
    }
  }
}

public enum Dialog: Equatable, Sendable {
  case help(scroll: Int)
  case faultMenu(podID: String, scope: FaultScope)
  case confirm(FaultRequest, podID: String)
  /// The second question of a force delete (grace period 0).
  case confirmForce(FaultRequest)
  case summary
  /// The experiments list, with the selected row.
  case experiments(selected: Int)
  /// Start this experiment of the list? (its method, hypotheses and stop conditions shown)
  case confirmExperiment(Int)
  /// Start the monkey? (the workloads that opted in and the window shown)
  case confirmMonkey
  /// Set back what earlier sessions of this user left in the cluster? (each change listed)
  case confirmLeftovers
  /// Engage (or release) the team's safety lever? With the reason being typed.
  case lever(engage: Bool, reason: String)
  /// A note being typed (Enter keeps it in the journal and the timeline).
  case note(String)
  /// On a production context: type its name to carry out what was confirmed.
  case typeContext(DangerousStep, typed: String)
  /// The running experiment waits at a runbook gate: y confirms, n aborts the experiment.
  case gate(String)
}

/// What a production context's typed name lets through.
public enum DangerousStep: Equatable, Sendable {
  case fault(FaultRequest)
  case experiment(Int)
  case monkey
}

/// Everything about the screen that is not the cluster: focus, zoom, selection, dialogs.
public struct UIState: Sendable {
  public var focus: PaneID = .pods
  public var zoomed: PaneID? = nil
  public var pods = PodsView()
  public var filterEditing = false
  public var dialog: Dialog? = nil
  public var timelineScroll = 0
  /// A message for the user (a key's answer, a fault injected or refused) and until when it shows.
  public var message: String? = nil
  public var messageUntil: Double = 0
  /// The theme and glyphs asked for (the runtime loads a theme when its name changes).
  public var themeName = "default"
  public var glyphs: Glyphs = .unicode
  /// The namespace the panes show (nil: every namespace); the cluster's own state is not filtered.
  public var namespaceScope: String? = nil
  /// The experiments the list offers.
  public var catalog = ExperimentCatalog()
  /// An experiment runs or has its verdict on screen (the experiment pane has a place).
  public var experimentShown = false
  /// The logs pane: search, wrap, pause, scroll.
  public var logs = LogsView()
  /// The monkey runs (its pane is in the focus cycle).
  public var monkeyShown = false
  public init() {}

  /// Shows `text` in the footer until `now` + 6 s.
  public mutating func say(_ text: String, now: Double) {
    message = text
    messageUntil = now + 6
  }
}

/// What the monkey key asks.
public enum MonkeyRequest: Equatable, Sendable {
  case start, togglePause
}

/// What a key asks of the console beyond the UI state and the store's actions: the runtime carries
/// these out (start a run, write a report, drive the monkey or a replay, quit).
public enum UICommand: Equatable, Sendable {
  case quit
  /// An experiment of the list, by its index.
  case startExperiment(Int)
  case writeReport
  case monkey(MonkeyRequest)
  case replay(ReplayCommand)
  /// The operator's answer at the experiment's gate.
  case gate(confirm: Bool)
  /// Follow the journal of an in-cluster run from its pod's log (the runtime's attacher does).
  case attach(LogRequest)
}

/// The replay keys: Space, Left/Right (10 s), [ and ] (a minute), n/p (the next or previous mark),
/// + and - (speed).
public enum ReplayCommand: Equatable, Sendable {
  case togglePause
  case seek(Seconds)
  case seekToMark(forward: Bool)
  case speed(faster: Bool)
}

/// How the logs pane shows the followed log.
public struct LogsView: Equatable, Sendable {
  public var search = ""
  public var searching = false
  public var wrap = false
  /// Paused at this many lines received (new lines keep coming, unseen until Space again).
  public var pausedAt: Int? = nil
  /// Rows up from the newest.
  public var scroll = 0
  public init() {}
}
