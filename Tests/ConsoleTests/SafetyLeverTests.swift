import ClusterState
import Console
import Foundation
import Monkey
import Panels
import Simulation
import TestSupport
import XCTest

/// The team's safety lever: engaged, every fault is set back and none starts, the monkey is held,
/// the header says who, when and why; unknown (unreadable, a lost watch), nothing starts either;
/// the key asks for a reason and writes the lever; the demo's lever is a private file.
final class SafetyLeverTests: XCTestCase {
  let engaged = SafetyLever(
    status: .engaged, by: "alice@bastion", at: 1_796_350_000, reason: "DR dashboard red", location: "test")

  func makeConsole(readOnly: Bool = false) -> Console {
    let c = Console(source: DemoCluster(options: Simulator.Options()), readOnly: readOnly)
    c.use(lever: nil)
    c.store.dispatch(.lever(SafetyLever(status: .released, location: "test")))
    c.advanceVirtual(to: 10)
    return c
  }

  func delayOnFlask(_ c: Console) {
    c.store.dispatch(
      .requestFault(FaultRequest(kind: .networkDelay, target: .workload(namespace: "pipeline", name: "flask"))))
  }

  func testEngagedUndoesEveryFaultRefusesNewOnesAndSaysWhoWhenWhy() {
    let c = makeConsole()
    delayOnFlask(c)
    c.advanceVirtual(to: 12)
    XCTAssertEqual(c.state.activeFaults.count, 1)
    c.store.dispatch(.lever(engaged))
    c.advanceVirtual(to: 13)
    XCTAssertTrue(c.state.activeFaults.isEmpty, "the lever set the fault back")
    XCTAssertTrue(
      c.state.timeline.contains { $0.text == "SAFETY LEVER ENGAGED by alice@bastion at 02:06:40Z: DR dashboard red" },
      c.state.timeline.map(\.text).description)
    let header = c.render(width: 80, height: 24).text.split(separator: "\n")[0]
    XCTAssertTrue(header.contains("SAFETY LEVER ENGAGED by alice@bastion at 02:06:40Z: DR dashboar"), String(header))
    // A fault key is refused with the reason; nothing is asked of the cluster.
    let before = c.state.faults.count
    c.handle(.char("f"))
    c.handle(.char("d"))
    c.handle(.char("y"))
    XCTAssertEqual(c.ui.message, "Fault refused: the safety lever is engaged by alice@bastion (DR dashboard red)")
    XCTAssertEqual(c.state.faults.count, before)
    // Released, faults start again.
    c.store.dispatch(.lever(SafetyLever(status: .released, by: "bob@laptop", reason: "all green", location: "test")))
    XCTAssertTrue(c.state.timeline.contains { $0.text == "safety lever released by bob@laptop: all green" })
    delayOnFlask(c)
    c.advanceVirtual(to: 14)
    XCTAssertEqual(c.state.activeFaults.count, 1)
  }

  func testUnknownLeverRefusesAndSaysSoOnce() {
    let c = makeConsole()
    let lost = SafetyLever(
      status: .unknown, problem: "forbidden: dev cannot watch configmaps in chaostui-system (RBAC)", location: "t")
    c.store.dispatch(.lever(lost))
    c.store.dispatch(.lever(lost))
    XCTAssertEqual(c.state.timeline.filter { $0.text.hasPrefix("safety lever unknown") }.count, 1)
    delayOnFlask(c)
    XCTAssertTrue(c.state.faults.isEmpty)
    let header = c.render(width: 120, height: 30).text.split(separator: "\n")[0]
    XCTAssertTrue(header.contains("LEVER UNKNOWN: forbidden"), String(header))
    // A session's first moment (not read yet) refuses too, without a timeline line.
    let d = Console(source: DemoCluster(options: Simulator.Options()))
    d.use(lever: FileLever(path: NSTemporaryDirectory() + "/never-\(getpid()).json"))
    XCTAssertEqual(d.state.chaos.lever?.status, .unknown)
    XCTAssertFalse(d.state.timeline.contains { $0.text.hasPrefix("safety lever") })
    delayOnFlask(d)
    XCTAssertTrue(d.state.faults.isEmpty)
  }

  func testTheMonkeyIsHeldWhileEngaged() {
    let c = makeConsole()
    c.monkeyConfig = .demo
    c.startMonkey(wallNow: Date(timeIntervalSince1970: 1_795_564_800))
    c.store.dispatch(.lever(engaged))
    var t: Seconds = 10
    while t < 400 {
      t += 0.5
      c.advanceVirtual(to: t)
    }
    let kills = c.monkey!.kills
    XCTAssertFalse(kills.isEmpty)
    XCTAssertTrue(kills.allSatisfy { !$0.injected && $0.outcome.contains("the safety lever is engaged") }, "\(kills)")
    XCTAssertTrue(MonkeySchedule(c.monkey!, state: c.state).status.contains("HELD by the safety lever"))
  }

  func testTheKeyAsksForAReasonThenWritesTheLever() throws {
    let dir = NSTemporaryDirectory() + "lever-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = FileLever(path: dir + "/chaostui/lever.json")
    let c = Console(source: DemoCluster(options: Simulator.Options()))
    c.use(lever: file)
    c.operatorName = "carol@bastion"
    c.store.dispatch(.lever(file.read()))
    c.handle(.char("L"))
    XCTAssertEqual(c.ui.dialog, .lever(engage: true, reason: ""))
    XCTAssertTrue(c.render(width: 80, height: 24).text.contains("Engage the safety lever?"))
    c.handle(.enter)
    XCTAssertEqual(c.ui.message, "Type why the lever is engaged (everyone sees it), then Enter")
    for ch in "game over" { c.handle(.char(ch)) }
    c.handle(.enter)
    XCTAssertNil(c.ui.dialog)
    let lever = file.read()
    XCTAssertEqual(lever.status, .engaged)
    XCTAssertEqual(lever.by, "carol@bastion")
    XCTAssertEqual(lever.reason, "game over")
    let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
    XCTAssertEqual(mode, 0o600)
    let folder = try FileManager.default.attributesOfItem(atPath: dir + "/chaostui")[.posixPermissions] as? Int
    XCTAssertEqual(folder, 0o700)
    XCTAssertTrue(c.state.timeline.contains { $0.text == "carol@bastion asked to engage the safety lever: game over" })
    // Read-only: the key is greyed with the reason.
    let r = makeConsole(readOnly: true)
    r.handle(.char("L"))
    XCTAssertNil(r.ui.dialog)
    XCTAssertTrue(r.ui.message?.hasPrefix("lever is disabled: read-only") == true, r.ui.message ?? "")
  }

  func testTheFileLeverReadsWhatItCanAndRefusesTheRest() throws {
    let dir = NSTemporaryDirectory() + "lever-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let f = FileLever(path: dir + "/lever.json")
    XCTAssertEqual(f.read().status, .released, "no file: released")
    try Data("not json".utf8).write(to: URL(fileURLWithPath: f.path))
    XCTAssertEqual(f.read().status, .unknown)
    XCTAssertEqual(f.read().problem, "\(f.path) is not a lever file")
    try Data(repeating: 0x20, count: 20_000).write(to: URL(fileURLWithPath: f.path))
    XCTAssertEqual(f.read().status, .unknown, "a huge file is not a lever")
    // Hostile words are cut; the screen draws escapes as '?'.
    let evil = "\u{1b}]52;c;ZXZpbA==\u{07}" + String(repeating: "x", count: 500)
    try JSONSerialization.data(withJSONObject: ["engaged": "true", "by": evil, "reason": evil])
      .write(to: URL(fileURLWithPath: f.path))
    let l = f.read()
    XCTAssertEqual(l.status, .engaged)
    XCTAssertEqual(l.by.count, SafetyLever.maxText)
    let c = makeConsole()
    c.store.dispatch(.lever(l))
    let frame = c.render(width: 200, height: 40)
    XCTAssertFalse(frame.text.contains("\u{1b}"))
    XCTAssertTrue(frame.text.contains("SAFETY LEVER ENGAGED by ?]52;c;ZXZpbA==?xxx"), frame.text)
    // Two levers on one file: one writes, the other's watch sees it.
    let inbox = Inbox()
    let watcher = FileLever(path: f.path)
    watcher.interval = 0.02
    try FileLever(path: f.path).write(SafetyLever(status: .released, location: ""))
    watcher.start(inbox: inbox)
    defer { watcher.stop() }
    FileLever(path: f.path).move(LeverMove(engage: true, reason: "r", by: "b"), at: 0, inbox: inbox)
    var seen: [Action] = []
    let deadline = Date().addingTimeInterval(3)
    while Date() < deadline, !seen.contains(where: { if case .lever(let x) = $0 { x.isEngaged } else { false } }) {
      seen += inbox.drain()
      Thread.sleep(forTimeInterval: 0.01)
    }
    XCTAssertTrue(seen.contains { if case .lever(let x) = $0 { x.isEngaged && x.by == "b" } else { false } }, "\(seen)")
  }

  func testNotesGoToTheTimelineWithTheirAuthor() {
    let c = makeConsole()
    c.operatorName = "dan@bastion"
    c.handle(.char("m"))
    for ch in "action: page the DB team" { c.handle(.char(ch)) }
    c.handle(.enter)
    XCTAssertEqual(c.state.timeline.last?.kind, .note)
    XCTAssertEqual(c.state.timeline.last?.text, "note (dan@bastion): action: page the DB team")
    c.handle(.char("m"))
    c.handle(.escape)
    XCTAssertEqual(c.state.timeline.filter { $0.kind == .note }.count, 1)
  }
}

extension SafetyLeverTests {
  /// Preflight: the monkey does not start while the lever is engaged; a lever unknown while the
  /// cluster itself is lost is a short badge (the connection says why).
  func testTheMonkeyDoesNotStartAndTheBadgeIsShortWhenTheClusterIsLost() {
    let c = makeConsole()
    c.monkeyConfig = .demo
    c.store.dispatch(.lever(engaged))
    c.startMonkey(wallNow: Date(timeIntervalSince1970: 1_795_564_800))
    XCTAssertNil(c.monkey)
    XCTAssertEqual(c.ui.message, "monkey not started: the safety lever is engaged by alice@bastion (DR dashboard red)")
    c.store.dispatch(.connection(.disconnected("cannot connect to https://10.0.0.1:6443")))
    c.store.dispatch(
      .lever(SafetyLever(status: .unknown, problem: "cannot connect to https://10.0.0.1:6443", location: "")))
    let header = c.render(width: 120, height: 30).text.split(separator: "\n")[0]
    XCTAssertTrue(header.contains(" LEVER UNKNOWN  "), String(header))
    XCTAssertEqual(header.components(separatedBy: "cannot connect").count, 2, "said once: \(header)")
  }
}
