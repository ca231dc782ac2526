import ClusterState
import Foundation
import Transport
import XCTest

@testable import KubeClient

/// The pods' first list in Kubernetes' protobuf encoding: a list recorded from the lab's API server
/// in both encodings reads to the same pods, cut anywhere; a pod with every field chaostui reads,
/// encoded by hand, reads as its JSON twin; and bytes that are not such a list end it with an
/// error, never a crash or a read past them.
final class ProtoListTests: XCTestCase {
  func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!)
  }

  /// Feeds `data` in pieces of `piece` bytes; the items, the resourceVersion, and whether it was
  /// complete.
  func read(_ data: Data, piece: Int) throws -> ([Pod], String?, Bool) {
    var stream = ProtoListStream()
    var pods: [Pod] = []
    let bytes = [UInt8](data)
    var at = 0
    while at < bytes.count {
      let end = min(bytes.count, at + piece)
      try bytes[at..<end].withUnsafeBufferPointer { chunk in
        try stream.feed(chunk) { pods.append(try KubeDecode.protoPod($0)) }
      }
      at = end
    }
    return (pods, stream.resourceVersion, stream.complete)
  }

  func jsonPods(_ data: Data) throws -> ([Pod], String?) {
    var stream = ListItemStream()
    var pods: [Pod] = []
    try data.withUnsafeBytes { raw in
      try stream.feed(raw.bindMemory(to: UInt8.self)) { pods.append(try KubeDecode.onePod($0)) }
    }
    XCTAssertTrue(stream.complete)
    return (pods, stream.resourceVersion)
  }

  /// The lab's 20 pods (Running, with their statuses, owners, labels, resources), asked of the API
  /// server's watch cache at one resourceVersion in JSON and in protobuf.
  func testTheLabsListReadsTheSameInBothEncodings() throws {
    // The watch cache lists in no set order: the two answers are compared by pod.
    let byName = { (pods: [Pod]) in pods.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) } }
    let (json, rv) = try jsonPods(try fixture("pods-list-lab.json"))
    let expected = byName(json)
    XCTAssertEqual(expected.count, 20)
    let proto = try fixture("pods-list-lab.pb")
    for piece in [1, 2, 3, 7, 64, 1000, 4096, proto.count] {
      let (pods, protoRV, complete) = try read(proto, piece: piece)
      XCTAssertEqual(byName(pods), expected, "read \(piece) bytes at a time")
      XCTAssertEqual(protoRV, rv)
      XCTAssertTrue(complete)
    }
    let (cut, _, complete) = try read(proto.prefix(proto.count - 100), piece: 4096)
    XCTAssertFalse(complete, "a list cut short is not complete")
    XCTAssertLessThan(cut.count, 20)
  }

  // A protobuf encoder for the tests' own pods.
  func varint(_ v: UInt64) -> [UInt8] {
    var v = v
    var out: [UInt8] = []
    while v >= 0x80 {
      out.append(UInt8(v & 0x7F) | 0x80)
      v >>= 7
    }
    return out + [UInt8(v)]
  }
  func field(_ n: Int, _ bytes: [UInt8]) -> [UInt8] { varint(UInt64(n << 3 | 2)) + varint(UInt64(bytes.count)) + bytes }
  func field(_ n: Int, _ s: String) -> [UInt8] { field(n, Array(s.utf8)) }
  func number(_ n: Int, _ v: Int64) -> [UInt8] { varint(UInt64(n << 3)) + varint(UInt64(bitPattern: v)) }
  func entry(_ n: Int, _ k: String, _ v: [UInt8]) -> [UInt8] { field(n, field(1, k) + field(2, v)) }
  func envelope(_ list: [UInt8]) -> [UInt8] {
    ProtoListStream.magic + field(1, field(1, "v1") + field(2, "PodList")) + field(2, list) + field(3, "")
      + field(4, "")
  }

  /// Every field read, in both encodings: labels, a controller owner, both times, resources, a
  /// negative priority, a terminated container with a signal, a waiting one, an init container.
  func testAPodWithEveryFieldReadsAsItsJSONTwin() throws {
    let meta =
      field(1, "web-1") + field(3, "shop") + field(5, "u-1") + field(6, "42") + field(8, number(1, 1_764_900_000))
      + field(9, number(1, 1_764_900_100) + number(2, 500_000_000)) + entry(11, "app", Array("web".utf8))
      + entry(11, "pod-template-hash", Array("abc".utf8)) + field(12, field(1, "note") + field(2, "x"))
      + field(13, field(1, "ReplicaSet") + field(3, "web-abc") + field(4, "u-0") + number(6, 1))
      + field(17, field(1, "kubelet"))
    let quantity = { (s: String) in self.field(1, s) }
    let spec =
      field(
        2,
        field(1, "app") + field(2, "nginx")
          + field(
            8,
            entry(1, "cpu", quantity("500m")) + entry(2, "cpu", quantity("250m")) + entry(2, "memory", quantity("64Mi"))
          )
      ) + field(2, field(1, "sidecar") + field(8, []))
      + field(10, "node-1") + number(25, -5)
    let terminated = field(3, number(1, 137) + number(2, 9) + field(3, ""))
    let status =
      field(1, "Running") + field(3, "The node was low on memory.") + field(4, "Evicted")
      + field(8, field(1, "app") + field(2, terminated) + number(4, 0) + number(5, 3))
      + field(8, field(1, "sidecar") + field(2, field(1, field(1, "CrashLoopBackOff"))) + number(4, 0) + number(5, 1))
      + field(10, field(1, "init") + field(2, field(3, number(1, 0) + field(3, "Completed"))) + number(4, 0))
    let pod = field(1, meta) + field(2, spec) + field(3, status)
    let json = #"""
      {"metadata":{"name":"web-1","namespace":"shop","uid":"u-1","resourceVersion":"42",
      "creationTimestamp":"2025-12-05T02:00:00Z","deletionTimestamp":"2025-12-05T02:01:40.5Z",
      "labels":{"app":"web","pod-template-hash":"abc"},"annotations":{"note":"x"},
      "ownerReferences":[{"kind":"ReplicaSet","name":"web-abc","uid":"u-0","controller":true}]},
      "spec":{"containers":[{"name":"app","image":"nginx","resources":{"limits":{"cpu":"500m"},
      "requests":{"cpu":"250m","memory":"64Mi"}}},{"name":"sidecar","resources":{}}],"nodeName":"node-1",
      "priority":-5},
      "status":{"phase":"Running","message":"The node was low on memory.","reason":"Evicted",
      "containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":137,"signal":9}},"ready":false,
      "restartCount":3},{"name":"sidecar","state":{"waiting":{"reason":"CrashLoopBackOff"}},"ready":false,
      "restartCount":1}],"initContainerStatuses":[{"name":"init","state":{"terminated":{"exitCode":0,
      "reason":"Completed"}},"ready":false,"restartCount":0}]}}
      """#
    let fromJSON = try Array(json.utf8).withUnsafeBufferPointer { try KubeDecode.onePod($0) }
    let fromProto = try pod.withUnsafeBufferPointer { try KubeDecode.protoPod($0) }
    XCTAssertEqual(fromProto, fromJSON)
    XCTAssertEqual(fromProto.status, "Terminating")
    XCTAssertEqual(fromProto.restarts, 4)
    XCTAssertEqual(fromProto.priority, -5)
    XCTAssertEqual(fromProto.deletionTimestamp ?? 0, 1_764_900_100.5, accuracy: 1e-6)
    XCTAssertEqual(fromProto.workload, "web")
    XCTAssertEqual(fromProto.containerNames, ["app", "sidecar"])

    // In a list: its metadata, an unknown field, an empty item, then the pod.
    let list = field(1, field(1, "") + field(2, "99") + field(3, "")) + field(7, "?") + field(2, []) + field(2, pod)
    var stream = ProtoListStream()
    var items: [[UInt8]] = []
    try envelope(list).withUnsafeBufferPointer { b in try stream.feed(b) { items.append(Array($0)) } }
    XCTAssertEqual(items, [[], pod])
    XCTAssertEqual(stream.resourceVersion, "99")
    XCTAssertTrue(stream.complete)
  }

  /// Bytes that are not a protobuf list, or a list whose lengths lie: an error, never a read past
  /// the bytes (the test runs with bounds checks on), and every cut and change of the lab's list
  /// either reads or throws.
  func testBytesThatAreNotAListEndItWithAnError() throws {
    func fails(_ bytes: [UInt8], _ why: String) {
      var stream = ProtoListStream()
      XCTAssertThrowsError(try bytes.withUnsafeBufferPointer { try stream.feed($0) { _ in } }, why)
    }
    fails(Array("<html>".utf8), "not the envelope")
    fails(ProtoListStream.magic + [0x08, 0x01], "a varint where a message belongs")
    fails(ProtoListStream.magic + [0x12, 0x03, 0x12, 0x05, 0x01], "an item longer than the list")
    fails(ProtoListStream.magic + [UInt8](repeating: 0xFF, count: 30), "a header that never ends")
    for bad: [UInt8] in [
      [0x0A, 0x05, 0x01], [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0x0D],
    ] {
      XCTAssertThrowsError(try bad.withUnsafeBufferPointer { try KubeDecode.protoPod($0) }, "\(bad)")
    }
    let proto = [UInt8](try fixture("pods-list-lab.pb"))
    var rng = SplitMix64(seed: 7)
    for round in 0..<300 {
      var bytes = Array(proto.prefix(Int(rng.next() % UInt64(proto.count))))
      if round % 2 == 0, !bytes.isEmpty {
        for _ in 0..<8 { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
      }
      var stream = ProtoListStream()
      _ = try? bytes.withUnsafeBufferPointer { b in try stream.feed(b) { _ = try? KubeDecode.protoPod($0) } }
    }
  }

  /// A refusal of the request for protobuf comes as a protobuf Status: RBAC's words are read from
  /// it as from JSON's, with the user the server names.
  func testARefusalInProtobufIsReadInRBACsWords() throws {
    let said = #"pods is forbidden: User "developer" cannot list resource "pods" in API group "" at the cluster scope"#
    let status = field(2, "Failure") + field(3, said) + field(4, "Forbidden") + number(6, 403)
    let body = Data(ProtoListStream.magic + field(1, field(1, "v1") + field(2, "Status")) + field(2, status))
    let json = try XCTUnwrap(ProtoListStream.statusAsJSON(body))
    let e = APIError.from(
      status: 403, body: json,
      request: APIError.Request(verb: "list", resource: "pods", namespace: "", user: "standby-developer"))
    XCTAssertEqual(e.kind, .forbidden)
    XCTAssertTrue(e.message.hasPrefix("forbidden: developer cannot list pods"), e.message)
    XCTAssertTrue(e.detail.contains(said), e.detail)
    XCTAssertNil(ProtoListStream.statusAsJSON(Data(#"{"kind":"Status"}"#.utf8)), "JSON is read as it is")
    XCTAssertNil(ProtoListStream.statusAsJSON(Data(ProtoListStream.magic + [0x12, 0x09, 0x1A])), "a cut Status")
  }

  /// The decoder reads the answer's encoding from its first byte: a server that answers JSON to a
  /// request for protobuf first is read as JSON.
  func testAJSONAnswerIsReadAsJSON() throws {
    let json = try fixture("pods-list-lab.json")
    let decoder = ListDecoder<Pod>(
      item: { try KubeDecode.onePod($0) }, protoItem: { try KubeDecode.protoPod($0) }, clock: { 0 })
    let handoff = ByteHandoff()
    XCTAssertTrue(json.withUnsafeBytes { handoff.push($0.bindMemory(to: UInt8.self)) })
    handoff.finish()
    decoder.run(handoff)
    XCTAssertNil(decoder.failure)
    XCTAssertNil(decoder.proto)
    XCTAssertEqual(decoder.items.count, 20)
    XCTAssertTrue(decoder.complete)
  }
}
