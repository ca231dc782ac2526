import ClusterState
import Monkey
import Panels

public enum Layout {
  public static let minWidth = 80
  public static let minHeight = 24

  /// Where each pane goes for a terminal of this size (header on the first row, footer on the last).
  /// The alerts pane has a place of its own on large terminals; on smaller ones it takes the
  /// timeline's place while it has the focus.
  /// With `experiment`, an experiment runs or shows its verdict: on large terminals its pane sits
  /// under the pods; on smaller ones it takes everything under the pods while it has the focus.
  /// The zones pane takes the autoscaling pane's place while it has the focus.
  public static func panes(
    width: Int, height: Int, zoomed: PaneID?, focus: PaneID? = nil, experiment: Bool = false
  ) -> [PaneID: Rect] {
    let body = Rect(x: 0, y: 1, width: width, height: height - 2)
    if let z = zoomed { return [z: body] }
    let hpaSlot: PaneID = focus == .zones ? .zones : .hpa
    if width >= 150 && height >= 40 {
      let (left, right) = body.splitLeft(width * 58 / 100)
      let r = right.rows([40, 30, 30])
      if experiment {
        let l = left.rows([40, 40, 20])
        return [
          .pods: l[0], .experiment: l[1], focus == .alerts ? .alerts : .timeline: l[2], .resources: r[0],
          .network: r[1], hpaSlot: r[2],
        ]
      }
      if focus == .capacity {
        let l = left.rows([36, 44, 20])
        return [.pods: l[0], .capacity: l[1], .timeline: l[2], .resources: r[0], .network: r[1], hpaSlot: r[2]]
      }
      if focus == .logs {
        let l = left.rows([36, 44, 20])
        return [.pods: l[0], .logs: l[1], .timeline: l[2], .resources: r[0], .network: r[1], hpaSlot: r[2]]
      }
      if focus == .monkey {
        let l = left.rows([40, 36, 24])
        return [.pods: l[0], .monkey: l[1], .timeline: l[2], .resources: r[0], .network: r[1], hpaSlot: r[2]]
      }
      let l = left.rows([54, 28, 18])
      return [.pods: l[0], .timeline: l[1], .alerts: l[2], .resources: r[0], .network: r[1], hpaSlot: r[2]]
    }
    let podsHeight = max(10, body.height * 45 / 100)
    let (top, rest) = body.splitTop(podsHeight)
    if experiment && focus == .experiment { return [.pods: top, .experiment: rest] }
    if focus == .monkey { return [.pods: top, .monkey: rest] }
    if focus == .logs { return [.pods: top, .logs: rest] }
    if focus == .capacity { return [.pods: top, .capacity: rest] }
    if focus == .zones { return [.pods: top, .zones: rest] }
    let restRows = rest.rows([50, 50])
    let a = restRows[0].columns([50, 50])
    let b = restRows[1].columns([36, 64])
    let lastSlot: PaneID = focus == .alerts ? .alerts : .timeline
    return [.pods: top, .resources: a[0], .network: a[1], .hpa: b[0], lastSlot: b[1]]
  }
}

extension Console {
  /// Renders a whole frame into a cell buffer.
  public func render(width: Int, height: Int) -> CellBuffer {
    var buf = CellBuffer(width: width, height: height, fill: Cell(" ", theme.style(.main_fg)))
    var ctx = RenderContext(theme: theme, glyphs: glyphs)
    // A production context is framed in red: every pane's border.
    if store.state.session.production != nil || store.state.contexts.contains(where: { $0.production != nil }) {
      ctx.theme.colors[.border] = theme[.error]
    }
    if width < Layout.minWidth || height < Layout.minHeight {
      renderTooSmall(&buf, width: width, height: height, ctx: ctx)
      return buf
    }
    let state = view
    let recorded = experiment == nil ? recordedExperiment : nil
    let rects = Layout.panes(
      width: width, height: height, zoomed: ui.zoomed, focus: ui.focus, experiment: experiment != nil || recorded != nil
    )
    var header = HeaderInfo(speed: speed, readOnly: readOnly, themeName: theme.name, warning: warning)
    if let r = replay, r.following == nil { header.replay = (r.position, r.length, r.paused) }
    header.following = replay?.following
    HeaderBar.render(&buf, y: 0, width: width, state: state, info: header, ctx: ctx)
    for (pane, r) in rects {
      // A pane writes inside its rectangle only, whatever its text.
      buf.clip = r
      defer { buf.clip = nil }
      let focused = pane == ui.focus
      switch pane {
      case .pods:
        PodsPane.render(
          &buf, r, state: state, list: podList, view: ui.pods, focused: focused, ctx: ctx,
          filterEditing: ui.filterEditing)
      case .resources:
        ResourcesPane.render(
          &buf, r, state: state, selectedPod: ui.pods.selectedID, focused: focused, ctx: ctx,
          podsPerNode: podList.podsPerNode)
      case .network: NetworkPane.render(&buf, r, state: state, focused: focused, ctx: ctx)
      case .hpa: HPAPane.render(&buf, r, state: state, focused: focused, ctx: ctx)
      case .alerts: AlertsPane.render(&buf, r, state: state, focused: focused, ctx: ctx)
      case .timeline: TimelinePane.render(&buf, r, state: state, focused: focused, scroll: ui.timelineScroll, ctx: ctx)
      case .zones: ZonesPane.render(&buf, r, state: state, focused: focused, ctx: ctx)
      case .experiment:
        if let run = experiment {
          ExperimentPane.render(&buf, r, run: run, state: store.state, focused: focused, ctx: ctx)
        } else if let recorded {
          ExperimentPane.render(&buf, r, recorded: recorded, now: store.state.now, focused: focused, ctx: ctx)
        }
      case .capacity: CapacityPane.render(&buf, r, state: state, focused: focused, ctx: ctx)
      case .logs:
        LogsPane.render(
          &buf, r, state: store.state,
          options: .init(
            search: ui.logs.search, searching: ui.logs.searching, wrap: ui.logs.wrap, pausedAt: ui.logs.pausedAt,
            scroll: ui.logs.scroll), focused: focused, ctx: ctx)
      case .monkey:
        if let m = monkey {
          MonkeyPane.render(&buf, r, schedule: MonkeySchedule(m, state: store.state), focused: focused, ctx: ctx)
        } else {
          MonkeyPane.renderOff(&buf, r, focused: focused, ctx: ctx)
        }
      }
    }
    renderFooter(&buf, y: height - 1, width: width, ctx: ctx)
    if let dialog = ui.dialog { renderDialog(dialog, &buf, ctx: ctx) }
    return buf
  }

  func renderTooSmall(_ buf: inout CellBuffer, width: Int, height: Int, ctx: RenderContext) {
    guard width > 0, height > 0 else { return }
    let t = ctx.theme
    let lines = [
      "Terminal too small: \(width)x\(height)",
      "chaostui needs at least \(Layout.minWidth)x\(Layout.minHeight).",
      "Enlarge the terminal; q quits.",
    ]
    let top = max(0, (height - lines.count) / 2)
    for (i, l) in lines.enumerated() where top + i < height {
      Widgets.centered(&buf, buf.bounds, y: top + i, l, t.style(i == 0 ? .warn : .main_fg, i == 0 ? [.bold] : []))
    }
  }

  func renderFooter(_ buf: inout CellBuffer, y: Int, width: Int, ctx: RenderContext) {
    let t = ctx.theme
    buf.fill(Rect(x: 0, y: y, width: width, height: 1), t.style(.main_fg))
    if ui.filterEditing {
      buf.write(0, y, " filter: /\(ui.pods.filter)_   Enter keep  Esc clear", t.style(.key, [.bold]), maxWidth: width)
      return
    }
    var x = 1
    if let m = ui.message {
      buf.write(x, y, m, t.style(.info, [.bold]), maxWidth: width - 2)
      return
    }
    if replay != nil {
      // A replay's own keys first; the fault keys are greyed (a recording cannot be changed).
      for (k, hint) in [
        ("Space", "pause"), ("←/→", "10s"), ("[/]", "1m"), ("n/p", "next/prev fault"), ("+/-", "speed"),
      ]
      where x + k.count + hint.count + 3 < width {
        x += buf.write(x, y, k, t.style(.key, [.bold]))
        x += buf.write(x, y, " " + hint + "  ", t.style(.muted))
      }
    }
    for b in KeyTable.bindings where b.inFooter {
      let disabled = b.dangerous && readOnly
      let key = b.keys[0].label
      guard x + key.count + b.hint.count + 3 < width else { break }
      x += buf.write(x, y, key, disabled ? t.style(.inactive) : t.style(.key, [.bold]))
      x += buf.write(x, y, " " + b.hint + "  ", disabled ? t.style(.inactive) : t.style(.muted))
    }
  }

  /// A dialog of styled lines as tall as they need, the last one (its keys) in bold.
  func lineDialog(
    _ buf: inout CellBuffer, width: Int, title: String, lines: [(String, Theme.Role)], ctx: RenderContext
  ) {
    let bg = ctx.theme[.dialog_bg]
    let inner = dialogBox(&buf, width: width, height: min(buf.height - 2, lines.count + 2), title: title, ctx: ctx)
    for (k, l) in lines.prefix(inner.height).enumerated() {
      let style = Style(fg: ctx.theme[l.1], bg: bg, attrs: k == lines.count - 1 ? [.bold] : [])
      buf.write(inner.x + 1, inner.y + k, l.0, style, maxWidth: inner.width - 2)
    }
  }

  func dialogBox(_ buf: inout CellBuffer, width: Int, height: Int, title: String, ctx: RenderContext) -> Rect {
    let w = min(width, buf.width - 2)
    let h = min(height, buf.height - 2)
    let r = Rect(x: (buf.width - w) / 2, y: (buf.height - h) / 2, width: w, height: h)
    buf.fill(r, ctx.theme.style(.main_fg, bg: .dialog_bg))
    var dctx = ctx
    dctx.theme.colors[.main_bg] = ctx.theme[.dialog_bg]
    return Widgets.box(&buf, r, title: title, focused: true, ctx: dctx)
  }

  func renderDialog(_ dialog: Dialog, _ buf: inout CellBuffer, ctx: RenderContext) {
    switch dialog {
    case .help(let scroll):
      renderHelpDialog(scroll, &buf, ctx: ctx)
    case .summary:
      renderSummaryDialog(&buf, ctx: ctx)
    case .faultMenu(let podID, let scope):
      renderFaultMenuDialog(podID, scope, &buf, ctx: ctx)
    case .experiments(let selected): renderExperimentList(selected, &buf, ctx: ctx)
    case .confirmExperiment(let i): renderExperimentConfirm(i, &buf, ctx: ctx)
    case .confirmMonkey: renderMonkeyConfirm(&buf, ctx: ctx)
    case .confirmLeftovers: renderLeftoversConfirm(&buf, ctx: ctx)
    case .lever(let engage, let reason): renderLeverDialog(engage, reason, &buf, ctx: ctx)
    case .note(let text): renderNoteDialog(text, &buf, ctx: ctx)
    case .typeContext(let step, let typed): renderTypeContext(step, typed, &buf, ctx: ctx)
    case .gate(let text): renderGateDialog(text, &buf, ctx: ctx)
    case .confirmForce(let req):
      renderConfirmForceDialog(req, &buf, ctx: ctx)
    case .confirm(let req, _):
      renderConfirmDialog(req, &buf, ctx: ctx)
    }
  }

  func renderHelpDialog(_ scroll: Int, _ buf: inout CellBuffer, ctx: RenderContext) {
    let t = ctx.theme
    let bg = t[.dialog_bg]
    func st(_ role: Theme.Role, _ a: Attributes = []) -> Style { Style(fg: t[role], bg: bg, attrs: a) }
    var lines: [(String, String, Bool)] = []
    // First, where it cannot scroll away: why keys are greyed.
    if readOnly { lines.append(("", "Greyed keys: \(state.readOnlyReason)", false)) }
    lines += KeyTable.bindings.map { ($0.keyLabel, $0.description, $0.dangerous && readOnly) }
    lines.append(("", "", false))
    lines.append(("", "Fault menu (f), on the selected pod:", false))
    for f in FaultTable.all { lines.append(("  " + String(f.key), f.title + ": " + f.summary, readOnly)) }
    lines.append(
      (
        "  w/Tab", "scope: this pod, one random pod of its workload, all its pods, its pods in this pod's zone",
        readOnly
      ))
    lines.append(("  +/-  </>", "in the confirmation: strength (grace, replicas) and duration", readOnly))
    lines.append(("", "", false))
    lines.append(
      (
        "", "TTD = detected - injected; TTR = recovered - injected (healthy for \(Int(state.steadyState.hold))s).",
        false
      ))
    // Descriptions wrap at a word (the key on the first row); what does not fit scrolls, and says so.
    let boxWidth = min(96, buf.width - 2)
    let textWidth = max(10, boxWidth - 2 - 17)
    var rows: [(String, String, Bool)] = []
    for l in lines {
      for (i, part) in Fmt.wrap(l.1, width: textWidth).enumerated() { rows.append((i == 0 ? l.0 : "", part, l.2)) }
    }
    let height = min(buf.height - 2, rows.count + 3)
    let scrolls = rows.count > height - 2
    let inner = dialogBox(
      &buf, width: boxWidth, height: height, title: scrolls ? "Help (j/k scroll, Esc closes)" : "Help (Esc closes)",
      ctx: ctx)
    let first = min(scroll, max(0, rows.count - inner.height))
    let visible = Array(rows.dropFirst(first).prefix(inner.height))
    for (i, l) in visible.enumerated() {
      buf.write(inner.x + 1, inner.y + i, Fmt.fit(l.0, 14), l.2 ? st(.inactive) : st(.key, [.bold]))
      buf.write(inner.x + 16, inner.y + i, l.1, l.2 ? st(.inactive) : st(.main_fg), maxWidth: inner.width - 17)
    }
    let below = rows.count - first - visible.count
    if below > 0 {
      let hint = " \(below) more below: j/k, PgDn "
      buf.write(inner.maxX - hint.count, inner.maxY, hint, st(.title, [.bold]))
    }
  }

  func renderSummaryDialog(_ buf: inout CellBuffer, ctx: RenderContext) {
    let t = ctx.theme
    let bg = t[.dialog_bg]
    func st(_ role: Theme.Role, _ a: Attributes = []) -> Style { Style(fg: t[role], bg: bg, attrs: a) }
    let sum = state.summary
    var lines: [(String, Theme.Role)] = [
      (
        "incidents \(sum.incidents)   open \(sum.open)   recovered \(sum.recovered)   no impact \(sum.noImpact)",
        .title
      ),
      (
        "MTTD \(sum.meanTTD.map(formatDuration) ?? "-")   MTTM \(sum.meanTTM.map(formatDuration) ?? "-")   mean TTR \(sum.meanTTR.map(formatDuration) ?? "-")   max TTR \(sum.maxTTR.map(formatDuration) ?? "-")",
        .title
      ),
      ("", .main_fg),
    ]
    for inc in state.incidents.suffix(max(1, buf.height - 10)) {
      lines.append((TimelinePane.incidentLine(inc, now: state.now), inc.isOpen ? .warn : .ok))
      if let why = inc.detectedBy { lines.append(("    detected by: " + why, .muted)) }
    }
    if state.incidents.isEmpty { lines.append(("No incidents yet: select a pod and press f.", .muted)) }
    let inner = dialogBox(
      &buf, width: 100, height: min(buf.height - 2, lines.count + 3), title: "Session summary (any key closes)",
      ctx: ctx)
    for (i, l) in lines.prefix(inner.height).enumerated() {
      buf.write(inner.x + 1, inner.y + i, l.0, st(l.1, i < 2 ? [.bold] : []), maxWidth: inner.width - 2)
    }
  }

  func renderFaultMenuDialog(_ podID: String, _ scope: FaultScope, _ buf: inout CellBuffer, ctx: RenderContext) {
    let t = ctx.theme
    let bg = t[.dialog_bg]
    func st(_ role: Theme.Role, _ a: Attributes = []) -> Style { Style(fg: t[role], bg: bg, attrs: a) }
    let pod = state.pods[podID]
    let wname = pod?.workload ?? "?"
    let count = pod?.workloadID.flatMap { state.workloads[$0] }?.currentReplicas ?? 0
    let zone = pod?.node.flatMap { state.nodes[$0]?.zone } ?? "?"
    let scopes = ["this pod", "1 random of \(wname)", "all \(count) of \(wname)", "\(wname) in \(zone)"]
    let inner = dialogBox(
      &buf, width: 100, height: FaultTable.all.count + 8, title: "Inject a fault", ctx: ctx)
    buf.write(
      inner.x + 1, inner.y, "pod    " + (pod?.id ?? podID + " (gone)"),
      st(.title, [.bold]), maxWidth: inner.width - 2)
    var x = inner.x + 1
    x += buf.write(x, inner.y + 1, "scope  ", st(.muted))
    for (i, s) in scopes.enumerated() {
      x += buf.write(
        x, inner.y + 1, i == scope.rawValue ? "[" + s + "]" : " " + s + " ",
        i == scope.rawValue ? st(.key, [.bold]) : st(.muted), maxWidth: inner.maxX - x)
    }
    // One fault a line with what it does; on a short screen two columns of keys and titles (a
    // greyed key pressed says why it is unavailable).
    let rows = inner.height - 4
    let columns = FaultTable.all.count <= rows ? 1 : 2
    let perColumn = (FaultTable.all.count + columns - 1) / columns
    let colWidth = (inner.width - 2) / columns
    for (i, f) in FaultTable.all.enumerated() {
      let y = inner.y + 3 + i % perColumn
      let x = inner.x + 2 + (i / perColumn) * colWidth
      let why = state.whyUnavailable(f.kind, namespace: pod?.namespace ?? "")
      buf.write(x, y, String(f.key), why == nil ? st(.key, [.bold]) : st(.inactive))
      buf.write(x + 3, y, Fmt.fit(f.title, min(22, colWidth - 4)), why == nil ? st(.title) : st(.inactive))
      if columns == 1 {
        buf.write(
          x + 26, y, why.map { "unavailable: " + $0 } ?? f.summary, why == nil ? st(.muted) : st(.inactive),
          maxWidth: inner.width - 29)
      }
    }
    buf.write(inner.x + 1, inner.maxY - 1, "w/Tab scope   Esc cancel", st(.muted), maxWidth: inner.width - 2)
  }

  func renderConfirmForceDialog(_ req: FaultRequest, _ buf: inout CellBuffer, ctx: RenderContext) {
    let t = ctx.theme
    let bg = t[.dialog_bg]
    func st(_ role: Theme.Role, _ a: Attributes = []) -> Style { Style(fg: t[role], bg: bg, attrs: a) }
    let inner = dialogBox(&buf, width: 74, height: 8, title: "Force delete?", ctx: ctx)
    let lines: [(String, Theme.Role)] = [
      (req.targetLabel, .title),
      ("Grace period 0: the pod leaves the API at once, before its containers", .warn),
      ("have stopped; a StatefulSet may start its replacement beside it.", .warn),
      ("", .muted),
      ("F (capital) force delete     any other key cancels", .key),
    ]
    for (i, l) in lines.enumerated() {
      buf.write(inner.x + 1, inner.y + i, l.0, st(l.1, i == 0 ? [.bold] : []), maxWidth: inner.width - 2)
    }
  }

  func renderConfirmDialog(_ req: FaultRequest, _ buf: inout CellBuffer, ctx: RenderContext) {
    let t = ctx.theme
    let bg = t[.dialog_bg]
    func st(_ role: Theme.Role, _ a: Attributes = []) -> Style { Style(fg: t[role], bg: bg, attrs: a) }
    let radius = blastRadius(req)
    let effect = req.kind.descriptor.effect(req, state)
    let duration =
      req.kind.isOneShot
      ? "one shot" : "\(Fmt.age(req.parameters.duration)), then it ends by itself   (</> to change)"
    // The blast radius and the effect wrap (at 80 columns they are longer than a line).
    let textWidth = min(84, buf.width - 2) - 2 - 16
    var rows: [(String, String, Theme.Role, Bool)] = [("target", req.targetLabel, .title, true)]
    for (label, text, role, bold) in [
      ("blast radius", radius.text, radius.count > 1 ? Theme.Role.warn : .title, true),
      ("effect", effect, .main_fg, false),
    ] {
      for (k, line) in Fmt.wrap(text, width: max(10, textWidth)).enumerated() {
        rows.append((k == 0 ? label : "", line, role, bold))
      }
    }
    rows.append(("duration", duration, .main_fg, false))
    rows.append(("abort", "! (panic) ends every active fault at once", .muted, false))
    let inner = dialogBox(&buf, width: 84, height: rows.count + 5, title: "Confirm: " + req.kind.title, ctx: ctx)
    for (i, r) in rows.enumerated() {
      buf.write(inner.x + 1, inner.y + i, Fmt.fit(r.0, 13), st(.muted))
      buf.write(inner.x + 15, inner.y + i, r.1, st(r.2, r.3 ? [.bold] : []), maxWidth: inner.width - 16)
    }
    var x = inner.x + 1
    x += buf.write(x, inner.maxY - 1, "y/Enter", st(.key, [.bold]))
    x += buf.write(x, inner.maxY - 1, " inject    ", st(.main_fg))
    x += buf.write(x, inner.maxY - 1, "n/Esc", st(.key, [.bold]))
    buf.write(x, inner.maxY - 1, " cancel", st(.main_fg))
  }
}
