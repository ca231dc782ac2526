import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Transport

/// The leftover sweep over a fake API server: a restore note in the cluster never decides a write;
/// only this user's own record (a private folder on this machine) does, with the value recorded
/// there; read-only and dry-run sessions send nothing; a workload changed since is left alone.
final class LeftoverSweepTests: XCTestCase {
  var folder = ""

  override func setUp() {
    folder = NSTemporaryDirectory() + "/chaostui-changes-\(UUID().uuidString)"
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

  func cluster(_ http: RoutedHTTP, namespace: String? = "pipeline") -> (KubeCluster, Inbox) {
    let (c, inbox) = fakeKube(http, namespace: namespace)
    c.clock = { 1000 }
    c.sleep = { _ in }
    c.ledger.book = ChangeBook(folder: folder)
    return (c, inbox)
  }

  static let flask = "/apis/apps/v1/namespaces/pipeline/deployments/flask"

  /// The note a planted annotation carries: replicas 0, long past its time.
  static func note(_ session: String, replicas: Int = 0) -> String {
    #"{\"replicas\":\#(replicas),\"session\":\"\#(session)\",\"until\":0}"#
  }

  /// flask carries a note of session dead0000 (whose record says 3, set to 1), web a note of a
  /// session nobody here made; a Chaos Mesh resource of another session, past its duration.
  func server(flaskReplicasNow: Int = 1) -> RoutedHTTP {
    let flaskObject =
      #"{"metadata":{"name":"flask","namespace":"pipeline","annotations":{"chaostui.io/restore":"\#(Self.note("dead0000"))"}}}"#
    let web =
      #"{"metadata":{"name":"web","namespace":"pipeline","annotations":{"chaostui.io/restore":"\#(Self.note("x"))"}}}"#
    let chaos = #"""
      {"items":[{"metadata":{"name":"planted","namespace":"pipeline","creationTimestamp":"1970-01-01T00:00:10Z","labels":{"chaostui.io/session":"other"}},"spec":{"duration":"60s"}}]}
      """#
    return RoutedHTTP([
      (
        "GET", "/apis/apps/v1/namespaces/pipeline/deployments/flask/scale", 200,
        #"{"spec":{"replicas":\#(flaskReplicasNow)}}"#
      ),
      ("GET", Self.flask, 200, flaskObject),
      ("GET", "/apis/apps/v1/namespaces/pipeline/deployments", 200, #"{"items":[\#(flaskObject),\#(web)]}"#),
      ("GET", "/apis/apps/v1/namespaces/pipeline/statefulsets", 200, #"{"items":[]}"#),
      ("GET", "/apis/chaos-mesh.org/v1alpha1/namespaces/pipeline/podchaos", 200, chaos),
      ("GET", "/apis/chaos-mesh.org/v1alpha1/", 200, #"{"items":[]}"#),
      ("PATCH", "/", 200, "{}"),
      ("DELETE", "/", 200, "{}"),
    ])
  }

  func recordFlask(_ c: KubeCluster, session: String = "dead0000", until: Double = 900) {
    XCTAssertNil(
      c.ledger.book!.write(
        ChangeBook.Record(
          session: session, fault: 4, server: "https://k", user: "admin",
          change: .replicas(objectPath: Self.flask, replicas: 3, label: "deployments pipeline/flask"), setTo: 1,
          until: until, made: 800)))
  }

  func found(_ inbox: Inbox) -> [Leftover] {
    inbox.drain().compactMap { if case .leftovers(.found(let l)) = $0 { return l } else { return nil } }.first ?? []
  }

  func writes(_ http: RoutedHTTP) -> [String] {
    http.requests.filter { $0.method != "GET" }.map { "\($0.method) \($0.path) \($0.body)" }
  }

  /// The annotation is one Codable type, written and read the same way; a session name with a
  /// quote cannot break the patch's JSON.
  func testTheRestoreNoteIsOneCodableType() throws {
    let n = RestoreNote(replicas: 3, session: #"a"b\"#, until: 1030.7)
    let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: n.patch(spec: ["replicas": 1])) as? [String: Any])
    let annotations = (body["metadata"] as? [String: Any])?["annotations"] as? [String: String]
    XCTAssertEqual(RestoreNote.on(annotations), n)
    XCTAssertEqual(n.until, 1030)
    XCTAssertEqual((body["spec"] as? [String: Any])?["replicas"] as? Int, 1)
    XCTAssertNil(RestoreNote.on(["chaostui.io/restore": "not json"]))
    XCTAssertNil(RestoreNote.on([:]))
  }

  func testAPlantedNoteIsNeverActedOnAndYoursWaitsForAnAnswer() {
    let http = server()
    let (c, inbox) = cluster(http)
    recordFlask(c)
    c.sweeper.sweep()
    XCTAssertEqual(writes(http), [], "the sweep itself sends nothing")
    let l = found(inbox)
    XCTAssertEqual(l.map(\.status), [.awaiting, .notYours, .notYours])
    XCTAssertEqual(l[0].what, "scale deployments pipeline/flask back to 3")
    XCTAssertTrue(l[1].what.contains("web") && l[1].detail!.contains("nothing sent"))
    XCTAssertTrue(l[2].what.contains("podchaos pipeline/planted"))
    // The user says yes: the value comes from the record (3), not the cluster's note (0).
    c.sweeper.restore([l[0].id])
    XCTAssertEqual(
      writes(http),
      [
        #"PATCH \#(Self.flask)/scale {"spec":{"replicas":3}}"#,
        #"PATCH \#(Self.flask) {"metadata":{"annotations":{"chaostui.io/restore":null}}}"#,
      ])
    XCTAssertEqual(inbox.drain(), [.leftovers(.result(id: l[0].id, restored: true, detail: "HTTP 200"))])
    XCTAssertEqual(c.ledger.book!.records(server: "https://k", user: "admin"), [], "the record goes once set back")
    // An id the sweep did not offer is not acted on.
    c.sweeper.restore([l[1].id, 99])
    XCTAssertEqual(writes(http).count, 2)
  }

  func testReadOnlyAndDryRunSendNothingAndSaySo() {
    for (readOnly, dryRun) in [(true, false), (false, true)] {
      let http = server()
      let (c0, inbox0) = cluster(http)
      let c = dryRun ? KubeCluster(connection: c0.connection, namespace: "pipeline", dryRun: true) : c0
      let inbox = dryRun ? Inbox() : inbox0
      if dryRun {
        c.makeClient = { http }
        c.clock = { 1000 }
        c.inbox = inbox
        c.ledger.book = ChangeBook(folder: folder)
      }
      c.readOnly = readOnly
      c.restoreLeftoversWithoutAsking = true
      recordFlask(c)
      let log = AuditLines()
      c.log = { line in log.add(line) }
      c.sweeper.sweep()
      let l = found(inbox)
      XCTAssertEqual(l.first?.status, .leftAlone)
      XCTAssertEqual(l.first?.detail, (readOnly ? "read-only session" : "dry run") + ": nothing sent")
      c.sweeper.restore(l.map(\.id))
      XCTAssertEqual(writes(http), [])
      let audit = log.lines
      XCTAssertFalse(audit.contains { $0.contains("(dry run)") }, "nothing was sent, so nothing claims a dry run")
      XCTAssertTrue(audit.contains { $0.contains("scale deployments pipeline/flask back to 3 (session dead0000)") })
    }
  }

  func testAWorkloadChangedSinceIsLeftAlone() {
    let http = server(flaskReplicasNow: 5)
    let (c, inbox) = cluster(http)
    recordFlask(c)
    c.sweeper.sweep()
    let l = found(inbox)
    XCTAssertEqual(l.first?.status, .leftAlone)
    XCTAssertEqual(l.first?.detail, "its replicas are 5 now, not the 1 your session set: changed since")
    XCTAssertEqual(writes(http), [])
  }

  func testAChangeStillWithinItsTimeOrOfAnotherServerIsNotOffered() {
    let http = server()
    let (c, inbox) = cluster(http)
    recordFlask(c, until: 5000)
    XCTAssertNil(
      c.ledger.book!.write(
        ChangeBook.Record(
          session: "elsewhere", fault: 1, server: "https://other", user: "admin",
          change: .uncordon(node: "n1"), setTo: nil, until: 0, made: 0)))
    c.sweeper.sweep()
    XCTAssertEqual(found(inbox).map(\.status), [.notYours, .notYours], "only web and the planted podchaos are listed")
  }

  /// Without asking (`--restore-leftovers`): the answer follows the findings through the reducer,
  /// whose effect sets them back.
  func testWithoutAskingTheAnswerFollows() {
    let http = server()
    let (c, inbox) = cluster(http)
    recordFlask(c)
    c.restoreLeftoversWithoutAsking = true
    c.sweeper.sweep()
    let actions = inbox.drain()
    XCTAssertEqual(actions.last, .leftovers(.answer(restore: true)))
    var s = ClusterSnapshot()
    var effects: [Effect] = []
    for a in actions { effects += reduce(&s, a) }
    XCTAssertTrue(effects.contains(.restoreLeftovers(ids: [1])))
    XCTAssertEqual(s.leftovers?.first?.status, .restoring)
    XCTAssertTrue(s.timeline.contains { $0.text.contains("leftover: scale deployments pipeline/flask back to 3") })
  }

  /// A scale writes this user's record before anything is sent and removes it once set back; the
  /// record file is private.
  func testAScaleIsRecordedBeforeAndForgottenAfter() throws {
    let http = RoutedHTTP([
      ("GET", "/apis/apps/v1/namespaces/pipeline/deployments/flask/scale", 200, #"{"spec":{"replicas":3}}"#),
      ("PATCH", Self.flask, 200, "{}"),
    ])
    let (c, _) = cluster(http)
    var request = FaultRequest(kind: .scale, target: .workload(namespace: "pipeline", name: "flask"))
    request.parameters.replicas = 1
    request.parameters.duration = 0
    let w = Workload(
      kind: .deployment, namespace: "pipeline", name: "flask", desiredReplicas: 3, currentReplicas: 3, readyReplicas: 3)
    // At the first PATCH (the annotation), the record is on disk already, private.
    var recordedBeforeFirstPatch = false
    var modes: [Int?] = []
    http.onRequest = { [folder] method, _ in
      guard method == "PATCH", !recordedBeforeFirstPatch else { return }
      let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      recordedBeforeFirstPatch = files.count == 1
      modes = [folder, folder + "/" + (files.first ?? "-")].map {
        (try? FileManager.default.attributesOfItem(atPath: $0))?[.posixPermissions] as? Int
      }
    }
    c.executor.scale(7, request, workload: w, pods: [])
    XCTAssertTrue(recordedBeforeFirstPatch)
    XCTAssertEqual(modes, [0o700, 0o600])
    // The fault expired and was set back: its record is gone.
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    XCTAssertEqual(
      http.requests.filter { $0.method == "PATCH" }.last?.body,
      #"{"metadata":{"annotations":{"chaostui.io/restore":null}}}"#)
  }
}

final class AuditLines: @unchecked Sendable {
  private let lock = NSLock()
  private var all: [String] = []
  func add(_ line: String) { lock.withLock { all.append(line) } }
  var lines: [String] { lock.withLock { all } }
}

/// The panic key while a fault is still being made: the panic takes the fault that is in flight
/// too, and the executor sets it back as soon as it is made (it never outlives the panic).
final class PanicInFlightTests: XCTestCase {
  func testAFaultBeingMadeWhenPanicIsPressedIsSetBackOnceMade() {
    let http = RoutedHTTP([
      ("POST", "/apis/chaos-mesh.org/v1alpha1/namespaces/pipeline/networkchaos", 201, "{}"),
      ("DELETE", "/apis/chaos-mesh.org/v1alpha1/namespaces/pipeline/networkchaos/", 200, "{}"),
    ])
    let (c, inbox) = fakeKube(http)
    c.clock = { 1000 }
    c.sleep = { _ in }
    // The reducer: panic while the request is pending takes it too.
    var s = ClusterSnapshot()
    let request = FaultRequest(kind: .networkDelay, target: .pod(namespace: "pipeline", name: "web-1"))
    _ = reduce(&s, .requestFault(request))
    let id = s.pendingRequests.keys.first!
    XCTAssertEqual(reduce(&s, .abortAllFaults).first, .abort(ids: [id]))
    // The executor: the panic arrives while the POST is on its way.
    http.onRequest = { method, _ in if method == "POST" { _ = c.perform(.abort(ids: [id]), state: s) } }
    let pod = Pod(namespace: "pipeline", name: "web-1", phase: .running, readyContainers: 1, created: 900)
    c.executor.injectChaos(id, request, pods: [pod], state: s)
    let deadline = Date().addingTimeInterval(5)
    var seen: [Action] = []
    while Date() < deadline
      && !seen.contains(where: { if case .faultEnded(id, _, "aborted") = $0 { true } else { false } })
    {
      seen += inbox.drain()
      Thread.sleep(forTimeInterval: 0.02)
    }
    XCTAssertTrue(seen.contains { if case .faultStarted(id, _, _, _, _) = $0 { true } else { false } }, "\(seen)")
    XCTAssertTrue(http.requests.contains { $0.method == "DELETE" }, "set back once made: \(http.requests)")
    XCTAssertEqual(c.ledger.ids, [])
  }
}

/// On a cluster whose Chaos Mesh serves some kinds only, each greyed fault says its own reason.
final class ChaosMeshDiscoveryTests: XCTestCase {
  func testEachMissingKindHasItsOwnReason() {
    let served = ["podchaos", "networkchaos", "stresschaos", "iochaos", "timechaos"].map { #"{"name":"\#($0)"}"# }
    let http = RoutedHTTP([
      ("GET", "/apis/chaos-mesh.org/v1alpha1", 200, #"{"resources":[\#(served.joined(separator: ","))]}"#)
    ])
    let (c, inbox) = fakeKube(http)
    c.firstViewShown()
    c.discoverChaosMesh()
    var unavailable: [FaultKind: String]?
    let deadline = Date().addingTimeInterval(5)
    while unavailable == nil && Date() < deadline {
      for case .faultsUnavailable(let u) in inbox.drain() { unavailable = u }
      Thread.sleep(forTimeInterval: 0.02)
    }
    c.stop()
    XCTAssertEqual(unavailable?[.httpAbort], "Chaos Mesh does not serve httpchaos (its CRD is not installed)")
    XCTAssertEqual(unavailable?[.dnsError], "Chaos Mesh does not serve dnschaos (its CRD is not installed)")
    XCTAssertNil(unavailable?[.networkDelay])
    XCTAssertNil(unavailable?[.ioLatency])
  }
}
