import ClusterState
import Experiments
import TestSupport
import XCTest

/// Error budgets: what an experiment spends of its SLO's budget, the burn rates, the multiwindow
/// stop condition, and the spending by incident.
final class ErrorBudgetTests: XCTestCase {
  /// A service of 10 requests a second, failing `errors(t)` percent at second t.
  func budget(_ seconds: Int, target: Double = 0.995, errors: (Int) -> Double) -> ErrorBudget {
    var slo = Experiment.SLO(target: target)
    slo.service = "api"
    var b = ErrorBudget(slo: slo)
    var s = ClusterSnapshot()
    s.objects.services["shop/api"] = ServiceInfo(namespace: "shop", name: "api", workload: "shop/api")
    var series = WorkloadSeries(capacity: 60)
    for t in 0..<seconds {
      s.now = Seconds(t)
      series.append(
        WorkloadSample(
          workloadID: "shop/api", cpuMilli: 1, memoryBytes: nil, ioBytesPerSec: nil, errorPercent: errors(t),
          requestsPerSec: 10))
      s.metrics.workloadSeries["shop/api"] = series
      b.sample(s, namespace: "shop")
    }
    return b
  }

  func testSpentShareAndBurnRates() throws {
    // 1% failing for 100 s at 10 a second: 10 bad requests; 30 days at 10 a second allow 0.5% of
    // 25,920,000 = 129,600.
    let b = budget(100) { _ in 1 }
    XCTAssertEqual(b.bad, 10, accuracy: 1e-9)
    XCTAssertEqual(b.allowed, 129_600, accuracy: 1e-6)
    XCTAssertEqual(try XCTUnwrap(b.spent), 10 / 129_600, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(b.burnRate(over: 60, now: 99)), 2, accuracy: 1e-9, "1% against the 0.5% allowed")
    // A burst: the fast window burns, the slow one less.
    let burst = budget(600) { $0 >= 570 ? 50 : 0 }
    XCTAssertEqual(try XCTUnwrap(burst.burnRate(over: 30, now: 599)), 100, accuracy: 1e-9)
    XCTAssertEqual(try XCTUnwrap(burst.burnRate(over: 300, now: 599)), 10, accuracy: 1e-9)
    XCTAssertEqual(try XCTUnwrap(burst.burnRate(over: 3600, now: 599)), 5, accuracy: 1e-9, "over what there is")
    XCTAssertEqual(burst.badEvents(from: 560, to: 580), 55, accuracy: 1e-9, "seconds 570 to 580, 5 bad each")
    XCTAssertTrue(burst.text(now: 599, fast: 30, slow: 300).hasPrefix("error budget of SLO 99.5% over 30d: "))
    XCTAssertEqual(Numbers.share(0.00015), "0.015%")
    XCTAssertEqual(Numbers.share(0.123), "12%")
  }

  static let yaml = """
    title: on a budget
    groups: {experimental: {namespace: pipeline}, control: {namespace: pipeline-control}}
    slo: {name: flask availability, service: flask, target: 99.5%, window: 30d}
    method:
      - {fault: kill-primary, target: {workload: postgres}}
      - wait: 5s
    hypotheses:
      - recovers-within: 90s

    """

  func testABurnRateOverBothWindowsStopsTheExperiment() throws {
    // Killing the primary fails a quarter of Flask's requests for a few seconds: 50 times the rate
    // the SLO allows.
    let r = try runWithControlGroup(
      Self.yaml + "stop-conditions: [{burn-rate: {fast: 5s, slow: 1m, above: 20}}]", warm: 40)
    guard case .aborted(let why) = r.verdict else { return XCTFail("\(String(describing: r.verdict))") }
    XCTAssertTrue(why.hasPrefix("stop condition burn rate over 20x for 5.0s and 1m00s: "), why)
    let calm = try runWithControlGroup(
      Self.yaml + "stop-conditions: [{burn-rate: {fast: 5s, slow: 1m, above: 1000}}]", warm: 40)
    XCTAssertEqual(calm.verdict, .passed)
    let line = try XCTUnwrap(calm.log.last { $0.text.hasPrefix("error budget of flask availability 99.5% over 30d: ") })
    XCTAssertTrue(line.text.contains("; by incident: #1 "), line.text)
    XCTAssertTrue(line.text.hasSuffix("(from chaostui's figures of flask)"), line.text)
    let spent = try XCTUnwrap(calm.budget?.spent)
    XCTAssertGreaterThan(spent, 0)
    XCTAssertLessThan(spent, 0.01, "a few seconds of errors are a sliver of a month's budget")
  }

  func testBadSLOsSayWhat() {
    func error(_ yaml: String) -> String { parseError(yaml, file: "s.yaml") }
    let head = "title: t\ngroups: {experimental: {namespace: pipeline}}\nmethod: [{wait: 5s}]\n"
    XCTAssertTrue(error(head + "slo: {target: 99%}").contains("needs a service"))
    XCTAssertTrue(error(head + "slo: {service: flask, target: 100%}").contains("under 100%"))
    XCTAssertTrue(error(head + "slo: {service: flask, target: 99%, good: 'x'}").contains("go together"))
    XCTAssertTrue(
      error(head + "stop-conditions: [{burn-rate: {above: 10}}]").contains("slo: is missing"))
    XCTAssertTrue(
      error(head + "slo: {service: flask, target: 99%}\nstop-conditions: [{burn-rate: {fast: 1h, slow: 5m}}]")
        .contains("fast is shorter than slow"))
  }

  func testAPromQLSLOWithoutPrometheusDoesNotRun() throws {
    let yaml = """
      title: t
      groups: {experimental: {namespace: pipeline}}
      slo: {target: 99%, good: 'sum(rate(ok[1m]))', total: 'sum(rate(all[1m]))'}
      method: [{wait: 5s}]
      """
    let h = Harness(seed: 1)
    h.run(to: 10)
    var r = ExperimentRun(try ExperimentFile.parse(yaml, file: "s.yaml"), at: h.state.now)
    _ = r.step(h.state)
    XCTAssertEqual(
      r.verdict,
      .notRun("its SLO (SLO) is PromQL and there is no Prometheus: run with --prometheus, or give slo.service"))
  }
}
