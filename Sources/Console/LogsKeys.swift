import ClusterState

/// The logs pane's own keys while it has the focus: search, wrap, pause, container, previous, scroll.
extension Updater {
  /// True when the key was one of the pane's.
  mutating func handleLogsKey(_ key: Key) -> Bool {
    guard let follow = state.logs else { return false }
    switch key {
    case .char("/"):
      ui.logs.searching = true
    case .char("w"):
      ui.logs.wrap.toggle()
      say(ui.logs.wrap ? "Logs: long lines wrap" : "Logs: long lines cut at the pane's edge")
    case .char(" "):
      ui.logs.pausedAt = ui.logs.pausedAt == nil ? follow.received : nil
      say(ui.logs.pausedAt == nil ? "Logs: following" : "Logs: paused (Space follows again)")
    case .char("c"):
      let names = state.pods[follow.request.podID]?.containerNames ?? []
      guard names.count > 1 else {
        say("Pod \(follow.request.pod) has one container")
        return true
      }
      let current = follow.request.container ?? names[0]
      var req = follow.request
      req.container = names[((names.firstIndex(of: current) ?? 0) + 1) % names.count]
      actions.append(.followLogs(req))
      ui.logs = LogsView()
      say("Logs of container \(req.container!)")
    case .char("P"):
      var req = follow.request
      req.previous.toggle()
      actions.append(.followLogs(req))
      ui.logs = LogsView()
      say(req.previous ? "Logs of the previous container (before its restart)" : "Logs of the running container")
    case .down, .char("j"): ui.logs.scroll = max(0, ui.logs.scroll - 1)
    case .up, .char("k"): ui.logs.scroll += 1
    case .pageDown, .ctrl("f"): ui.logs.scroll = max(0, ui.logs.scroll - ctx.pageSize)
    case .pageUp, .ctrl("b"): ui.logs.scroll += ctx.pageSize
    case .char("G"), .end: ui.logs.scroll = 0
    case .char("g"), .home: ui.logs.scroll = LogFollow.capacity
    case .escape:
      if !ui.logs.search.isEmpty {
        ui.logs.search = ""
      } else {
        // Closing the pane stops following: its stream ends at once (l follows again).
        actions.append(.followLogs(nil))
        ui.logs = LogsView()
        ui.focus = .pods
        ui.zoomed = nil
        say("Logs closed")
      }
    default: return false
    }
    return true
  }

  mutating func handleLogSearch(_ key: Key) {
    switch key {
    case .enter: ui.logs.searching = false
    case .escape:
      ui.logs.searching = false
      ui.logs.search = ""
    case .backspace, .delete:
      if !ui.logs.search.isEmpty { ui.logs.search.removeLast() }
    case .char(let c):
      if ui.logs.search.count < 64 { ui.logs.search.append(c) }
    default: break
    }
    ui.logs.scroll = 0
  }
}
