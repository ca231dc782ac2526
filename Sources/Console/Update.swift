import ClusterState
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
    UIState, [Action]
  ) {
    var u = Updater(ui: ui, state: state, ctx: context)
    u.handle(key)
    keepSelection(&u.ui, state: state, pods: context.pods, visibleRows: context.visibleRows)
    return (u.ui, u.actions)
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
    case .theme:
      let names = ctx.themeNames.isEmpty ? ["default"] : ctx.themeNames
      ui.themeName = names[((names.firstIndex(of: ui.themeName) ?? -1) + 1) % names.count]
    case .glyphs:
      let order: [Glyphs] = [.unicode, .braille, .ascii]
      ui.glyphs = order[((order.firstIndex(of: ui.glyphs) ?? 0) + 1) % order.count]
      say("Glyphs \(ui.glyphs.name)")
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
      if key == .char("q") { ui.quit = true }
    case .faultMenu(let podID, let scope): handleFaultMenu(podID, scope, key)
    case .confirmForce(let req):
      ui.dialog = nil
      if key == .char("F") {
        actions.append(.requestFault(req))
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
        actions.append(.requestFault(req))
      case .char("n"), .char("N"), .escape, .char("q"):
        ui.dialog = nil
        say("Cancelled")
      case .char("+"), .char("="), .right:
        FaultPlan.adjust(&req, up: true)
        ui.dialog = .confirm(req, podID: podID)
      case .char("-"), .left:
        FaultPlan.adjust(&req, up: false)
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

  mutating func handleFaultMenu(_ podID: String, _ scope: FaultScope, _ key: Key) {
    switch key {
    case .escape, .char("q"): ui.dialog = nil
    case .char("w"), .tab:
      ui.dialog = .faultMenu(podID: podID, scope: FaultScope(rawValue: (scope.rawValue + 1) % 3)!)
    case .char(let c):
      guard let entry = KeyTable.faultKeys.first(where: { $0.0 == c }) else {
        return say("No fault on key \(c): pick one of the listed keys, or Esc")
      }
      if let why = state.whyUnavailable(entry.1, namespace: state.pods[podID]?.namespace ?? "") {
        return say("\(entry.1.title) is unavailable: \(why)")
      }
      if entry.1 == .killPrimary && !(state.workloadID(ofPod: podID).map { state.hasRoles(workload: $0) } ?? false) {
        return say("Kill primary: \(state.pods[podID]?.workload ?? "this workload") has no pods with a role label")
      }
      guard let req = FaultPlan.request(for: entry.1, podID: podID, scope: scope, state: state) else {
        ui.dialog = nil
        return say("The pod is gone; pick another")
      }
      ui.dialog = .confirm(req, podID: podID)
    default: break
    }
  }
}
