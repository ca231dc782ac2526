import XCTest

@testable import ClusterState

/// The fault table: one row a kind, keys unique, strengths that stay in range, and the experiment
/// file reading each fault's own fields and target from it.
final class FaultTableTests: XCTestCase {
  func testEveryKindHasOneRowAndItsOwnKey() {
    XCTAssertEqual(FaultTable.all.map(\.kind), FaultKind.allCases)
    let keys = FaultTable.all.map(\.key)
    XCTAssertEqual(Set(keys).count, keys.count, "fault keys are unique: \(keys)")
    for d in FaultTable.all {
      XCTAssertEqual(FaultTable.forKey(d.key)?.kind, d.kind)
      XCTAssertEqual(Set(d.fields.map(\.key)).count, d.fields.count, "\(d.kind): fields unique")
      XCTAssertFalse(d.summary.isEmpty)
      if case .chaosMesh(let plural, let kind) = d.needs {
        XCTAssertEqual(plural, kind.lowercased(), "\(d.kind): the plural Chaos Mesh serves")
      }
    }
    XCTAssertNil(FaultTable.forKey("Q"))
  }

  func testStrengthStepsStayInTheirRange() {
    let state = ClusterSnapshot()
    var delay = FaultRequest(kind: .networkDelay, target: .pod(namespace: "a", name: "b"))
    for _ in 0..<200 { FaultPlan.adjust(&delay, up: true, state: state) }
    XCTAssertEqual(delay.parameters.delayMs, 5000)
    FaultPlan.adjust(&delay, up: false, state: state)
    XCTAssertEqual(delay.parameters.delayMs, 4900, "100 ms steps above 500 ms")
    for _ in 0..<200 { FaultPlan.adjust(&delay, up: false, state: state) }
    XCTAssertEqual(delay.parameters.delayMs, 10)
    var kill = FaultRequest(kind: .podKill, target: .pod(namespace: "a", name: "b"))
    FaultPlan.adjust(&kill, up: false, state: state)
    XCTAssertEqual(kill.parameters.gracePeriod, 30)
    for _ in 0..<10 { FaultPlan.adjust(&kill, up: false, state: state) }
    XCTAssertEqual(kill.parameters.gracePeriod, 0, "down to a force delete, no further")
    var skew = FaultRequest(kind: .timeSkew, target: .pod(namespace: "a", name: "b"))
    FaultPlan.adjust(&skew, up: true, state: state)
    XCTAssertEqual(skew.parameters.skewSeconds, -3600)
    var dns = FaultRequest(kind: .dnsError, target: .pod(namespace: "a", name: "b"))
    FaultPlan.adjust(&dns, up: true, state: state)
    XCTAssertEqual(
      dns, FaultRequest(kind: .dnsError, target: .pod(namespace: "a", name: "b")), "no strength: as it was")
  }
}
