import ArgumentParser
import CTerminal
import ClusterState
import Console
import Foundation
import KubeClient
import Monkey
import Recording
import Simulation

/// `chaostui monkey`: kube-monkey's schedule without the screen, for a game-day afternoon. Prints
/// the day's plan, each kill as it happens and how each incident healed; at the end (`--for`, or
/// Ctrl-C) each workload's kills, mean TTR and measured MTBF beside the label's.
struct MonkeyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "monkey",
    abstract: "Run kube-monkey's schedule headless: kills by the workloads' kube-monkey labels, MTBF and TTR measured.")

  @OptionGroup var sources: SourceOptions

  @OptionGroup var namespaces: NamespaceOptions

  @OptionGroup(title: "Monkey") var monkey: MonkeyOptions

  @Option(name: .customLong("for"), help: "Stop after this long (like 30m or 4h; default: until Ctrl-C).")
  var duration: String?

  @OptionGroup(title: "Recording") var recording: RecordingOptions

  func validate() throws {
    if let d = duration, Durations.seconds(d) == nil {
      throw ValidationError("--for takes a duration like 30m or 4h, got \(d)")
    }
  }

  func run() throws {
    if recording.journalStdout { humanLinesToStandardError = true }
    let cluster = sources.cluster
    let logger = try cluster.log.map { try FileLog(path: $0) }
    let env = ProcessInfo.processInfo.environment
    let built: SourceBuilder.Built
    let config: MonkeyConfig
    do {
      built = try sources.connect(
        namespace: namespaces.choice(default: .all), demo: cluster.demoOptions(), logger: logger
      ).built
      config = try monkey.config(demo: built.kube == nil, environment: env)
    } catch {
      complain("chaostui monkey: \(error)")
      throw ExitCode(2)
    }
    if let refusal = built.productionRefusal {
      complain("chaostui monkey: " + refusal)
      throw ExitCode(2)
    }
    let source = built.source
    let platform = built.platform
    let console = Console(source: source, metricsSources: built.metrics, speed: cluster.speed, now: now())
    console.log = logger.map { l in { l.write($0) } }
    console.monkeyConfig = config
    built.join(console)
    console.start()
    ct_install_signal_handlers()
    say("chaostui monkey on \(platform)")
    if let notice = built.notice { say(notice) }
    if let line = recording.begin(console, source: source, title: "chaostui monkey", shown: namespaces.namespace) {
      say(line)
    }
    // The workloads first (a real cluster lists them), then the plan.
    let wallStart = now()
    while console.state.workloads.isEmpty && now() - wallStart < 30 {
      console.advance(realTime: now())
      usleep(50_000)
    }
    for _ in 0..<10 {
      console.advance(realTime: now())
      usleep(20_000)
    }
    console.startMonkey()
    guard let run = console.monkey else {
      say(console.ui.message ?? "the monkey did not start")
      console.stop()
      throw ExitCode(2)
    }
    printPlan(run, console)
    follow(run, console)
    printSummary(run, console)
    console.stop()
  }

  func printPlan(_ run: MonkeyRun, _ console: Console) {
    let schedule = MonkeySchedule(run, state: console.state)
    say(schedule.status)
    for r in schedule.rows {
      say("  \(r.workload): " + (r.problem ?? "mtbf \(r.mtbf), \(r.mode), \(r.plannedToday) planned today"))
    }
    for p in run.planned {
      say("  planned " + MonkeySchedule.hhmm(run.wall(p.at), run) + "  \(p.workload.key)")
    }
    ct_flush_stdout()
  }

  /// Each kill as it happens and how each incident healed, until `--for` or Ctrl-C.
  func follow(_ run: MonkeyRun, _ console: Console) {
    let limit = duration.flatMap({ Durations.seconds($0) })
    var printedKills = 0
    var reported: Set<Int> = []
    func printNew() {
      guard let m = console.monkey else { return }
      let t0 = m.startedAt
      while printedKills < m.kills.count {
        let k = m.kills[printedKills]
        say(
          String(format: "%8@  ", "+" + formatDuration(k.at - t0)) + MonkeySchedule.hhmm(m.wall(k.at), m)
            + "  \(k.workload.key): \(k.outcome)")
        printedKills += 1
      }
      for i in console.state.incidents where !reported.contains(i.id) && i.injected >= t0 {
        guard let f = console.state.faults.first(where: { $0.id == i.faultID }),
          f.request.origin == MonkeyRun.origin, i.recovered != nil || i.status == .noImpact
        else { continue }
        reported.insert(i.id)
        let how =
          i.recovered.map {
            "recovered in \(formatDuration($0 - i.injected))"
              + (i.detected.map { " (detected after \(formatDuration($0 - i.injected)))" } ?? "")
          } ?? "no impact"
        say(
          String(format: "%8@  ", "+" + formatDuration(console.state.now - t0)) + "incident #\(i.id) \(i.title): \(how)"
        )
      }
      ct_flush_stdout()
    }
    while true {
      if ct_take_signal() != 0 {
        say("interrupted")
        break
      }
      if let limit, console.state.now - run.startedAt >= limit { break }
      console.advance(realTime: now())
      printNew()
      usleep(50_000)
    }
    printNew()
  }

  /// Each workload's kills, mean TTR and measured MTBF beside its label's.
  func printSummary(_ run: MonkeyRun, _ console: Console) {
    let final = MonkeySchedule(console.monkey!, state: console.state)
    say("summary after \(formatDuration(console.state.now - run.startedAt)):")
    for r in final.rows where r.problem == nil {
      let kills = console.monkey!.kills.filter { $0.workload.key == r.workload && $0.injected }.count
      let ttrs = console.state.incidents.filter { i in
        i.injected >= run.startedAt && i.workloads.contains(r.workload)
      }.compactMap { i in i.recovered.map { $0 - i.injected } }
      let mttr = ttrs.isEmpty ? "-" : formatDuration(ttrs.reduce(0, +) / Double(ttrs.count))
      say(
        "  \(r.workload): \(kills) kills, \(r.failures) incidents, MTTR \(mttr), MTBF measured "
          + (r.measuredMTBF.map(formatDuration) ?? "-") + " (label \(r.mtbf))")
    }
  }
}
