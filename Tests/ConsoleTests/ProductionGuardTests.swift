import ClusterState
import Console
import Panels
import Simulation
import XCTest

/// A production context: a red frame and badge; a fault, an experiment or the monkey goes on only
/// once the context's name is typed; read-only with the reason when the config says so.
final class ProductionGuardTests: XCTestCase {
  func makeConsole(readOnlyReason: String? = nil) -> Console {
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    c.guardProduction(pattern: "demo*", readOnlyReason: readOnlyReason)
    c.advanceVirtual(to: 10)
    return c
  }

  func testTheFrameIsRedAndTheBadgeSaysProduction() {
    let c = makeConsole()
    let frame = c.render(width: 80, height: 24)
    XCTAssertTrue(frame.text.split(separator: "\n")[0].contains(" PRODUCTION "))
    let red = Theme.builtin[.error]
    // A pane that is not focused has its border drawn in red.
    let corner = frame.cells.first(where: { $0.scalar == "┌" && $0.style.fg == red })
    XCTAssertNotNil(corner, "a pane's border is red")
  }

  func testAFaultNeedsTheContextsNameTyped() {
    let c = makeConsole()
    c.handle(.char("f"))
    c.handle(.char("d"))
    c.handle(.char("y"))
    guard case .typeContext(.fault, "")? = c.ui.dialog else { return XCTFail("\(String(describing: c.ui.dialog))") }
    XCTAssertTrue(c.render(width: 80, height: 24).text.contains("demo is PRODUCTION (matches demo*)"))
    for ch in "dem" { c.handle(.char(ch)) }
    c.handle(.enter)
    XCTAssertEqual(c.ui.message, "Not done: that is not this context's name (demo)")
    XCTAssertTrue(c.state.faults.isEmpty)
    c.handle(.char("f"))
    c.handle(.char("d"))
    c.handle(.char("y"))
    for ch in "demo" { c.handle(.char(ch)) }
    c.handle(.enter)
    c.advanceVirtual(to: 11)
    XCTAssertEqual(c.state.activeFaults.count, 1)
    // The monkey asks too.
    c.handle(.char("M"))
    c.handle(.char("y"))
    XCTAssertEqual(c.ui.dialog, .typeContext(.monkey, typed: ""))
    c.handle(.escape)
    XCTAssertNil(c.monkey)
  }

  func testReadOnlyWithTheReason() {
    let why = "context demo is production (config production.contexts demo*): read-only; --allow-prod to change it"
    let c = makeConsole(readOnlyReason: why)
    XCTAssertTrue(c.state.readOnly)
    c.handle(.char("f"))
    XCTAssertEqual(c.ui.message, "fault is disabled: " + why)
    c.store.dispatch(
      .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: "postgres-0"))))
    XCTAssertTrue(c.state.faults.isEmpty)
  }
}
