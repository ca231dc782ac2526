import ClusterState
import Panels
import Simulation
import TestSupport
import XCTest

/// What the panes say while a real cluster's lists fail, from small hand-made states: the error in
/// words across the header's width, no pods said to be unreachable when the server answered,
/// a stale list marked, and no steady state claimed for what is unknown.
final class FailingClusterTests: XCTestCase {
  let ctx = RenderContext(theme: .builtin, glyphs: .unicode)
  static let forbidden = "forbidden: developer cannot list pods in pipeline (RBAC)"

  /// A real cluster (not the demo) at session time 100 s.
  func cluster(_ connection: ConnectionState, pods: [Pod] = []) -> ClusterSnapshot {
    var s = ClusterSnapshot()
    s.session.isDemo = false
    s.session.context = "lab-developer"
    s.session.namespace = "pipeline"
    s.session.sessionStart = 1000
    s = apply(s, .tick(1000))
    s = apply(s, .podsReplaced(pods))
    s = apply(s, .tick(1040))
    s = apply(s, .connection(connection))
    s = apply(s, .tick(1100))
    return s
  }

  func apply(_ s: ClusterSnapshot, _ a: Action) -> ClusterSnapshot {
    var s = s
    _ = reduce(&s, a)
    return s
  }

  func header(_ s: ClusterSnapshot, width: Int) -> CellBuffer {
    var buf = CellBuffer(width: width, height: 1)
    HeaderBar.render(
      &buf, y: 0, width: width, state: s, info: HeaderInfo(speed: 1, readOnly: false, themeName: "default"), ctx: ctx)
    return buf
  }

  func testTheHeaderShowsTheWholeErrorWhereItFits() {
    let s = cluster(.disconnected(Self.forbidden))
    let wideFrame = header(s, width: 200)
    let wide = wideFrame.text
    XCTAssertTrue(wide.contains("disconnected: " + Self.forbidden), wide)
    assertSnapshot(wideFrame, named: "header-200-forbidden")
    let narrowFrame = header(s, width: 80)
    let narrow = narrowFrame.text
    XCTAssertTrue(narrow.contains("● forbidden: developer"), narrow)
    XCTAssertTrue(narrow.contains("~"), "a cut message says it was cut: \(narrow)")
    XCTAssertTrue(narrow.contains("00:01:40"), "the session clock stays: \(narrow)")
    assertSnapshot(narrowFrame, named: "header-80-forbidden")
  }

  func testAFailingListIsNotCalledUnreachable() {
    let s = cluster(.disconnected(Self.forbidden))
    var buf = CellBuffer(width: 80, height: 8)
    let list = PodList()
    list.update(s, PodsView())
    PodsPane.render(
      &buf, buf.bounds, state: s, list: list, view: PodsView(), focused: true, ctx: ctx, filterEditing: false)
    XCTAssertTrue(buf.text.contains("no pods known: forbidden: developer cannot list pods in pipeline"), buf.text)
    XCTAssertFalse(buf.text.contains("cannot reach"))
  }

  func testAListKeptAfterAFailureIsMarkedStaleWithItsAge() {
    let pod = Pod(
      namespace: "pipeline", name: "flask-1", phase: .running, status: "Running", readyContainers: 1, created: 900)
    let s = cluster(.disconnected("cannot connect to https://127.0.0.1:6443 (connection refused)"), pods: [pod])
    var buf = CellBuffer(width: 80, height: 6)
    let list = PodList()
    list.update(s, PodsView())
    PodsPane.render(
      &buf, buf.bounds, state: s, list: list, view: PodsView(), focused: true, ctx: ctx, filterEditing: false)
    XCTAssertTrue(buf.text.contains("STALE 60s"), buf.text)
    // Connected again: no mark.
    let back = apply(s, .connection(.connected))
    var buf2 = CellBuffer(width: 80, height: 6)
    PodsPane.render(
      &buf2, buf2.bounds, state: back, list: list, view: PodsView(), focused: true, ctx: ctx, filterEditing: false)
    XCTAssertFalse(buf2.text.contains("STALE"), buf2.text)
  }

  func testTheFirstScreenfulSaysTheRestIsLoadingThenTheFirstViewCounts() {
    let pods = (0..<3).map {
      Pod(
        namespace: "pipeline", name: "flask-\($0)", phase: .running, status: "Running", readyContainers: 1, created: 900
      )
    }
    var s = apply(cluster(.connecting), .podsFirstPage(pods))
    s = apply(s, .connection(.connected))
    func badge(_ s: ClusterSnapshot) -> String {
      var buf = CellBuffer(width: 80, height: 6)
      let list = PodList()
      list.update(s, PodsView())
      PodsPane.render(
        &buf, buf.bounds, state: s, list: list, view: PodsView(), focused: true, ctx: ctx, filterEditing: false)
      return buf.text
    }
    let first = badge(s)
    XCTAssertTrue(first.contains("first 3 pods, the rest loading"), first)
    XCTAssertFalse(first.contains("3/3 pods"), "no count is claimed for the cluster yet: \(first)")
    let all = pods + [Pod(namespace: "pipeline", name: "spark-0", status: "Running", created: 900)]
    let complete = badge(apply(s, .podsPreview(all)))
    XCTAssertTrue(complete.contains("labels loading  4/4 pods"), complete)
  }

  func testUnknownIsNotHealthy() {
    for (state, want) in [
      (cluster(.disconnected(Self.forbidden)), "now: unknown: no pod is known (forbidden"),
      (cluster(.connecting), "now: unknown: waiting for the first list of pods"),
      (cluster(.connected), "now: nothing to check: no pod or workload in pipeline"),
    ] {
      var buf = CellBuffer(width: 120, height: 8)
      AlertsPane.render(&buf, buf.bounds, state: state, focused: false, ctx: ctx)
      XCTAssertTrue(buf.text.contains(want), buf.text)
      XCTAssertFalse(buf.text.contains("within the steady state"), buf.text)
    }
  }

  func testAStuckAutoscalerSaysWhyAndAnUnknownCountIsADash() {
    var h = HPA(
      namespace: "pipeline", name: "flask", target: "Deployment/flask", minReplicas: 3, maxReplicas: 9,
      currentReplicas: 3, desiredReplicas: 0, targetUtilization: 50)
    h.desiredKnown = false
    h.conditions = [
      HPA.Condition(type: "AbleToScale", status: "True", reason: "SucceededGetScale"),
      HPA.Condition(
        type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric",
        message: "missing request for cpu"),
    ]
    let s = apply(cluster(.connected), .hpaUpserted(h))
    var buf = CellBuffer(width: 100, height: 8)
    HPAPane.render(&buf, buf.bounds, state: s, focused: false, ctx: ctx)
    XCTAssertTrue(buf.text.contains("des -"), buf.text)
    XCTAssertFalse(buf.text.contains("des 0"), buf.text)
    XCTAssertTrue(buf.text.contains("ScalingActive=False FailedGetResourceMetric: missing request for cpu"), buf.text)
  }

  func testEverySourceShowsWhatItFeedsWhyItIsEmptyOrItsError() {
    var s = cluster(.connected)
    for st in [
      SourceStatus(
        name: "metrics.k8s.io", health: .empty, detail: "not served by this cluster (metrics-server provides it)"),
      SourceStatus(
        name: "scrape http://127.0.0.1:9100/metrics", health: .empty, detail: "1000 series, none that chaostui uses"),
      SourceStatus(
        name: "scrape http://127.0.0.1:1/metrics", health: .failing,
        detail: "cannot connect to http://127.0.0.1:1/metrics (connection refused)"),
      SourceStatus(name: "prometheus http://p:9090", health: .working, detail: "feeds pod CPU/memory/IO"),
    ] {
      s = apply(s, .source(st))
    }
    var buf = CellBuffer(width: 140, height: 14)
    AlertsPane.render(&buf, buf.bounds, state: s, focused: false, ctx: ctx)
    XCTAssertTrue(buf.text.contains("EMPTY metrics.k8s.io: not served by this cluster"), buf.text)
    XCTAssertTrue(buf.text.contains("EMPTY scrape http://127.0.0.1:9100/metrics: 1000 series, none"), buf.text)
    XCTAssertTrue(buf.text.contains("FAIL  scrape http://127.0.0.1:1/metrics: cannot connect"), buf.text)
    XCTAssertTrue(buf.text.contains("ok    prometheus http://p:9090: feeds"), buf.text)
    // A failing source is in the error colour, bold.
    let row = (0..<buf.height).first { y in buf.text.split(separator: "\n")[y].contains("FAIL  scrape") }!
    XCTAssertEqual(buf[1, row].style.fg, ctx.theme[.error])
    XCTAssertTrue(buf[1, row].style.attrs.contains(.bold))
  }

  func testANodesPodCountIncludesTerminatingPodsAsKubectlCountsThem() {
    var running = Pod(namespace: "shop", name: "a", phase: .running, status: "Running", created: 0, node: "n1")
    running.readyContainers = 1
    let terminating = Pod(
      namespace: "shop", name: "b", phase: .running, status: "Terminating", created: 0, deletionTimestamp: 5, node: "n1"
    )
    let done = Pod(namespace: "shop", name: "c", phase: .succeeded, status: "Completed", created: 0, node: "n1")
    let s = apply(cluster(.connected), .podsReplaced([running, terminating, done]))
    let list = PodList()
    list.update(s, PodsView())
    XCTAssertEqual(list.podsPerNode["n1"], 2, "a terminating pod still holds its place; a completed one does not")
  }

  func testAShortConnectionStateIsNeverCutForASummaryThatDoesNotFit() {
    var s = ClusterSnapshot()
    s.now = 53
    s.chaos.incidents = [
      Incident(id: 1, faultID: 1, title: "kill-primary postgres-0", workloads: [], services: [], injected: 10)
    ]
    s.chaos.incidents[0].title = "a title long enough to make the summary not fit at eighty columns"
    s.session.context = "a-rather-long-context-name"
    let narrow = header(s, width: 80).text
    XCTAssertTrue(narrow.contains("● simulated  T+00:00:53"), narrow)
    XCTAssertFalse(narrow.contains("~"), narrow)
    let wide = header(s, width: 160).text
    XCTAssertTrue(wide.contains("incidents 1 (1 open)"), "the summary where it fits: \(wide)")
    // A line too full even without the summary (a long context, the speed, a fault badge): the
    // short state stays whole; what does not fit is cut at the edge.
    s.chaos.faults = [
      ActiveFault(
        id: 1, request: FaultRequest(kind: .cpuHog, target: .workload(namespace: "pipeline", name: "flask")),
        started: 10, ends: 100, pods: [], workloads: [])
    ]
    var buf = CellBuffer(width: 80, height: 1)
    HeaderBar.render(
      &buf, y: 0, width: 80, state: s, info: HeaderInfo(speed: 4, readOnly: false, themeName: "default"), ctx: ctx)
    XCTAssertTrue(buf.text.contains("● simulated  T+"), buf.text)
  }
}
