import ClusterState
import Console
import Panels
import XCTest

/// A attaches to an in-cluster run: only chaostui's own pods (deploy/'s label), never in a replay.
final class AttachTests: XCTestCase {
  func pod(_ name: String, chaostui: Bool) -> Pod {
    var p = Pod(
      namespace: "chaostui-system", name: name, phase: .running, status: "Running", readyContainers: 1, created: 0,
      workload: nil)
    if chaostui { p.labels = ["app.kubernetes.io/name": "chaostui", "job-name": "run"] }
    return p
  }

  func press(_ p: Pod, replaying: Bool = false, from action: (([Pod]) -> Action) = Action.podsReplaced) -> (
    UIState, [UICommand]
  ) {
    var s = ClusterSnapshot()
    _ = reduce(&s, action([p]))
    var ctx = UpdateContext(readOnly: true, pageSize: 2, visibleRows: 3, now: 100, pods: PodList())
    ctx.replaying = replaying
    let (ui, actions, commands) = Update.key(.char("A"), ui: UIState(), state: s, context: ctx)
    XCTAssertEqual(actions, [], "attaching changes nothing in the cluster")
    return (ui, commands)
  }

  func testAChaostuiPodIsAttachedToEvenReadOnly() {
    let (_, commands) = press(pod("run-abcde", chaostui: true))
    XCTAssertEqual(commands, [.attach(LogRequest(namespace: "chaostui-system", pod: "run-abcde"))])
  }

  func testAnyOtherPodIsSaidNotTried() {
    let (ui, commands) = press(pod("flask-1", chaostui: false))
    XCTAssertEqual(commands, [])
    XCTAssertEqual(
      ui.message,
      "A attaches to an in-cluster run: select a pod of chaostui's Job or CronJob (label app.kubernetes.io/name=chaostui; / filters)"
    )
  }

  /// The first view comes from the server's table, without labels: such a pod is let through, and
  /// the attach asks the server for its labels. Once the full list has come, its labels decide.
  func testAPodWhoseLabelsAreStillLoadingIsLetThrough() {
    let (_, commands) = press(pod("run-abcde", chaostui: false), from: Action.podsPreview)
    XCTAssertEqual(commands, [.attach(LogRequest(namespace: "chaostui-system", pod: "run-abcde"))])
    let (ui, none) = press(pod("run-abcde", chaostui: false), from: Action.podsFirstPage)
    XCTAssertEqual(none.count, 1, ui.message ?? "")
    var known = pod("flask-1", chaostui: false)
    known.labels = ["app": "flask"]
    let (said, refused) = press(known, from: Action.podsPreview)
    XCTAssertEqual(refused, [])
    XCTAssertEqual(said.message, attachOnlyChaostui)
  }

  func testAReplayDoesNotAttach() {
    let (ui, commands) = press(pod("run-abcde", chaostui: true), replaying: true)
    XCTAssertEqual(commands, [])
    XCTAssertEqual(ui.message, "A attaches from a live session, not a replay or a follower")
  }
}
