import ClusterState
import Foundation
import Panels

public enum PaneID: String, CaseIterable, Sendable {
  case pods, resources, network, hpa, alerts, timeline

  public var title: String {
    switch self {
    case .pods: return "Pods"
    case .resources: return "Resources"
    case .network: return "Network"
    case .hpa: return "Autoscaling"
    case .alerts: return "Alerts & checks"
    case .timeline: return "Timeline"
    }
  }
}

/// How much of a workload a fault targets.
public enum FaultScope: Int, Sendable, CaseIterable {
  case pod, oneOfWorkload, allOfWorkload
}

public enum Dialog: Equatable, Sendable {
  case help(scroll: Int)
  case faultMenu(podID: String, scope: FaultScope)
  case confirm(FaultRequest, podID: String)
  /// The second question of a force delete (grace period 0).
  case confirmForce(FaultRequest)
  case summary
}

/// Everything about the screen that is not the cluster: focus, zoom, selection, dialogs.
public struct UIState: Sendable {
  public var focus: PaneID = .pods
  public var zoomed: PaneID? = nil
  public var pods = PodsView()
  public var filterEditing = false
  public var dialog: Dialog? = nil
  public var timelineScroll = 0
  public var message: String? = nil
  public var messageUntil: Double = 0
  public var quit = false
  public init() {}
}

/// The console: the store, the UI state and the keys. Knows nothing of ncurses; the run loop feeds it
/// keys and the clock, and asks it for frames.
public final class Console {
  public let store: Store
  public var ui = UIState()
  public let podList = PodList()
  public var theme: Theme
  public var glyphs: Glyphs
  public var themeNames: [String]
  public var themeSearchPaths: [String]
  public var speed: Double
  public var readOnly: Bool
  public var log: ((String) -> Void)?
  /// What drives the session (the demo, a real cluster, a recording): the console cannot tell which.
  public let source: ClusterSource
  /// Sources that only add figures (Prometheus, scrapes), started and stopped with the session.
  public let metricsSources: [ActionSource]
  /// The one inbox every source posts into; drained on each advance.
  public let inbox = Inbox()
  /// A warning the header keeps showing (such as TLS verification switched off).
  public var warning: String?
  /// Real time now, for messages that fade.
  public private(set) var realNow: Double = 0

  /// `now`: the run loop's clock at the start (a real cluster's session starts then; the demo's
  /// virtual clock starts at 0 on its first frame).
  public init(
    source: ClusterSource, metricsSources: [ActionSource] = [], speed: Double = 1, readOnly: Bool = false,
    theme: Theme = .builtin, glyphs: Glyphs = .unicode, themeSearchPaths: [String] = [],
    now: Double = Date().timeIntervalSince1970
  ) {
    var initial = ClusterSnapshot()
    let info = source.info
    initial.readOnly = readOnly
    initial.isDemo = info.isDemo
    initial.namespace = info.namespace
    initial.context = info.context
    if !info.isDemo {
      initial.connection = .connecting
      initial.now = now
      initial.sessionStart = now
    }
    store = Store(state: initial)
    self.source = source
    self.metricsSources = metricsSources
    self.speed = speed
    self.readOnly = readOnly
    self.theme = theme
    self.glyphs = glyphs
    self.themeSearchPaths = themeSearchPaths
    self.themeNames = Theme.available(in: themeSearchPaths)
    let store = self.store
    store.executor = { [unowned store] effect in source.perform(effect, state: store.state) }
    if let demo = source as? SimulatedSource { store.dispatch(demo.actions(atVirtual: 0)) }
  }

  /// Starts every source, posting into the console's inbox.
  public func start() {
    source.start(inbox: inbox)
    for s in metricsSources { s.start(inbox: inbox) }
  }

  /// Stops every source; a real cluster sets back what this session changed.
  public func stop() {
    for s in metricsSources { s.stop() }
    source.stop()
  }

  public var state: ClusterSnapshot { store.state }

  // MARK: - Clock

  /// Advances the demo's virtual clock to match real time; returns whether anything shown changed.
  @discardableResult
  public func advance(realTime: Double) -> Bool {
    realNow = realTime
    let before = store.state.revision
    let actions = inbox.drain() + source.actions(at: realTime)
    if !actions.isEmpty {
      store.dispatch(actions)
      sayNewNotice()
    }
    if !readOnly && !store.state.isDemo {
      podList.update(store.state, ui.pods)
      source.showing(namespaces: podList.namespaces)
    }
    if ui.message != nil && realTime >= ui.messageUntil {
      ui.message = nil
      return true
    }
    return store.state.revision != before
  }

  /// Advances a simulated source by virtual seconds (tests and benchmarks).
  public func advanceVirtual(to t: Seconds) {
    guard let demo = source as? SimulatedSource else { return }
    store.dispatch(demo.actions(atVirtual: t))
  }

  private var noticesShown = 0

  /// Shows the newest notice of the state (a fault injected, refused, failed) if it is new.
  func sayNewNotice() {
    guard store.state.noticeCount != noticesShown else { return }
    noticesShown = store.state.noticeCount
    if let n = store.state.notice { say(n) }
  }

  func say(_ text: String) {
    // What is said now supersedes any notice the state holds at this moment.
    noticesShown = store.state.noticeCount
    ui.message = text
    ui.messageUntil = realNow + 6
    log?("notice: " + text)
  }

  // MARK: - Selection

  public var selectedPodID: String? {
    podList.update(store.state, ui.pods)
    let ids = podList.ids
    guard !ids.isEmpty else { return nil }
    return ids[min(max(0, ui.pods.selected), ids.count - 1)]
  }

  /// Keeps the selection on the same pod across re-sorts and deletions, and in view.
  public func fixSelection(visibleRows: Int) {
    podList.update(store.state, ui.pods)
    let ids = podList.ids
    if ids.isEmpty {
      ui.pods.selected = 0
      ui.pods.offset = 0
      return
    }
    if let id = ui.pods.selectedID, !(ui.pods.selected < ids.count && ids[ui.pods.selected] == id),
      let i = ids.firstIndex(of: id)
    {
      // The list changed around the selection (a re-sort, a deletion above): follow the pod.
      ui.pods.selected = i
    }
    ui.pods.selected = min(max(0, ui.pods.selected), ids.count - 1)
    ui.pods.selectedID = ids[ui.pods.selected]
    let rows = max(1, visibleRows)
    if ui.pods.selected < ui.pods.offset { ui.pods.offset = ui.pods.selected }
    if ui.pods.selected >= ui.pods.offset + rows { ui.pods.offset = ui.pods.selected - rows + 1 }
    ui.pods.offset = max(0, min(ui.pods.offset, max(0, ids.count - rows)))
  }

  func move(_ delta: Int) {
    switch ui.focus {
    case .timeline:
      ui.timelineScroll = max(0, min(store.state.timeline.count - 1, ui.timelineScroll - delta))
    default:
      podList.update(store.state, ui.pods)
      let n = podList.ids.count
      guard n > 0 else { return }
      ui.pods.selected = max(0, min(n - 1, ui.pods.selected + delta))
      ui.pods.selectedID = podList.ids[ui.pods.selected]
    }
  }

  // MARK: - Keys

  /// Handles one key; returns whether the screen must be redrawn.
  @discardableResult
  public func handle(_ key: Key, pageSize: Int = 10) -> Bool {
    if key == .resize { return true }
    if ui.filterEditing { return handleFilter(key) }
    if let dialog = ui.dialog { return handleDialog(dialog, key) }
    guard let command = KeyTable.command(for: key) else {
      if key != .escape {
        say("Unknown key \(key.label): press ? for help")
      } else if !ui.pods.filter.isEmpty {
        ui.pods.filter = ""
      } else if ui.zoomed != nil {
        ui.zoomed = nil
      }
      return true
    }
    if let b = KeyTable.binding(command), b.dangerous, readOnly {
      say("\(b.hint.isEmpty ? b.description : b.hint) is disabled: \(store.state.readOnlyReason)")
      return true
    }
    switch command {
    case .quit: ui.quit = true
    case .help: ui.dialog = .help(scroll: 0)
    case .focusNext, .focusPrev:
      let all = PaneID.allCases
      let i = all.firstIndex(of: ui.focus)!
      ui.focus = all[(i + (command == .focusNext ? 1 : all.count - 1)) % all.count]
      if ui.zoomed != nil { ui.zoomed = ui.focus }
    case .zoom: ui.zoomed = ui.zoomed == nil ? ui.focus : nil
    case .alerts:
      // To the alerts pane and back to where the focus was.
      if ui.focus == .alerts {
        ui.focus = .pods
      } else {
        ui.focus = .alerts
      }
      if ui.zoomed != nil { ui.zoomed = ui.focus }
    case .down: move(1)
    case .up: move(-1)
    case .pageDown: move(pageSize)
    case .pageUp: move(-pageSize)
    case .top: move(-1_000_000)
    case .bottom: move(1_000_000)
    case .filter:
      ui.filterEditing = true
      ui.focus = .pods
    case .sortNext:
      let all = PodSort.allCases
      ui.pods.sort = all[(all.firstIndex(of: ui.pods.sort)! + 1) % all.count]
      ui.pods.descending = false
    case .sortReverse: ui.pods.descending.toggle()
    case .faultMenu:
      guard let id = selectedPodID else {
        say("No pod selected")
        return true
      }
      ui.dialog = .faultMenu(podID: id, scope: .pod)
    case .killPod:
      guard let id = selectedPodID, let pod = store.state.pods[id] else {
        say("No pod selected")
        return true
      }
      ui.dialog = .confirm(
        FaultRequest(kind: .podKill, target: .pod(namespace: pod.namespace, name: pod.name)), podID: id)
    case .panic:
      let active = store.state.activeFaults.count
      store.dispatch(.abortAllFaults)
      say(active == 0 ? "Panic: no active faults" : "Panic: aborted \(active) active fault(s)")
      log?("panic: aborted \(active) fault(s)")
    case .summary: ui.dialog = .summary
    case .theme:
      let names = themeNames.isEmpty ? ["default"] : themeNames
      let next = names[((names.firstIndex(of: theme.name) ?? -1) + 1) % names.count]
      let (t, problem) = Theme.load(next, searchPaths: themeSearchPaths)
      theme = t
      say(problem ?? "Theme \(t.name)")
    case .glyphs:
      let order: [Glyphs] = [.unicode, .braille, .ascii]
      glyphs = order[((order.firstIndex(of: glyphs) ?? 0) + 1) % order.count]
      say("Glyphs \(glyphs.name)")
    }
    return true
  }

  func handleFilter(_ key: Key) -> Bool {
    switch key {
    case .enter: ui.filterEditing = false
    case .escape:
      ui.filterEditing = false
      ui.pods.filter = ""
    case .backspace, .delete:
      if !ui.pods.filter.isEmpty { ui.pods.filter.removeLast() }
    case .char(let c):
      if ui.pods.filter.count < 64 { ui.pods.filter.append(c) }
    case .up: move(-1)
    case .down: move(1)
    default: break
    }
    ui.pods.selected = 0
    ui.pods.offset = 0
    return true
  }

  /// The request a fault-menu choice makes, for the selected pod and scope.
  public func request(for kind: FaultKind, podID: String, scope: FaultScope) -> FaultRequest? {
    guard let pod = store.state.pods[podID] else { return nil }
    var params = FaultParameters()
    let target: FaultTarget
    switch scope {
    case .pod:
      target = .pod(namespace: pod.namespace, name: pod.name)
    case .oneOfWorkload, .allOfWorkload:
      guard let w = pod.workload else { return nil }
      target = .workload(namespace: pod.namespace, name: w)
      params.mode = scope == .oneOfWorkload ? .one : .all
    }
    if kind == .killPrimary, let w = pod.workload {
      return FaultRequest(kind: kind, target: .workload(namespace: pod.namespace, name: w), parameters: params)
    }
    if kind == .scale {
      // The pod's workload, one replica fewer (its controller or HPA may fight back: that is the test).
      guard let w = pod.workload else { return nil }
      let desired = store.state.workloads[pod.namespace + "/" + w]?.desiredReplicas ?? 1
      params.replicas = max(0, desired - 1)
      params.mode = .all
      return FaultRequest(kind: kind, target: .workload(namespace: pod.namespace, name: w), parameters: params)
    }
    if kind == .cordon {
      guard let node = pod.node else { return nil }
      return FaultRequest(kind: kind, target: .node(name: node), parameters: params)
    }
    return FaultRequest(kind: kind, target: target, parameters: params)
  }

  func handleDialog(_ dialog: Dialog, _ key: Key) -> Bool {
    switch dialog {
    case .help(let scroll):
      switch key {
      case .down, .char("j"): ui.dialog = .help(scroll: scroll + 1)
      case .up, .char("k"): ui.dialog = .help(scroll: max(0, scroll - 1))
      case .char("q"), .escape, .char("?"), .enter, .function(1): ui.dialog = nil
      default: break
      }
    case .summary:
      ui.dialog = nil
      if key == .char("q") { ui.quit = true }
    case .faultMenu(let podID, let scope):
      switch key {
      case .escape, .char("q"): ui.dialog = nil
      case .char("w"), .tab:
        ui.dialog = .faultMenu(podID: podID, scope: FaultScope(rawValue: (scope.rawValue + 1) % 3)!)
      case .char(let c):
        guard let entry = KeyTable.faultKeys.first(where: { $0.0 == c }) else {
          say("No fault on key \(c): pick one of the listed keys, or Esc")
          return true
        }
        if let why = store.state.whyUnavailable(entry.1, namespace: store.state.pods[podID]?.namespace ?? "") {
          say("\(entry.1.title) is unavailable: \(why)")
          return true
        }
        if entry.1 == .killPrimary
          && !(store.state.workloadID(ofPod: podID).map { store.state.hasRoles(workload: $0) } ?? false)
        {
          say("Kill primary: \(store.state.pods[podID]?.workload ?? "this workload") has no pods with a role label")
          return true
        }
        guard let req = request(for: entry.1, podID: podID, scope: scope) else {
          say("The pod is gone; pick another")
          ui.dialog = nil
          return true
        }
        ui.dialog = .confirm(req, podID: podID)
      default: break
      }
    case .confirmForce(let req): return handleForce(req, key)
    case .confirm(var req, let podID):
      switch key {
      case .char("y"), .char("Y"), .enter:
        if req.kind == .podKill && req.parameters.gracePeriod == 0 {
          // A force delete is asked separately: it removes the pod from the API at once.
          ui.dialog = .confirmForce(req)
          return true
        }
        ui.dialog = nil
        log?("inject \(req.kind.rawValue) on \(req.target.label) for \(Int(req.parameters.duration))s")
        store.dispatch(.requestFault(req))
        sayNewNotice()
      case .char("n"), .char("N"), .escape, .char("q"):
        ui.dialog = nil
        say("Cancelled")
      case .char("+"), .char("="), .right:
        adjust(&req, up: true)
        ui.dialog = .confirm(req, podID: podID)
      case .char("-"), .left:
        adjust(&req, up: false)
        ui.dialog = .confirm(req, podID: podID)
      case .char(">"), .char("."):
        if !req.kind.isOneShot { req.parameters.duration = min(3600, req.parameters.duration + 15) }
        ui.dialog = .confirm(req, podID: podID)
      case .char("<"), .char(","):
        if !req.kind.isOneShot { req.parameters.duration = max(15, req.parameters.duration - 15) }
        ui.dialog = .confirm(req, podID: podID)
      default: break
      }
    }
    return true
  }

  func handleForce(_ req: FaultRequest, _ key: Key) -> Bool {
    ui.dialog = nil
    if key == .char("F") {
      log?("inject \(req.kind.rawValue) on \(req.target.label), force (grace 0)")
      store.dispatch(.requestFault(req))
      sayNewNotice()
    } else {
      say("Force delete cancelled")
    }
    return true
  }

  func adjust(_ req: inout FaultRequest, up: Bool) {
    let s: Double = up ? 1 : -1
    switch req.kind {
    case .networkDelay:
      req.parameters.delayMs = max(
        10, min(5000, req.parameters.delayMs + s * (req.parameters.delayMs >= 500 ? 100 : 50)))
    case .networkLoss: req.parameters.lossPercent = max(5, min(100, req.parameters.lossPercent + s * 5))
    case .cpuHog: req.parameters.cpuMilli = max(100, min(8000, req.parameters.cpuMilli + s * 250))
    case .memoryHog: req.parameters.memoryMiBPerSec = max(1, min(512, req.parameters.memoryMiBPerSec + s * 8))
    case .scale: req.parameters.replicas = max(0, min(100, req.parameters.replicas + Int(s)))
    case .podKill:
      // The pod's own grace period, then shorter ones down to 0 (force, confirmed separately).
      let steps: [Int?] = [nil, 30, 10, 5, 1, 0]
      let i = steps.firstIndex(of: req.parameters.gracePeriod) ?? 0
      req.parameters.gracePeriod = steps[max(0, min(steps.count - 1, i + (up ? -1 : 1)))]
    default: break
    }
  }

  /// What a confirmation says the fault will touch.
  public func blastRadius(_ req: FaultRequest) -> (count: Int, text: String) {
    let s = store.state
    switch req.target {
    case .pod(let ns, let name):
      if req.kind == .killPrimary { return (1, "the primary of \(name)") }
      guard let p = s.pods[ns + "/" + name] else { return (0, "pod gone") }
      let w = p.workload.flatMap { s.workloads[ns + "/" + $0] }
      let of = w.map { " (\($0.readyReplicas)/\($0.desiredReplicas) ready in \($0.kind.rawValue) \($0.name))" } ?? ""
      return (1, "1 pod: \(name)\(of)")
    case .node(let name):
      let on = s.pods.values.filter { $0.node == name && !$0.isTerminating }.count
      return (on, "node \(name): its \(on) pods stay; new pods go elsewhere")
    case .workload(let ns, let name):
      let members = s.pods.values.filter { $0.namespace == ns && $0.workload == name && !$0.isTerminating }
      if req.kind == .scale {
        let desired = s.workloads[ns + "/" + name]?.desiredReplicas ?? members.count
        let gone = max(0, desired - req.parameters.replicas)
        return (
          gone,
          "\(name): \(desired) -> \(req.parameters.replicas) replicas (\(gone) pod\(gone == 1 ? "" : "s") removed)"
        )
      }
      if req.kind == .killPrimary {
        let primary = members.filter { s.roleSelector.isPrimary($0.labels) }.map(\.name).sorted().first
        return (1, "1 pod: \(primary ?? "no primary found") (primary of \(name), \(members.count) pods)")
      }
      if req.parameters.mode == .one { return (1, "1 random pod of \(members.count) in \(name)") }
      if req.kind == .evict {
        return (members.count, "all \(members.count) pods of \(name), each as its budget allows")
      }
      return (members.count, "all \(members.count) pods of \(name)")
    }
  }
}
