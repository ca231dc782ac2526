import ClusterState
import Console
import Panels
import Simulation
import TestSupport
import XCTest

/// The console driven by keys, headless, on the demo's virtual clock.
final class ConsoleTests: XCTestCase {
  func makeConsole(readOnly: Bool = false) -> Console {
    var o = Simulator.Options()
    o.seed = 1
    let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../themes")
      .standardized.path
    let c = Console(source: DemoCluster(options: o), readOnly: readOnly, themeSearchPaths: [themes])
    c.advanceVirtual(to: 10)
    return c
  }

  func press(_ c: Console, _ keys: Key...) {
    for k in keys { c.handle(k) }
  }

  func testFullScreenAt80x24() {
    let c = makeConsole()
    assertSnapshot(c.render(width: 80, height: 24), named: "screen-80x24")
  }

  func testFullScreenAt160x48WithAnIncident() {
    let c = makeConsole()
    press(c, .down, .char("f"), .char("k"), .char("y"))
    c.advanceVirtual(to: 30)
    let frame = c.render(width: 160, height: 48)
    let text = frame.text
    assertSnapshot(frame, named: "screen-160x48-incident")
    XCTAssertTrue(text.contains("recovered"))
  }

  /// `a` brings the alerts pane: in the timeline's place at 80x24, beside it on large screens;
  /// again goes back to the pods.
  func testAlertsKey() {
    let c = makeConsole()
    XCTAssertFalse(c.render(width: 80, height: 24).text.contains("Alerts & checks"))
    press(c, .char("a"))
    var text = c.render(width: 80, height: 24).text
    XCTAssertTrue(text.contains("Alerts & checks"), text)
    XCTAssertFalse(text.contains("Timeline"))
    XCTAssertTrue(text.contains("built-in bounds"))
    press(c, .char("a"))
    text = c.render(width: 80, height: 24).text
    XCTAssertTrue(text.contains("Timeline"))
    XCTAssertFalse(text.contains("Alerts & checks"))
    text = c.render(width: 200, height: 60).text
    XCTAssertTrue(text.contains("Alerts & checks") && text.contains("Timeline"))
  }

  func testKillFlowFromTheKeys() {
    let c = makeConsole()
    _ = c.render(width: 80, height: 24)
    let victim = c.selectedPodID!
    XCTAssertTrue(victim.contains("flask"))
    press(c, .char("f"))
    XCTAssertEqual(c.ui.dialog, .faultMenu(podID: victim, scope: .pod))
    XCTAssertTrue(c.render(width: 80, height: 24).text.contains("Inject a fault"))
    press(c, .char("k"))
    guard case .confirm(let req, _) = c.ui.dialog else { return XCTFail("confirmation expected") }
    XCTAssertEqual(req.kind, .podKill)
    let confirm = c.render(width: 80, height: 24).text
    XCTAssertTrue(confirm.contains("blast radius"))
    XCTAssertTrue(confirm.contains("1 pod: " + victim.split(separator: "/")[1]))
    press(c, .char("y"))
    XCTAssertNil(c.ui.dialog)
    XCTAssertEqual(c.state.pods[victim]?.status, "Terminating")
    XCTAssertTrue(c.render(width: 80, height: 24).text.contains("Terminating"), "the effect shows on the next frame")
  }

  func testCancelLeavesTheClusterAlone() {
    let c = makeConsole()
    press(c, .char("f"), .char("u"), .escape)
    XCTAssertNil(c.ui.dialog)
    XCTAssertTrue(c.state.faults.isEmpty)
  }

  func testScopeAndStrengthFromTheConfirmation() {
    let c = makeConsole()
    press(c, .char("f"), .char("w"), .char("w"), .char("d"), .char("+"), .char("+"), .char(">"))
    guard case .confirm(let req, _) = c.ui.dialog else { return XCTFail("confirmation expected") }
    XCTAssertEqual(req.target, .workload(namespace: "pipeline", name: "flask"))
    XCTAssertEqual(req.parameters.mode, .all)
    XCTAssertEqual(req.parameters.delayMs, 300)
    XCTAssertEqual(req.parameters.duration, 75)
    XCTAssertTrue(c.render(width: 100, height: 30).text.contains("all 3 pods of flask"))
    press(c, .enter)
    XCTAssertEqual(c.state.activeFaults.count, 1)
    XCTAssertEqual(c.state.activeFaults[0].pods.count, 3)
  }

  func testPanicKeyEndsFaultsAndHPAScalesBackIn() {
    let c = makeConsole()
    press(c, .char("f"), .char("w"), .char("w"), .char("u"), .char("y"))
    XCTAssertEqual(c.state.activeFaults.count, 1)
    c.advanceVirtual(to: 45)
    XCTAssertGreaterThan(c.state.hpas["pipeline/flask"]!.desiredReplicas, 3)
    press(c, .char("!"))
    XCTAssertEqual(c.state.activeFaults.count, 0)
    XCTAssertEqual(c.ui.message, "Panic: aborted 1 active fault", "said once, by the reducer")
    c.advanceVirtual(to: 200)
    XCTAssertEqual(c.state.hpas["pipeline/flask"]!.desiredReplicas, 3)
  }

  func testHelpAt80x24WrapsAtWordsAndSaysItScrolls() {
    let c = makeConsole()
    press(c, .char("?"))
    let text = c.render(width: 80, height: 24).text
    XCTAssertTrue(text.contains("Help (j/k scroll, Esc closes)"), text)
    XCTAssertTrue(text.contains("more below: j/k, PgDn"), text)
    // "Zoom the focused pane to full screen (again to restore)" is longer than the 61 columns left.
    XCTAssertTrue(text.contains("Zoom the focused pane to full screen (again to"), text)
    XCTAssertTrue(text.contains("restore)"), text)
    for line in text.split(separator: "\n") {
      XCTAssertFalse(line.contains("(again to r│") || line.contains("(agai│"), "cut mid-word: \(line)")
    }
  }

  func testReadOnlyGreysFaultKeysWithTheReason() {
    let c = makeConsole(readOnly: true)
    press(c, .char("f"))
    XCTAssertNil(c.ui.dialog)
    XCTAssertTrue(c.ui.message!.contains("read-only"), c.ui.message!)
    press(c, .ctrl("k"))
    XCTAssertNil(c.ui.dialog)
    XCTAssertTrue(c.state.faults.isEmpty)
    press(c, .char("?"))
    let help = c.render(width: 120, height: 40)
    XCTAssertTrue(help.text.contains("Greyed keys: read-only mode"))
    // The fault binding is drawn in the inactive colour.
    let row = (0..<help.height).first { y in
      (0..<help.width).map { help[$0, y].scalar }.map(String.init).joined().contains(
        "Inject a fault on the selected pod")
    }!
    let x = (0..<help.width).first { help[$0, row].scalar == "f" && help[$0 + 1, row].scalar == " " }!
    XCTAssertEqual(help[x, row].style.fg, Theme.builtin[.inactive])
  }

  func testUnavailableAndForbiddenFaultsAreGreyedWithTheReason() {
    let c = makeConsole()
    c.store.dispatch(.faultsUnavailable([.networkDelay: "Chaos Mesh is not installed"]))
    c.store.dispatch(
      .permissions(namespace: "pipeline", denied: [.cpuHog: "forbidden: dev may not create stresschaos"]))
    press(c, .char("f"))
    let menu = c.render(width: 120, height: 40)
    XCTAssertTrue(menu.text.contains("unavailable: Chaos Mesh is not installed"))
    XCTAssertTrue(menu.text.contains("unavailable: forbidden: dev may not"))
    press(c, .char("d"))
    XCTAssertTrue(c.ui.message!.contains("Network delay is unavailable: Chaos Mesh is not installed"))
    press(c, .char("u"))
    XCTAssertTrue(c.ui.message!.contains("forbidden"))
    XCTAssertTrue(c.state.faults.isEmpty)
    // The reducer refuses them too, whatever asks.
    c.store.dispatch(
      .requestFault(FaultRequest(kind: .cpuHog, target: .workload(namespace: "pipeline", name: "flask"))))
    XCTAssertTrue(c.state.faults.isEmpty)
    XCTAssertEqual(c.ui.message, "CPU hog is unavailable: forbidden: dev may not create stresschaos")
  }

  func testUnknownKeysSayHowToGetHelp() {
    let c = makeConsole()
    press(c, .char("\u{7}"), .function(9), .unknown(999))
    XCTAssertTrue(c.ui.message!.contains("press ? for help"))
    XCTAssertFalse(c.quitRequested)
  }

  func testFilterNavigationAndSort() {
    let c = makeConsole()
    press(c, .char("/"), .char("p"), .char("o"), .char("s"), .enter)
    _ = c.render(width: 80, height: 24)
    XCTAssertEqual(c.podList.ids, ["pipeline/postgres-0", "pipeline/postgres-1"])
    press(c, .char("j"))
    XCTAssertEqual(c.selectedPodID, "pipeline/postgres-1")
    press(c, .escape)
    _ = c.render(width: 80, height: 24)
    XCTAssertEqual(c.podList.ids.count, 9)
    XCTAssertEqual(c.selectedPodID, "pipeline/postgres-1", "the selection follows the pod")
    press(c, .char("s"))
    XCTAssertEqual(c.ui.pods.sort, .status)
    press(c, .char("G"))
    _ = c.render(width: 80, height: 24)
    XCTAssertEqual(c.ui.pods.selected, 8)
  }

  /// Filter keys that come faster than frames, in one burst: the pods list is worked out once,
  /// after the last filter key; a move key in the burst sees the list its filter gives.
  func testAFilterTypedInOneBurstListsWhatTypingItKeyByKeyLists() {
    let typed: [[Key]] = [
      [.char("/"), .char("p"), .char("o"), .char("s"), .char("t")],
      [.char("/"), .char("s"), .char("p"), .char("a"), .char("r"), .char("k"), .down],
      [.char("/"), .char("p"), .char("o"), .backspace, .char("o"), .char("s"), .down, .char("t"), .down, .enter],
    ]
    for keys in typed {
      let byKey = makeConsole()
      for k in keys { press(byKey, k) }
      let burst = makeConsole()
      burst.handle(burst: keys)
      XCTAssertGreaterThan(byKey.podList.ids.count, 1, "\(keys)")
      XCTAssertEqual(burst.podList.ids, byKey.podList.ids, "\(keys)")
      XCTAssertEqual(burst.selectedPodID, byKey.selectedPodID, "\(keys)")
      XCTAssertEqual(burst.ui.pods.filter, byKey.ui.pods.filter, "\(keys)")
    }
  }

  func testFocusAndZoom() {
    let c = makeConsole()
    press(c, .tab, .tab)
    XCTAssertEqual(c.ui.focus, .network)
    press(c, .char("z"))
    XCTAssertEqual(c.ui.zoomed, .network)
    let text = c.render(width: 80, height: 24).text
    XCTAssertTrue(text.contains("Network"))
    XCTAssertFalse(text.contains("Pods"))
    press(c, .char("z"))
    XCTAssertNil(c.ui.zoomed)
    press(c, .backTab, .backTab, .backTab)
    XCTAssertEqual(c.ui.focus, .timeline)
  }

  func testTooSmallTerminalsAndResizeStorms() {
    let c = makeConsole()
    for (w, h) in [(79, 24), (80, 23), (20, 5), (1, 1), (0, 0), (300, 100), (250, 70), (80, 24)] {
      c.resize(width: w, height: h)
      let b = c.render(width: w, height: h)
      if w < 80 || h < 24, w > 30, h > 3 { XCTAssertTrue(b.text.contains("Terminal too small"), "\(w)x\(h)") }
      if w >= 80 && h >= 24 {
        // Any size at least 80x24 gets the whole console: the header on top, the keys at the bottom.
        let rows = b.text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(rows.first?.hasPrefix(" chaostui ") ?? false, "\(w)x\(h)")
        XCTAssertTrue(rows[h - 1].contains("q quit"), "\(w)x\(h): \(rows[h - 1])")
      }
    }
    assertSnapshot(c.render(width: 60, height: 20), named: "too-small-60x20")
    // A storm of resizes through the loop, then a normal frame.
    let backend = HeadlessBackend(width: 80, height: 24)
    backend.keys = Array(repeating: .resize, count: 200) + [.char("q")]
    let stats = runLoop(console: c, backend: backend, clock: { 0 })
    XCTAssertEqual(stats.keys, 201)
    XCTAssertTrue(backend.lastFrame!.text.contains("Pods"))
  }

  func testSummaryAndThemeCycling() {
    let c = makeConsole()
    press(c, .char("i"))
    XCTAssertEqual(c.ui.dialog, .summary)
    XCTAssertTrue(c.render(width: 100, height: 30).text.contains("No incidents yet"))
    press(c, .char("x"))
    XCTAssertNil(c.ui.dialog)
    var names: [String] = []
    for _ in 0..<5 {
      press(c, .char("t"))
      names.append(c.theme.name)
    }
    XCTAssertEqual(Set(names), ["bastion-16", "default", "high-contrast", "light"])
    press(c, .char("T"))
    XCTAssertEqual(c.glyphs, .braille)
  }

  func testQuitKey() {
    let c = makeConsole()
    let backend = HeadlessBackend(width: 80, height: 24)
    backend.keys = [.char("q")]
    let stats = runLoop(console: c, backend: backend, clock: { 0 })
    XCTAssertTrue(c.quitRequested)
    XCTAssertGreaterThanOrEqual(stats.frames, 1)
  }
}
