import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import KubeClient
@testable import Transport

/// The fault executor and its undo ledger over a fake API server on a virtual clock: what a fault
/// sends, that its end (expiry, panic, exit) sets it back exactly once, and the sweep of what an
/// earlier run left behind.
final class FaultExecutorTests: XCTestCase {
  final class VirtualClock: @unchecked Sendable {
    var now: Double = 1000
  }

  func cluster(_ http: RoutedHTTP, namespace: String? = "pipeline") -> (KubeCluster, Inbox, VirtualClock) {
    let (c, inbox) = fakeKube(http, namespace: namespace)
    let clock = VirtualClock()
    c.clock = { clock.now }
    c.sleep = { clock.now += $0 }
    return (c, inbox, clock)
  }

  func testAScaleNotesWhatToSetBackThenSetsItBackWhenItExpires() throws {
    let http = RoutedHTTP([
      ("GET", "/apis/apps/v1/namespaces/pipeline/statefulsets/spark-worker/scale", 200, #"{"spec":{"replicas":3}}"#),
      ("PATCH", "/apis/apps/v1/namespaces/pipeline/statefulsets/spark-worker", 200, "{}"),
    ])
    let (c, inbox, clock) = cluster(http)
    var request = FaultRequest(kind: .scale, target: .workload(namespace: "pipeline", name: "spark-worker"))
    request.parameters.replicas = 1
    request.parameters.duration = 30
    let w = Workload(
      kind: .statefulSet, namespace: "pipeline", name: "spark-worker", desiredReplicas: 3, currentReplicas: 3,
      readyReplicas: 3)
    c.executor.scale(7, request, workload: w, pods: [])
    let sent = http.requests.map { "\($0.method) \($0.path)" }
    let base = "/apis/apps/v1/namespaces/pipeline/statefulsets/spark-worker"
    XCTAssertEqual(
      sent, ["GET \(base)/scale", "PATCH \(base)", "PATCH \(base)/scale", "PATCH \(base)/scale", "PATCH \(base)"])
    XCTAssertTrue(http.requests[1].body.contains(#"chaostui.io/restore":"{\"replicas\":3,"#), http.requests[1].body)
    XCTAssertEqual(http.requests[2].body, #"{"spec":{"replicas":1}}"#)
    XCTAssertEqual(http.requests[3].body, #"{"spec":{"replicas":3}}"#, "set back to what it was")
    XCTAssertTrue(http.requests[4].body.contains(#""chaostui.io/restore":null"#), "the note is removed")
    XCTAssertGreaterThanOrEqual(clock.now, 1030)
    let actions = inbox.drain()
    XCTAssertTrue(actions.contains(.faultStarted(id: 7, time: 1000, ends: 1030, pods: [], workloads: [w.id])))
    XCTAssertTrue(actions.contains { if case .faultEnded(7, _, "expired") = $0 { return true } else { return false } })
    XCTAssertEqual(c.ledger.ids, [], "nothing left to undo")
    XCTAssertFalse(c.executor.undoFault(7, reason: "exit"), "an expired fault is not set back twice")
  }

  /// A pod's name from the cluster is one path segment: a name that is not a Kubernetes name (a
  /// query in it) deletes nothing but the object it names.
  func testAPodsNameIsOneSegmentOfTheDelete() {
    let http = RoutedHTTP([("DELETE", "/api/v1/namespaces/pipeline/pods/", 404, #"{"kind":"Status","code":404}"#)])
    let (c, _, _) = cluster(http)
    let pod = Pod(
      namespace: "pipeline", name: "flask-1?gracePeriodSeconds=0", phase: .running, status: "Running",
      readyContainers: 1, created: 0, workload: nil)
    c.executor.deletePods(
      3, FaultRequest(kind: .podKill, target: .pod(namespace: pod.namespace, name: pod.name)), [pod])
    XCTAssertEqual(
      http.requests.map { "\($0.method) \($0.path)" },
      ["DELETE /api/v1/namespaces/pipeline/pods/flask-1%3FgracePeriodSeconds%3D0"])
  }

  func testPanicAndExitUndoOnceAndAFailedUndoIsAuditedNotThrown() {
    let http = RoutedHTTP([
      ("DELETE", "/apis/chaos-mesh.org/v1alpha1/namespaces/pipeline/networkchaos/chaostui-1", 200, "{}"),
      ("PATCH", "/api/v1/nodes/lab-a1", 403, #"{"kind":"Status","message":"nodes is forbidden","code":403}"#),
    ])
    let (c, _, _) = cluster(http)
    final class Lines: @unchecked Sendable {
      let lock = NSLock()
      var all: [String] = []
    }
    let lines = Lines()
    c.log = { line in lines.lock.withLock { lines.all.append(line) } }
    c.ledger.record(
      1, .chaos(ChaosMesh.Resource(plural: "networkchaos", namespace: "pipeline", name: "chaostui-1")), at: 1000)
    c.ledger.record(2, .uncordon(node: "lab-a1"), at: 1000)
    XCTAssertTrue(c.executor.undoFault(1, reason: "panic"))
    XCTAssertFalse(c.executor.undoFault(1, reason: "panic"))
    c.cleanup()
    XCTAssertEqual(
      http.requests.map { "\($0.method) \($0.path)" },
      [
        "DELETE /apis/chaos-mesh.org/v1alpha1/namespaces/pipeline/networkchaos/chaostui-1",
        "PATCH /api/v1/nodes/lab-a1",
      ])
    let audit = lines.lock.withLock { lines.all }
    XCTAssertTrue(
      audit.contains {
        $0.contains(
          "delete networkchaos pipeline/chaostui-1 (panic): DELETE /apis/chaos-mesh.org/v1alpha1/namespaces/pipeline/networkchaos/chaostui-1 -> 200"
        )
      }, "\(audit)")
    XCTAssertTrue(
      audit.contains {
        $0.hasSuffix(
          #"uncordon node lab-a1 (exit): PATCH /api/v1/nodes/lab-a1 {"spec":{"unschedulable":null},"metadata":{"annotations":{"chaostui.io/restore":null}}} -> 403: nodes is forbidden"#
        )
      }, "\(audit)")
    XCTAssertEqual(c.ledger.ids, [])
  }

  func testChaosDeletedOutsideChaostuiEndsItsFault() {
    let (c, _, clock) = cluster(RoutedHTTP([]))
    let r = ChaosMesh.Resource(plural: "podchaos", namespace: "pipeline", name: "chaostui-3")
    c.ledger.record(3, .chaos(r), at: 1000)
    // A list taken just after it was made may not show it yet: not gone.
    clock.now = 1005
    XCTAssertEqual(c.goneChaos("podchaos", present: []), [])
    clock.now = 1020
    XCTAssertEqual(
      c.goneChaos("podchaos", present: []), [.faultEnded(id: 3, time: 1020, reason: "deleted in the cluster")])
    XCTAssertEqual(c.ledger.ids, [])
  }

}

extension FaultExecutorTests {
  /// A drain over the API: the cordon with its note, then the Eviction API for each pod on the node
  /// (a DaemonSet's left), a budget's 429 said in the API's words; uncordoned at the end.
  func testADrainCordonsEvictsAndUncordons() throws {
    let http = RoutedHTTP([
      ("GET", "/api/v1/nodes/lab-a1", 200, #"{"metadata":{"name":"lab-a1"},"spec":{}}"#),
      ("PATCH", "/api/v1/nodes/lab-a1", 200, "{}"),
      ("POST", "/api/v1/namespaces/pipeline/pods/flask-1/eviction", 201, "{}"),
      (
        "POST", "/api/v1/namespaces/pipeline/pods/flask-2/eviction", 429,
        #"{"kind":"Status","message":"Cannot evict pod as it would violate the pod's disruption budget.","code":429}"#
      ),
      ("GET", "/apis/policy/v1", 200, #"{"resources":[{"name":"pods/eviction"}]}"#),
    ])
    let (c, inbox, clock) = cluster(http)
    var s = ClusterSnapshot()
    for (name, owner) in [("flask-1", "ReplicaSet"), ("flask-2", "ReplicaSet"), ("agent-x", "DaemonSet")] {
      s.podSet.pods["pipeline/" + name] = Pod(
        namespace: "pipeline", name: name, phase: .running, status: "Running", created: 0, node: "lab-a1",
        owner: OwnerRef(kind: owner, name: "x"), workload: name.hasPrefix("flask") ? "flask" : "agent")
    }
    var req = FaultRequest(kind: .drain, target: .node(name: "lab-a1"))
    req.parameters.duration = 30
    let drain = FaultPlan.targets(req, in: s)
    XCTAssertEqual(drain.map(\.name), ["flask-1", "flask-2"], "a DaemonSet's pod stays")
    c.executor.cordon(4, req, node: "lab-a1", drain: drain)
    let sent = http.requests.map { "\($0.method) \($0.path)" }.filter { !$0.hasPrefix("GET /apis") }
    XCTAssertEqual(
      sent,
      [
        "GET /api/v1/nodes/lab-a1", "PATCH /api/v1/nodes/lab-a1",
        "POST /api/v1/namespaces/pipeline/pods/flask-1/eviction",
        "POST /api/v1/namespaces/pipeline/pods/flask-2/eviction",
        "PATCH /api/v1/nodes/lab-a1",
      ])
    XCTAssertTrue(http.requests.last!.body.contains(#""unschedulable":null"#), "uncordoned at the end")
    XCTAssertGreaterThanOrEqual(clock.now, 1030)
    let actions = inbox.drain()
    XCTAssertTrue(
      actions.contains(
        .notice(
          "Drained lab-a1: evicted 1 of 2; refused: flask-2: Cannot evict pod as it would violate the pod's disruption budget."
        )),
      "\(actions)")
    XCTAssertTrue(
      actions.contains {
        if case .faultStarted(4, _, _, let pods, _) = $0 { return pods == ["pipeline/flask-1"] } else { return false }
      })
  }
}

/// RBAC greying: one SelfSubjectAccessReview a verb and resource of the fault table, each denial
/// with its own reason, no answer leaving the faults enabled.
final class PermissionCheckerTests: XCTestCase {
  func checker(_ http: RoutedHTTP) -> PermissionChecker {
    PermissionChecker(userName: "dev", makeClient: { http }, post: { _ in }, log: { _ in })
  }

  func testEachDeniedFaultHasItsOwnReasonAndEachQuestionIsAskedOnce() {
    // Denied: everything but pods/eviction; nodes asked without a namespace.
    final class Server: HTTPClient, @unchecked Sendable {
      var asked: [String] = []
      func request(_ method: String, _ path: String, body: Data?, contentType: String, accept: String, timeout: Int)
        throws -> HTTPTransport.Response
      {
        let review = (try? JSONSerialization.jsonObject(with: body ?? Data())) as? [String: Any]
        let attrs = ((review?["spec"] as? [String: Any])?["resourceAttributes"] as? [String: Any]) ?? [:]
        let what = "\(attrs["verb"]!) \(attrs["resource"]!)/\(attrs["subresource"]!) ns=\(attrs["namespace"]!)"
        asked.append(what)
        let allowed = (attrs["subresource"] as? String) == "eviction"
        return HTTPTransport.Response(status: 201, body: Data(#"{"status":{"allowed":\#(allowed)}}"#.utf8))
      }
      func watch(_ path: String, timeout: Int, onOpen: @escaping (Int) -> Void, onLine: @escaping (Data) -> Bool)
        throws -> WatchOutcome
      { WatchOutcome(status: 200) }
    }
    let server = Server()
    let c = PermissionChecker(userName: "dev", makeClient: { server }, post: { _ in }, log: { _ in })
    let denied = c.denials(in: "shop", server)
    XCTAssertEqual(denied[.podKill], "forbidden: dev may not delete pods in shop")
    XCTAssertEqual(denied[.cordon], "forbidden: dev may not patch nodes")
    XCTAssertEqual(denied[.networkPartition], "forbidden: dev may not create networkchaos.chaos-mesh.org in shop")
    XCTAssertNil(denied[.evict], "pods/eviction allowed")
    XCTAssertNil(denied[.drain], "a drain needs the same eviction")
    XCTAssertNil(denied[.zoneOutage], "done on the nodes: no question")
    XCTAssertEqual(server.asked.count, Set(server.asked).count, "each question once: \(server.asked)")
    XCTAssertTrue(server.asked.contains("patch nodes/ ns="), "nodes asked cluster-wide")
  }

  func testNoAnswerLeavesTheFaultsEnabled() {
    let http = RoutedHTTP([("POST", "/apis/authorization.k8s.io", 500, "<html>oops</html>")])
    XCTAssertEqual(checker(http).denials(in: "shop", http), [:])
  }
}
