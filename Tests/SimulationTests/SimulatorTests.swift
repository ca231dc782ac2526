import ClusterState
import KubeClient
import PromClient
import Simulation
import TestSupport
import Transport
import XCTest

final class SimulatorLifecycleTests: XCTestCase {
  func testReferencePipelineStartsRunningAndReady() {
    let h = Harness()
    h.run(to: 1)
    XCTAssertEqual(h.flask.count, 3)
    XCTAssertEqual(h.pods("postgres").map(\.name), ["postgres-0", "postgres-1"])
    XCTAssertEqual(h.pod("postgres-0")?.role, "primary")
    XCTAssertEqual(h.pod("postgres-1")?.role, "replica")
    XCTAssertEqual(h.pods("spark-master").count, 1)
    XCTAssertEqual(h.pods("spark-worker").count, 3)
    XCTAssertTrue(h.state.pods.values.allSatisfy(\.isReady))
    XCTAssertEqual(Set(h.state.nodes.values.map(\.zone)), ["zone-a", "zone-b"])
    XCTAssertEqual(h.state.nodes.count, 3)
    let hpa = h.state.hpas["pipeline/flask"]!
    XCTAssertEqual([hpa.minReplicas, hpa.maxReplicas, hpa.currentReplicas], [3, 9, 3])
    XCTAssertEqual(hpa.targetUtilization, 50)
  }

  /// Pod kill: Terminating for the grace period, a replacement goes Pending, ContainerCreating,
  /// Running, Ready; the incident is detected at once and recovers once the replacement is Ready.
  func testPodKillIsReplacedAndTheIncidentRecovers() {
    let h = Harness()
    h.run(to: 10)
    let victim = h.flask[0]
    h.inject(.podKill, .pod(namespace: "pipeline", name: victim.name))
    XCTAssertEqual(h.pod(victim.name)?.status, "Terminating")
    XCTAssertFalse(h.pod(victim.name)!.isReady)

    var statuses: [String: [String]] = [:]
    var goneAt: Seconds?
    while h.now < 40 {
      h.runUntil(h.now + 0.1) { _ in true }
      for p in h.flask where p.name != victim.name {
        let label = p.status + (p.isReady ? "+ready" : "")
        if statuses[p.name]?.last != label { statuses[p.name, default: []].append(label) }
      }
      if goneAt == nil && h.pod(victim.name) == nil { goneAt = h.now }
    }
    let replacement = statuses.first { $0.value.count > 1 }
    XCTAssertNotNil(replacement, "a replacement pod was created")
    XCTAssertEqual(replacement?.value, ["Pending", "ContainerCreating", "Running", "Running+ready"])
    XCTAssertEqual(goneAt!, 15, accuracy: 0.21, "deleted after the 5 s grace period")
    XCTAssertEqual(h.flask.count, 3)

    let inc = h.state.incidents.last!
    XCTAssertEqual(inc.status, .recovered)
    XCTAssertEqual(inc.ttd!, 0, accuracy: 0.11)
    XCTAssertGreaterThan(inc.ttr!, 3, "recovery waits for the replacement to be Ready")
    XCTAssertLessThan(inc.ttr!, 10)
    XCTAssertTrue(inc.detectedBy!.contains("flask"), inc.detectedBy!)
  }

  func testContainerKillRestartsThenCrashLoopsOnRepeatedKills() {
    let h = Harness()
    h.run(to: 5)
    let name = h.flask[1].name
    let target = FaultTarget.pod(namespace: "pipeline", name: name)
    h.inject(.containerKill, target)
    XCTAssertEqual(h.pod(name)?.restarts, 1)
    XCTAssertFalse(h.pod(name)!.isReady)
    XCTAssertEqual(h.pod(name)?.status, "Error")
    let back = h.runUntil(20) { $0.pods["pipeline/" + name]!.isReady }
    XCTAssertNotNil(back)
    // Kill again right away: the kubelet now backs off 10 s: CrashLoopBackOff.
    h.inject(.containerKill, target)
    XCTAssertEqual(h.pod(name)?.restarts, 2)
    XCTAssertEqual(h.pod(name)?.status, "CrashLoopBackOff")
    let restarted = h.runUntil(h.now + 30) { $0.pods["pipeline/" + name]!.status == "Running" }!
    XCTAssertGreaterThanOrEqual(restarted - (back! + 0), 10)
    h.runUntil(h.now + 10) { $0.pods["pipeline/" + name]!.isReady }
    h.inject(.containerKill, target)
    XCTAssertEqual(h.pod(name)?.status, "CrashLoopBackOff")
    let third = h.runUntil(h.now + 60) { $0.pods["pipeline/" + name]!.status == "Running" }!
    XCTAssertGreaterThanOrEqual(third - h.state.faults.last!.started, 19.9, "back-off doubles to 20 s")
  }

  /// CPU hog on every Flask pod: utilization goes over target, the HPA scales out (at most 4 pods or
  /// double per 15 s), and after the fault it scales back to 3 once the stabilization window passes.
  func testCPUHogScalesOutAndBackIn() {
    let h = Harness(scaleDownWindow: 60)
    h.run(to: 20)
    XCTAssertEqual(h.state.hpas["pipeline/flask"]!.desiredReplicas, 3)
    h.inject(.cpuHog, flaskWorkload) { $0.duration = 60 }
    let fault = h.state.faults.last!
    XCTAssertEqual(fault.pods.count, 3)
    let out = h.runUntil(60) { $0.hpas["pipeline/flask"]!.desiredReplicas > 3 }
    XCTAssertNotNil(out, "the HPA scaled out")
    XCTAssertLessThanOrEqual(h.state.hpas["pipeline/flask"]!.desiredReplicas, 7, "scale-up limited to +4 a period")
    h.runUntil(80) { _ in false }
    XCTAssertGreaterThan(h.flask.filter(\.isReady).count, 3)
    let hpa = h.state.hpas["pipeline/flask"]!
    XCTAssertGreaterThan(hpa.currentUtilization!, 50)
    // The fault expires at 80; back in to 3 after the 60 s window.
    let ended = h.state.faults.last!.ends
    XCTAssertEqual(ended, fault.started + 60, accuracy: 0.11)
    let backIn = h.runUntil(260) { $0.hpas["pipeline/flask"]!.desiredReplicas == 3 }
    XCTAssertNotNil(backIn)
    XCTAssertGreaterThanOrEqual(backIn! - ended, 60, "not before the stabilization window")
    h.runUntil(backIn! + 10) { _ in false }
    XCTAssertEqual(h.flask.filter { !$0.isTerminating }.count, 3)
    XCTAssertEqual(h.state.incidents.last!.status, .recovered)
  }

  func testMemoryHogEndsInOOMKillAndRestart() {
    let h = Harness()
    h.run(to: 5)
    let name = h.flask[0].name
    h.inject(.memoryHog, .pod(namespace: "pipeline", name: name)) {
      $0.memoryMiBPerSec = 32
      $0.duration = 30
    }
    let oom = h.runUntil(20) { $0.pods["pipeline/" + name]!.restarts > 0 }
    XCTAssertNotNil(oom, "memory reached the 256Mi limit and the container was killed")
    XCTAssertTrue(h.state.events.contains { $0.reason == "OOMKilled" && $0.object == "pod/" + name })
    XCTAssertFalse(h.pod(name)!.isReady)
    let series = h.state.podSeries["pipeline/" + name]!.memoryBytes.values
    XCTAssertGreaterThan(series.max()!, 200 * 1024 * 1024)
    // After the fault the pod settles and the incident recovers.
    h.runUntil(120) { _ in false }
    XCTAssertTrue(h.pod(name)!.isReady)
    XCTAssertEqual(h.state.incidents.last!.status, .recovered)
  }

  /// Killing the primary: writes fail, the replica is promoted after the failover delay, the
  /// StatefulSet recreates postgres-0, which comes back as a replica.
  func testKillPrimaryPromotesTheReplica() {
    let h = Harness()
    h.run(to: 10)
    h.inject(.killPrimary, .workload(namespace: "pipeline", name: "postgres"))
    XCTAssertEqual(h.pod("postgres-0")?.status, "Terminating")
    h.runUntil(12) { _ in false }
    XCTAssertGreaterThan(h.state.workloadSeries["pipeline/flask"]!.errorPercent.last!, 1, "writes fail")
    let promoted = h.runUntil(30) { $0.pods["pipeline/postgres-1"]?.role == "primary" }
    XCTAssertNotNil(promoted)
    XCTAssertEqual(promoted! - 10, 8, accuracy: 0.21, "after the 8 s failover delay")
    XCTAssertTrue(h.state.events.contains { $0.reason == "Promoted" })
    let back = h.runUntil(60) { $0.pods["pipeline/postgres-0"]?.isReady == true }
    XCTAssertNotNil(back)
    XCTAssertEqual(h.pod("postgres-0")?.role, "replica")
    h.runUntil(back! + 15) { _ in false }
    XCTAssertLessThan(h.state.workloadSeries["pipeline/flask"]!.errorPercent.last!, 1)
    let inc = h.state.incidents.last!
    XCTAssertEqual(inc.status, .recovered)
    XCTAssertGreaterThan(inc.ttr!, 8)
  }

  func testNetworkDelayAddsTheInjectedLatency() {
    let h = Harness()
    h.run(to: 10)
    let before = h.state.workloadSeries["pipeline/flask"]!.latencyP50Ms.last!
    h.inject(.networkDelay, flaskWorkload) {
      $0.delayMs = 300
      $0.jitterMs = 10
      $0.duration = 30
    }
    h.runUntil(20) { _ in false }
    let during = h.state.workloadSeries["pipeline/flask"]!.latencyP50Ms.last!
    XCTAssertEqual(during - before, 300, accuracy: 40)
    XCTAssertEqual(h.state.incidents.last!.status, .degraded)
    h.runUntil(70) { _ in false }
    XCTAssertLessThan(h.state.workloadSeries["pipeline/flask"]!.latencyP99Ms.last!, 250)
    XCTAssertEqual(h.state.incidents.last!.status, .recovered)
    XCTAssertEqual(h.state.incidents.last!.ttr!, 30, accuracy: 1.5, "recovers when the delay ends")
  }

  func testNetworkLossRaisesLossAndErrors() {
    let h = Harness()
    h.run(to: 10)
    h.inject(.networkLoss, flaskWorkload) { $0.lossPercent = 40 }
    h.runUntil(15) { _ in false }
    let s = h.state.workloadSeries["pipeline/flask"]!
    XCTAssertEqual(s.lossPercent.last!, 40, accuracy: 0.5)
    XCTAssertGreaterThan(s.errorPercent.last!, 10)
  }

  func testLatencyFollowsReadyReplicas() {
    let h = Harness()
    h.run(to: 30)
    let base = h.state.workloadSeries["pipeline/flask"]!.latencyP50Ms.values.suffix(10).reduce(0, +) / 10
    h.inject(.podKill, .pod(namespace: "pipeline", name: h.flask[0].name))
    h.inject(.podKill, .pod(namespace: "pipeline", name: h.flask[1].name))
    h.runUntil(h.now + 1.5) { _ in false }
    let one = h.state.workloadSeries["pipeline/flask"]!.latencyP50Ms.last!
    XCTAssertGreaterThan(one, base * 1.3, "one ready pod queues the traffic of three")
  }

  func testUnknownTargetsFailWithAMessage() {
    let h = Harness()
    h.inject(.podKill, .pod(namespace: "pipeline", name: "nope"))
    XCTAssertTrue(h.notice!.contains("not found"), h.notice!)
    h.inject(.killPrimary, flaskWorkload)
    XCTAssertTrue(h.notice!.contains("primary selector"), h.notice!)
    XCTAssertTrue(h.state.incidents.isEmpty)
  }

  func testPanicAbortsEveryActiveFault() {
    let h = Harness()
    h.run(to: 5)
    h.inject(.cpuHog, flaskWorkload) { $0.duration = 600 }
    h.inject(.networkDelay, .workload(namespace: "pipeline", name: "postgres"))
    XCTAssertEqual(h.state.activeFaults.count, 2)
    h.store.dispatch(.abortAllFaults)
    XCTAssertEqual(h.state.activeFaults.count, 0)
    XCTAssertTrue(h.state.faults.allSatisfy { $0.state == .ended(reason: "aborted") })
    h.runUntil(10) { _ in false }
    let cpu = h.state.workloadSeries["pipeline/flask"]!.cpuMilli.last!
    XCTAssertLessThan(cpu, 600, "the hog is gone")
  }

  func testScaleModeCreatesTheRequestedPods() {
    let h = Harness(extraPods: 2000)
    h.run(to: 2)
    XCTAssertEqual(h.state.pods.count, 2000 + 9)
    XCTAssertGreaterThan(Set(h.state.pods.values.map(\.namespace)).count, 2)
  }
}

final class DeterminismTests: XCTestCase {
  func fingerprint(_ s: ClusterSnapshot) -> String {
    let pods = s.pods.values.sorted { $0.id < $1.id }.map {
      "\($0.id) \($0.status) \($0.readyContainers) \($0.restarts) \($0.role ?? "") \($0.node ?? "")"
    }
    let metrics = s.workloadSeries.keys.sorted().map { k in
      "\(k) \(s.workloadSeries[k]!.cpuMilli.values) \(s.workloadSeries[k]!.latencyP99Ms.values)"
    }
    let incidents = s.incidents.map { "\($0.id) \($0.ttd ?? -1) \($0.ttr ?? -1) \($0.status)" }
    return (pods + metrics + incidents).joined(separator: "\n")
  }

  func scenario(seed: UInt64, stepping: Seconds) -> String {
    let h = Harness(seed: seed)
    var t: Seconds = 0
    var injected = [false, false, false]
    while t < 120 {
      t += stepping
      h.run(to: t)
      if t >= 10 && !injected[0] {
        injected[0] = true
        h.inject(.podKill, flaskWorkload) { $0.mode = .one }
      }
      if t >= 40 && !injected[1] {
        injected[1] = true
        h.inject(.cpuHog, flaskWorkload) { $0.duration = 30 }
      }
      if t >= 70 && !injected[2] {
        injected[2] = true
        h.inject(.killPrimary, .workload(namespace: "pipeline", name: "postgres"))
      }
    }
    return fingerprint(h.state)
  }

  func testSameSeedAndKeysGiveTheSameState() {
    XCTAssertEqual(scenario(seed: 7, stepping: 1), scenario(seed: 7, stepping: 1))
  }

  func testResultDoesNotDependOnHowTheClockIsStepped() {
    // Injections at whole seconds; stepping by 0.5 s or 1 s reaches them at the same virtual times.
    XCTAssertEqual(scenario(seed: 7, stepping: 1), scenario(seed: 7, stepping: 0.5))
  }

  func testDifferentSeedsDiffer() {
    XCTAssertNotEqual(scenario(seed: 7, stepping: 1), scenario(seed: 8, stepping: 1))
  }
}
