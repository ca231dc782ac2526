import ClusterState
import XCTest

/// Stop signals: alert selectors as Prometheus' label matchers; a signal that says stop sets back
/// every fault and refuses new ones until it says go again.
final class StopSignalsTests: XCTestCase {
  func alert(_ name: String, _ labels: [String: String], state: String = "firing") -> Alert {
    Alert(name: name, state: state, labels: labels, summary: "", activeAt: nil)
  }

  func testSelectorsMatchAsPrometheusMatchers() throws {
    let s = try AlertSelector.parse(#"{severity=~"critical|page", alertname!="Watchdog", team!~"batch.*"}"#)
    XCTAssertEqual(s.matchers.count, 3)
    XCTAssertTrue(s.matches(alert("PostgresDown", ["severity": "critical", "team": "db"])))
    XCTAssertFalse(s.matches(alert("Watchdog", ["severity": "critical"])))
    XCTAssertFalse(s.matches(alert("X", ["severity": "critical-ish"])), "regexes are anchored")
    XCTAssertFalse(s.matches(alert("X", ["severity": "page", "team": "batch-eu"])))
    XCTAssertTrue(try AlertSelector.parse(#"severity="warning""#).matches(alert("A", ["severity": "warning"])))
    XCTAssertTrue(try AlertSelector.parse(#"team="""#).matches(alert("A", [:])), "a missing label is empty")
    func error(_ t: String) -> String {
      do {
        _ = try AlertSelector.parse(t)
        return "parsed"
      } catch { return error.description }
    }
    XCTAssertEqual(error(""), "alert selector is empty")
    XCTAssertEqual(error("severity"), "alert selector severity: = != =~ or !~ expected after severity")
    XCTAssertEqual(
      error("severity=critical"), "alert selector severity=critical: a quoted value expected after severity=")
    XCTAssertEqual(error(#"a=~"(""#), #"alert selector a=~"(": ( is not a regular expression"#)
    XCTAssertEqual(error(#"a="1" b="2""#), #"alert selector a="1" b="2": a comma expected before b="2""#)
  }

  func testAnAlertSignalStopsThenGoesAgain() throws {
    let store = Store()
    var effects: [Effect] = []
    var notices: [String] = []
    store.executor = {
      effects.append($0); return []
    }
    store.notifier = { notices.append($0) }
    store.dispatch(.tick(10))
    store.dispatch(.stopSignalRules(alerts: try AlertSelector.parse(#"severity="critical""#)))
    let kill = FaultRequest(kind: .podKill, target: .pod(namespace: "a", name: "b"))
    store.dispatch(.requestFault(kill))
    XCTAssertEqual(effects, [.inject(id: 1, kill)])
    store.dispatch(.alerts([alert("Noise", ["severity": "info"])], time: 11))
    XCTAssertNil(store.state.injectionRefusal)
    store.dispatch(.alerts([alert("PostgresDown", ["severity": "critical"])], time: 12))
    XCTAssertEqual(notices.last, #"STOP SIGNAL alerts {severity="critical"}: alert PostgresDown firing"#)
    XCTAssertTrue(effects.contains(.abort(ids: [1])), "what was being made is set back")
    XCTAssertEqual(
      store.state.injectionRefusal, #"stop signal alerts {severity="critical"}: alert PostgresDown firing"#)
    XCTAssertEqual(store.state.haltReason, store.state.injectionRefusal)
    effects = []
    store.dispatch(.requestFault(kill))
    XCTAssertFalse(effects.contains { if case .inject = $0 { true } else { false } })
    store.dispatch(.alerts([], time: 13))
    XCTAssertNil(store.state.injectionRefusal)
    XCTAssertTrue(store.state.timeline.contains { $0.text == #"stop signal alerts {severity="critical"}: go again"# })
    // A go/no-go URL: its first "go" is no news; "no-go" stops.
    let lines = store.state.timeline.count
    store.dispatch(.stopSignal(name: "go/no-go http://c", stopping: nil))
    XCTAssertEqual(store.state.timeline.count, lines)
    store.dispatch(.stopSignal(name: "go/no-go http://c", stopping: "says False (no-go)"))
    XCTAssertEqual(store.state.injectionRefusal, "stop signal go/no-go http://c: says False (no-go)")
  }
}
