import ClusterState
import Console
import Experiments
import Panels
import Simulation
import TestSupport
import XCTest

/// Experiments in the console: the list (x), the question, the run stepped with the snapshot, the
/// pane (phase, hypotheses, stop conditions, control vs experimental), the panic key, greying; the
/// zones pane (Z) and the namespace shown (N).
final class ExperimentConsoleTests: XCTestCase {
  static let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../experiments").standardized.path

  func makeConsole(readOnly: Bool = false) -> Console {
    var o = Simulator.Options()
    o.controlGroup = true
    let c = Console(source: DemoCluster(options: o), readOnly: readOnly)
    c.use(catalog: ExperimentCatalog.load(directory: Self.experiments))
    c.show(namespace: "pipeline")
    c.advanceVirtual(to: 10)
    return c
  }

  func press(_ c: Console, _ keys: Key...) {
    for k in keys { c.handle(k) }
  }

  /// Index in the list of the experiment with this title.
  func index(_ c: Console, _ title: String) -> Int {
    c.ui.catalog.entries.firstIndex { $0.experiment?.title == title }!
  }

  func testTheListAsksThenRunsExperimentTwoToItsVerdict() {
    let c = makeConsole()
    press(c, .char("x"))
    XCTAssertEqual(c.ui.dialog, .experiments(selected: 0))
    var text = c.render(width: 80, height: 24).text
    XCTAssertTrue(text.contains("Kill the Postgres primary"), text)
    for _ in 0..<index(c, "Kill the Postgres primary") { press(c, .char("j")) }
    press(c, .enter)
    text = c.render(width: 100, height: 30).text
    XCTAssertTrue(text.contains("Start Kill the Postgres primary?"), text)
    XCTAssertTrue(text.contains("touches 1 pod: postgres-0 (primary of postgres, 2 pods)"), text)
    XCTAssertNil(c.experiment, "nothing starts before y")
    press(c, .char("y"))
    XCTAssertNotNil(c.experiment)
    XCTAssertEqual(c.ui.focus, .experiment)
    var t: Seconds = 10
    while !(c.experiment?.isFinished ?? true) && t < 200 {
      t += 0.5
      c.advanceVirtual(to: t)
    }
    XCTAssertEqual(c.experiment?.verdict, .passed, c.experiment!.log.map(\.text).joined(separator: "\n"))
    text = c.render(width: 200, height: 60).text
    XCTAssertTrue(text.contains("VERDICT  passed  3/3 held"), text)
    XCTAssertTrue(text.contains("✓  the replica is promoted"), text)
    XCTAssertEqual(c.state.primaries["pipeline-control/postgres"], "postgres-0", "the control group untouched")
    XCTAssertEqual(c.state.primaries["pipeline/postgres"], "postgres-1")
    XCTAssertTrue(c.state.activeFaults.isEmpty)
  }

  func testThePaneWhileItRunsAt80And200() {
    let c = makeConsole()
    let i = index(c, "Kill the Postgres primary")
    c.startExperiment(c.ui.catalog.entries[i].experiment!)
    for t in stride(from: 10.5, through: 19, by: 0.5) { c.advanceVirtual(to: t) }
    assertSnapshot(c.render(width: 80, height: 24), named: "experiment-running-80x24")
    assertSnapshot(c.render(width: 200, height: 60), named: "experiment-running-200x60")
    let text = c.render(width: 200, height: 60).text
    XCTAssertTrue(text.contains("phase method: step 2 of 2  wait 5.0s"), text)
    XCTAssertTrue(text.contains("no new primary yet (was postgres-0)"), text)
    XCTAssertTrue(text.contains("postgres     "), "a row per workload, both groups")
    XCTAssertTrue(text.contains("1/2 (-1)"), "one Ready Postgres pod fewer than the control group")
  }

  func testThePanicKeyAbortsTheExperimentAndUndoesItsFaults() {
    let c = makeConsole()
    let i = index(c, "Network delay against Postgres")
    c.startExperiment(c.ui.catalog.entries[i].experiment!)
    for t in stride(from: 10.5, through: 20, by: 0.5) { c.advanceVirtual(to: t) }
    XCTAssertEqual(c.state.activeFaults.count, 1)
    press(c, .char("!"))
    c.advanceVirtual(to: 20.5)
    XCTAssertEqual(c.experiment?.verdict, .aborted("panic key"))
    XCTAssertTrue(c.state.activeFaults.isEmpty)
    XCTAssertTrue(c.render(width: 200, height: 60).text.contains("VERDICT  aborted: panic key"))
  }

  func testReadOnlyGreysTheListWithTheReason() {
    let c = makeConsole(readOnly: true)
    press(c, .char("x"), .enter)
    XCTAssertEqual(c.ui.dialog, .experiments(selected: 0), "no question: it cannot start")
    XCTAssertTrue(c.ui.message!.contains("cannot start: read-only mode (--read-only)"), c.ui.message!)
    let frame = c.render(width: 120, height: 30)
    XCTAssertTrue(frame.text.contains("cannot start: read-only mode"), frame.text)
  }

  func testABadFileStaysInTheListWithItsError() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-exp-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try
      "title: broken\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - fault: pod-kil\n    target: {workload: flask}\n"
      .write(to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
    let catalog = ExperimentCatalog.load(directory: dir.path)
    XCTAssertEqual(catalog.entries.count, 1)
    XCTAssertTrue(
      catalog.entries[0].error!.hasSuffix(
        "broken.yaml:4: unknown fault pod-kil (known: " + FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
          + ")"
      ), catalog.entries[0].error!)
    let c = makeConsole()
    c.use(catalog: catalog)
    press(c, .char("x"), .enter)
    XCTAssertNil(c.experiment)
    XCTAssertTrue(c.ui.message!.hasPrefix("broken.yaml cannot start: "), c.ui.message!)
    XCTAssertEqual(
      ExperimentCatalog.load(directory: "/nonexistent").problem, "cannot read the experiments directory /nonexistent")
  }

  func testZonesPaneAndTheNamespaceShown() {
    let c = makeConsole()
    XCTAssertEqual(c.view.pods.count, 9, "the experimental group's namespace")
    press(c, .char("N"))
    XCTAssertEqual(c.view.namespace, "pipeline-control")
    XCTAssertTrue(c.view.pods.values.allSatisfy { $0.namespace == "pipeline-control" })
    press(c, .char("N"))
    XCTAssertEqual(c.view.pods.count, 18, "every namespace")
    press(c, .char("N"))
    XCTAssertEqual(c.view.namespace, "pipeline")
    press(c, .char("Z"))
    let frame = c.render(width: 80, height: 24)
    assertSnapshot(frame, named: "zones-80x24")
    XCTAssertTrue(frame.text.contains("pipeline/flask        zone-a      67%"), frame.text)
  }
}
