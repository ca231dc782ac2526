import ClusterState
import Foundation
import TestSupport
import Transport
import XCTest

@testable import KubeClient

/// The journal of chaostui in a pod, read through the pod log API: the command's own lines left out,
/// a stream cut while the pod runs opened again without repeats, the end of the run, refusals in words.
final class PodLogJournalTests: XCTestCase {
  func reader(_ http: ScriptedHTTP) -> PodLogJournal {
    PodLogJournal(namespace: "chaos", pod: "nightly-x7k2p", makeClient: { http })
  }

  func pod(_ phase: String) -> ScriptedHTTP.Step { .answer(200, #"{"kind":"Pod","status":{"phase":"\#(phase)"}}"#) }

  func testTheLogIsReadAgainWhileThePodRunsThenEndsWithIt() {
    let http = ScriptedHTTP([
      .watch(200, ["chaostui run: Kill the Postgres primary on in-cluster", #"{"k":"header"}"#, #"{"k":"snap"}"#]),
      pod("Running"),
      .watch(
        200,
        [
          "chaostui run: Kill the Postgres primary on in-cluster", #"{"k":"header"}"#, #"{"k":"snap"}"#,
          "+12.0s  verdict: passed", #"{"a":{"tick":12}}"#,
        ]),
      pod("Succeeded"),
    ])
    let log = reader(http)
    log.run()
    XCTAssertEqual(
      String(decoding: log.feed.take(), as: UTF8.self), "{\"k\":\"header\"}\n{\"k\":\"snap\"}\n{\"a\":{\"tick\":12}}\n")
    XCTAssertEqual(log.feed.ended, "the pod's run has ended (Succeeded)")
    XCTAssertEqual(http.paths[0], "/api/v1/namespaces/chaos/pods/nightly-x7k2p/log?follow=true")
    XCTAssertEqual(http.paths[1], "/api/v1/namespaces/chaos/pods/nightly-x7k2p")
    XCTAssertEqual(http.paths.count, 4)
  }

  func testAPodNotStartedIsWaitedForAndARefusalEndsInTheAPIsWords() {
    let starting = ScriptedHTTP([
      .watch(
        400, [],
        body:
          #"{"kind":"Status","status":"Failure","message":"container \"run\" in pod \"nightly-x7k2p\" is waiting to start: ContainerCreating","reason":"BadRequest","code":400}"#
      ),
      .watch(200, [#"{"k":"header"}"#]),
      pod("Failed"),
    ])
    let log = reader(starting)
    log.run()
    XCTAssertEqual(String(decoding: log.feed.take(), as: UTF8.self), "{\"k\":\"header\"}\n")
    XCTAssertEqual(log.feed.ended, "the pod's run has ended (Failed)")

    let forbidden = ScriptedHTTP([
      .watch(
        403, [],
        body:
          #"{"kind":"Status","status":"Failure","message":"pods \"nightly-x7k2p\" is forbidden: User \"dev\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"chaos\"","reason":"Forbidden","code":403}"#
      )
    ])
    let refused = reader(forbidden)
    refused.run()
    XCTAssertEqual(refused.feed.ended, "refused")
    XCTAssertEqual(
      refused.feed.problem,
      "the log of pod chaos/nightly-x7k2p: forbidden: pods \"nightly-x7k2p\" is forbidden: User \"dev\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"chaos\""
    )
    XCTAssertEqual(forbidden.paths.count, 1, "a refusal is not asked again")
  }

  /// The attach's check of a pod's labels: the server's labels, nil for a pod that is not there,
  /// and an answer that is not a pod (a proxy's HTML page, a refusal) thrown, not read as no labels.
  func testAPodsLabelsAsTheServerHasThem() throws {
    let http = ScriptedHTTP([
      .answer(200, #"{"kind":"Pod","metadata":{"labels":{"app.kubernetes.io/name":"chaostui"}}}"#),
      .answer(404, #"{"kind":"Status","code":404}"#),
      .answer(200, "<html><body>Sign in</body></html>"),
      .answer(403, #"{"kind":"Status","message":"pods is forbidden","code":403}"#),
    ])
    let log = reader(http)
    XCTAssertEqual(try log.labels(), ["app.kubernetes.io/name": "chaostui"])
    XCTAssertNil(try log.labels())
    XCTAssertThrowsError(try log.labels())
    XCTAssertThrowsError(try log.labels()) { XCTAssertTrue("\($0)".contains("forbidden"), "\($0)") }
  }

  /// `--job`: the Job's own pods (its uid as their controller), the newest; a pod planted with the
  /// Job's label, newer still, is not followed; a Job that is not there, or an HTML page, is said.
  func testAJobsNewestPod() throws {
    let job = #"{"kind":"Job","metadata":{"name":"nightly","uid":"u-1"}}"#
    func pod(_ name: String, _ day: Int, owner: String?) -> String {
      let refs =
        owner.map { #","ownerReferences":[{"kind":"Job","name":"nightly","uid":"\#($0)","controller":true}]"# } ?? ""
      return #"{"metadata":{"name":"\#(name)","creationTimestamp":"2026-12-0\#(day)T02:00:00Z"\#(refs)}}"#
    }
    let pods = [pod("nightly-a", 3, owner: "u-1"), pod("nightly-b", 4, owner: "u-1"), pod("planted", 5, owner: nil)]
    let http = ScriptedHTTP([
      .answer(200, job), .answer(200, #"{"items":["# + pods.joined(separator: ",") + "]}"),
      .answer(200, job), .answer(200, #"{"items":["# + pod("planted", 5, owner: "u-2") + "]}"),
      .answer(200, job), .answer(200, #"{"items":[]}"#),
      .answer(404, #"{"kind":"Status","message":"jobs.batch \"nightly\" not found","code":404}"#),
      .answer(200, "<html><body>Sign in</body></html>"),
    ])
    XCTAssertEqual(try PodLogJournal.newestPod(ofJob: "nightly", namespace: "chaos", http: http), "nightly-b")
    XCTAssertEqual(http.paths[0], "/apis/batch/v1/namespaces/chaos/jobs/nightly")
    XCTAssertEqual(http.paths[1], "/api/v1/namespaces/chaos/pods?labelSelector=job-name%3Dnightly")
    XCTAssertThrowsError(try PodLogJournal.newestPod(ofJob: "nightly", namespace: "chaos", http: http)) {
      XCTAssertEqual("\($0)", "job chaos/nightly has no pod (yet?) (1 pod(s) carry its label but are not its own)")
    }
    XCTAssertThrowsError(try PodLogJournal.newestPod(ofJob: "nightly", namespace: "chaos", http: http)) {
      XCTAssertEqual("\($0)", "job chaos/nightly has no pod (yet?)")
    }
    XCTAssertThrowsError(try PodLogJournal.newestPod(ofJob: "nightly", namespace: "chaos", http: http)) {
      XCTAssertEqual("\($0)", #"job chaos/nightly: not found: jobs.batch "nightly" not found"#)
    }
    XCTAssertThrowsError(try PodLogJournal.newestPod(ofJob: "nightly", namespace: "chaos", http: http)) {
      XCTAssertTrue("\($0)".contains("HTML"), "\($0)")
    }
  }
}
