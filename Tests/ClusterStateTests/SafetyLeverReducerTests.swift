import ClusterState
import XCTest

/// The lever's state machine in the reducer, on hand-made actions.
final class SafetyLeverReducerTests: XCTestCase {
  func store(readOnly: Bool = false) -> (Store, Box) {
    let s = Store()
    let box = Box()
    s.dispatch(.tick(100))
    if readOnly {
      var state = s.state
      state.session.readOnly = true
      state.session.readOnlyReason = "read-only mode (--read-only)"
      s.dispatch(.restore(state))
    }
    s.executor = {
      box.effects.append($0); return []
    }
    s.notifier = { box.notices.append($0) }
    return (s, box)
  }
  final class Box {
    var effects: [Effect] = []
    var notices: [String] = []
  }

  let kill = FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "web-a"))

  func testEngagingAbortsWhatIsPendingAndRefusesTheRest() {
    let (s, box) = store()
    s.dispatch(.lever(SafetyLever(status: .released, location: "cm")))
    s.dispatch(.requestFault(kill))
    XCTAssertEqual(box.effects, [.inject(id: 1, kill)])
    s.dispatch(.lever(SafetyLever(status: .engaged, by: "a", at: 0, reason: "stop", location: "cm")))
    XCTAssertEqual(box.effects.last, .abort(ids: [1]), "a fault being made is set back too")
    XCTAssertEqual(box.notices.last, "SAFETY LEVER ENGAGED by a at 00:00:00Z: stop (setting back 1 fault)")
    box.effects = []
    s.dispatch(.requestFault(kill))
    XCTAssertEqual(box.effects, [])
    XCTAssertEqual(box.notices.last, "Fault refused: the safety lever is engaged by a (stop)")
    // The same state again (a relist) is no news.
    let lines = s.state.timeline.count
    s.dispatch(.lever(SafetyLever(status: .engaged, by: "a", at: 0, reason: "stop", location: "cm")))
    XCTAssertEqual(s.state.timeline.count, lines)
    s.dispatch(.lever(SafetyLever(status: .released, by: "b", at: 60, location: "cm")))
    s.dispatch(.requestFault(kill))
    XCTAssertEqual(box.effects, [.inject(id: 2, kill)])
  }

  func testALostWatchIsUnknownAndNothingIsInjected() {
    let (s, box) = store()
    s.dispatch(.lever(SafetyLever(status: .released, location: "cm")))
    s.dispatch(.lever(SafetyLever(status: .unknown, problem: "the connection was lost", location: "cm")))
    s.dispatch(.requestFault(kill))
    XCTAssertEqual(box.effects, [])
    XCTAssertEqual(
      box.notices.last,
      "Fault refused: the safety lever's state is unknown (the connection was lost): no fault until it is read (--lever none goes without one)"
    )
    XCTAssertEqual(
      s.state.timeline.last?.text, "safety lever unknown (the connection was lost): no fault starts until it is read")
  }

  func testMovingTheLeverIsAskedOfItsSourceUnlessReadOnlyOrNone() {
    let move = LeverMove(engage: true, reason: "why", by: "me@here")
    var (s, box) = store()
    s.dispatch(.lever(SafetyLever(status: .released, location: "cm")))
    s.dispatch(.moveLever(move))
    XCTAssertEqual(box.effects, [.moveLever(move)])
    XCTAssertEqual(s.state.timeline.last?.text, "me@here asked to engage the safety lever: why")
    s.dispatch(.leverMoveFailed("forbidden: me cannot patch configmaps in chaostui-system (RBAC)"))
    XCTAssertEqual(
      box.notices.last, "The lever could not be moved: forbidden: me cannot patch configmaps in chaostui-system (RBAC)")
    (s, box) = store(readOnly: true)
    s.dispatch(.lever(SafetyLever(status: .released, location: "cm")))
    s.dispatch(.moveLever(move))
    XCTAssertEqual(box.effects, [])
    XCTAssertTrue(box.notices.last?.hasPrefix("The lever cannot be moved from a read-only session") == true)
    (s, box) = store()
    s.dispatch(.lever(SafetyLever(status: .off)))
    s.dispatch(.moveLever(move))
    XCTAssertEqual(box.effects, [])
    XCTAssertEqual(box.notices.last, "This session has no safety lever (--lever none)")
    s.dispatch(.requestFault(kill))
    XCTAssertEqual(box.effects, [.inject(id: 1, kill)], "no lever: nothing refused")
  }

  func testTheObjectsFieldsAreReadWarily() {
    let l = SafetyLever.from(
      fields: ["engaged": "TRUE", "by": String(repeating: "b", count: 999), "at": "2026-12-04T04:00:00Z"],
      location: "cm")
    XCTAssertEqual(l.status, .engaged)
    XCTAssertEqual(l.by.count, SafetyLever.maxText)
    XCTAssertEqual(l.at, 1_796_356_800)
    XCTAssertEqual(SafetyLever.from(fields: ["engaged": "yes please"], location: "").status, .released)
    XCTAssertEqual(SafetyLever.from(fields: ["at": "soon"], location: "").at, nil)
    XCTAssertEqual(SafetyLever.from(fields: l.fields, location: "cm"), l)
  }
}
