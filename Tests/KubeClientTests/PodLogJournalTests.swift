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

  func testAJobsNewestPod() throws {
    let http = ScriptedHTTP([
      .answer(
        200,
        #"{"items":[{"metadata":{"name":"nightly-a","creationTimestamp":"2026-12-03T02:00:00Z"}},{"metadata":{"name":"nightly-b","creationTimestamp":"2026-12-04T02:00:00Z"}}]}"#
      ),
      .answer(200, #"{"items":[]}"#),
    ])
    XCTAssertEqual(try PodLogJournal.newestPod(ofJob: "nightly", namespace: "chaos", http: http), "nightly-b")
    XCTAssertEqual(http.paths[0], "/api/v1/namespaces/chaos/pods?labelSelector=job-name%3Dnightly")
    XCTAssertThrowsError(try PodLogJournal.newestPod(ofJob: "nightly", namespace: "chaos", http: http)) {
      XCTAssertEqual("\($0)", "job chaos/nightly has no pod (yet?)")
    }
  }
}
