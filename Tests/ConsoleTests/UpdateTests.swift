import ClusterState
import Console
import Panels
import XCTest

/// The console's update as a pure function on small hand-made states: no simulator, no render.
final class UpdateTests: XCTestCase {
  func pod(_ name: String, ns: String = "shop", workload: String? = "web") -> Pod {
    Pod(
      namespace: ns, name: name, phase: .running, status: "Running", readyContainers: 1, created: 0,
      workload: workload)
  }

  func state(_ pods: [Pod]) -> ClusterSnapshot {
    var s = ClusterSnapshot()
    _ = reduce(&s, .podsReplaced(pods))
    return s
  }

  func context(_ pods: PodList, readOnly: Bool = false, rows: Int = 3) -> UpdateContext {
    UpdateContext(readOnly: readOnly, pageSize: 2, visibleRows: rows, now: 100, pods: pods)
  }

  func testMovingKeepsTheSelectionInTheListAndInView() {
    let s = state((1...6).map { pod("web-\($0)") })
    let pods = PodList()
    var ui = UIState()
    for _ in 0..<4 { (ui, _, _) = Update.key(.down, ui: ui, state: s, context: context(pods)) }
    XCTAssertEqual(ui.pods.selected, 4)
    XCTAssertEqual(ui.pods.selectedID, "shop/web-5")
    XCTAssertEqual(ui.pods.offset, 2, "three rows show: web-3 to web-5")
    (ui, _, _) = Update.key(.end, ui: ui, state: s, context: context(pods))
    XCTAssertEqual(ui.pods.selectedID, "shop/web-6")
    (ui, _, _) = Update.key(.down, ui: ui, state: s, context: context(pods))
    XCTAssertEqual(ui.pods.selected, 5, "never past the last pod")
  }

  func testTheSelectionFollowsItsPodWhenPodsAboveItGo() {
    let pods = PodList()
    var ui = UIState()
    // One snapshot that changes, as the store's does (the pod list is a memo of its revisions).
    var s = state((1...5).map { pod("web-\($0)") })
    for _ in 0..<3 { (ui, _, _) = Update.key(.down, ui: ui, state: s, context: context(pods)) }
    XCTAssertEqual(ui.pods.selectedID, "shop/web-4")
    // web-1 and web-2 are deleted: the same pod stays selected, now second.
    _ = reduce(&s, .podDeleted(id: "shop/web-1"))
    _ = reduce(&s, .podDeleted(id: "shop/web-2"))
    Update.keepSelection(&ui, state: s, pods: pods, visibleRows: 3)
    XCTAssertEqual(ui.pods.selectedID, "shop/web-4")
    XCTAssertEqual(ui.pods.selected, 1)
    // Every pod gone: nothing selected, no crash.
    _ = reduce(&s, .podsReplaced([]))
    Update.keepSelection(&ui, state: s, pods: pods, visibleRows: 3)
    XCTAssertEqual(ui.pods.selected, 0)
    XCTAssertNil(Update.selectedPod(ui, pods: pods))
  }

  func testAConfirmedFaultIsAnActionAndNothingElseChanges() {
    let s = state([pod("web-1")])
    let pods = PodList()
    var ui = UIState()
    var actions: [Action] = []
    (ui, actions, _) = Update.key(.char("f"), ui: ui, state: s, context: context(pods))
    XCTAssertEqual(ui.dialog, .faultMenu(podID: "shop/web-1", scope: .pod))
    XCTAssertEqual(actions, [])
    (ui, actions, _) = Update.key(.char("k"), ui: ui, state: s, context: context(pods))
    (ui, actions, _) = Update.key(.char("y"), ui: ui, state: s, context: context(pods))
    XCTAssertNil(ui.dialog)
    XCTAssertEqual(
      actions, [.requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "web-1")))])
  }

  func testReadOnlyRefusesDangerousKeysWithTheReasonAsAMessage() {
    let s = state([pod("web-1")])
    let (ui, actions, _) = Update.key(.char("f"), ui: UIState(), state: s, context: context(PodList(), readOnly: true))
    XCTAssertEqual(actions, [])
    XCTAssertNil(ui.dialog)
    XCTAssertEqual(ui.message, "fault is disabled: read-only mode (--read-only)")
    XCTAssertEqual(ui.messageUntil, 106)
    // The panic key only ends faults: it works in read-only mode too.
    let (_, panic, _) = Update.key(.char("!"), ui: UIState(), state: s, context: context(PodList(), readOnly: true))
    XCTAssertEqual(panic, [.abortAllFaults])
  }

  func testThePanicKeyAsksTheReducerWhichSaysItOnce() {
    let (_, actions, _) = Update.key(.char("!"), ui: UIState(), state: state([]), context: context(PodList()))
    XCTAssertEqual(actions, [.abortAllFaults])
    var s = state([])
    XCTAssertEqual(reduce(&s, .abortAllFaults), [.notify("Panic: no active faults")])
  }
}

/// A real cluster keeps wall time while the run loop's clock is monotonic: the session's times are
/// the source's (pod ages and incident times are wall times), messages fade on the run loop's.
final class SourceClockTests: XCTestCase {
  final class WallSource: ClusterSource {
    var wall: Double = 1_700_000_000
    var info: SourceInfo { SourceInfo(isDemo: false, context: "lab", namespace: "shop", startedAt: 1_700_000_000) }
    func start(inbox: Inbox) {}
    func stop() {}
    func actions(at realTime: Double) -> [Action] { [.tick(wall)] }
    func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] { [] }
  }

  func testTheSessionRunsOnTheSourcesClock() {
    let source = WallSource()
    let c = Console(source: source, now: 12.5)
    XCTAssertEqual(c.state.sessionStart, 1_700_000_000)
    source.wall += 30
    c.advance(realTime: 42.5)
    XCTAssertEqual(c.state.now, 1_700_000_030)
    XCTAssertEqual(c.realNow, 42.5)
  }
}

/// Keys that ask the runtime for something come back as commands, never as flags in the UI state.
final class UpdateCommandTests: XCTestCase {
  func run(_ keys: [Key], replaying: Bool = false, ui start: UIState = UIState()) -> (UIState, [UICommand]) {
    let s = ClusterSnapshot()
    var context = UpdateContext(readOnly: false, pageSize: 2, visibleRows: 3, now: 0, pods: PodList())
    context.replaying = replaying
    var ui = start
    var all: [UICommand] = []
    for k in keys {
      let (next, _, commands) = Update.key(k, ui: ui, state: s, context: context)
      ui = next
      all += commands
    }
    return (ui, all)
  }

  func testQuitReportAndTheSummarysQAreCommands() {
    XCTAssertEqual(run([.char("q")]).1, [.quit])
    XCTAssertEqual(run([.char("R")]).1, [.writeReport])
    XCTAssertEqual(run([.char("i"), .char("q")]).1, [.quit], "q on the summary quits")
    XCTAssertEqual(run([.char("i"), .char("x")]).1, [], "another key only closes it")
  }

  func testTheReplayKeysAreCommandsOnlyInAReplay() {
    XCTAssertEqual(
      run([.char(" "), .left, .char("]"), .char("n"), .char("p"), .char("+"), .char("-")], replaying: true).1,
      [
        .replay(.togglePause), .replay(.seek(-10)), .replay(.seek(60)), .replay(.seekToMark(forward: true)),
        .replay(.seekToMark(forward: false)), .replay(.speed(faster: true)), .replay(.speed(faster: false)),
      ])
    XCTAssertEqual(run([.char("]")]).1, [], "not a replay: ] is no command")
    let (ui, commands) = run([.char("?"), .char(" ")], replaying: true)
    XCTAssertEqual(commands, [], "a dialog takes its keys first")
    XCTAssertNotNil(ui.dialog)
  }

  func testTheMonkeyKeyAsksThenTheAnswerIsACommand() {
    let (ui, none) = run([.char("M")])
    XCTAssertEqual(ui.dialog, .confirmMonkey)
    XCTAssertEqual(none, [])
    XCTAssertEqual(run([.char("y")], ui: ui).1, [.monkey(.start)])
    XCTAssertEqual(run([.char("n")], ui: ui).1, [])
  }
}
