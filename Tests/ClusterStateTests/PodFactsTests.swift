import Foundation
import XCTest

@testable import ClusterState

/// The checks' pod facts followed one pod change at a time are the facts worked out from every
/// pod, whatever the churn: roles and primaries, zones, endpoints by zone.
final class PodFactsTests: XCTestCase {
  func pod(_ i: Int, _ r: inout SplitMix64) -> Pod {
    let apps = ["web", "db", "cache"]
    var p = Pod(
      namespace: "ns", name: "p\(i)", phase: .running, status: "Running",
      readyContainers: Int.random(in: 0...1, using: &r), created: 0,
      node: ["n1", "n2", "n3", "gone", nil][Int.random(in: 0..<5, using: &r)],
      labels: Bool.random(using: &r) ? ["role": Bool.random(using: &r) ? "primary" : "replica"] : [:],
      workload: apps[Int.random(in: 0..<3, using: &r)])
    if Int.random(in: 0..<10, using: &r) == 0 { p.deletionTimestamp = 1 }
    return p
  }

  func testFollowedFactsAreTheWholePassFacts() {
    var r = SplitMix64(seed: 11)
    var s = ClusterSnapshot()
    _ = reduce(
      &s,
      .nodesReplaced([
        Node(name: "n1", zone: "a", cpuCapacityMilli: 1, memoryCapacityBytes: 1),
        Node(name: "n2", zone: "b", cpuCapacityMilli: 1, memoryCapacityBytes: 1),
        Node(name: "n3", zone: "", ready: false, cpuCapacityMilli: 1, memoryCapacityBytes: 1),
      ]))
    _ = reduce(&s, .serviceUpserted(ServiceInfo(namespace: "ns", name: "web-svc", workload: "web"), dependsOn: []))
    _ = reduce(&s, .podsReplaced((0..<60).map { pod($0, &r) }))
    s.refreshPodFacts()
    var next = 60
    var followed = 0
    for round in 0..<300 {
      for _ in 0..<Int.random(in: 1...6, using: &r) {
        switch Int.random(in: 0..<3, using: &r) {
        case 0:
          _ = reduce(&s, .podUpserted(pod(next, &r)))
          next += 1
        case 1:
          if let id = s.pods.keys.randomElement(using: &r) {
            _ = reduce(&s, .podUpserted(pod(Int(id.dropFirst(4))!, &r)))
          }
        default:
          if let id = s.pods.keys.randomElement(using: &r) { _ = reduce(&s, .podDeleted(id: id)) }
        }
      }
      let before = s.podFactsCache?.facts?.mark
      s.refreshPodFacts()
      if before?.generation == s.podChanges.mark.generation { followed += 1 }
      let cached = s.podFactsCache!.facts!
      let whole = PodFacts(s, key: cached.key)
      XCTAssertEqual(cached.withRoles, whole.withRoles, "round \(round)")
      XCTAssertEqual(cached.withPrimary, whole.withPrimary, "round \(round)")
      XCTAssertEqual(cached.zones, whole.zones, "round \(round)")
      XCTAssertEqual(cached.endpoints, whole.endpoints, "round \(round)")
    }
    XCTAssertEqual(followed, 300, "every round followed the changes, none worked out from every pod")
    // A new node changes the zones: a whole pass.
    _ = reduce(
      &s, .nodeUpserted(Node(name: "gone", zone: "c", cpuCapacityMilli: 1, memoryCapacityBytes: 1)))
    s.refreshPodFacts()
    XCTAssertEqual(s.podFactsCache!.facts!.zones, PodFacts(s, key: s.podFactsCache!.facts!.key).zones)
  }
}
