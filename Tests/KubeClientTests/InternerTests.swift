import Foundation
import XCTest

@testable import ClusterState
@testable import KubeClient

/// Equal values decoded again and again share one copy, the table never grows past its slots, and
/// what is too small to share or too large to keep is handed back untouched.
final class InternerTests: XCTestCase {
  func address(_ a: [String]) -> UnsafeRawPointer? { a.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }

  func testEqualValuesShareOneCopy() {
    let interner = Interner<[String]>(slots: 4096, minCost: 1, maxCost: 100) { $0.count }
    let a = interner(["etl", "metrics"].map { String($0) })
    let b = interner(["etl", "metrics"].map { String($0) })
    XCTAssertEqual(a, b)
    XCTAssertEqual(address(a), address(b), "the second equal array is the first one's storage")
    let c = interner(["web"])
    XCTAssertNotEqual(address(a), address(c))
    XCTAssertGreaterThanOrEqual(interner.count, 1)
    XCTAssertLessThanOrEqual(interner.count, 2, "two values (one slot if their hashes met)")
  }

  func testNeverGrowsPastItsSlots() {
    let interner = Interner<String>(slots: 64, minCost: 16, maxCost: 253) { $0.utf8.count }
    for i in 0..<100_000 { _ = interner("a-unique-pod-template-\(i)") }
    XCTAssertLessThanOrEqual(interner.count, 64)
  }

  func testOutOfCostIsHandedBackNotKept() {
    let interner = Interner<String>(slots: 64, minCost: 16, maxCost: 253) { $0.utf8.count }
    XCTAssertEqual(interner("short"), "short")
    let huge = String(repeating: "x", count: 10_000)
    XCTAssertEqual(interner(huge), huge)
    XCTAssertEqual(interner.count, 0, "an inline string and a 10 KB one are not kept")
  }

  func testPodsOfOneReplicaSetShareTheirLabelsAndContainerNames() throws {
    func pod(_ name: String) -> String {
      #"{"metadata":{"name":"\#(name)","namespace":"a-long-namespace-name","labels":{"app":"etl","pod-template-hash":"84d9d55dcd","lab.chaostui.io/scale":"true"},"ownerReferences":[{"kind":"ReplicaSet","name":"etl-84d9d55dcd","controller":true}]},"spec":{"nodeName":"ip-10-0-1-23.ec2.internal","containers":[{"name":"etl"},{"name":"metrics"}]},"status":{"phase":"Running"}}"#
    }
    let list =
      #"{"metadata":{"resourceVersion":"1"},"items":["# + pod("etl-84d9d55dcd-a") + "," + pod("etl-84d9d55dcd-b") + "]}"
    let pods = try KubeDecode.podList(Data(list.utf8)).items
    XCTAssertEqual(pods.count, 2)
    XCTAssertEqual(pods[0].labels, pods[1].labels)
    XCTAssertEqual(pods[0].workload, "etl")
    XCTAssertEqual(pods[1].node, "ip-10-0-1-23.ec2.internal")
    XCTAssertEqual(address(pods[0].containerNames), address(pods[1].containerNames))
    // The same through Foundation's decoder (a pod the scanner does not take).
    let slow = try KubeDecode.podListWithJSONDecoder(Data(list.utf8)).items
    XCTAssertEqual(slow, pods)
  }
}
