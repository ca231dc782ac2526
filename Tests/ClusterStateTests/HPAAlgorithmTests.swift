import ClusterState
import XCTest

/// Worked examples of the Kubernetes HPA algorithm (replica_calculator.go, horizontal.go).
final class HPAAlgorithmTests: XCTestCase {
  func pods(_ usages: [Double?], ready: [Bool]? = nil, request: Double = 200) -> [HPAAlgorithm.PodMetric] {
    usages.enumerated().map { i, u in HPAAlgorithm.PodMetric(ready: ready?[i] ?? true, usage: u, request: request) }
  }

  func testDoublesWhenUtilizationIsTwiceTheTarget() {
    // 3 pods at 100% of their request, target 50%: ceil(3 x 100/50) = 6.
    let r = HPAAlgorithm.desiredReplicas(currentReplicas: 3, pods: pods([200, 200, 200]), targetUtilization: 50)
    XCTAssertEqual(r.replicas, 6)
    XCTAssertEqual(r.utilization!, 100, accuracy: 1e-9)
  }

  func testHalvesWhenUtilizationIsHalfTheTarget() {
    // 4 pods at 25%, target 50%: ceil(4 x 0.5) = 2.
    let r = HPAAlgorithm.desiredReplicas(currentReplicas: 4, pods: pods([50, 50, 50, 50]), targetUtilization: 50)
    XCTAssertEqual(r.replicas, 2)
  }

  func testWithinToleranceDoesNothing() {
    // 54% against 50% is a ratio of 1.08, inside the 10% tolerance.
    let r = HPAAlgorithm.desiredReplicas(currentReplicas: 3, pods: pods([108, 108, 108]), targetUtilization: 50)
    XCTAssertEqual(r.replicas, 3)
    // 56% is outside: ceil(3 x 1.12) = 4.
    let r2 = HPAAlgorithm.desiredReplicas(currentReplicas: 3, pods: pods([112, 112, 112]), targetUtilization: 50)
    XCTAssertEqual(r2.replicas, 4)
  }

  func testMissingMetricsCountAsFullOnScaleDown() {
    // 3 pods at 10% and one without metrics: without it, ceil(3 x 0.2) = 1; counted at 100% the usage is
    // (60+200)/800 = 32.5%, ratio 0.65, ceil(0.65 x 4) = 3.
    let r = HPAAlgorithm.desiredReplicas(currentReplicas: 4, pods: pods([20, 20, 20, nil]), targetUtilization: 50)
    XCTAssertEqual(r.replicas, 3)
  }

  func testUnreadyPodsCountAsZeroOnScaleUp() {
    // 2 ready pods at 150%, 2 unready: ratio 3 over ready ones; with the unready at 0%: 600/800 = 75%,
    // ratio 1.5, ceil(1.5 x 4) = 6.
    let r = HPAAlgorithm.desiredReplicas(
      currentReplicas: 4, pods: pods([300, 300, 10, 10], ready: [true, true, false, false]), targetUtilization: 50)
    XCTAssertEqual(r.replicas, 6)
  }

  func testConservativeAssumptionThatFlipsDirectionCancelsTheScale() {
    // 1 ready pod at 60% (ratio 1.2 up), 3 unready: 120/800 = 15% would scale down, so no change.
    let r = HPAAlgorithm.desiredReplicas(
      currentReplicas: 4, pods: pods([120, 10, 10, 10], ready: [true, false, false, false]), targetUtilization: 50)
    XCTAssertEqual(r.replicas, 4)
  }

  func testScaleUpIsLimitedToFourPodsOrDoubleAPeriod() {
    var h = HPAAlgorithm.History()
    let b = HPAAlgorithm.Behavior(scaleDownWindow: 300)
    // 3 -> 14 wanted: at most max(3+4, 3x2) = 7 in the first 15 s.
    XCTAssertEqual(HPAAlgorithm.stabilize(raw: 14, current: 3, min: 3, max: 20, behavior: b, now: 0, history: &h), 7)
    // Still within the same period: no further growth.
    XCTAssertEqual(HPAAlgorithm.stabilize(raw: 14, current: 7, min: 3, max: 20, behavior: b, now: 10, history: &h), 7)
    // Next period: from 7, up to 14.
    XCTAssertEqual(HPAAlgorithm.stabilize(raw: 14, current: 7, min: 3, max: 20, behavior: b, now: 16, history: &h), 14)
  }

  func testMaxReplicasCaps() {
    var h = HPAAlgorithm.History()
    XCTAssertEqual(
      HPAAlgorithm.stabilize(raw: 20, current: 6, min: 3, max: 9, behavior: .init(), now: 0, history: &h), 9)
  }

  func testScaleDownWaitsForTheStabilizationWindow() {
    var h = HPAAlgorithm.History()
    let b = HPAAlgorithm.Behavior(scaleDownWindow: 60)
    XCTAssertEqual(HPAAlgorithm.stabilize(raw: 9, current: 9, min: 3, max: 9, behavior: b, now: 0, history: &h), 9)
    // Load drops: the recommendation of 3 is held back by the 9 of t=0 until it leaves the window.
    XCTAssertEqual(HPAAlgorithm.stabilize(raw: 3, current: 9, min: 3, max: 9, behavior: b, now: 15, history: &h), 9)
    XCTAssertEqual(HPAAlgorithm.stabilize(raw: 3, current: 9, min: 3, max: 9, behavior: b, now: 45, history: &h), 9)
    XCTAssertEqual(HPAAlgorithm.stabilize(raw: 3, current: 9, min: 3, max: 9, behavior: b, now: 61, history: &h), 3)
  }

  func testMinReplicasFloors() {
    var h = HPAAlgorithm.History()
    XCTAssertEqual(
      HPAAlgorithm.stabilize(
        raw: 1, current: 3, min: 3, max: 9, behavior: .init(scaleDownWindow: 0), now: 0, history: &h), 3)
  }
}
