import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import Experiments
@testable import Simulation

/// Experiment files (every field, errors with their line) and runs on the demo's virtual clock.
final class ExperimentFileTests: XCTestCase {
  func testEveryFieldIsRead() throws {
    let e = try ExperimentFile.parse(
      """
      title: Everything
      description: all the fields
      tags: [a, b]
      groups:
        experimental: {namespace: pipeline, selector: {tier: web}}
        control: {namespace: pipeline-control}
      steady-state: {built-in: false, timeout: 2m}
      method:
        - fault: network-delay
          target: {workload: postgres}
          mode: one
          strength: {delay-ms: 300, jitter-ms: 10}
          duration: 45s
        - wait: 10s
        - parallel:
            - fault: cpu-hog
              target: {pod: flask-1}
              strength: {cpu-milli: 1500}
            - fault: cordon
              target: {node: node-a1}
      hypotheses:
        - {name: promoted, primary-changes: postgres, within: 30s}
        - replicas: {workload: flask, reach: 4, within: 90s, return-to: 3, return-within: 5m}
        - {crosses: {service: flask, figure: p99, max: 250}, within: 1m}
        - stays-within: {service: postgres, figure: errors, max: 1}
        - unavailable-at-most: {workload: postgres, for: 15s}
        - recovers-within: 2m
        - {alert-fires: FlaskCPUHigh, within: 2m}
      stop-conditions:
        - {service: flask, figure: p99, max: 2000, by: 500, for: 20s}
      rollbacks: [undo-faults]
      """, file: "all.yaml")
    XCTAssertEqual(e.title, "Everything")
    XCTAssertEqual(e.tags, ["a", "b"])
    XCTAssertEqual(e.experimental, Experiment.Group(namespace: "pipeline", selector: ["tier": "web"]))
    XCTAssertEqual(e.control?.namespace, "pipeline-control")
    XCTAssertFalse(e.steadyState.builtIn)
    XCTAssertEqual(e.steadyState.timeout, 120)
    guard case .fault(let delay) = e.method[0] else { return XCTFail("a fault first") }
    XCTAssertEqual(delay.kind, .networkDelay)
    XCTAssertEqual(delay.target, .workload(namespace: "pipeline", name: "postgres"))
    XCTAssertEqual(delay.parameters.mode, .one)
    XCTAssertEqual(delay.parameters.delayMs, 300)
    XCTAssertEqual(delay.parameters.duration, 45)
    XCTAssertEqual(e.method[1], .wait(10))
    guard case .parallel(let both) = e.method[2] else { return XCTFail("a parallel block") }
    XCTAssertEqual(both.count, 2)
    XCTAssertEqual(e.method.map(\.length), [0, 10, 0])
    XCTAssertEqual(e.hypotheses.count, 7)
    XCTAssertEqual(e.hypotheses[0].kind, .primaryChanges(workload: "postgres", within: 30))
    XCTAssertEqual(
      e.hypotheses[1].kind, .replicas(workload: "flask", reach: 4, within: 90, returnTo: 3, returnWithin: 300))
    XCTAssertEqual(e.hypotheses[2].kind, .crosses(figure: .p99, service: "flask", bound: 250, above: true, within: 60))
    XCTAssertEqual(e.hypotheses[3].kind, .staysWithin(figure: .errors, service: "postgres", bound: 1, above: true))
    XCTAssertEqual(e.hypotheses[4].kind, .unavailableAtMost(workload: "postgres", seconds: 15))
    XCTAssertEqual(e.hypotheses[5].kind, .recoversWithin(120))
    XCTAssertEqual(e.hypotheses[6].kind, .alertFires(name: "FlaskCPUHigh", within: 120))
    XCTAssertEqual(
      e.stopConditions,
      [.init(figure: .p99, service: "flask", bound: 2000, above: true, margin: 500, longerThan: 20)])
    XCTAssertEqual(e.rollbacks, [.undoFaults])
  }

  func testJSONIsAcceptedToo() throws {
    let e = try ExperimentFile.parse(
      #"{"title": "j", "groups": {"experimental": {"namespace": "pipeline"}}, "method": [{"wait": 5}]}"#, file: "j.json"
    )
    XCTAssertEqual(e.method, [.wait(5)])
  }

  func error(_ text: String) -> String { parseError(text, file: "bad.yaml") }

  func testBadFilesSayWhereAndWhat() {
    let base = "title: t\ngroups:\n  experimental: {namespace: pipeline}\n"
    XCTAssertEqual(
      error(base + "method:\n  - fault: pod-smash\n    target: {workload: flask}\n"),
      "bad.yaml:5: unknown fault pod-smash (known: " + FaultKind.allCases.map(\.rawValue).joined(separator: ", ") + ")"
    )
    XCTAssertEqual(
      error(base + "method:\n  - wait: 5s\nhypothesis:\n  - recovers-within: 1m\n"),
      "bad.yaml:6: the experiment: unknown field hypothesis (known: title, description, tags, groups, steady-state, method, hypotheses, stop-conditions, rollbacks, probes, slo, prerequisites)"
    )
    XCTAssertEqual(
      error(base + "method:\n  - wait: soon\n"), "bad.yaml:5: wait must be a duration such as 30s, 2m or 1h30m")
    XCTAssertEqual(
      error(base + "method:\n  - wait: 5s\nhypotheses:\n  - crosses: {service: flask, figure: latency, max: 3}\n"),
      "bad.yaml:7: unknown figure latency (known: p50, p99, loss, errors, cpu, ready)")
    XCTAssertEqual(
      error(base + "method:\n  - fault: pod-kill\n"), "bad.yaml:5: the pod-kill step has no target")
    XCTAssertEqual(
      error("groups: {experimental: {namespace: p}}\nmethod: [{wait: 1s}]\n"), "bad.yaml:1: the experiment has no title"
    )
    XCTAssertTrue(error("title: [unclosed\n").hasPrefix("bad.yaml:"), error("title: [unclosed\n"))
    XCTAssertEqual(error(""), "bad.yaml: the file is empty")
  }

  func testTheRepositorysExperimentsAllParse() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../experiments")
      .standardized
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
    XCTAssertGreaterThanOrEqual(files.count, 4)
    for f in files { XCTAssertNoThrow(try ExperimentFile.load(path: dir.appendingPathComponent(f).path), f) }
  }
}

final class ExperimentRunTests: XCTestCase {
  /// Runs an experiment on the demo's virtual clock in 0.1 s ticks until its verdict (or `limit`).
  func run(
    _ yaml: String, limit: Seconds = 600, before: ((Harness) -> Void)? = nil,
    during: ((Harness, Seconds) -> Void)? = nil
  ) throws -> (
    ExperimentRun, Harness, [Action]
  ) {
    let e = try ExperimentFile.parse(yaml, file: "t.yaml")
    let h = Harness()
    h.run(to: 5)
    before?(h)
    var r = ExperimentRun(e, at: h.state.now)
    var emitted: [Action] = []
    var t = h.now
    while !r.isFinished && t < limit {
      t = ((t + 0.1) * 10).rounded() / 10
      h.run(to: t)
      during?(h, t)
      // As the console does: the run's actions go through the store (the reducer asks the demo).
      let actions = r.step(h.state)
      emitted += actions
      for a in actions { h.store.dispatch(a) }
    }
    return (r, h, emitted)
  }

  static let header = "title: t\ngroups:\n  experimental: {namespace: pipeline}\n"

  func testKillThePrimaryPassesWithItsEvidence() throws {
    let (r, h, _) = try run(
      Self.header + """
        method:
          - fault: kill-primary
            target: {workload: postgres}
        hypotheses:
          - {name: promoted, primary-changes: postgres, within: 30s}
          - unavailable-at-most: {workload: postgres, for: 15s}
          - recovers-within: 90s
        """)
    XCTAssertEqual(r.verdict, .passed, "\(r.log.map(\.text))")
    guard case .passed(_, let evidence) = r.outcomes[0] else { return XCTFail("\(r.outcomes)") }
    XCTAssertTrue(evidence.hasPrefix("postgres-1 is primary (was postgres-0) after 8"), evidence)
    XCTAssertEqual(r.steadyStateBefore, [])
    XCTAssertEqual(r.steadyStateAfter, [])
    XCTAssertTrue(h.state.activeFaults.isEmpty)
    XCTAssertEqual(h.state.faults.first?.request.origin, "experiment: t", "the run knows its faults")
  }

  func testAnImpossibleHypothesisFails() throws {
    let (r, _, _) = try run(
      Self.header + """
        method:
          - fault: kill-primary
            target: {workload: postgres}
        hypotheses:
          - unavailable-at-most: {workload: postgres, for: 2s}
        """)
    guard case .failed(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertTrue(why[0].contains("postgres unavailable for 2."), why[0])
    XCTAssertEqual(Journal.exitCode(r.verdict), 1)
  }

  func testAStopConditionAbortsAndUndoesEveryFault() throws {
    let (r, h, emitted) = try run(
      Self.header + """
        method:
          - fault: network-delay
            target: {workload: postgres}
            strength: {delay-ms: 800}
            duration: 5m
        hypotheses:
          - recovers-within: 10m
        stop-conditions:
          - {service: postgres, figure: p99, max: 500, for: 5s}
        """)
    guard case .aborted(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertTrue(why.hasPrefix("stop condition postgres p99 > 500 for longer than 5.0s: postgres p99"), why)
    XCTAssertEqual(emitted.last, .abortAllFaults)
    XCTAssertTrue(h.state.activeFaults.isEmpty, "nothing the experiment injected is left")
    XCTAssertLessThan(r.finishedAt! - r.methodStart!, 60, "aborted long before the fault's 5 minutes")
    XCTAssertEqual(Journal.exitCode(r.verdict), 2)
  }

  func testNotSteadyNotRun() throws {
    // A Flask pod killed just before: the steady state does not hold within a 1 s timeout.
    let (r, h, emitted) = try run(
      Self.header + """
        steady-state: {timeout: 1s}
        method:
          - fault: pod-kill
            target: {workload: flask}
        """,
      before: { h in
        let name = h.flask[0].name
        h.store.dispatch(.requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "pipeline", name: name))))
      })
    guard case .notRun(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertTrue(why.contains("replica shortfall: flask"), why)
    XCTAssertEqual(emitted, [], "no fault injected")
    XCTAssertEqual(h.state.faults.filter { $0.request.origin != nil }.count, 0)
  }

  func testTheJournalHasChaosToolkitsFields() throws {
    let (r, h, _) = try run(
      Self.header + """
        method:
          - fault: kill-primary
            target: {workload: postgres}
          - wait: 5s
        hypotheses:
          - {primary-changes: postgres, within: 30s}
        """)
    let data = Journal.json(r, state: h.state, wallStart: 1_800_000_000, platform: "demo")
    let j = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    XCTAssertEqual(j["status"] as? String, "completed")
    XCTAssertEqual(j["deviated"] as? Bool, false)
    XCTAssertEqual((j["experiment"] as? [String: Any])?["title"] as? String, "t")
    let steady = try XCTUnwrap(j["steady_states"] as? [String: Any])
    XCTAssertEqual((steady["before"] as? [String: Any])?["steady_state_met"] as? Bool, true)
    XCTAssertEqual((steady["after"] as? [String: Any])?["steady_state_met"] as? Bool, true)
    let runs = try XCTUnwrap(j["run"] as? [[String: Any]])
    XCTAssertEqual(runs.count, 2)
    XCTAssertEqual(
      (runs[0]["activity"] as? [String: Any])?["name"] as? String, "kill-primary on workload pipeline/postgres")
    XCTAssertEqual(runs[1]["status"] as? String, "succeeded")
    XCTAssertEqual(runs[1]["duration"] as? Double ?? 0, 5, accuracy: 0.2)
    XCTAssertNotNil(runs[0]["start"] as? String)
    let md = Journal.markdown(r, state: h.state)
    XCTAssertTrue(md.contains("**Verdict: passed**"))
    XCTAssertTrue(md.contains("| primary-changes | held | postgres-1 is primary"), md)
  }

  func testAFaultThatCannotBeMadeAbortsTheRun() throws {
    let (r, h, emitted) = try run(
      Self.header + """
        method:
          - fault: kill-primary
            target: {workload: flask}
        hypotheses:
          - recovers-within: 1m
        """)
    XCTAssertEqual(
      r.verdict,
      .aborted(
        "kill-primary on workload pipeline/flask failed: no pod of flask matches the primary selector"
      ))
    XCTAssertEqual(emitted.last, .abortAllFaults)
    XCTAssertEqual(r.steps.map(\.status), ["failed"])
    XCTAssertTrue(h.state.activeFaults.isEmpty)
  }

  /// RBAC said no before the step: the run stops there with the API's words (in a pod whose Role
  /// lacks pods/delete, `chaostui run` exits 2 with them), nothing is asked of the cluster.
  func testAFaultTheClusterForbidsAbortsTheRunWithTheReason() throws {
    let (r, h, emitted) = try run(
      Self.header + """
        method:
          - fault: pod-kill
            target: {workload: flask}
        hypotheses:
          - recovers-within: 1m
        """,
      before: {
        $0.store.dispatch(
          .permissions(
            namespace: "pipeline", denied: [.podKill: "forbidden: chaostui-run may not delete pods in pipeline"])
        )
      })
    XCTAssertEqual(
      r.verdict,
      .aborted(
        "pod-kill on workload pipeline/flask cannot be made: forbidden: chaostui-run may not delete pods in pipeline"))
    XCTAssertFalse(emitted.contains { if case .requestFault = $0 { true } else { false } })
    XCTAssertEqual(r.steps.map(\.status), ["failed"])
    XCTAssertTrue(h.state.activeFaults.isEmpty)
  }

  /// A real cluster that has not answered yet, or has shown only its first view of the pods, is not
  /// steady: the method waits (the lab caught a run that started before the first list).
  func testUnknownIsNotSteady() throws {
    let e = try ExperimentFile.parse(Self.header + "method: [{wait: 1s}]\n", file: "t.yaml")
    let r = ExperimentRun(e, at: 0)
    var s = ClusterSnapshot()
    s.session.isDemo = false
    s.session.connection = .connecting
    XCTAssertEqual(r.steadyStateViolations(s), ["waiting for the cluster's first answer"])
    s.session.connection = .connected
    s.podSet.pods["pipeline/x"] = Pod(
      namespace: "pipeline", name: "x", phase: .running, status: "Running", readyContainers: 1, created: 0,
      labels: [:], workload: "web")
    s.podSet.podDetailsPending = true
    XCTAssertEqual(
      r.steadyStateViolations(s), ["waiting for the pods' labels and owners (the first view is on screen)"])
    s.podSet.podDetailsPending = false
    XCTAssertEqual(r.steadyStateViolations(s), ["no workload of the experimental group in pipeline"])
  }

  /// Every kind of hypothesis, made to fail, fails with evidence that says why.
  func testEachKindFailsWhenItShould() throws {
    let (r, _, _) = try run(
      Self.header + """
        method:
          - fault: pod-kill
            target: {workload: flask}
            mode: one
        hypotheses:
          - {name: no roles, primary-changes: flask, within: 10s}
          - {name: never 9, replicas: {workload: flask, reach: 9, within: 10s}}
          - {name: no spike, crosses: {service: flask, figure: p99, max: 5000}, within: 10s}
          - {name: stays 3, stays-within: {service: flask, figure: ready, min: 3}}
          - {name: never fires, alert-fires: NoSuchAlert, within: 10s}
          - {name: instant, detected-within: 0.01s}
          - {name: zone-b empties, traffic-share: {service: postgres, zone: zone-b, below: 5}, within: 10s}
          - {name: fast, recovers-within: 1s}
        """)
    guard case .failed(let why)? = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    let evidence = Dictionary(
      uniqueKeysWithValues: why.map { line -> (String, String) in
        let parts = line.components(separatedBy: ": ")
        return (parts[0], parts.dropFirst().joined(separator: ": "))
      })
    XCTAssertEqual(evidence["no roles"], "no new primary of flask within 10.0s")
    XCTAssertEqual(evidence["never 9"], "flask had 3 ready, not 9, after 10.0s")
    XCTAssertEqual(evidence["no spike"], "flask p99 did not cross 5000 within 10.0s")
    XCTAssertTrue(evidence["stays 3"]?.hasPrefix("flask ready 2 after ") ?? false, "\(why)")
    XCTAssertEqual(evidence["never fires"], "NoSuchAlert did not fire within 10.0s")
    XCTAssertTrue(evidence["instant"]?.hasPrefix("#1 ") ?? false, "\(why)")
    XCTAssertTrue(
      evidence["zone-b empties"]?.hasSuffix("of postgres before the method: nothing to fall from") ?? false, "\(why)")
    XCTAssertTrue(evidence["fast"]?.hasPrefix("#1 ") ?? false, "\(why)")
  }

  /// Replicas that reach a count and come back, an alert that fires, a figure that stays in bounds.
  func testReplicasAlertsAndBoundsPass() throws {
    let (r, _, _) = try run(
      Self.header + """
        method:
          - {fault: cpu-hog, target: {workload: flask}, strength: {cpu-milli: 300}, duration: 60s}
        hypotheses:
          - {name: out and back, replicas: {workload: flask, reach: 4, within: 90s, return-to: 3, return-within: 5m}}
          - {name: fires, alert-fires: FlaskCPUHigh, within: 1m}
          - {name: postgres fine, stays-within: {service: postgres, figure: errors, max: 1}}
        """,
      during: { h, t in
        if t == 20 {
          h.store.dispatch(
            .alerts([Alert(name: "FlaskCPUHigh", state: "firing", labels: [:], summary: "", activeAt: 19)], time: 20))
        }
      })
    XCTAssertEqual(r.verdict, .passed, r.log.map(\.text).joined(separator: "\n"))
    guard case .passed(_, let back) = r.outcomes[0], case .passed(_, let fired) = r.outcomes[1] else {
      return XCTFail("\(r.outcomes)")
    }
    XCTAssertTrue(back.hasPrefix("4 reached, back to 3 "), back)
    XCTAssertTrue(fired.hasPrefix("FlaskCPUHigh firing after "), fired)
  }
}
