import ClusterState
import Console
import Foundation
import Monkey
import Panels
import Simulation
import TestSupport
import XCTest

/// Monkey mode in the console: M asks, then starts; the pane shows the schedule, kills come on it,
/// each an incident with its TTR; the measured MTBF beside the label's; the panic key pauses it;
/// read-only greys it.
final class MonkeyConsoleTests: XCTestCase {
  /// Wednesday 25 November 2026, midnight UTC.
  let wednesday = Date(timeIntervalSince1970: 1_795_564_800)

  func makeConsole(readOnly: Bool = false) -> Console {
    let c = Console(source: DemoCluster(options: Simulator.Options()), readOnly: readOnly)
    c.monkeyConfig = .demo
    c.advanceVirtual(to: 5)
    return c
  }

  func testMAsksThenTheScheduleRunsAndHeals() {
    let c = makeConsole()
    c.handle(.char("M"))
    var text = c.render(width: 100, height: 30).text
    XCTAssertTrue(text.contains("Start the monkey?"), text)
    XCTAssertTrue(text.contains("pipeline/flask: mtbf 6h, fixed 1"), text)
    XCTAssertTrue(text.contains("pipeline/spark-master: opted out"), text)
    XCTAssertNil(c.monkey, "nothing before y")
    c.handle(.char("n"))
    XCTAssertNil(c.monkey)
    XCTAssertEqual(c.ui.message, "Monkey not started")
    c.handle(.char("M"))
    XCTAssertEqual(c.ui.dialog, .confirmMonkey)
    // The key's confirmation starts it with today's date; the test fixes the date.
    c.handle(.escape)
    c.startMonkey(wallNow: wednesday)
    XCTAssertEqual(c.ui.focus, .monkey)
    XCTAssertFalse(c.monkey!.planned.isEmpty)
    assertSnapshot(c.render(width: 80, height: 24), named: "monkey-start-80x24")
    var t: Seconds = 5
    while t < 400 {
      t += 0.5
      c.advanceVirtual(to: t)
    }
    let kills = c.monkey!.kills.filter(\.injected)
    XCTAssertGreaterThanOrEqual(kills.count, 2, c.monkey!.kills.map(\.outcome).description)
    XCTAssertTrue(c.state.faults.allSatisfy { $0.request.origin == MonkeyRun.origin })
    XCTAssertEqual(c.state.incidents.count, c.state.faults.count, "every kill an incident")
    text = c.render(width: 200, height: 60).text
    XCTAssertTrue(text.contains("LAST TTR"), text)
    XCTAssertNotNil(
      MonkeySchedule(c.monkey!, state: c.state).rows.first { $0.lastTTR != nil }, "a kill healed, its TTR shown")
    XCTAssertTrue(text.contains("MEASURED"), text)
    assertSnapshot(c.render(width: 200, height: 60), named: "monkey-running-200x60")
    // The panic key pauses it: kills that fall due are skipped and said so.
    c.handle(.char("!"))
    XCTAssertEqual(c.monkey?.pausedReason, "panic key")
    XCTAssertTrue(c.render(width: 120, height: 30).text.contains("PAUSED (panic key)"))
    let faults = c.state.faults.count
    while t < 720 {
      t += 0.5
      c.advanceVirtual(to: t)
    }
    XCTAssertEqual(c.state.faults.count, faults, "no kill while paused")
    // M on its pane resumes.
    c.handle(.char("M"))
    XCTAssertNil(c.monkey?.pausedReason)
    XCTAssertEqual(c.ui.message, "Monkey resumed")
  }

  func testReadOnlyGreysTheMonkey() {
    let c = makeConsole(readOnly: true)
    c.handle(.char("M"))
    XCTAssertNil(c.ui.dialog)
    XCTAssertEqual(c.ui.message, "monkey is disabled: read-only mode (--read-only)")
  }
}

extension MonkeyConsoleTests {
  /// RBAC: where the user may not delete pods, the monkey says so instead of starting.
  func testTheMonkeyIsGreyedWhereAPodKillIsForbidden() {
    let c = makeConsole()
    c.store.dispatch(
      .permissions(
        namespace: "pipeline", denied: [.podKill: "forbidden: developer cannot delete pods in pipeline (RBAC)"]))
    c.startMonkey(wallNow: wednesday)
    XCTAssertNil(c.monkey)
    XCTAssertEqual(
      c.ui.message,
      "monkey is disabled: pod kill in pipeline: forbidden: developer cannot delete pods in pipeline (RBAC)")
  }
}
