import Foundation
import Simulation
import TestSupport
import XCTest

@testable import ClusterState
@testable import Monkey

/// kube-monkey's labels and config read as kube-monkey reads them; the day's plan on a virtual clock
/// (windows, weekdays, MTBF arithmetic, kill modes); kills re-checked at their time; pause and dry run.
final class MonkeyTests: XCTestCase {
  func workload(_ name: String, ns: String = "shop", replicas: Int = 4, _ labels: [String: String]) -> Workload {
    Workload(
      kind: .deployment, namespace: ns, name: name, desiredReplicas: replicas, readyReplicas: replicas,
      labels: labels)
  }

  func enrolled(mtbf: String, mode: String? = nil, value: String? = nil) -> [String: String] {
    var l = ["kube-monkey/enabled": "enabled", "kube-monkey/identifier": "x", "kube-monkey/mtbf": mtbf]
    if let mode { l["kube-monkey/kill-mode"] = mode }
    if let value { l["kube-monkey/kill-value"] = value }
    return l
  }

  func testLabelsAreReadAsKubeMonkeyReadsThem() {
    let c = MonkeyConfig()
    XCTAssertEqual(Eligibility.parseMTBF("3"), 3 * 86_400, "a plain number is days")
    XCTAssertEqual(Eligibility.parseMTBF("3d"), 3 * 86_400)
    XCTAssertEqual(Eligibility.parseMTBF("2h"), 7200)
    XCTAssertEqual(Eligibility.parseMTBF("30m"), 1800)
    for bad in ["", "0", "-2", "2x", "1.5h", "h", "2hh"] { XCTAssertNil(Eligibility.parseMTBF(bad), bad) }
    XCTAssertEqual(Eligibility.of(workload("a", enrolled(mtbf: "2h")), config: c).victim?.mode, .one)
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "2h", mode: "kill-all")), config: c).victim?.mode, .killAll)
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "2h", mode: "fixed", value: "2")), config: c).victim?.mode, .fixed(2))
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "2h", mode: "fixed-percent", value: "50")), config: c).victim?.mode,
      .fixedPercent(50))
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "2h", mode: "random-max-percent", value: "30")), config: c).victim?
        .mode, .randomMaxPercent(30))
    XCTAssertEqual(Eligibility.of(workload("a", [:]), config: c), .notEnrolled)
    XCTAssertEqual(
      Eligibility.of(workload("a", ["kube-monkey/enabled": "disabled", "kube-monkey/mtbf": "1"]), config: c),
      .notEnrolled)
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "soon")), config: c),
      .invalid("kube-monkey/mtbf \"soon\" is no whole number of days or a duration like 2h, 30m, 3d"))
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "1h", mode: "fixed-percent", value: "150")), config: c),
      .invalid("kill-mode fixed-percent needs kube-monkey/kill-value from 0 to 100 (got \"150\")"))
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "1h", mode: "fixed")), config: c),
      .invalid("kill-mode fixed needs kube-monkey/kill-value, a whole number (got none)"))
    XCTAssertEqual(
      Eligibility.of(workload("a", enrolled(mtbf: "1h", mode: "half")), config: c),
      .invalid("kube-monkey/kill-mode \"half\" is none of kill-all, fixed, fixed-percent, random-max-percent"))
    XCTAssertEqual(
      Eligibility.of(workload("a", ns: "kube-system", enrolled(mtbf: "1h")), config: c),
      .excluded("namespace kube-system is blacklisted"))
  }

  func testKillModesCountPods() {
    XCTAssertEqual(KillMode.one.count(running: 5, random: 0.5), 1)
    XCTAssertEqual(KillMode.one.count(running: 0, random: 0.5), 0)
    XCTAssertNil(KillMode.killAll.count(running: 5, random: 0.5))
    XCTAssertEqual(KillMode.fixed(3).count(running: 5, random: 0.5), 3)
    XCTAssertEqual(KillMode.fixed(9).count(running: 5, random: 0.5), 5, "more than there are: all the Running ones")
    XCTAssertEqual(KillMode.fixedPercent(50).count(running: 5, random: 0.5), 2, "rounded down")
    XCTAssertEqual(KillMode.randomMaxPercent(50).count(running: 10, random: 0.999), 5, "at most the cap")
    XCTAssertEqual(KillMode.randomMaxPercent(50).count(running: 10, random: 0), 0)
  }

  func testConfigFileThenEnvironment() throws {
    let toml = """
      [kubemonkey]
      dry_run = false          # kill for real
      run_hour = 7
      start_time = "09:30"
      end_hour = 17
      blacklisted_namespaces = ["kube-system", "*-prod"]
      whitelisted_namespaces = [""]
      time_zone = "Europe/Paris"
      [debug]
      enabled = true
      force_should_kill = true
      """
    var c = try MonkeyConfig.load(toml: toml, environment: [:], base: MonkeyConfig())
    XCTAssertFalse(c.dryRun)
    XCTAssertEqual(c.runHour, 7)
    XCTAssertEqual(c.start, 9 * 60 + 30)
    XCTAssertEqual(c.end, 17 * 60)
    XCTAssertEqual(c.timeZone, "Europe/Paris")
    XCTAssertTrue(c.forceShouldKill)
    XCTAssertFalse(c.allows(namespace: "shop-prod"))
    XCTAssertTrue(c.allows(namespace: "shop-dev"))
    c = try MonkeyConfig.load(
      toml: toml,
      environment: [
        "KUBEMONKEY_DRY_RUN": "true", "KUBEMONKEY_WHITELISTED_NAMESPACES": "team-?,shop-*",
        "KUBEMONKEY_BLACKLISTED_NAMESPACES": "",
      ], base: MonkeyConfig())
    XCTAssertTrue(c.dryRun, "the environment wins")
    XCTAssertTrue(c.allows(namespace: "team-a"))
    XCTAssertFalse(c.allows(namespace: "team-ab"))
    XCTAssertTrue(c.allows(namespace: "shop-prod"), "blacklist emptied")
    XCTAssertFalse(c.allows(namespace: "default"))
    XCTAssertTrue(MonkeyConfig().allows(namespace: "default"))
    XCTAssertFalse(MonkeyConfig().allows(namespace: "kube-system"))
  }

  func testBadConfigIsSaidInWords() {
    func error(_ toml: String, _ env: [String: String] = [:]) -> String {
      do {
        _ = try MonkeyConfig.load(toml: toml, name: "km.toml", environment: env, base: MonkeyConfig())
        return "no error"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(
      error("[kubemonkey]\nrun_hour = 25"), "km.toml:2: kubemonkey.run_hour must be a whole number in 0...23")
    XCTAssertEqual(
      error("[kubemonkey]\nstart_hour = 12\nend_hour = 11"),
      "km.toml: the window's start (12:00) must come before its end (11:00)")
    XCTAssertEqual(
      error("[kubemonkey]\nrun_hour = 11"), "km.toml: run_hour (11) must come before the start of the window (10:00)")
    XCTAssertEqual(
      error("[kubemonkey]\ntime_zone = \"Mars/Olympus\""),
      "km.toml:2: time_zone \"Mars/Olympus\" is no tzdata time zone (like \"Europe/Paris\" or \"UTC\")")
    XCTAssertEqual(
      error("[kubemonkey]\ndry_run = maybe"),
      "km.toml:2: cannot read the value of dry_run (a string in quotes, a whole number, true/false or a list of strings)"
    )
    XCTAssertEqual(error("[kubemonkey\n"), "km.toml:1: a section is written [name]")
    XCTAssertEqual(
      error("", ["KUBEMONKEY_DRY_RUN": "perhaps"]), "$KUBEMONKEY_DRY_RUN: kubemonkey.dry_run must be true or false")
  }

  /// A state with the workloads and their Running pods.
  func state(_ workloads: [Workload], now: Seconds = 0) -> ClusterSnapshot {
    var s = ClusterSnapshot()
    s.now = now
    for w in workloads {
      s.objects.workloads[w.id] = w
      for i in 0..<w.desiredReplicas {
        let p = Pod(
          namespace: w.namespace, name: "\(w.name)-\(i)", phase: .running, status: "Running", readyContainers: 1,
          created: 0, workload: w.name)
        s.podSet.pods[p.id] = p
      }
    }
    return s
  }

  /// Midnight UTC of Wednesday 25 November 2026.
  let wednesday = Date(timeIntervalSince1970: 1_795_564_800)

  func testADayPlansAtRunHourInsideTheWindowAtTheMTBFsRate() {
    var c = MonkeyConfig()
    c.timeZone = "UTC"
    let s = state([workload("web", enrolled(mtbf: "1h")), workload("db", enrolled(mtbf: "3d"))])
    // Started at 07:00: nothing planned before 08:00.
    var run = MonkeyRun(config: c, state: s, origin: wednesday.addingTimeInterval(7 * 3600), seed: 1)
    XCTAssertTrue(run.planned.isEmpty)
    XCTAssertEqual(run.nextPlanning, 3600, "run_hour 08:00 is an hour away")
    var s2 = s
    s2.now = 3600
    _ = run.step(s2)
    let web = run.planned.filter { $0.workload.name == "web" }
    XCTAssertEqual(web.count, 24, "24h / 1h kills packed into the 10:00-16:00 window")
    for p in run.planned {
      let wall = run.wall(p.at).timeIntervalSince(wednesday)
      XCTAssertTrue((10 * 3600)..<(16 * 3600) ~= wall, "at \(wall / 3600) h")
    }
    // Over many days an MTBF of 3 days kills on about a third of them.
    var days = 0
    var killed = 0
    for seed in 0..<300 as Range<UInt64> {
      let r = MonkeyRun(config: c, state: s, origin: wednesday.addingTimeInterval(9 * 3600), seed: seed)
      days += 1
      killed += r.planned.filter { $0.workload.name == "db" }.count
    }
    XCTAssertEqual(Double(killed) / Double(days), 1.0 / 3, accuracy: 0.08)
  }

  func testWeekendsAreSkippedAndALateStartPlansTheRestOfToday() {
    var c = MonkeyConfig()
    c.timeZone = "UTC"
    let s = state([workload("web", enrolled(mtbf: "1h"))])
    // Saturday noon: nothing today, the next plan Monday 08:00.
    let saturday = wednesday.addingTimeInterval(3 * 86_400 + 12 * 3600)
    let run = MonkeyRun(config: c, state: s, origin: saturday, seed: 1)
    XCTAssertTrue(run.planned.isEmpty)
    XCTAssertEqual(run.nextPlanning, (1.5 * 86_400) + 8 * 3600)
    // Wednesday 13:00: the rest of the window (3 of its 6 hours) gets half the day's kills.
    let late = MonkeyRun(config: c, state: s, origin: wednesday.addingTimeInterval(13 * 3600), seed: 1)
    XCTAssertEqual(late.planned.count, 12)
    XCTAssertTrue(late.planned.allSatisfy { $0.at > 0 && $0.at < 3 * 3600 })
  }

  func testKillsAreCheckedAgainAtTheirTimeAndFollowTheMode() {
    var c = MonkeyConfig.demo
    c.forceShouldKill = true
    var web = workload("web", enrolled(mtbf: "1d", mode: "fixed", value: "2"))
    let s = state([web, workload("db", enrolled(mtbf: "1d", mode: "kill-all"))])
    var run = MonkeyRun(config: c, state: s, origin: MonkeyRun.demoOrigin(c, now: wednesday), seed: 3)
    XCTAssertEqual(run.planned.count, 2)
    // The web workload opts out before its kill.
    web.labels["kube-monkey/enabled"] = "disabled"
    var later = s
    later.objects.workloads[web.id] = web
    later.now = 720
    let actions = run.step(later)
    XCTAssertEqual(run.kills.count, 2)
    XCTAssertEqual(
      run.kills.first { $0.workload.name == "web" }?.outcome, "skipped: no longer opted in (kube-monkey/enabled)")
    XCTAssertEqual(run.kills.first { $0.workload.name == "db" }?.outcome, "killed all 4 pods")
    guard case .requestFault(let r)? = actions.first, actions.count == 1 else { return XCTFail("\(actions)") }
    XCTAssertEqual(r.origin, "kube-monkey")
    XCTAssertEqual(r.target, .workload(namespace: "shop", name: "db"))
    XCTAssertNil(r.parameters.count)
    XCTAssertEqual(r.parameters.mode, .all)
    // fixed 2 picks 2 of the Running pods.
    var req = FaultRequest(kind: .podKill, target: .workload(namespace: "shop", name: "web"))
    req.parameters.count = 2
    XCTAssertEqual(FaultPlan.targets(req, in: s).count, 2)
  }

  func testPauseSkipsAndDryRunOnlyLogs() {
    var c = MonkeyConfig.demo
    c.forceShouldKill = true
    c.dryRun = true
    let s = state([workload("web", enrolled(mtbf: "1d"))])
    var run = MonkeyRun(config: c, state: s, origin: MonkeyRun.demoOrigin(c, now: wednesday), seed: 3)
    var later = s
    later.now = 720
    let actions = run.step(later)
    XCTAssertEqual(run.kills.map(\.outcome), ["dry run: would kill 1 of 4 Running pods"])
    guard case .event(let e)? = actions.first else { return XCTFail("\(actions)") }
    XCTAssertEqual(e.reason, "KubeMonkeyDryRun")
    var paused = MonkeyRun(config: c, state: s, origin: MonkeyRun.demoOrigin(c, now: wednesday), seed: 3)
    paused.pause("panic key")
    XCTAssertTrue(paused.step(later).isEmpty)
    XCTAssertEqual(paused.kills.map(\.outcome), ["skipped: paused (panic key)"])
  }

  /// The demo's labelled workloads on a compressed day: kills happen, each an incident that recovers,
  /// and the measured MTBF appears beside the label's.
  func testTheDemoMonkeyKillsOnScheduleAndMeasuresMTBF() {
    let demo = DemoCluster(options: Simulator.Options())
    let store = Store()
    store.executor = { [store] e in demo.perform(e, state: store.state) }
    store.dispatch(demo.actions(atVirtual: 5))
    var run = MonkeyRun(
      config: .demo, state: store.state, origin: MonkeyRun.demoOrigin(.demo, now: wednesday), seed: 9)
    XCTAssertFalse(run.planned.isEmpty)
    XCTAssertEqual(Set(run.planned.map(\.workload.name)).isSubset(of: ["flask", "postgres", "spark-worker"]), true)
    var t: Seconds = 5
    while t < 700 {
      t += 0.5
      store.dispatch(demo.actions(atVirtual: t))
      store.dispatch(run.step(store.state))
    }
    let injected = run.kills.filter(\.injected)
    XCTAssertGreaterThanOrEqual(injected.count, 4, run.kills.map(\.outcome).description)
    let schedule = MonkeySchedule(run, state: store.state)
    let flask = schedule.rows.first { $0.workload == "pipeline/flask" }!
    XCTAssertNil(flask.problem)
    XCTAssertEqual(flask.mtbf, "6h")
    XCTAssertNotNil(flask.measuredMTBF)
    XCTAssertTrue(flask.lastOutcome?.hasPrefix("recovered in") ?? false, "\(flask)")
    let master = schedule.rows.first { $0.workload == "pipeline/spark-master" }!
    XCTAssertEqual(master.problem, "opted out (kube-monkey/enabled is \"disabled\")")
    XCTAssertTrue(schedule.status.contains("day=12m"), schedule.status)
  }
}
