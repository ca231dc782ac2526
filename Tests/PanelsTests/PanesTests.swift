import ClusterState
import Panels
import Simulation
import TestSupport
import XCTest

/// Panes rendered into an in-memory cell buffer, compared as text with files beside the tests.
final class PanesSnapshotTests: XCTestCase {
  let ctx = RenderContext(theme: .builtin, glyphs: .unicode)

  /// The demo at a fixed virtual time, optionally after a fault.
  func demoState(at t: Seconds, fault: ((Store) -> Void)? = nil, faultAt: Seconds = 10) -> ClusterSnapshot {
    var o = Simulator.Options()
    o.seed = 1
    let cluster = DemoCluster(options: o)
    let store = Store()
    store.executor = { cluster.perform($0) }
    store.dispatch(cluster.simulator.advance(to: min(t, faultAt)))
    if let fault {
      fault(store)
    }
    store.dispatch(cluster.simulator.advance(to: t))
    return store.state
  }

  func killFirstFlask(_ store: Store) {
    let name = store.state.pods.values.filter { $0.workload == "flask" }.map(\.name).sorted()[0]
    store.dispatch(.requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: name))))
  }

  func testPodsPaneAt80x24() {
    let state = demoState(at: 12, fault: killFirstFlask)
    var buf = CellBuffer(width: 80, height: 24)
    let list = PodList()
    list.update(state, PodsView())
    PodsPane.render(
      &buf, buf.bounds, state: state, list: list, view: PodsView(), focused: true, ctx: ctx, filterEditing: false)
    assertSnapshot(buf, named: "pods-80x24-after-kill")
    XCTAssertTrue(buf.text.contains("Terminating"))
    XCTAssertTrue(buf.text.contains("ContainerCreating"))
  }

  func testPodsPaneSortAndFilter() {
    let state = demoState(at: 30)
    var view = PodsView()
    view.filter = "postgres"
    let list = PodList()
    list.update(state, view)
    XCTAssertEqual(list.ids, ["pipeline/postgres-0", "pipeline/postgres-1"])
    view.filter = "role=replica"
    list.update(state, view)
    XCTAssertEqual(list.ids, ["pipeline/postgres-1"])
    view.filter = "!spark"
    list.update(state, view)
    XCTAssertEqual(list.ids.count, 5)
    view.filter = ""
    view.sort = .cpu
    list.update(state, view)
    let cpus = list.ids.map { state.podSeries[$0]!.cpuMilli.last! }
    XCTAssertEqual(cpus, cpus.sorted(by: >))
    view.descending = true
    list.update(state, view)
    XCTAssertEqual(list.ids.map { state.podSeries[$0]!.cpuMilli.last! }, cpus.sorted())
  }

  func testPodsPaneAt160x48() {
    let state = demoState(at: 12, fault: killFirstFlask)
    var buf = CellBuffer(width: 160, height: 48)
    let list = PodList()
    list.update(state, PodsView())
    PodsPane.render(
      &buf, buf.bounds, state: state, list: list, view: PodsView(), focused: false, ctx: ctx, filterEditing: false)
    assertSnapshot(buf, named: "pods-160x48-after-kill")
  }

  func testMetricPanesAt80x24() {
    let state = demoState(at: 60)
    var buf = CellBuffer(width: 80, height: 24)
    let rows = buf.bounds.rows([8, 6, 10])
    let cols = rows[0].columns([50, 50])
    ResourcesPane.render(&buf, rows[0].columns([50, 50])[0], state: state, selectedPod: nil, focused: false, ctx: ctx)
    NetworkPane.render(&buf, cols[1], state: state, focused: false, ctx: ctx)
    HPAPane.render(&buf, rows[1], state: state, focused: true, ctx: ctx)
    TimelinePane.render(&buf, rows[2], state: state, focused: false, scroll: 0, ctx: ctx)
    assertSnapshot(buf, named: "metrics-80x24")
  }

  /// The alerts pane on a real cluster's view: a failing and a passing PromQL check, a query
  /// error, a firing and a pending alert, a target down; then what the demo shows instead.
  func testAlertsPaneAt80x24() {
    var state = demoState(at: 30)
    state.session.isDemo = false
    state.now = 10_000
    state.monitoring.promChecks = [
      PromCheck(name: "flask p99 ms", expr: "x", max: 250, scope: "flask").evaluate([
        MetricSeries(labels: ["service": "flask"], points: [MetricPoint(10_000, 412)])
      ]),
      PromCheck(name: "flask ready", expr: "y", min: 3).evaluate([
        MetricSeries(labels: ["deployment": "flask"], points: [MetricPoint(10_000, 3)])
      ]),
      CheckResult(name: "errors %", value: nil, bound: "<= 1", error: "errors % query: bad_data: parse error"),
    ]
    state.monitoring.alerts = [
      Alert(
        name: "FlaskCPUHigh", state: "firing", labels: ["severity": "warning"],
        summary: "Flask uses more than half a core", activeAt: 9_930),
      Alert(name: "PostgresLag", state: "pending", labels: [:], summary: "", activeAt: 9_995),
    ]
    state.monitoring.targets = [
      ScrapeTarget(job: "kubelet", instance: "127.0.0.1:16449", health: "up", lastError: "", lastScrape: 9_999),
      ScrapeTarget(
        job: "node", instance: "127.0.0.1:16454", health: "down",
        lastError: "Get \"http://127.0.0.1:16454/metrics\": connection refused", lastScrape: 9_996),
    ]
    var buf = CellBuffer(width: 80, height: 12)
    AlertsPane.render(&buf, buf.bounds, state: state, focused: true, ctx: ctx)
    assertSnapshot(buf, named: "alerts-80x12")
    XCTAssertTrue(buf.text.contains("FAIL flask p99 ms"))
    XCTAssertTrue(buf.text.contains("FIRING  FlaskCPUHigh warning 70s"))
    XCTAssertTrue(buf.text.contains("1 up, 1 down"))
    // The demo: where alerts come from, and what is outside the steady state now.
    var demo = CellBuffer(width: 80, height: 6)
    AlertsPane.render(&demo, demo.bounds, state: demoState(at: 30), focused: false, ctx: ctx)
    XCTAssertTrue(demo.text.contains("come from Prometheus"), demo.text)
    XCTAssertTrue(demo.text.contains("now: every workload and service within the steady state"), demo.text)
  }

  func testTimelineAfterRecoveryAt160x48() {
    let state = demoState(at: 40, fault: killFirstFlask)
    var buf = CellBuffer(width: 160, height: 48)
    let halves = buf.bounds.rows([50, 50])
    TimelinePane.render(&buf, halves[0], state: state, focused: true, scroll: 0, ctx: ctx)
    ResourcesPane.render(&buf, halves[1], state: state, selectedPod: "pipeline/postgres-0", focused: false, ctx: ctx)
    assertSnapshot(buf, named: "timeline-160x48-recovered")
    XCTAssertTrue(buf.text.contains("recovered"))
    XCTAssertTrue(buf.text.contains("TTR"))
  }

  func testASCIIGlyphsHaveNoUnicode() {
    let state = demoState(at: 30)
    var buf = CellBuffer(width: 80, height: 24)
    let ascii = RenderContext(theme: .builtin, glyphs: .ascii)
    let rows = buf.bounds.rows([50, 50])
    ResourcesPane.render(&buf, rows[0], state: state, selectedPod: nil, focused: true, ctx: ascii)
    HPAPane.render(&buf, rows[1], state: state, focused: false, ctx: ascii)
    XCTAssertTrue(buf.cells.allSatisfy { $0.scalar.isASCII }, buf.text)
  }

  /// Odd objects a real API server may send never crash a pane.
  func testOddObjectsRenderWithoutCrashing() {
    var state = ClusterSnapshot()
    state.session.isDemo = false
    let store = Store(state: state)
    store.dispatch([
      .hpaUpserted(
        HPA(
          namespace: "x", name: "", target: "/", minReplicas: 0, maxReplicas: 0, currentReplicas: 0, desiredReplicas: 0,
          targetUtilization: 0)),
      .podUpserted(
        Pod(
          namespace: "", name: String(repeating: "n", count: 300) + "\u{1b}[2J日本", status: "", readyContainers: 9,
          totalContainers: 0, restarts: Int.max / 2, created: .infinity, labels: ["": ""])),
      .workloadUpserted(Workload(kind: .deployment, namespace: "x", name: "", desiredReplicas: -1)),
      .nodeUpserted(Node(name: "", zone: "", cpuCapacityMilli: .nan, memoryCapacityBytes: -1)),
      .connection(.disconnected(String(repeating: "why ", count: 100))),
    ])
    let list = PodList()
    for (w, h) in [(80, 24), (200, 60), (12, 5), (3, 3)] {
      var buf = CellBuffer(width: w, height: h)
      list.update(store.state, PodsView())
      PodsPane.render(
        &buf, buf.bounds, state: store.state, list: list, view: PodsView(), focused: true, ctx: ctx, filterEditing: true
      )
      HPAPane.render(&buf, buf.bounds, state: store.state, focused: true, ctx: ctx)
      ResourcesPane.render(&buf, buf.bounds, state: store.state, selectedPod: list.ids.first, focused: true, ctx: ctx)
      NetworkPane.render(&buf, buf.bounds, state: store.state, focused: true, ctx: ctx)
      TimelinePane.render(&buf, buf.bounds, state: store.state, focused: true, scroll: 99, ctx: ctx)
      HeaderBar.render(
        &buf, y: 0, width: w, state: store.state, info: HeaderInfo(speed: 1, readOnly: true, themeName: "x"), ctx: ctx)
      XCTAssertFalse(buf.cells.contains { $0.scalar == "\u{1b}" }, "no escape reaches the terminal")
    }
  }

  func testWideAndControlCharactersNeverShiftAFrame() {
    var buf = CellBuffer(width: 10, height: 1)
    let n = buf.write(0, 0, "a\u{1b}[31m日本b", .plain)
    XCTAssertEqual(n, 10, "a, ?, [31m, then two wide characters of two cells: b does not fit")
    XCTAssertEqual(buf.text, "a?[31m日本")
    XCTAssertEqual(buf[7, 0].scalar, CellBuffer.continuation)
  }

  /// The characters that misaligned rows: zero-width and bidi controls, a BOM, combining marks
  /// outside U+0300-U+036F (dropped); ⌚ ☔ 🀄 (two cells each, as the terminal draws them).
  func testCellWidthsFollowUnicode() {
    var buf = CellBuffer(width: 30, height: 1)
    let text = "a\u{200B}\u{200F}\u{2060}\u{FEFF}\u{202E}\u{2066}b\u{0483}\u{20DD}c⌚☔🀄d"
    XCTAssertEqual(buf.write(0, 0, text, .plain), 10)
    XCTAssertEqual(cellWidth(of: text), 10)
    XCTAssertEqual(buf.text, "abc⌚☔🀄d")
    XCTAssertEqual(Fmt.fit("⌚☔🀄xyz", 6), "⌚☔ ~", "cut by cells, padded to the width")
    XCTAssertEqual(cellWidth(of: Fmt.fit("日本語のログ", 7)), 7)
    XCTAssertEqual(cellWidth(of: Fmt.fit("日本", 9, right: true)), 9)
  }

  /// A workload's name with its context's alias, in a narrow column: the alias gives way first, so
  /// both stay told apart ("pr:flask", "st:flask", not "primary~" twice).
  func testANamedWorkloadKeepsItsNameBeforeItsAlias() {
    XCTAssertEqual(Fmt.named("flask", namespace: "primary:pipeline", width: 16), "primary:flask   ")
    XCTAssertEqual(Fmt.named("flask", namespace: "primary:pipeline", width: 8), "pr:flask")
    XCTAssertEqual(Fmt.named("flask", namespace: "standby:pipeline", width: 8), "st:flask")
    XCTAssertEqual(Fmt.named("spark-worker", namespace: "standby:pipeline", width: 8), "s:spark~")
    XCTAssertEqual(Fmt.named("flask", namespace: "pipeline", width: 8), "flask   ", "one cluster: the name alone")
  }

  /// A line of wide characters then text, written by a pane: it stays inside the pane's rectangle,
  /// and writing over half of a wide character blanks its other half.
  func testALineNeverWritesOutsideItsPane() {
    var buf = CellBuffer(width: 20, height: 2, fill: Cell("#", .plain))
    buf.clip = Rect(x: 0, y: 0, width: 10, height: 1)
    buf.write(0, 0, "日本語のログ and ALL CHECKS OK", .plain)
    buf.write(0, 1, "second row", .plain)
    buf.put(15, 0, "x", .plain)
    buf.fill(Rect(x: 8, y: 0, width: 12, height: 2), .plain, "z")
    buf.clip = nil
    XCTAssertEqual(buf.text, "日本語のzz##########\n####################")
    buf.write(1, 0, "q", .plain)
    XCTAssertEqual(buf.text, " q本語のzz##########\n####################", "the first half of 日 became a blank")
    buf.write(4, 0, "AB", .plain)
    XCTAssertEqual(buf.text, " q本ABのzz##########\n####################")
    XCTAssertEqual(cellWidth(of: buf.text.split(separator: "\n")[0]), 20)
  }
}

final class ThemeTests: XCTestCase {
  func testParsesBtopStyleLines() throws {
    let t = try Theme.parse(
      """
      # a comment
      theme[main_fg]="#cc8800"
      theme[error]="brightred"
      theme[ok]="#0f0"
      theme[border]=244
      theme[no_such_key]="#ffffff"
      """, name: "x")
    XCTAssertEqual(t[.main_fg], .rgb(0xcc, 0x88, 0x00))
    XCTAssertEqual(t[.error], .ansi(9))
    XCTAssertEqual(t[.ok], .rgb(0, 0xff, 0))
    XCTAssertEqual(t[.border], .indexed(244))
    XCTAssertEqual(t[.cpu], Theme.builtin[.cpu], "missing keys come from the default")
    XCTAssertEqual(t.ignored.count, 1)
  }

  func testBrokenLinesSayWhere() {
    XCTAssertThrowsError(try Theme.parse("theme[main_fg]=\"#zzzzzz\"", name: "x")) { e in
      XCTAssertTrue("\(e)".contains("line 1"), "\(e)")
    }
    XCTAssertThrowsError(try Theme.parse("\n\nnot a theme line", name: "x")) { e in
      XCTAssertTrue("\(e)".contains("line 3"), "\(e)")
    }
  }

  func testShippedThemesAllLoad() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../themes")
      .standardized.path
    let names = Theme.available(in: [dir])
    for required in ["default", "light", "high-contrast", "bastion-16"] {
      XCTAssertTrue(names.contains(required), "themes/\(required).theme is shipped")
    }
    for name in names {
      let (theme, problem) = Theme.load(name, searchPaths: [dir])
      XCTAssertNil(problem, "\(name): \(problem ?? "")")
      XCTAssertEqual(theme.name, name)
      XCTAssertTrue(theme.ignored.isEmpty, "\(name): \(theme.ignored)")
    }
  }

  func testBrokenFileFallsBackToTheDefaultWithAMessage() throws {
    let path = NSTemporaryDirectory() + "/broken-\(getpid()).theme"
    try "theme[main_fg]=\"#12\"\n".write(toFile: path, atomically: true, encoding: .utf8)
    let (theme, problem) = Theme.load(path, searchPaths: [])
    XCTAssertEqual(theme, Theme.builtin)
    XCTAssertTrue(problem!.contains("using the default theme"), problem!)
    let (missing, why) = Theme.load("no-such-theme", searchPaths: ["/nonexistent"])
    XCTAssertEqual(missing, Theme.builtin)
    XCTAssertTrue(why!.contains("not found"))
    try Data([0xff, 0xfe, 0x00]).write(to: URL(fileURLWithPath: path))
    XCTAssertTrue(Theme.load(path, searchPaths: []).1!.contains("UTF-8"))
  }
}
