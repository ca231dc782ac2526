import ClusterState
import Foundation

/// Equal values decoded again and again share one copy: the labels every pod of a ReplicaSet
/// carries, its owner's name, a node's or a namespace's name. At 100,000 pods each pod otherwise
/// holds its own copy of each (Swift strings over 15 bytes, and every dictionary, live on the heap).
///
/// A direct-mapped table: a value's hash picks one slot; an equal value there is handed back,
/// anything else takes the slot. It never grows (a cluster of unique labels only replaces slots),
/// and a value under `minCost` (a string Swift keeps inline: nothing to share) or past `maxCost` is
/// handed back as it came, never kept.
final class Interner<T: Hashable>: @unchecked Sendable {
  private var slots: [T?]
  private let lock = NSLock()
  private let cost: (T) -> Int
  private let minCost: Int
  private let maxCost: Int

  init(slots: Int, minCost: Int = 0, maxCost: Int, cost: @escaping (T) -> Int) {
    self.slots = Array(repeating: nil, count: slots)
    self.minCost = minCost
    self.maxCost = maxCost
    self.cost = cost
  }

  func callAsFunction(_ value: T) -> T {
    let c = cost(value)
    guard c >= minCost && c <= maxCost else { return value }
    let i = Int(UInt(bitPattern: value.hashValue) % UInt(slots.count))
    return lock.withLock {
      if let kept = slots[i], kept == value { return kept }
      slots[i] = value
      return value
    }
  }

  /// How many slots hold a value (tests).
  var count: Int { lock.withLock { slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) } } }
}

/// The interners of the decoders (one a kind of value, shared by every informer thread).
enum Interned {
  /// Names: namespaces, nodes, owners, workloads, statuses (a Kubernetes name is at most 253 bytes;
  /// Swift keeps 15 bytes or fewer inline).
  static let string = Interner<String>(slots: 8192, minCost: 16, maxCost: 253) { $0.utf8.count }
  /// Label sets, up to 4 KB of keys and values.
  static let labels = Interner<[String: String]>(slots: 4096, minCost: 1, maxCost: 4096) {
    $0.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
  }
  /// A pod's container names, up to 1 KB.
  static let names = Interner<[String]>(slots: 1024, minCost: 1, maxCost: 1024) {
    $0.reduce(0) { $0 + $1.utf8.count }
  }

  /// An optional name, interned when there is one.
  static func name(_ s: String?) -> String? { s.map { string($0) } }
}
