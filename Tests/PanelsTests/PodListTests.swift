import ClusterState
import XCTest

@testable import Panels

/// The pods list follows the pods one change at a time: under any churn, sort key, direction,
/// filter and metrics, it is what working it out from every pod gives, and so are its counts.
final class PodListTests: XCTestCase {
  var rng = SystemRandomNumberGenerator()

  func pod(_ i: Int, _ r: inout some RandomNumberGenerator) -> Pod {
    let phases: [(PodPhase, String)] = [
      (.running, "Running"), (.pending, "Pending"), (.running, "CrashLoopBackOff"), (.succeeded, "Completed"),
    ]
    let (phase, status) = phases[Int.random(in: 0..<phases.count, using: &r)]
    // Namespaces where one is a prefix of another ("team-1", "team-1-b", "team-10") and names that tie.
    let ns = ["team-1", "team-1-b", "team-10", "a"][i % 4]
    var p = Pod(
      namespace: ns, name: "web-\(i % 7)-\(i)", phase: phase, status: status,
      readyContainers: Int.random(in: 0...1, using: &r), created: Double(Int.random(in: 0..<50, using: &r)),
      node: Bool.random(using: &r) ? "node-\(Int.random(in: 0..<5, using: &r))" : nil, labels: ["app": "web"])
    p.restarts = Int.random(in: 0..<4, using: &r)
    return p
  }

  /// The rows worked out without PodList: the filter's pods by (figure, string, namespace, name),
  /// all reversed when descending.
  func expected(_ s: ClusterSnapshot, _ view: PodsView) -> [String] {
    let needle = PodFilter.Needle(view.filter.lowercased())
    let listed = s.pods.filter { needle.all || PodFilter.matches($0.value, needle) }
    func figure(_ id: String, _ p: Pod) -> (Double, String) {
      switch view.sort {
      case .name: return (0, "")
      case .status: return (-Double(p.health.rawValue), p.status)
      case .restarts: return (-Double(p.restarts), "")
      case .age: return (-p.created, "")
      case .node: return (0, p.node ?? "")
      case .cpu: return (-(s.podSeries[id]?.cpuMilli.last ?? -1), "")
      case .memory: return (-(s.podSeries[id]?.memoryBytes.last ?? -1), "")
      }
    }
    let rows = listed.map { (id: $0.key, f: figure($0.key, $0.value), ns: $0.value.namespace, name: $0.value.name) }
      .sorted { a, b in
        if a.f.0 != b.f.0 { return a.f.0 < b.f.0 }
        if a.f.1 != b.f.1 { return a.f.1 < b.f.1 }
        return a.ns != b.ns ? a.ns < b.ns : a.name < b.name
      }
      .map(\.id)
    return view.descending ? rows.reversed() : rows
  }

  func check(_ list: PodList, _ s: ClusterSnapshot, _ view: PodsView, _ what: String) {
    XCTAssertEqual(list.ids, expected(s, view), "\(what): not the rows worked out without PodList")
    let fresh = PodList()
    fresh.update(s, view)
    // The first row that differs, not two lists of hundreds.
    let differs = zip(list.ids, fresh.ids).enumerated().first { $0.element.0 != $0.element.1 }
    XCTAssertEqual(list.ids.count, fresh.ids.count, what)
    XCTAssertNil(
      differs, "\(what): row \(differs?.offset ?? 0) is \(differs?.element.0 ?? "") not \(differs?.element.1 ?? "")")
    XCTAssertEqual(list.readyCount, fresh.readyCount, what)
    XCTAssertEqual(list.namespaces, fresh.namespaces, what)
    XCTAssertEqual(list.podsPerNode, fresh.podsPerNode, what)
  }

  func testChurnFollowedOneChangeAtATimeIsTheWholeListWorkedOutAgain() {
    var r = SplitMix64(seed: 7)
    var s = ClusterSnapshot()
    var next = 0
    _ = reduce(&s, .podsReplaced((0..<300).map { i in pod(i, &r) }))
    next = 300
    let list = PodList()
    var view = PodsView()
    for round in 0..<200 {
      // A batch of creates, updates and deletes, as a frame's worth of watch events.
      for _ in 0..<Int.random(in: 1...12, using: &r) {
        let ids = Array(s.pods.keys)
        switch Int.random(in: 0..<3, using: &r) {
        case 0:
          _ = reduce(&s, .podUpserted(pod(next, &r)))
          next += 1
        case 1:
          if let id = ids.randomElement(using: &r) {
            let same = s.pods[id]!
            var p = pod(Int(same.name.split(separator: "-").last!)!, &r)
            p.namespace = same.namespace
            p.name = same.name
            _ = reduce(&s, .podUpserted(p))
          }
        default:
          if let id = ids.randomElement(using: &r) { _ = reduce(&s, .podDeleted(id: id)) }
        }
      }
      if round % 25 == 0 {
        view.sort = PodSort.allCases[Int.random(in: 0..<PodSort.allCases.count, using: &r)]
        view.descending.toggle()
      }
      if round % 40 == 20 { view.filter = ["", "team-1", "crash", "!node-2"][Int.random(in: 0..<4, using: &r)] }
      if round % 30 == 10 {
        let samples = s.pods.keys.map {
          PodSample(podID: $0, cpuMilli: Double(Int.random(in: 0..<9, using: &r)), memoryBytes: 1)
        }
        _ = reduce(&s, .podUsage(time: Double(round), samples))
      }
      list.update(s, view)
      check(list, s, view, "round \(round), sort \(view.sort), descending \(view.descending), filter \(view.filter)")
    }
    // A relist starts over.
    _ = reduce(&s, .podsReplaced((0..<50).map { i in pod(i, &r) }))
    list.update(s, view)
    check(list, s, view, "after a relist")
  }
}

extension PodListTests {
  /// Pods that keep landing in the same gap of the name order (each just after the last, before
  /// "c"): the name keys run out of room and are numbered again, and the list stays right.
  func testPodsInsertedIntoOneGapUntilItIsNumberedAgain() {
    var s = ClusterSnapshot()
    _ = reduce(&s, .podsReplaced(["b", "c"].map { Pod(namespace: "ns", name: $0, created: 0) }))
    let list = PodList()
    var view = PodsView()
    view.sort = .age
    list.update(s, view)
    for k in 1...80 {
      _ = reduce(&s, .podUpserted(Pod(namespace: "ns", name: "b" + String(repeating: "1", count: k), created: 0)))
      list.update(s, view)
      check(list, s, view, "after \(k) in one gap")
    }
    XCTAssertEqual(list.ids.first, "ns/b")
    XCTAssertEqual(list.ids.last, "ns/c")
  }
}

extension PodListTests {
  /// A filter typed a key at a time (each key narrowing the last: the rows kept in order, not sorted
  /// again), with churn between some keys, widened by Backspace, inverted, a label's `key=value`, a
  /// role, and text that is not ASCII: each step what working the list out from every pod gives.
  func testAFilterTypedAKeyAtATimeIsTheWholeListWorkedOutAgain() {
    // By restarts, and by name (the default: the name order itself) both ways.
    for (sort, descending) in [(PodSort.restarts, false), (.name, false), (.name, true)] {
      var r = SplitMix64(seed: 11)
      var s = ClusterSnapshot()
      var pods = (0..<400).map { i in pod(i, &r) }
      for i in stride(from: 0, to: 400, by: 9) { pods[i].labels["role"] = i % 2 == 0 ? "primary" : "replica" }
      pods[5].status = "ÉTAT-web"
      pods[6].status = "RUNNING-WEB"
      _ = reduce(&s, .podsReplaced(pods))
      let list = PodList()
      var view = PodsView()
      view.sort = sort
      view.descending = descending
      list.update(s, view)
      var next = 400
      let typed = [
        "w", "we", "web", "web-", "web-3", "web-", "", "p", "pr", "primary", "rep", "app", "app=web", "!", "!n",
        "!no", "é", "ét", "r", "ru", "team-1/", "team-1/web", "team-1/web-2", "team-1/web-", "team-1/web-3",
      ]
      for (step, text) in typed.enumerated() {
        if step % 2 == 0 {
          _ = reduce(&s, .podUpserted(pod(next, &r)))
          next += 1
          if let id = s.pods.keys.randomElement(using: &r) { _ = reduce(&s, .podDeleted(id: id)) }
        }
        view.filter = text
        list.update(s, view)
        check(list, s, view, "sort \(sort), descending \(descending), filter \(text)")
      }
    }
  }

  func testTheFilterComparesWithoutCaseAsciiInPlaceAndAnythingElseLowercased() {
    XCTAssertTrue(PodFilter.contains("Team-1/Web-0", "team-1/w"))
    XCTAssertTrue(PodFilter.contains("CrashLoopBackOff", "loopb"))
    XCTAssertFalse(PodFilter.contains("web", "webs"))
    XCTAssertFalse(PodFilter.contains("", "a"))
    XCTAssertTrue(PodFilter.contains("anything", ""))
    XCTAssertTrue(PodFilter.contains("ÉTAT", "ét"))
    XCTAssertFalse(PodFilter.contains("ÉTAT", "et"))
    XCTAssertTrue(PodFilter.narrows("", to: "x"))
    XCTAssertTrue(PodFilter.narrows("we", to: "web"))
    XCTAssertFalse(PodFilter.narrows("web", to: "we"))
    XCTAssertFalse(PodFilter.narrows("app", to: "app=web"), "a label's key=value is matched whole")
    XCTAssertFalse(PodFilter.narrows("!n", to: "!no"), "an inverted filter widens as it grows")
  }

  /// The filter's text read once: `!` inverts (twice: not), a lone `!` is text, `/` matches the
  /// namespace/name, `=` a label's key=value.
  func testWhatAFilterTextAsksFor() {
    var p = Pod(namespace: "team-1", name: "web-0", phase: .running, status: "Running", created: 0, node: "node-2")
    p.labels = ["app": "web", "role": "primary"]
    let cases: [(String, Bool)] = [
      ("web", true), ("!web", false), ("!!web", true), ("!!!web", false), ("!", false), ("team-1/web", true),
      ("1/w", true), ("team-1/db", false), ("app=web", true), ("app=we", false), ("!app=web", false),
      ("node-2", true), ("prim", true), ("running", true), ("", true),
    ]
    for (text, want) in cases {
      XCTAssertEqual(PodFilter.matches(p, PodFilter.Needle(text)), want, text)
    }
  }
}
