import ClusterState
import Experiments
import Foundation
import Monkey
import Panels
import Recording

/// The console's runtime: the store, the UI state, the sources and the theme. Keys go through the
/// pure `Update.key`, the clock through `advance`; frames come from `render`, a function of the UI
/// state and the snapshot. Knows nothing of ncurses, nor which source drives the session.
public final class Console {
  public let store: Store
  public internal(set) var ui = UIState()
  public let podList = PodList()
  public private(set) var theme: Theme
  public var glyphs: Glyphs { ui.glyphs }
  public var themeNames: [String]
  public var themeSearchPaths: [String]
  public var speed: Double
  public var readOnly: Bool
  public var log: ((String) -> Void)?
  /// A key asked to quit (q, or q on the summary); the run loop ends.
  public var quitRequested = false
  /// What drives the session (the demo, a real cluster, a recording): the console cannot tell which.
  public let source: ClusterSource
  /// Sources that only add figures (Prometheus, scrapes), started and stopped with the session.
  public internal(set) var metricsSources: [ActionSource]
  /// The one inbox every source posts into; drained on each advance.
  public let inbox = Inbox()
  /// Runs a running experiment's HTTP and command probes (nil: they get no answer).
  public var probeRunner: ProbeRunning?
  /// A warning the header keeps showing (such as TLS verification switched off).
  public var warning: String?
  /// Where the session's events go (a webhook, Grafana annotations; nil: nowhere).
  public var eventSink: EventSink?
  /// The timeline lines handed to the sink already.
  var eventCursor = TimelineCursor()
  /// The team's safety lever this session watches (nil: none, as in a replay or a judge).
  public internal(set) var lever: SafetyLeverSource?
  /// Who this operator is (`user@host`, and the cluster's user): the lever's and the notes' author.
  public var operatorName = Console.defaultOperator(ProcessInfo.processInfo.environment)
  /// Real time now, for messages that fade.
  public private(set) var realNow: Double = 0
  /// The terminal's size, for how many pod rows show (the run loop tells it).
  public private(set) var size = (width: 80, height: 24)
  /// The experiment running, or the last one with its verdict (shown until another starts).
  public internal(set) var experiment: ExperimentRun?
  /// kube-monkey's schedule, while monkey mode is on.
  public internal(set) var monkey: MonkeyRun?
  /// Its configuration (kube-monkey's defaults; the demo's compressed day; a file and variables).
  public var monkeyConfig = MonkeyConfig()
  /// How many lines of the experiment's log were told (shown in the footer, logged).
  private var experimentTold = 0
  private var scoped: (revision: Int, scope: String?, state: ClusterSnapshot)?
  /// Follows an in-cluster run's journal on the same terminal until its q (set by the command
  /// that owns a real cluster's connection; nil: attaching is not offered).
  public var attacher: ((LogRequest, TerminalBackend, () -> Double) -> AttachOutcome)?
  /// An attach asked for by a key, carried out by the run loop (which owns the terminal).
  public internal(set) var pendingAttach: LogRequest?
  /// The session's journal, when it is recorded.
  public private(set) var recorder: JournalWriter?
  private var recorderProblemTold = false

  /// `now`: the run loop's clock at the start (messages fade on it). The session's own time is the
  /// source's: a real cluster's wall clock from `info.startedAt`, the demo's virtual clock from 0.
  public init(
    source: ClusterSource, metricsSources: [ActionSource] = [], speed: Double = 1, readOnly: Bool = false,
    theme: Theme = .builtin, glyphs: Glyphs = .unicode, themeSearchPaths: [String] = [],
    now: Double = Date().timeIntervalSince1970
  ) {
    var initial = ClusterSnapshot()
    let info = source.info
    initial.session.readOnly = readOnly
    initial.session.isDemo = info.isDemo
    initial.session.namespace = info.namespace
    initial.session.context = info.context
    if !info.isDemo {
      initial.session.connection = .connecting
      initial.now = info.startedAt ?? 0
      initial.session.sessionStart = initial.now
    }
    store = Store(state: initial)
    self.source = source
    self.metricsSources = metricsSources
    self.speed = speed
    self.readOnly = readOnly
    self.theme = theme
    self.themeSearchPaths = themeSearchPaths
    self.themeNames = Theme.available(in: themeSearchPaths)
    ui.themeName = theme.name
    ui.glyphs = glyphs
    realNow = now
    let store = self.store
    store.executor = { [unowned store] effect in source.perform(effect, state: store.state) }
    store.notifier = { [unowned self] text in say(text) }
    if let demo = source.simulated { store.dispatch(demo.actions(atVirtual: 0)) }
    keepSelection()
  }

  /// Starts every source, posting into the console's inbox.
  public func start() {
    source.start(inbox: inbox)
    lever?.start(inbox: inbox)
    for s in metricsSources { s.start(inbox: inbox) }
  }

  /// Stops every source; a real cluster sets back what this session changed. The journal gets
  /// what is left (the faults ended) and is closed.
  public func stop() {
    probeRunner?.want([], readOnly: true)
    for s in metricsSources { s.stop() }
    lever?.stop()
    source.stop()
    recorder?.flush()
    recorder?.close()
  }

  /// Records the session into `writer` from now on: every action the store sees, the state at the
  /// start and every 5 minutes.
  public func record(to writer: JournalWriter) {
    recorder = writer
    writer.snapshot(store.state)
    store.observer = { [unowned writer] action, state in writer.record(action, state: state) }
    sayRecorderProblem()
  }

  /// A journal that cannot be written is said once; the session goes on.
  func sayRecorderProblem() {
    guard !recorderProblemTold, let p = recorder?.problem else { return }
    recorderProblemTold = true
    say(p)
  }

  /// Writes the report of the session so far beside its journal (FILE.md, .json, .html).
  public func writeReport() {
    let path: String
    if let r = recorder, r.isRecording {
      r.flush()
      path = r.path
    } else if let p = source.replayControl?.journalPath {
      path = p
    } else {
      return say("No report: this session is not recorded (--no-record, or its journal could not be written)")
    }
    do {
      let report = SessionReport(journal: try JournalReader.load(path: path))
      // A report already beside the journal (an earlier R, a planted file or symlink) is never
      // replaced: the next free name is taken.
      let base = PrivateFile.freshName(
        path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path, [".md", ".json", ".html"])
      try PrivateFile.write(Data(report.markdown().utf8), to: base + ".md")
      try PrivateFile.write(report.json(), to: base + ".json")
      try PrivateFile.write(Data(report.html().utf8), to: base + ".html")
      say("Report: \(base).html (and .md, .json)")
    } catch {
      say("No report: \(error)")
    }
  }

  private var shownRecordedStart: Seconds?

  /// The experiment a replay shows at its position (a recording's own, as it ran).
  var recordedExperiment: RecordedExperiment? {
    source.replayControl?.experiment(at: store.state.now)
  }

  /// The replay, when the session is a recording.
  public var replay: ReplayControl? { source.replayControl }

  public var state: ClusterSnapshot { store.state }

  /// The terminal's new size.
  public func resize(width: Int, height: Int) {
    size = (width, height)
    keepSelection()
  }

  // MARK: - Clock

  /// Takes what the sources have for `realTime` (the run loop's clock); returns whether anything
  /// shown changed.
  @discardableResult
  public func advance(realTime: Double) -> Bool {
    realNow = realTime
    let before = store.state.revision
    let actions = inbox.drain() + source.actions(at: realTime)
    if !actions.isEmpty {
      let lever = store.state.chaos.lever
      store.dispatch(actions)
      leverChanged(from: lever)
      stepExperiment()
      forwardEvents()
      stepMonkey()
      keepSelection()
      askAboutLeftovers()
    }
    if !readOnly && !store.state.isDemo { source.showing(namespaces: podList.namespaces) }
    if recorder != nil {
      recorder?.flush()
      sayRecorderProblem()
    }
    if ui.message != nil && realTime >= ui.messageUntil {
      ui.message = nil
      return true
    }
    return store.state.revision != before
  }

  /// Advances a simulated source by virtual seconds (tests and benchmarks).
  public func advanceVirtual(to t: Seconds) {
    guard let demo = source.simulated else { return }
    store.dispatch(demo.actions(atVirtual: t))
    stepExperiment()
    stepMonkey()
    keepSelection()
  }

  // MARK: - Experiments

  /// What the panes show: the snapshot, or only the namespace the user picked (`N`). Faults and
  /// incidents are the whole cluster's; the pods, workloads, services and autoscalers are filtered.
  public var view: ClusterSnapshot {
    let s = store.state
    guard let ns = ui.namespaceScope else { return s }
    if let c = scoped, c.revision == s.revision, c.scope == ns { return c.state }
    var v = s
    v.keepPods { $0.namespace == ns }
    v.objects.workloads = s.workloads.filter { $0.value.namespace == ns }
    v.objects.hpas = s.hpas.filter { $0.value.namespace == ns }
    v.objects.services = s.services.filter { $0.value.namespace == ns }
    v.metrics.zoneTraffic = s.zoneTraffic.filter { v.services[$0.key] != nil }
    v.objects.events = s.events.filter { $0.workload.map { $0.hasPrefix(ns + "/") } ?? true }
    v.session.namespace = ns
    scoped = (s.revision, ns, v)
    return v
  }

  /// Starts an experiment (the list's Enter, or `chaostui run`): its run is stepped on every change
  /// of the snapshot from now on.
  public func startExperiment(_ e: Experiment) {
    experiment = ExperimentRun(e, at: store.state.now)
    experimentTold = 0
    for case let p as ProbeEvaluator in metricsSources {
      p.evaluate(probes: e.steadyState.probes + (e.slo?.queries ?? []))
    }
    ui.experimentShown = true
    ui.focus = .experiment
    log?("experiment: start \(e.title)")
    stepExperiment()
  }

  /// Aborts the running experiment: every fault undone (by the panic key's own action when
  /// `undone`).
  public func abortExperiment(_ why: String, undone: Bool = false) {
    guard var run = experiment, !run.isFinished else { return }
    let actions = run.abort(why, at: store.state.now)
    experiment = run
    for case let p as ProbeEvaluator in metricsSources { p.evaluate(probes: []) }
    probeRunner?.want([], readOnly: true)
    recordVerdict(run)
    if !undone { store.dispatch(actions) }
    tellExperiment()
  }

  /// An experiment's verdict and hypotheses into the journal (the report lists them).
  func recordVerdict(_ run: ExperimentRun) {
    if let v = run.verdict { eventSink?.send(OutEvent(kind: .verdict, text: "\(run.experiment.title): \(v.label)")) }
    guard let recorder, let v = run.verdict else { return }
    let hs = zip(run.experiment.hypotheses, run.outcomes).map { h, o -> SessionJournal.ExperimentRecord.Hypothesis in
      switch o {
      case .pending: return .init(name: h.name, status: "pending", evidence: "")
      case .passed(let at, let e): return .init(name: h.name, status: "held", evidence: e, at: at)
      case .failed(let at, let e): return .init(name: h.name, status: "failed", evidence: e, at: at)
      }
    }
    recorder.experiment(
      SessionJournal.ExperimentRecord(
        t: store.state.now, title: run.experiment.title, verdict: v.label, passed: v == .passed, hypotheses: hs,
        created: run.created, comparison: run.statistics.map(Self.comparisonRecord),
        groupsCheck: run.groupsCheck?.summary, unexpected: run.unexpected.isEmpty ? nil : run.unexpected.map(\.text),
        file: run.experiment.source, methodStart: run.methodStart, budget: Self.budgetRecord(run, store.state)))
  }

  /// The experiments the list offers.
  public func use(catalog: ExperimentCatalog) { ui.catalog = catalog }

  /// The namespace the panes show (nil: every namespace).
  public func show(namespace: String?) {
    ui.namespaceScope = namespace
    keepSelection()
  }

  /// Moves the experiment to the snapshot's time and dispatches what it asks (faults, the abort).
  func stepExperiment() {
    if replay != nil {
      // A replay's experiment takes the focus when it starts, as it did in the session.
      let started = recordedExperiment?.started
      if let started, started != shownRecordedStart { ui.focus = .experiment }
      shownRecordedStart = started
    }
    guard var run = experiment, !run.isFinished else { return }
    let actions = run.step(store.state)
    experiment = run
    if !run.experiment.probes.isEmpty {
      probeRunner?.want(run.isFinished ? [] : run.probesWanted(store.state), readOnly: store.state.readOnly)
    }
    if run.isFinished {
      for case let p as ProbeEvaluator in metricsSources { p.evaluate(probes: []) }
      recordVerdict(run)
    }
    for a in actions {
      if case .requestFault(let req) = a { log?("experiment: inject \(req.kind.rawValue) on \(req.targetLabel)") }
      store.dispatch(a)
    }
    askAtGate()
    tellExperiment()
  }

  /// New lines of the experiment's log go to the footer and the log file.
  func tellExperiment() {
    guard let run = experiment else { return }
    while experimentTold < run.log.count {
      let text = run.log[experimentTold].text
      log?("experiment: " + text)
      ui.say(text, now: realNow)
      experimentTold += 1
    }
  }

  /// Shows a message in the footer (what the reducer tells, a theme's problem) and logs it.
  func say(_ text: String) {
    ui.say(text, now: realNow)
    log?("notice: " + text)
  }

  /// Shows a message for `seconds` from now (a start-up notice); `logged` false: the footer only
  /// (a message that changes every second, logged when what it says changes).
  public func tell(_ text: String, seconds: Double, logged: Bool = true) {
    if logged { say(text) } else { ui.say(text, now: realNow) }
    ui.messageUntil = realNow + seconds
  }

  // MARK: - Keys

  /// Rows the pods pane shows at the current size.
  var visibleRows: Int {
    let rect = Layout.panes(
      width: size.width, height: size.height, zoomed: ui.zoomed, focus: ui.focus,
      experiment: experiment != nil || recordedExperiment != nil)[.pods]
    return PodsPane.visibleRows(height: rect?.height ?? 10)
  }

  /// Handles one key: the pure update, then its actions through the store (logged as the audit of
  /// what the user asked for), then a theme the key asked for.
  public func handle(_ key: Key, pageSize: Int = 10, listLater: Bool = false) {
    var context = UpdateContext(
      readOnly: readOnly, pageSize: pageSize, visibleRows: visibleRows, now: realNow, themeNames: themeNames,
      pods: podList)
    context.listLater = listLater
    context.experimentRunning = experiment.map { !$0.isFinished } ?? false
    context.replaying = replay != nil && replay?.following == nil
    context.following = replay?.following != nil
    context.operatorName = operatorName
    if key == .char("N") {
      let s = store.state
      context.namespaces = Set(s.pods.values.map(\.namespace)).union(s.workloads.values.map(\.namespace)).sorted()
    }
    let before = ui.message
    let (next, actions, commands) = Update.key(key, ui: ui, state: view, context: context)
    ui = next
    for c in commands { carryOut(c) }
    if actions.contains(.abortAllFaults) {
      abortExperiment("panic key", undone: true)
      if monkey != nil {
        monkey?.pause("panic key")
        log?("monkey: paused by the panic key")
      }
    }
    if let m = ui.message, m != before { log?("notice: " + m) }
    for action in actions {
      switch action {
      case .requestFault(let req):
        let force = req.kind == .podKill && req.parameters.gracePeriod == 0
        log?(
          "inject \(req.kind.rawValue) on \(req.targetLabel)"
            + (force ? ", force (grace 0)" : " for \(Int(req.parameters.duration))s"))
      case .abortAllFaults: log?("panic: aborting every active fault")
      default: break
      }
      store.dispatch(action)
    }
    forwardEvents()
    if ui.themeName != theme.name {
      let (t, problem) = Theme.load(ui.themeName, searchPaths: themeSearchPaths)
      theme = t
      ui.themeName = t.name
      say(problem ?? "Theme \(t.name)")
    }
    if !(listLater && ui.filterEditing) { keepSelection() }
  }

  /// Keys that came together (typed fast, pasted), each in turn until one quits. While the filter
  /// is typed, the pods list is worked out once, after the burst's last filter key (at 100,000 pods
  /// each time costs tens of milliseconds).
  public func handle(burst keys: [Key], pageSize: Int = 10) {
    for (i, key) in keys.enumerated() {
      let later = ui.filterEditing && i + 1 < keys.count && Self.editsFilter(keys[i + 1])
      handle(key, pageSize: pageSize, listLater: later)
      if quitRequested { break }
    }
  }

  private static func editsFilter(_ key: Key) -> Bool {
    switch key {
    case .char, .backspace, .delete: true
    default: false
    }
  }

  /// What a key asked of the runtime.
  func carryOut(_ command: UICommand) {
    switch command {
    case .quit: quitRequested = true
    case .startExperiment(let i):
      if let e = ui.catalog.entries[safe: i]?.experiment { startExperiment(e) }
    case .writeReport: writeReport()
    case .monkey(let m): monkeyKey(m)
    case .replay(let r): replayKey(r)
    case .gate(let yes): answerGate(yes)
    case .attach(let target):
      if attacher == nil { return say("Attaching needs a real cluster's pod log") }
      pendingAttach = target
    }
  }

  /// The replay keys, on the recording's replay control.
  func replayKey(_ command: ReplayCommand) {
    guard let r = replay else { return }
    switch command {
    case .togglePause:
      r.togglePause()
      say(r.paused ? "Paused" : "Playing")
    case .seek(let delta): r.seek(by: delta)
    case .seekToMark(let forward):
      if !r.seekToMark(forward: forward) {
        say(forward ? "No fault or alert after this point" : "No fault or alert before this point")
      }
    case .speed(let faster):
      r.setSpeed(faster ? r.speed * 2 : r.speed / 2)
      speed = r.speed
      say("Replay at x\(Fmt.one(r.speed))")
    }
  }

  func keepSelection() {
    Update.keepSelection(&ui, state: view, pods: podList, visibleRows: visibleRows)
  }

  /// The pod keys act on.
  public var selectedPodID: String? { Update.selectedPod(ui, pods: podList) }

  /// What a confirmation says the fault will touch.
  public func blastRadius(_ req: FaultRequest) -> (count: Int, text: String) {
    FaultPlan.blastRadius(req, state: store.state)
  }

  /// The request a fault-menu choice makes, for the selected pod and scope.
  public func request(for kind: FaultKind, podID: String, scope: FaultScope) -> FaultRequest? {
    FaultPlan.request(for: kind, podID: podID, scope: scope, state: store.state)
  }
}

extension Array {
  subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
