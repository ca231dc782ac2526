import ClusterState
import Experiments
import TestSupport
import XCTest

/// Probes without Prometheus in a run: in the steady state, as hypotheses and as stop conditions;
/// Kubernetes probes read off the demo's state, HTTP and command answers as the runner posts them.
final class ProbeRunTests: XCTestCase {
  static let head = """
    title: probes
    groups: {experimental: {namespace: pipeline}}
    method:
      - fault: pod-kill
        target: {workload: flask}
        mode: one
      - wait: 10s

    """

  func testTheFileDeclaresProbesAndNamesThem() throws {
    let e = try ExperimentFile.parse(
      Self.head + """
        probes:
          - name: flask answers
            http: {url: "http://127.0.0.1:8080/health", method: post, headers: {X-Token: "${TOKEN}"}, body: "{}", status: 201, latency: 300ms, json-path: $.status, equals: ok}
            every: 2s
            failure-threshold: 3
          - name: flask ready
            k8s: {kind: deployment, name: flask, ready-at-least: 2}
            mode: on-chaos
          - name: db
            cmd: {run: [pg_isready, -h, db], exit: 0}
            mode: after
        steady-state:
          probes: [{probe: flask answers}, {probe: db}]
        hypotheses:
          - probe: flask ready
        stop-conditions:
          - probe: flask answers
        """, file: "p.yaml")
    XCTAssertEqual(e.probes.map(\.name), ["flask answers", "flask ready", "db"])
    guard case .http(let h) = e.probes[0].kind else { return XCTFail() }
    XCTAssertEqual(h.method, "POST")
    XCTAssertEqual(h.headers, [["X-Token", "${TOKEN}"]])
    XCTAssertEqual(h.latencyMs, 300)
    XCTAssertEqual(e.probes[0].failureThreshold, 3)
    guard case .k8s(let k) = e.probes[1].kind else { return XCTFail() }
    XCTAssertEqual(k.namespace, "pipeline", "the experimental group's namespace by default")
    XCTAssertEqual(e.probes[1].mode, .onChaos)
    XCTAssertEqual(e.steadyState.probeNames, ["flask answers", "db"])
    XCTAssertEqual(e.hypotheses.first?.name, "probe flask ready never fails")
    XCTAssertEqual(e.stopConditions.first?.label, "probe flask answers failing")
  }

  func testBadProbesSayWhereAndWhat() {
    func error(_ tail: String) -> String { parseError(Self.head + tail, file: "p.yaml") }
    XCTAssertEqual(
      error("probes: [{name: a, http: {url: 'ftp://x'}}]"),
      "p.yaml:8: probe a.http.url takes an http:// or https:// URL")
    XCTAssertTrue(
      error("probes: [{name: a, http: {url: 'http://x', headers: {X: \"a\\nb\"}}}]").contains("must be one line"))
    XCTAssertTrue(error("probes: [{name: a, http: {url: 'http://x', json-path: $.a}}]").contains("go together"))
    XCTAssertTrue(
      error("probes: [{name: a, http: {url: 'http://x', json-path: 'a.b', equals: x}}]").contains("is not a path"))
    XCTAssertTrue(error("probes: [{name: a, k8s: {kind: pods}}]").contains("needs ready-at-least or condition"))
    XCTAssertTrue(error("probes: [{name: a, k8s: {kind: secrets, condition: Ready}}]").contains("kind is one of"))
    XCTAssertTrue(error("probes: [{name: a, cmd: {run: []}}]").contains("names a program"))
    XCTAssertTrue(
      error("probes: [{name: a, cmd: {run: [x]}, mode: sometimes}]").contains("before, continuous, on-chaos or after"))
    XCTAssertTrue(
      error("probes: [{name: a, cmd: {run: [x]}, http: {url: 'http://x'}}]").contains("one of http, k8s or cmd"))
    XCTAssertTrue(error("hypotheses: [{probe: nope}]").contains("names probe nope, which probes: does not declare"))
    XCTAssertTrue(
      error("probes: [{name: a, cmd: {run: [x]}, mode: on-chaos}]\nsteady-state: {probes: [{probe: a}]}")
        .contains("runs only while the faults are active"))
    XCTAssertTrue(
      error("probes: [{name: a, cmd: {run: [x]}, mode: after}]\nhypotheses: [{probe: a}]").contains(
        "put it in steady-state"))
    XCTAssertTrue(
      error("probes: [{name: a, cmd: {run: [x]}}, {name: a, cmd: {run: [y]}}]").contains("two probes have one name"))
  }

  func testAKubernetesProbeHoldsOrFailsOnTheClustersState() throws {
    // One flask pod killed: 2 of 3 Ready for a few seconds. At least 2 holds; all 3 does not.
    func run(_ atLeast: Int) throws -> ExperimentRun {
      try runWithControlGroup(
        Self.head + """
          probes:
            - {name: ready, k8s: {kind: deployment, name: flask, ready-at-least: \(atLeast)}, every: 1s, mode: on-chaos}
          hypotheses:
            - probe: ready
          """, warm: 20)
    }
    let holds = try run(2)
    XCTAssertEqual(holds.verdict, .passed, "\(holds.log.map(\.text))")
    guard case .passed(_, let e) = holds.outcomes[0] else { return XCTFail() }
    XCTAssertTrue(e.hasSuffix("answers, none failed"), e)
    let fails = try run(3)
    guard case .failed(_, let why) = fails.outcomes[0] else { return XCTFail("\(fails.outcomes)") }
    XCTAssertTrue(why.hasPrefix("ready failing at +"), why)
    XCTAssertTrue(why.contains("2 Ready, fewer than 3"), why)
    XCTAssertTrue(fails.log.contains { $0.text.hasPrefix("probe ready failing: ") })
  }

  func testAFailingHTTPProbeStopsTheExperimentAfterItsThreshold() throws {
    let yaml =
      Self.head + """
        probes:
          - {name: api, http: {url: "http://127.0.0.1:1/"}, failure-threshold: 3}
        stop-conditions:
          - probe: api
        hypotheses:
          - recovers-within: 2m
        """
    // The runner's answers, as the reducer takes them: fine until 30 s, then 500s each second.
    var failedAnswers = 0
    let r = try runWithControlGroup(
      yaml, warm: 20,
      during: { h, t in
        guard t == t.rounded() else { return }
        let ok = t < 30
        if !ok { failedAnswers += 1 }
        h.store.dispatch(
          .probeSample(ProbeSample(name: "api", ok: ok, detail: ok ? "200 in 3 ms" : "status 500, expected 200")))
      })
    guard case .aborted(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertEqual(why, "stop condition probe api failing: status 500, expected 200")
    XCTAssertEqual(failedAnswers, 3, "the third failure in a row stops it, not the first")
    XCTAssertEqual(r.probeStatus["api"]?.state, .failing)
  }

  func testASteadyStateProbeWithNoAnswerKeepsTheMethodFromStarting() throws {
    let yaml =
      Self.head + """
        probes:
          - {name: api, http: {url: "http://127.0.0.1:1/"}}
        steady-state:
          timeout: 15s
          probes: [{probe: api}]
        """
    let r = try runWithControlGroup(yaml, warm: 20)
    XCTAssertEqual(r.verdict, .notRun("not in the steady state after 15.0s: probe api: no answer yet"))
  }

  func testACommandProbeIsRefusedInAReadOnlySession() throws {
    let e = try ExperimentFile.parse(
      Self.head + "probes: [{name: sh, cmd: {run: [\"true\"]}}]\nhypotheses: [{probe: sh}]", file: "p.yaml")
    let h = Harness(seed: 1)
    h.run(to: 10)
    var s = h.state
    s.session.readOnly = true
    var r = ExperimentRun(e, at: s.now)
    _ = r.step(s)
    XCTAssertEqual(r.verdict, .notRun("its probe sh runs a command, and a read-only session runs none"))
    XCTAssertTrue(r.probesWanted(s).isEmpty)
  }

  func testTwoAnswersAtOneTimeAreBothTaken() throws {
    let e = try ExperimentFile.parse(
      Self.head + "probes: [{name: api, http: {url: 'http://127.0.0.1:1/'}, failure-threshold: 2}]", file: "p.yaml")
    let h = Harness(seed: 1)
    h.run(to: 10)
    var r = ExperimentRun(e, at: h.state.now)
    // A real cluster's clock moves once a second; the console steps the run on every frame.
    for _ in 0..<2 {
      h.store.dispatch(.probeSample(ProbeSample(name: "api", ok: false, detail: "status 500, expected 200")))
      _ = r.step(h.state)
    }
    XCTAssertEqual(r.probeStatus["api"]?.answers, 2)
    XCTAssertEqual(
      r.probeStatus["api"]?.state, .failing, "two failures in a row, though they came in at one cluster time")
  }
}
