import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

/// What a real cluster reports that the demo never shows: an autoscaler the controller has not
/// computed yet or cannot scale, and a change of primary told only by the role labels.
final class HonestStateTests: XCTestCase {
  /// A 1.20 HPA (autoscaling/v2beta2) whose CPU metric cannot be read: desiredReplicas 0, ScalingActive False.
  static let stuckHPA = #"""
    {"type":"MODIFIED","object":{"metadata":{"name":"flask","namespace":"pipeline"},
     "spec":{"minReplicas":3,"maxReplicas":9,"scaleTargetRef":{"kind":"Deployment","name":"flask"},
      "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]},
     "status":{"currentReplicas":3,"desiredReplicas":0,"conditions":[
      {"type":"AbleToScale","status":"True","reason":"SucceededGetScale","message":"the HPA controller was able to get the target's current scale"},
      {"type":"ScalingActive","status":"False","reason":"FailedGetResourceMetric","message":"the HPA was unable to compute the replica count: missing request for cpu"}]}}}
    """#

  func hpa(_ json: String) throws -> HPA {
    let e = try JSONDecoder().decode(KubeDecode.Event<KubeDecode.KHPA>.self, from: Data(json.utf8))
    return KubeDecode.hpa(e.object)
  }

  func testAnUncomputedDesiredCountIsUnknownAndTheStuckConditionIsNamed() throws {
    let h = try hpa(Self.stuckHPA)
    XCTAssertFalse(h.desiredKnown, "desiredReplicas 0 with minReplicas 3 was never computed")
    XCTAssertEqual(h.stuck?.type, "ScalingActive")
    XCTAssertEqual(h.stuck?.reason, "FailedGetResourceMetric")
    XCTAssertEqual(h.conditions.count, 2)
    // Held at its minimum is an autoscaler at rest; held at its maximum is one that cannot do more.
    XCTAssertFalse(HPA.Condition(type: "ScalingLimited", status: "True", reason: "TooFewReplicas").isProblem)
    XCTAssertTrue(HPA.Condition(type: "ScalingLimited", status: "True", reason: "TooManyReplicas").isProblem)
  }

  func testTheFirstComputedCountIsNotAScaling() throws {
    var s = ClusterSnapshot()
    s.session.isDemo = false
    _ = reduce(&s, .hpaUpserted(try hpa(Self.stuckHPA)))
    var computed = try hpa(Self.stuckHPA)
    computed.desiredReplicas = 3
    computed.desiredKnown = true
    computed.conditions = []
    _ = reduce(&s, .hpaUpserted(computed))
    XCTAssertFalse(s.timeline.contains { $0.kind == .scale }, "\(s.timeline.map(\.text))")
    computed.desiredReplicas = 5
    _ = reduce(&s, .hpaUpserted(computed))
    XCTAssertEqual(s.timeline.filter { $0.kind == .scale }.map(\.text), ["HPA flask scaled 3 -> 5"])
  }

  func postgres(_ name: String, role: String, ready: Bool = true) -> Pod {
    Pod(
      namespace: "pipeline", name: name, phase: .running, status: "Running", readyContainers: ready ? 1 : 0,
      created: 0, labels: ["spilo-role": role], workload: "postgres")
  }

  func testAChangeOfPrimaryGoesOnTheTimelineFromTheLabelsAlone() {
    var s = ClusterSnapshot()
    s.session.isDemo = false
    _ = reduce(&s, .tick(100))
    _ = reduce(&s, .podsReplaced([postgres("postgres-0", role: "master"), postgres("postgres-1", role: "replica")]))
    XCTAssertEqual(s.primaries["pipeline/postgres"], "postgres-0")
    XCTAssertTrue(s.timeline.isEmpty, "the first primary seen is not a change")
    // The primary is killed (fault #1); 9 s later the operator relabels the replica.
    s.chaos.faults.append(
      ActiveFault(
        id: 1, request: FaultRequest(kind: .killPrimary, target: .workload(namespace: "pipeline", name: "postgres")),
        started: 101, ends: 101, state: .ended(reason: "done"), pods: ["pipeline/postgres-0"],
        workloads: ["pipeline/postgres"]))
    _ = reduce(&s, .podDeleted(id: "pipeline/postgres-0"))
    _ = reduce(&s, .tick(110))
    _ = reduce(&s, .podUpserted(postgres("postgres-1", role: "master")))
    XCTAssertEqual(
      s.timeline.filter { $0.kind == .promotion }.map(\.text),
      ["primary of postgres is now postgres-1 (was postgres-0), 9.0s after fault #1"])
    // The same pod updated again is no new change.
    _ = reduce(&s, .podUpserted(postgres("postgres-1", role: "master", ready: false)))
    XCTAssertEqual(s.timeline.filter { $0.kind == .promotion }.count, 1)
    // The old primary, terminating with its old label (an operator relabels only live pods), is no
    // change back (the lab caught this: the primary flipped back to the dying pod).
    var dying = postgres("postgres-0", role: "master", ready: false)
    dying.deletionTimestamp = 111
    _ = reduce(&s, .podUpserted(dying))
    XCTAssertEqual(s.primaries["pipeline/postgres"], "postgres-1")
    XCTAssertEqual(s.timeline.filter { $0.kind == .promotion }.count, 1)
  }
}
