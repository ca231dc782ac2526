import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import PromClient
@testable import Simulation
@testable import Transport

/// The watch stream as the reflector reads it: lines cut at any byte, bookmarks, 410 Gone, backoff.
final class WatchTests: XCTestCase {
  func recorded() throws -> Data {
    let url = Bundle.module.url(forResource: "Fixtures/pods-watch.jsonl", withExtension: nil)!
    return try Data(contentsOf: url)
  }

  /// Feeds `data` in chunks cut at `cuts` and returns the lines.
  func lines(_ data: Data, cutAt cuts: [Int]) -> [Data] {
    var splitter = LineSplitter()
    var out: [Data] = []
    var from = 0
    for c in cuts + [data.count] where c >= from {
      _ = splitter.feed(data.subdata(in: from..<c)) {
        out.append($0)
        return true
      }
      from = c
    }
    return out
  }

  func testLinesSplitAtEveryByteBoundaryGiveTheSameEvents() throws {
    let data = try recorded()
    let whole = lines(data, cutAt: [])
    XCTAssertEqual(whole.count, 6, "4 pods, a bookmark and a 410 recorded from the lab")
    // One cut at every byte of the first event's start and of the small lines at the end (bookmark,
    // error), every 7th byte elsewhere; then many random cuts; then one byte at a time.
    let everyByte = Array(0..<600) + Array((data.count - 600)...data.count)
    for cut in Set(everyByte + Array(stride(from: 0, through: data.count, by: 7))).sorted() {
      XCTAssertEqual(lines(data, cutAt: [cut]), whole, "cut at \(cut)")
    }
    var rng = SplitMix64(seed: 7)
    for _ in 0..<200 {
      let cuts = (0..<Int.random(in: 1...40, using: &rng)).map { _ in Int.random(in: 0...data.count, using: &rng) }
      XCTAssertEqual(lines(data, cutAt: cuts.sorted()), whole)
    }
    XCTAssertEqual(lines(data, cutAt: Array(0..<data.count)), whole)
  }

  func testRecordedEventsParse() throws {
    let parsed = lines(try recorded(), cutAt: []).map(WatchLine.parse)
    guard case .object(let type, let rv) = parsed[0] else { return XCTFail("\(parsed[0])") }
    XCTAssertEqual(type, "ADDED")
    XCTAssertNotNil(rv)
    XCTAssertEqual(parsed[4], .bookmark(resourceVersion: "24154"))
    XCTAssertEqual(parsed[5], .gone, "410 Expired is a relist")
    // The pod in each event decodes as the informer decodes it.
    let actions = try Informers.podEvent("ADDED", lines(try recorded(), cutAt: [])[0])
    guard case .podUpserted(let pod) = actions.first else { return XCTFail("\(actions)") }
    XCTAssertEqual(pod.namespace, "pipeline")
  }

  func testOtherErrorsAndGarbage() {
    let forbidden = Data(
      #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden","reason":"Forbidden","code":403}}"#
        .utf8)
    XCTAssertEqual(WatchLine.parse(forbidden), .error(code: 403, message: "pods is forbidden"))
    XCTAssertEqual(WatchLine.parse(Data("{\"type\":\"ADDED\",\"object\":{\"metadata\":".utf8)), .garbage)
    XCTAssertEqual(WatchLine.parse(Data("<html>proxy error</html>".utf8)), .garbage)
    XCTAssertEqual(WatchLine.parse(Data(#"{"type":"SURPRISE","object":{}}"#.utf8)), .garbage)
    XCTAssertEqual(WatchLine.parse(Data([0xFF, 0xFE, 0x00])), .garbage)
  }

  func testAStopFromTheConsumerStopsTheSplitter() {
    var splitter = LineSplitter()
    var seen = 0
    let more = splitter.feed(Data("a\nb\nc\n".utf8)) { _ in
      seen += 1
      return seen < 2
    }
    XCTAssertFalse(more)
    XCTAssertEqual(seen, 2)
    // Empty lines (keep-alives) are not events; an unfinished line waits for its end.
    var s2 = LineSplitter()
    var got: [String] = []
    _ = s2.feed(Data("\n\nx".utf8)) {
      got.append(String(decoding: $0, as: UTF8.self))
      return true
    }
    XCTAssertEqual(got, [])
    XCTAssertEqual(s2.pendingCount, 1)
    _ = s2.feed(Data("y\n".utf8)) {
      got.append(String(decoding: $0, as: UTF8.self))
      return true
    }
    XCTAssertEqual(got, ["xy"])
  }

  func testBackoffDoublesToThirtySecondsWithJitterAndResets() {
    var b = Backoff()
    var rng = SplitMix64(seed: 1)
    var waits: [Double] = []
    for _ in 0..<10 { waits.append(b.next(using: &rng)) }
    let bases = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30, 30, 30]
    for (w, base) in zip(waits, bases) {
      XCTAssertGreaterThanOrEqual(w, base * 0.5)
      XCTAssertLessThanOrEqual(w, base * 1.5)
    }
    XCTAssertNotEqual(Set(waits.suffix(4)).count, 1, "jitter: clients do not come back in step")
    // A refused connection is retried soon, to catch the server's return.
    XCTAssertLessThanOrEqual(b.next(refused: true, using: &rng), 1.5)
    b.reset()
    XCTAssertLessThanOrEqual(b.next(using: &rng), 1.2)
  }
}

/// The server-side pods table behind the first view.
final class PodTableTests: XCTestCase {
  func testTableRecordedFromTheLab() throws {
    let url = Bundle.module.url(forResource: "Fixtures/pods-table.json", withExtension: nil)!
    let now = 2_000_000_000.0
    let pods = try KubeDecode.podTable(try Data(contentsOf: url), namespace: "pipeline", now: now)
    XCTAssertEqual(pods.count, 9)
    let pg = try XCTUnwrap(pods.first { $0.name == "postgres-0" })
    XCTAssertEqual(pg.readyContainers, 2)
    XCTAssertEqual(pg.totalContainers, 2)
    XCTAssertEqual(pg.status, "Running")
    XCTAssertTrue(pg.isReady)
    XCTAssertNotNil(pg.node)
    XCTAssertLessThan(pg.created, now)
    XCTAssertEqual(pg.id, "pipeline/postgres-0")
  }

  func testCellsAndStatusesOfOtherServers() throws {
    // A newer server: restarts as "3 (5m ago)"; a terminating pod; unknown extra columns; nulls.
    let json = """
      {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"5"},
       "columnDefinitions":[{"name":"Name"},{"name":"Ready"},{"name":"Status"},{"name":"Restarts"},{"name":"Age"},
         {"name":"IP"},{"name":"Node"},{"name":"Nominated Node"},{"name":"Readiness Gates"},{"name":"Extra"}],
       "rows":[
        {"cells":["web-1","0/2","CrashLoopBackOff","3 (5m ago)","2d4h","10.0.0.1","node-a","<none>","<none>",{"x":1}]},
        {"cells":["web-2","1/1","Terminating",0,"45s",null,"<none>",null,null,true]},
        {"cells":["","1/1","Running",0,"1m"]}]}
      """
    let pods = try KubeDecode.podTable(Data(json.utf8), namespace: "shop", now: 1000_000)
    XCTAssertEqual(pods.count, 2, "a row without a name is skipped")
    XCTAssertEqual(pods[0].restarts, 3)
    XCTAssertEqual(pods[0].status, "CrashLoopBackOff")
    XCTAssertEqual(pods[0].created, 1000_000 - (2 * 86400 + 4 * 3600))
    XCTAssertEqual(pods[0].node, "node-a")
    XCTAssertTrue(pods[1].isTerminating)
    XCTAssertNil(pods[1].node)
    // Not a table (an old server ignores the Accept header and sends the list): an error, not pods.
    XCTAssertThrowsError(try KubeDecode.podTable(Data(#"{"kind":"PodList","items":[]}"#.utf8), namespace: "x", now: 0))
    XCTAssertThrowsError(try KubeDecode.podTable(Data("{\"kind\":\"Table\",".utf8), namespace: "x", now: 0))
  }

  /// The scanner reads the rows, namespaces and resourceVersion `JSONDecoder` reads, and leaves to
  /// it whatever it does not expect.
  func testTheTableScannerReadsWhatJSONDecoderReads() throws {
    let url = Bundle.module.url(forResource: "Fixtures/pods-table.json", withExtension: nil)!
    let odd = """
      {"kind":"Table","metadata":{"resourceVersion":"7","continue":""},"columnDefinitions":[{"name":"Name","type":"string"},
        {"name":"Ready"},{"name":"Restarts","format":""},{"name":"Age"}],
       "rows":[{"cells":["a","1/1",-3,1.5e3],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"a","namespace":"n1"}}},
        {"cells":["b",null,true,{"x":[1,2]}],"object":{"metadata":{"namespace":null}}},
        {"cells":["c","0/1",2.25],"conditions":[]},{"cells":[]}]}
      """
    for data in [try Data(contentsOf: url), Data(odd.utf8)] {
      let scanned = try XCTUnwrap(KubeDecode.scannedTable(data))
      let decoded = try KubeDecode.tableWithJSONDecoder(data)
      XCTAssertEqual(scanned.rows, decoded.rows)
      XCTAssertEqual(scanned.namespaces, decoded.namespaces)
      XCTAssertEqual(scanned.resourceVersion, decoded.resourceVersion)
    }
    let rows = try XCTUnwrap(KubeDecode.scannedTable(Data(odd.utf8)))
    XCTAssertEqual(rows.rows[0], ["Name": "a", "Ready": "1/1", "Restarts": "-3", "Age": "1500"])
    XCTAssertEqual(rows.rows[2]["Restarts"], "2.25")
    XCTAssertEqual(rows.namespaces, ["n1", nil, nil, nil])
    for bad in [
      #"{"kind":"PodList","items":[]}"#, "{\"kind\":\"Table\",", #"{"rows":[]}"#, #"{"columnDefinitions":[{}]}"#,
      #"{"columnDefinitions":[],"rows":[{"object":{}}]}"#, "<html>",
    ] {
      XCTAssertNil(KubeDecode.scannedTable(Data(bad.utf8)), bad)
    }
  }

  func testHumanDurations() {
    XCTAssertEqual(Durations.seconds("45s"), 45)
    XCTAssertEqual(Durations.seconds("3m20s"), 200)
    XCTAssertEqual(Durations.seconds("7h"), 7 * 3600)
    XCTAssertEqual(Durations.seconds("3d4h"), 3 * 86400 + 4 * 3600)
    XCTAssertEqual(Durations.seconds("2y10d"), 2 * 365 * 86400 + 10 * 86400)
    XCTAssertNil(Durations.seconds("<invalid>"))
    XCTAssertNil(Durations.seconds(""))
    XCTAssertNil(Durations.seconds("12"))
    XCTAssertNil(Durations.seconds("5w"))
  }

  func testThePreviewGivesWayToTheFullListAndNeverOverwritesIt() {
    var s = ClusterSnapshot()
    let preview = Pod(namespace: "a", name: "p", status: "Running", created: 0)
    var full = preview
    full.labels = ["app": "x"]
    full.workload = "x"
    _ = reduce(&s, .podsPreview([preview]))
    XCTAssertTrue(s.podDetailsPending)
    _ = reduce(&s, .podsReplaced([full]))
    XCTAssertFalse(s.podDetailsPending)
    _ = reduce(&s, .podsPreview([preview]))
    XCTAssertEqual(s.pods["a/p"]?.workload, "x", "a late preview does not replace the complete list")
  }

  func testTheFirstPageIsShownUntilTheFirstViewAndNeverAfterIt() {
    var s = ClusterSnapshot()
    let first = (0..<3).map { Pod(namespace: "a", name: "p\($0)", status: "Running", created: 0) }
    _ = reduce(&s, .podsFirstPage(first))
    XCTAssertEqual(s.pods.count, 3)
    XCTAssertTrue(s.podsPartial)
    XCTAssertTrue(s.podDetailsPending)
    let all = (0..<10).map { Pod(namespace: "a", name: "p\($0)", status: "Running", created: 0) }
    _ = reduce(&s, .podsPreview(all))
    XCTAssertEqual(s.pods.count, 10)
    XCTAssertFalse(s.podsPartial, "the first view is complete")
    XCTAssertTrue(s.podDetailsPending)
    _ = reduce(&s, .podsFirstPage(first))
    XCTAssertEqual(s.pods.count, 10, "a late first page replaces nothing")
    XCTAssertFalse(s.podsPartial)
    // Straight to the full list (no first view: the tables could not be had).
    var t = ClusterSnapshot()
    _ = reduce(&t, .podsFirstPage(first))
    _ = reduce(&t, .podsReplaced(all))
    XCTAssertFalse(t.podsPartial)
    XCTAssertFalse(t.podDetailsPending)
    _ = reduce(&t, .podsFirstPage(first))
    XCTAssertEqual(t.pods.count, 10)
  }
}

/// The one duration reader: Go's, kubectl's ages and the experiment file's plain seconds.
final class DurationsTests: XCTestCase {
  func testGoKubectlAndPlainDurations() {
    XCTAssertEqual(Durations.seconds("90s"), 90)
    XCTAssertEqual(Durations.seconds("5m"), 300)
    XCTAssertEqual(Durations.seconds("1h30m"), 5400)
    XCTAssertEqual(Durations.seconds("1.5h"), 5400)
    XCTAssertEqual(Durations.seconds("250ms"), 0.25)
    XCTAssertEqual(Durations.seconds("1m500ms"), 60.5)
    XCTAssertEqual(Durations.seconds("300us"), 0.0003)
    XCTAssertEqual(Durations.seconds("3d"), 3 * 86400)
    XCTAssertEqual(Durations.seconds(" 45s "), 45)
    XCTAssertEqual(Durations.seconds("30", plainSeconds: true), 30)
    XCTAssertEqual(Durations.seconds("2.5", plainSeconds: true), 2.5)
    for bad in ["forever", "15", "", "5w", "m", "1h-5m", "-5s", "1e3s", "١٢s", "soon"] {
      XCTAssertNil(Durations.seconds(bad), bad)
    }
    XCTAssertNil(Durations.seconds("-3", plainSeconds: true))
    XCTAssertNil(Durations.seconds("inf", plainSeconds: true))
  }
}

final class ReplicaSetTests: XCTestCase {
  func testOnlyBareReplicaSetsAreWorkloads() throws {
    let json = """
      {"kind":"ReplicaSetList","metadata":{"resourceVersion":"9"},"items":[
       {"metadata":{"name":"flask-69bc48fdd5","namespace":"pipeline","ownerReferences":[
         {"apiVersion":"apps/v1","kind":"Deployment","name":"flask","uid":"u","controller":true}]},
        "spec":{"replicas":3},"status":{"replicas":3,"readyReplicas":3}},
       {"metadata":{"name":"legacy","namespace":"pipeline"},"spec":{"replicas":2},"status":{"replicas":2,"readyReplicas":1}}]}
      """
    let page = try Informers.workloadItems(Data(json.utf8), .replicaSet)
    let (items, rv) = (page.items, page.resourceVersion)
    XCTAssertEqual(page.served, 2, "the log counts what the server sent, not only what is shown")
    XCTAssertEqual(items.map(\.name), ["legacy"])
    XCTAssertEqual(items[0].kind, .replicaSet)
    XCTAssertEqual(items[0].readyReplicas, 1)
    XCTAssertEqual(rv, "9")
    let owned = """
      {"type":"MODIFIED","object":{"metadata":{"name":"flask-69bc48fdd5","namespace":"pipeline","ownerReferences":[
        {"kind":"Deployment","name":"flask","controller":true}]},"spec":{"replicas":4}}}
      """
    XCTAssertTrue(try Informers.workloadEvent("MODIFIED", Data(owned.utf8), .replicaSet).isEmpty)
  }
}
