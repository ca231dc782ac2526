import ClusterState

extension HeaderBar {
  /// A badge a context of several: its alias on the colour of its connection, PROD on red for a
  /// production context, RO for a read-only one; a lost context says why in words (kept short).
  static func contextBadges(
    _ buf: inout CellBuffer, x start: Int, y: Int, width: Int, state: ClusterSnapshot, ctx: RenderContext
  ) -> Int {
    let t = ctx.theme
    var x = start
    let lostRoom = max(12, (width - start) / 3)
    for c in state.contexts {
      let role: Theme.Role
      switch c.connection {
      case .simulated, .connected: role = .ok
      case .connecting, .degraded: role = .warn
      case .disconnected: role = .error
      }
      x += buf.write(x, y, " ", t.style(.header_fg, bg: .header_bg))
      x += buf.write(x, y, " " + c.alias + " ", Style(fg: t[.badge_fg], bg: t[role], attrs: [.bold]), maxWidth: 18)
      if c.production != nil {
        x += buf.write(x, y, "PROD ", Style(fg: t[.badge_fg], bg: t[.error], attrs: [.bold]))
      } else if c.readOnlyReason != nil {
        x += buf.write(x, y, "RO ", Style(fg: t[.badge_fg], bg: t[.info], attrs: [.bold]))
      }
      switch c.connection {
      case .disconnected(let why), .degraded(let why):
        x += buf.write(x, y, why + " ", Style(fg: t[.badge_fg], bg: t[role]), maxWidth: min(lostRoom, width - x))
      case .connecting:
        x += buf.write(x, y, "connecting ", Style(fg: t[.badge_fg], bg: t[role]), maxWidth: width - x)
      case .simulated, .connected: break
      }
      if x >= width { break }
    }
    return x
  }
}
