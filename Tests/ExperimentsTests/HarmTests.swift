import ClusterState
import Experiments
import TestSupport
import XCTest

/// The harm stop condition: experimental against control at a fixed number of looks, each at its
/// spending level; a harmless method is never stopped, real harm is.
final class HarmTests: XCTestCase {
  static func yaml(_ method: String, _ harm: String) -> String {
    """
    title: harm
    groups:
      experimental: {namespace: pipeline}
      control: {namespace: pipeline-control}
      comparable: {otherwise: warn}
    method:
    \(method)
    hypotheses:
      - stays-within: {service: flask, figure: p99, max: 5000}
    stop-conditions:
      - harm: {\(harm)}
    """
  }

  func testAHarmlessMethodIsLookedAtFiveTimesAndNeverStopped() throws {
    let r = try runWithControlGroup(
      Self.yaml("  - wait: 60s", "workload: flask, figure: p99, looks: 5, over: 60s"), warm: 130)
    XCTAssertEqual(r.verdict, .passed, "\(r.log.map(\.text))")
    let looks = r.log.map(\.text).filter { $0.hasPrefix("harm look ") }
    XCTAssertEqual(looks.count, 5, "\(looks)")
    XCTAssertTrue(looks[0].contains("too few blocks yet"), looks[0])
    XCTAssertTrue(looks[4].hasPrefix("harm look 5 of 5: flask p99: median "), looks[4])
    XCTAssertEqual(r.harmLooks[0], 5)
  }

  func testRealHarmStopsTheExperimentAtALookAndSaysWhy() throws {
    let method = """
        - fault: network-delay
          target: {workload: postgres}
          mode: all
          strength: {delay-ms: 300}
          duration: 2m
      """
    let r = try runWithControlGroup(
      Self.yaml(method, "workload: postgres, figure: p99, worse-by: 20%, over: 2m"), warm: 130)
    guard case .aborted(let why) = r.verdict else {
      return XCTFail("\(String(describing: r.verdict)) \(r.log.map(\.text))")
    }
    XCTAssertTrue(
      why.hasPrefix(
        "stop condition significant harm to postgres p99 by more than 20% (5 looks at 95%): postgres p99 median "),
      why)
    XCTAssertTrue(why.contains(" at look "), why)
    XCTAssertNil(
      r.log.first { $0.text.hasPrefix("harm look 1 of 5") && $0.text.contains("<") }, "not at the first look")
  }

  func testHarmNeedsAControlGroupAndSaneLooks() {
    func error(_ yaml: String) -> String { parseError(yaml, file: "h.yaml") }
    let noControl = """
      title: t
      groups: {experimental: {namespace: pipeline}}
      method: [{wait: 5s}]
      stop-conditions: [{harm: {workload: flask, figure: p99}}]
      """
    XCTAssertTrue(error(noControl).contains("groups.control is missing"), error(noControl))
    XCTAssertTrue(
      error(Self.yaml("  - wait: 5s", "workload: flask, figure: p99, looks: 0")).contains("harm.looks is 1 to 20"))
    XCTAssertTrue(
      error(Self.yaml("  - wait: 5s", "workload: flask, figure: p99, confidence: 20%")).contains(
        "between 50% and 99.9%"))
    XCTAssertTrue(
      error(Self.yaml("  - wait: 5s", "workload: flask, figure: p99, alpha: 1")).contains("unknown field alpha"))
  }
}
