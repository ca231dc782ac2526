import ClusterState
import Experiments
import Panels

/// What the runtime knows that a key's meaning depends on.
public struct UpdateContext {
  public var readOnly: Bool
  /// Rows a page key moves (a third of the screen).
  public var pageSize: Int
  /// Rows the pods pane shows, to keep the selection in view.
  public var visibleRows: Int
  /// The run loop's clock, for how long a message shows.
  public var now: Double
  /// Themes there are, for the theme key.
  public var themeNames: [String]
  /// The filtered, sorted pods of (state, ui.pods): a memo, brought up to date by `update`.
  public let pods: PodList
  /// An experiment is running (another cannot start).
  public var experimentRunning = false
  /// Every namespace of the cluster's pods and workloads, sorted (the state a key sees may show one).
  public var namespaces: [String] = []
  /// The session is a recording: the replay keys drive it.
  public var replaying = false
  /// The session is a journal followed live (`chaostui follow`).
  public var following = false
  /// More filter keys follow in the same burst: the pods list is worked out after the last.
  public var listLater = false
  /// Who types (`user@host`): the lever's and the notes' author.
  public var operatorName = "operator"

  public init(
    readOnly: Bool, pageSize: Int = 10, visibleRows: Int = 10, now: Double = 0, themeNames: [String] = [],
    pods: PodList
  ) {
    self.readOnly = readOnly
    self.pageSize = pageSize
    self.visibleRows = visibleRows
    self.now = now
    self.themeNames = themeNames
    self.pods = pods
  }
}

/// The console as a pure update: a key and the state give the next UI state and the actions for the
/// store. No I/O, no clock, nothing drawn; the selection is kept valid here, never while drawing.
public enum Update {
  public static func key(_ key: Key, ui: UIState, state: ClusterSnapshot, context: UpdateContext) -> (
    UIState, [Action], [UICommand]
  ) {
    var u = Updater(ui: ui, state: state, ctx: context)
    u.handle(key)
    if context.listLater && ui.filterEditing && u.ui.filterEditing { return (u.ui, u.actions, u.commands) }
    keepSelection(&u.ui, state: state, pods: context.pods, visibleRows: context.visibleRows)
    return (u.ui, u.actions, u.commands)
  }

  /// Keeps the selection on the same pod across re-sorts and deletions, within the list, and in view.
  public static func keepSelection(_ ui: inout UIState, state: ClusterSnapshot, pods: PodList, visibleRows: Int) {
    pods.update(state, ui.pods)
    let ids = pods.ids
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
    ui.pods.offset = ui.pods.window(rows: visibleRows, count: ids.count)
  }

  /// The pod a key acts on: the selected one of the list.
  public static func selectedPod(_ ui: UIState, pods: PodList) -> String? {
    let ids = pods.ids
    guard !ids.isEmpty else { return nil }
    return ids[min(max(0, ui.pods.selected), ids.count - 1)]
  }
}

/// One key's work, on copies: the fields are the result.
struct Updater {
  var ui: UIState
  let state: ClusterSnapshot
  let ctx: UpdateContext
  var actions: [Action] = []
  var commands: [UICommand] = []

  mutating func say(_ text: String) { ui.say(text, now: ctx.now) }

  var selectedPodID: String? {
    ctx.pods.update(state, ui.pods)
    return Update.selectedPod(ui, pods: ctx.pods)
  }

  mutating func move(_ delta: Int) {
    switch ui.focus {
    case .timeline:
      ui.timelineScroll = max(0, min(state.timeline.count - 1, ui.timelineScroll - delta))
    default:
      ctx.pods.update(state, ui.pods)
      let n = ctx.pods.ids.count
      guard n > 0 else { return }
      ui.pods.selected = max(0, min(n - 1, ui.pods.selected + delta))
      ui.pods.selectedID = ctx.pods.ids[ui.pods.selected]
    }
  }

  mutating func handle(_ key: Key) {
    if key == .resize { return }
    if ui.filterEditing { return handleFilter(key) }
    if let dialog = ui.dialog { return handleDialog(dialog, key) }
    if ctx.replaying, let r = Self.replayCommand(key) { return commands.append(.replay(r)) }
    if ui.logs.searching { return handleLogSearch(key) }
    if ui.focus == .logs && handleLogsKey(key) { return }
    guard let command = KeyTable.command(for: key) else {
      if key != .escape {
        say("Unknown key \(key.label): press ? for help")
      } else if !ui.pods.filter.isEmpty {
        ui.pods.filter = ""
      } else if ui.zoomed != nil {
        ui.zoomed = nil
      }
      return
    }
    if let b = KeyTable.binding(command), b.dangerous, ctx.readOnly {
      say("\(b.hint.isEmpty ? b.description : b.hint) is disabled: \(state.readOnlyReason)")
      return
    }
    run(command)
  }

  /// What a command of the key table does.
  mutating func run(_ command: Command) {
    switch command {
    case .quit: commands.append(.quit)
    case .help: ui.dialog = .help(scroll: 0)
    case .focusNext, .focusPrev: cycleFocus(forward: command == .focusNext)
    case .zoom: ui.zoomed = ui.zoomed == nil ? ui.focus : nil
    case .alerts:
      // To the alerts pane and back to where the focus was.
      ui.focus = ui.focus == .alerts ? .pods : .alerts
      if ui.zoomed != nil { ui.zoomed = ui.focus }
    case .down: move(1)
    case .up: move(-1)
    case .pageDown: move(ctx.pageSize)
    case .pageUp: move(-ctx.pageSize)
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
      guard let id = selectedPodID else { return say("No pod selected") }
      ui.dialog = .faultMenu(podID: id, scope: .pod)
    case .killPod:
      guard let id = selectedPodID, let pod = state.pods[id] else { return say("No pod selected") }
      ui.dialog = .confirm(
        FaultRequest(kind: .podKill, target: .pod(namespace: pod.namespace, name: pod.name)), podID: id)
    case .panic:
      // The reducer says what it aborted.
      actions.append(.abortAllFaults)
    case .summary: ui.dialog = .summary
    case .experiments: openExperiments()
    case .report: commands.append(.writeReport)
    case .logs: toggleLogs()
    case .monkey: monkeyKey()
    case .capacity:
      ui.focus = ui.focus == .capacity ? .pods : .capacity
      if ui.zoomed != nil { ui.zoomed = ui.focus }
    case .zones:
      ui.focus = ui.focus == .zones ? .pods : .zones
      if ui.zoomed != nil { ui.zoomed = ui.focus }
    case .namespace: nextNamespace()
    case .attach: attachKey()
    case .lever: leverKey()
    case .note:
      if ctx.replaying || ctx.following { return say("Notes are kept by the session's own chaostui, not a replay") }
      ui.dialog = .note("")
    case .theme:
      let names = ctx.themeNames.isEmpty ? ["default"] : ctx.themeNames
      ui.themeName = names[((names.firstIndex(of: ui.themeName) ?? -1) + 1) % names.count]
    case .glyphs:
      let order: [Glyphs] = [.unicode, .braille, .ascii]
      ui.glyphs = order[((order.firstIndex(of: ui.glyphs) ?? 0) + 1) % order.count]
      say("Glyphs \(ui.glyphs.name)")
    }
  }

  /// Tab and Shift-Tab: the panes on screen at this size, in order (the experiment pane while one is
  /// shown).
  mutating func cycleFocus(forward: Bool) {
    let all = PaneID.allCases.filter {
      ($0 != .experiment || ui.experimentShown) && ($0 != .monkey || ui.monkeyShown) && $0 != .zones
        && ($0 != .logs || state.logs != nil) && $0 != .capacity
    }
    let i = all.firstIndex(of: ui.focus)!
    ui.focus = all[(i + (forward ? 1 : all.count - 1)) % all.count]
    if ui.zoomed != nil { ui.zoomed = ui.focus }
  }

  /// x: the experiment pane while one is shown, else the list.
  mutating func openExperiments() {
    if ui.experimentShown && ui.focus != .experiment {
      ui.focus = .experiment
      if ui.zoomed != nil { ui.zoomed = .experiment }
    } else if ui.catalog.entries.isEmpty {
      say(ui.catalog.problem ?? "No experiments: put files in experiments/ or pass --experiments DIR")
    } else {
      ui.dialog = .experiments(selected: 0)
    }
  }

  /// l: follow the selected pod's log in the logs pane; again, back to the pods.
  mutating func toggleLogs() {
    if ui.focus == .logs {
      ui.focus = .pods
      if ui.zoomed != nil { ui.zoomed = nil }
      return
    }
    guard let id = selectedPodID, let pod = state.pods[id] else { return say("No pod selected") }
    if state.logs?.request.podID != id {
      actions.append(.followLogs(LogRequest(namespace: pod.namespace, pod: pod.name)))
      ui.logs = LogsView()
    }
    ui.focus = .logs
    if ui.zoomed != nil { ui.zoomed = .logs }
  }

  /// M: asks to start the monkey; then shows its pane; then pauses or resumes it.
  mutating func monkeyKey() {
    if !ui.monkeyShown {
      ui.dialog = .confirmMonkey
    } else if ui.focus != .monkey {
      ui.focus = .monkey
      if ui.zoomed != nil { ui.zoomed = .monkey }
    } else {
      commands.append(.monkey(.togglePause))
    }
  }

  /// N: the namespaces there are, in order, then every namespace.
  mutating func nextNamespace() {
    // The namespaces there are, in order, then every namespace.
    let order: [String?] = ctx.namespaces.map { Optional($0) } + [nil]
    let i = order.firstIndex(of: ui.namespaceScope) ?? order.count - 1
    ui.namespaceScope = order[(i + 1) % order.count]
    ui.pods.selected = 0
    ui.pods.selectedID = nil
    say("Showing " + (ui.namespaceScope.map { "namespace " + $0 } ?? "every namespace"))
  }

  /// A replay key's command (nil: not one of them).
  static func replayCommand(_ key: Key) -> ReplayCommand? {
    switch key {
    case .char(" "): return .togglePause
    case .left: return .seek(-10)
    case .right: return .seek(10)
    case .char("["): return .seek(-60)
    case .char("]"): return .seek(60)
    case .char("n"): return .seekToMark(forward: true)
    case .char("p"): return .seekToMark(forward: false)
    case .char("+"): return .speed(faster: true)
    case .char("-"): return .speed(faster: false)
    default: return nil
    }
  }

  mutating func handleFilter(_ key: Key) {
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
  }

  mutating func handleDialog(_ dialog: Dialog, _ key: Key) {
    switch dialog {
    case .help(let scroll):
      switch key {
      case .down, .char("j"): ui.dialog = .help(scroll: scroll + 1)
      case .up, .char("k"): ui.dialog = .help(scroll: max(0, scroll - 1))
      case .pageDown, .char(" "): ui.dialog = .help(scroll: scroll + ctx.pageSize)
      case .pageUp: ui.dialog = .help(scroll: max(0, scroll - ctx.pageSize))
      case .char("q"), .escape, .char("?"), .enter, .function(1): ui.dialog = nil
      default: break
      }
    case .summary:
      ui.dialog = nil
      if key == .char("q") { commands.append(.quit) }
    case .faultMenu(let podID, let scope): handleFaultMenu(podID, scope, key)
    case .experiments(let selected): handleExperiments(selected, key)
    case .confirmExperiment(let i):
      switch key {
      case .char("y"), .char("Y"), .enter:
        ui.dialog = nil
        confirmed(.experiment(i))
      default:
        ui.dialog = .experiments(selected: i)
        say("Not started")
      }
    case .confirmMonkey:
      ui.dialog = nil
      if key == .char("y") || key == .char("Y") || key == .enter {
        confirmed(.monkey)
      } else {
        say("Monkey not started")
      }
    case .lever(let engage, let reason): handleLeverDialog(engage, reason, key)
    case .note(let text): handleNoteDialog(text, key)
    case .typeContext(let step, let typed): handleTypeContext(step, typed, key)
    case .gate: handleGate(key)
    case .confirmLeftovers: handleLeftoversDialog(key)
    case .confirmForce(let req):
      ui.dialog = nil
      if key == .char("F") {
        confirmed(.fault(req))
      } else {
        say("Force delete cancelled")
      }
    case .confirm(var req, let podID):
      switch key {
      case .char("y"), .char("Y"), .enter:
        if req.kind == .podKill && req.parameters.gracePeriod == 0 {
          // A force delete is asked separately: it removes the pod from the API at once.
          ui.dialog = .confirmForce(req)
          return
        }
        ui.dialog = nil
        confirmed(.fault(req))
      case .char("n"), .char("N"), .escape, .char("q"):
        ui.dialog = nil
        say("Cancelled")
      case .char("+"), .char("="), .right:
        FaultPlan.adjust(&req, up: true, state: state)
        ui.dialog = .confirm(req, podID: podID)
      case .char("-"), .left:
        FaultPlan.adjust(&req, up: false, state: state)
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
  }

  mutating func handleLeftoversDialog(_ key: Key) {
    switch key {
    case .char("y"), .char("Y"):
      ui.dialog = nil
      actions.append(.leftovers(.answer(restore: true)))
      say("Setting back what your earlier sessions left (see the timeline)")
    case .char("n"), .char("N"), .escape, .char("q"):
      ui.dialog = nil
      actions.append(.leftovers(.answer(restore: false)))
      say("Left as it is")
    default: break
    }
  }

  /// Why an experiment of the list cannot start now (nil: it can): a bad file, read-only mode, one
  /// already running, or a fault of its method that is unavailable or denied in its namespace.
  static func whyNotStartable(_ entry: ExperimentCatalog.Entry, running: Bool, readOnly: Bool, state: ClusterSnapshot)
    -> String?
  {
    guard let e = entry.experiment else { return entry.error ?? "unreadable" }
    if readOnly { return state.readOnlyReason }
    if running { return "an experiment is running (! aborts it)" }
    for case .fault(let req) in e.method.flatMap(\.leaves) {
      if let why = state.whyUnavailable(req.kind, namespace: req.target.namespace) {
        return "\(req.kind.title): \(why)"
      }
    }
    return nil
  }

  mutating func handleExperiments(_ selected: Int, _ key: Key) {
    let n = ui.catalog.entries.count
    switch key {
    case .down, .char("j"): ui.dialog = .experiments(selected: min(n - 1, selected + 1))
    case .up, .char("k"): ui.dialog = .experiments(selected: max(0, selected - 1))
    case .escape, .char("q"), .char("x"): ui.dialog = nil
    case .enter, .char("y"):
      let entry = ui.catalog.entries[selected]
      if let why = Self.whyNotStartable(entry, running: ctx.experimentRunning, readOnly: ctx.readOnly, state: state) {
        return say("\(entry.name) cannot start: \(why)")
      }
      ui.dialog = .confirmExperiment(selected)
    default: break
    }
  }

  mutating func handleFaultMenu(_ podID: String, _ scope: FaultScope, _ key: Key) {
    switch key {
    case .escape, .char("q"): ui.dialog = nil
    case .char("w"), .tab:
      ui.dialog = .faultMenu(
        podID: podID, scope: FaultScope(rawValue: (scope.rawValue + 1) % FaultScope.allCases.count)!)
    case .char(let c):
      guard let fault = FaultTable.forKey(c) else {
        return say("No fault on key \(c): pick one of the listed keys, or Esc")
      }
      if let why = state.whyUnavailable(fault.kind, namespace: state.pods[podID]?.namespace ?? "") {
        return say("\(fault.title) is unavailable: \(why)")
      }
      if fault.target == .primary && !(state.workloadID(ofPod: podID).map { state.hasRoles(workload: $0) } ?? false) {
        return say("Kill primary: \(state.pods[podID]?.workload ?? "this workload") has no pods with a role label")
      }
      if scope == .zoneOfWorkload,
        (state.pods[podID]?.node.flatMap { state.nodes[$0]?.zone } ?? "").isEmpty
      {
        return say("Its node has no zone (label topology.kubernetes.io/zone): pick another scope")
      }
      if fault.target == .zone, (state.pods[podID]?.node.flatMap { state.nodes[$0]?.zone } ?? "").isEmpty {
        return say("\(fault.title): its node has no zone (label topology.kubernetes.io/zone)")
      }
      guard let req = FaultPlan.request(for: fault.kind, podID: podID, scope: scope, state: state) else {
        ui.dialog = nil
        return say("The pod is gone; pick another")
      }
      ui.dialog = .confirm(req, podID: podID)
    default: break
    }
  }
}
