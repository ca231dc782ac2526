import ArgumentParser
import CTerminal
import ClusterState
import Console
import Experiments
import Foundation
import KubeClient
import Probes
import Recording
import Simulation

/// `chaostui run FILE`: a chaos experiment without the screen, for CI pipelines and scheduled game
/// days. One line a phase change and a hypothesis result; a Markdown report and a Chaos Toolkit-style
/// journal on request; exit 0 when every hypothesis held, 1 when one failed, 2 when aborted or not run.
struct RunExperiment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a chaos experiment headless (exit 0 passed, 1 a hypothesis failed, 2 aborted or not run).")

  @Argument(
    help:
      "The experiment file (YAML or JSON), or the name of one that chaostui experiments lists (pod-kill finds pod-kill.yaml)."
  )
  var file: String

  @OptionGroup var sources: SourceOptions

  @OptionGroup(title: "Recording") var recording: RecordingOptions

  @Option(help: "Write a Markdown report of the run here.")
  var report: String?

  @Option(help: "Write the run's journal (JSON, Chaos Toolkit's fields) here.")
  var journal: String?

  @Flag(
    help:
      "Confirm the experiment's runbook gates as they come (headless, no one to ask; without it each gate waits out its timeout)."
  )
  var confirmGates = false

  @Flag(help: "Replace the --report and --journal files when they exist (never a symbolic link).")
  var force = false

  func run() throws {
    if recording.journalStdout { humanLinesToStandardError = true }
    let experiment: Experiment
    let folders = ExperimentCatalog.searchPath()
    guard let path = ExperimentCatalog.resolve(file, in: folders) else {
      complain(
        "chaostui run: no experiment \(file): not a file here, nor in " + folders.map(\.path).joined(separator: ", "))
      throw ExitCode(2)
    }
    do { experiment = try ExperimentFile.load(path: path) } catch {
      complain("chaostui run: \(error)")
      throw ExitCode(2)
    }
    let cluster = sources.cluster
    let logger = try cluster.log.map { try FileLog(path: $0) }
    let built: SourceBuilder.Built
    do {
      built = try sources.connect(
        namespace: .named(experiment.experimental.namespace), demo: cluster.demoOptions(), logger: logger
      ).built
      if let refusal = built.productionRefusal { throw RunError(refusal) }
    } catch {
      complain("chaostui run: \(error)")
      throw ExitCode(2)
    }
    let (source, platform) = (built.source, built.platform)
    let console = Self.console(built, speed: cluster.speed, logger: logger)
    console.start()
    ct_install_signal_handlers()
    let wallStart = Date().timeIntervalSince1970
    say("chaostui run: \(experiment.title) on \(platform)")
    if let notice = built.notice { say(notice) }
    if let line = recording.begin(
      console, source: source, title: "chaostui run: " + experiment.title, shown: experiment.experimental.namespace)
    {
      say(line)
    }
    for p in experiment.prerequisites { say("prerequisite: [ ] " + Sanitize.line(p)) }
    console.startExperiment(experiment)
    var printed = 0
    func printNew() {
      guard let run = console.experiment else { return }
      while printed < run.log.count {
        let (t, text) = run.log[printed]
        say(String(format: "%8@  %@", "+" + formatDuration(t - run.created), text))
        printed += 1
      }
      ct_flush_stdout()
    }
    printNew()
    while !(console.experiment?.isFinished ?? true) {
      if ct_take_signal() != 0 {
        console.abortExperiment("interrupted")
        printNew()
        say("interrupted: every fault undone")
        console.stop()
        throw ExitCode(2)
      }
      console.advance(realTime: now())
      // No one to ask headless: --confirm-gates confirms each gate, else it waits out its timeout.
      if confirmGates, console.experiment?.pendingGate != nil { console.answerGate(true) }
      printNew()
      usleep(20_000)
    }
    guard let run = console.experiment else { throw ExitCode(2) }
    // What the verdict leaves: faults undone (the run did it), then the sources stopped.
    for _ in 0..<5 {
      console.advance(realTime: now())
      usleep(20_000)
    }
    console.stop()
    let left = console.state.activeFaults.count
    say("faults still active: \(left)")
    writeOutputs(run, console, wallStart: wallStart, platform: platform)
    throw ExitCode(Journal.exitCode(run.verdict))
  }

  /// The --report and --journal files.
  func writeOutputs(_ run: ExperimentRun, _ console: Console, wallStart: Double, platform: String) {
    if let report {
      do {
        try PrivateFile.write(Data(Journal.markdown(run, state: console.state).utf8), to: report, overwrite: force)
        say("report: \(report)")
      } catch { complain("chaostui run: no report: \(error)") }
    }
    if let journal {
      do {
        let data = Journal.json(run, state: console.state, wallStart: wallStart, platform: platform)
        try PrivateFile.write(data, to: journal, overwrite: force)
        say("journal: \(journal)")
      } catch { complain("chaostui run: no journal: \(error)") }
    }
  }

  /// The headless console: the run's log to the log file, its probes run.
  static func console(_ built: SourceBuilder.Built, speed: Double, logger: FileLog?) -> Console {
    let console = Console(source: built.source, metricsSources: built.metrics, speed: speed, now: now())
    console.log = logger.map { l in { l.write($0) } }
    let inbox = console.inbox
    built.join(console)
    console.probeRunner = ProbeRunner(speed: built.source.simulated != nil ? speed : 1) { inbox.post($0) }
    return console
  }
}
