import ClusterState

public struct HeaderInfo: Sendable {
  public var speed: Double
  public var readOnly: Bool
  public var themeName: String
  public var warning: String?
  /// A replay: where it is in the recording, how long that is, whether it is paused.
  public var replay: (position: Seconds, length: Seconds, paused: Bool)?
  /// A journal followed live: its lag and problem.
  public var following: Following?
  public init(speed: Double, readOnly: Bool, themeName: String, warning: String? = nil) {
    self.speed = speed
    self.readOnly = readOnly
    self.themeName = themeName
    self.warning = warning
  }
}

public enum HeaderBar {
  public static func render(
    _ buf: inout CellBuffer, y: Int, width: Int, state: ClusterSnapshot, info: HeaderInfo, ctx: RenderContext
  ) {
    let base = ctx.theme.style(.header_fg, bg: .header_bg)
    buf.fill(Rect(x: 0, y: y, width: width, height: 1), base)
    var x = 0
    x += buf.write(x, y, " chaostui ", base.with(.bold))
    x = badges(&buf, x: x, y: y, width: width, state: state, info: info, ctx: ctx)
    x = contextBadges(&buf, x: x, y: y, width: width, state: state, ctx: ctx)
    if let halt = state.chaos.lever.flatMap({ $0.isEngaged ? Prose.leverEngaged($0) : nil })
      ?? state.stopSignalReason.map({ "STOP " + $0 })
    {
      // Engaged, the lever (or a stop signal) is the line: who, when and why, in red.
      let red = Style(fg: ctx.theme[.badge_fg], bg: ctx.theme[.error], attrs: [.bold])
      buf.fill(Rect(x: x, y: y, width: width - x, height: 1), red)
      buf.write(x, y, " " + halt, red, maxWidth: width - x)
      return
    }
    x = leverBadge(&buf, x: x, y: y, width: width, state: state, ctx: ctx)
    var line = StatusLine(state: state, info: info, ctx: ctx)
    let right = summary(state)
    line.fit(room: width - x, right: right)
    for (text, style) in line.parts { x += buf.write(x, y, text, style, maxWidth: width - x) }
    let rw = right.unicodeScalars.count
    if rw > 0 && width - x > rw + 1 { buf.write(width - rw, y, right, base.with(.bold)) }
  }

  /// DEMO, REPLAY with its position, READ-ONLY, a warning (DRY RUN, TLS UNVERIFIED).
  static func badges(
    _ buf: inout CellBuffer, x start: Int, y: Int, width: Int, state: ClusterSnapshot, info: HeaderInfo,
    ctx: RenderContext
  ) -> Int {
    let t = ctx.theme
    let base = t.style(.header_fg, bg: .header_bg)
    var x = start
    if state.isDemo {
      x += buf.write(x, y, " DEMO ", Style(fg: t[.badge_fg], bg: t[.badge_bg], attrs: [.bold]))
    }
    if state.session.production != nil {
      x += buf.write(x, y, " PRODUCTION ", Style(fg: t[.badge_fg], bg: t[.error], attrs: [.bold]))
    }
    if let r = info.replay {
      // REPLAY, the time within the recording and a position bar.
      x += buf.write(x, y, " REPLAY ", Style(fg: t[.badge_fg], bg: t[.info], attrs: [.bold]))
      x += buf.write(x, y, " " + Fmt.clock(r.position).replacingOccurrences(of: "T+", with: "") + "/", base)
      x += buf.write(x, y, Fmt.clock(r.length).replacingOccurrences(of: "T+", with: "") + " ", base)
      let barWidth = width >= 120 ? 20 : 8
      let filled = r.length > 0 ? Int((r.position / r.length * Double(barWidth)).rounded(.down)) : 0
      for i in 0..<barWidth {
        buf.put(
          x + i, y, i < filled ? ctx.glyphs.spark[ctx.glyphs.spark.count - 1] : ctx.glyphs.horizontal,
          Style(fg: t[i < filled ? .info : .muted], bg: t[.header_bg]))
      }
      x += barWidth
      if r.paused { x += buf.write(x, y, " PAUSED", base.with(.bold)) }
    } else if let f = info.following {
      x += buf.write(x, y, " FOLLOWING ", Style(fg: t[.badge_fg], bg: t[.info], attrs: [.bold]))
      x += buf.write(x, y, " lag \(Fmt.one(f.lag))s", base.with(.bold))
      if let p = f.problem {
        x += buf.write(x, y, " " + p + " ", Style(fg: t[.badge_fg], bg: t[.warn], attrs: [.bold]), maxWidth: width / 3)
      }
    } else if info.readOnly {
      x += buf.write(x, y, " READ-ONLY ", Style(fg: t[.badge_fg], bg: t[.info], attrs: [.bold]))
    }
    if let w = info.warning {
      x += buf.write(x, y, " " + w + " ", Style(fg: t[.badge_fg], bg: t[.error], attrs: [.bold]))
    }
    return x
  }

  /// A lever that cannot be read says so (faults are refused until it is read); none at all
  /// (`--lever none`) says that too.
  static func leverBadge(
    _ buf: inout CellBuffer, x start: Int, y: Int, width: Int, state: ClusterSnapshot, ctx: RenderContext
  ) -> Int {
    guard let lever = state.chaos.lever else { return start }
    let t = ctx.theme
    switch lever.status {
    case .unknown:
      // The cluster lost: its own words say why; the badge only says the lever is not known.
      var down = false
      if case .disconnected = state.connection { down = true }
      let text = down ? " LEVER UNKNOWN " : " LEVER UNKNOWN: \(lever.problem ?? SafetyLever.notReadYet) "
      return start
        + buf.write(
          start, y, text, Style(fg: t[.badge_fg], bg: t[.warn], attrs: [.bold]), maxWidth: max(16, width - start - 44))
    case .off:
      return start + buf.write(start, y, " NO LEVER ", Style(fg: t[.badge_fg], bg: t[.muted], attrs: [.bold]))
    case .released, .engaged: return start
    }
  }

  /// The session summary drawn on the right where the line has room.
  static func summary(_ state: ClusterSnapshot) -> String {
    let sum = state.summary
    guard sum.incidents > 0 else { return "" }
    var right = "incidents \(sum.incidents)"
    if sum.open > 0 { right += " (\(sum.open) open)" }
    if let d = sum.meanTTD { right += "  MTTD \(formatDuration(d))" }
    if let r = sum.meanTTR { right += "  MTTR \(formatDuration(r))" }
    return right + " "
  }

  /// Context, namespace, the connection, the clock, the last event's age, speed, alerts and faults.
  struct StatusLine {
    var parts: [(String, Style)] = []
    var connIndex = 0
    var lastEventIndex: Int?
    var state: ClusterSnapshot

    init(state: ClusterSnapshot, info: HeaderInfo, ctx: RenderContext) {
      self.state = state
      let t = ctx.theme
      let base = t.style(.header_fg, bg: .header_bg)
      let role: Theme.Role
      switch state.connection {
      case .simulated, .connected: role = .ok
      case .connecting, .degraded: role = .warn
      case .disconnected: role = .error
      }
      parts = [
        (state.isMultiContext ? "" : " ctx " + state.context, base), (" ns " + (state.namespace ?? "all"), base),
        (" " + String(ctx.glyphs.dot) + " ", Style(fg: t[role], bg: t[.header_bg], attrs: [.bold])),
      ]
      // The connection's text (an error, when there is one) gets what the line has left once the
      // other parts and the session summary are placed: cut at the width, never at a fixed length.
      connIndex = parts.count
      parts.append((state.connection.label, base))
      parts.append(("  " + Fmt.clock(state.now - state.sessionStart), base.with(.bold)))
      // The age of the last event: a quiet or lost watch never passes for fresh data. It gives way
      // to a failure's text on a narrow line.
      if !state.isDemo, let last = state.lastEventAt {
        lastEventIndex = parts.count
        parts.append(("  last event \(Fmt.age(state.now - last)) ago", base))
      }
      if info.speed != 1 { parts.append(("  x" + Fmt.one(info.speed).replacingOccurrences(of: ".0", with: ""), base)) }
      if !state.firingAlerts.isEmpty {
        let n = state.firingAlerts.count
        parts.append(("  ", base))
        parts.append((" \(n) ALERT\(n == 1 ? "" : "S") ", Style(fg: t[.badge_fg], bg: t[.error], attrs: [.bold])))
      }
      let active = state.activeFaults.count
      if active > 0 {
        parts.append(("  ", base))
        parts.append(
          (" \(active) FAULT\(active == 1 ? "" : "S") ACTIVE ", Style(fg: t[.badge_fg], bg: t[.fault], attrs: [.bold])))
      }
    }

    /// Fits the connection's text into what `room` leaves beside the other parts (and `right`,
    /// kept only when the whole line fits).
    mutating func fit(room width: Int, right: String) {
      let text = parts[connIndex].0
      var others = parts.enumerated().reduce(0) {
        $0 + ($1.offset == connIndex ? 0 : $1.element.0.unicodeScalars.count)
      }
      let rightWidth = right.isEmpty ? 0 : right.unicodeScalars.count + 1
      let fitsRight = width - others - text.unicodeScalars.count >= rightWidth
      var room = width - others - (fitsRight ? rightWidth : 0)
      if let i = lastEventIndex, room < min(text.unicodeScalars.count, 40) {
        let n = parts[i].0.unicodeScalars.count
        parts[i].0 = ""
        others -= n
        room += n
      }
      if text.unicodeScalars.count > room, case .disconnected(let why) = state.connection {
        // Short of room the red dot says "disconnected"; the reason is what matters.
        parts[connIndex].0 = why
      }
      let shown = parts[connIndex].0
      if shown.unicodeScalars.count > room {
        // Keep at least the state's word ("disconnected"), then as much of the reason as fits.
        let keep = max(min(shown.unicodeScalars.count, 14), room - 1)
        if keep < shown.unicodeScalars.count {
          parts[connIndex].0 = String(shown.unicodeScalars.prefix(keep)) + "~"
        }
      }
    }
  }
}
