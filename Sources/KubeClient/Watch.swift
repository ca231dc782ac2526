import ClusterState
import Foundation
import Transport

/// One line of a watch stream, as the reflector acts on it.
public enum WatchLine: Equatable, Sendable {
  /// ADDED, MODIFIED or DELETED, with the object's resourceVersion.
  case object(type: String, resourceVersion: String?)
  /// A bookmark: only the resourceVersion to resume from.
  case bookmark(resourceVersion: String?)
  /// 410 Gone (the resourceVersion is too old): relist.
  case gone
  /// Another error from the server, with its message.
  case error(code: Int?, message: String)
  /// Not a watch event (garbage, truncated): skipped.
  case garbage

  struct Head: Decodable {
    struct Meta: Decodable { var resourceVersion: String? }
    struct Obj: Decodable {
      var metadata: Meta?
      var code: Int?
      var message: String?
      var kind: String?
    }
    var type: String
    var object: Obj?
  }

  public static func parse(_ line: Data) -> WatchLine {
    guard let head = try? JSONDecoder().decode(Head.self, from: line) else { return .garbage }
    let rv = head.object?.metadata?.resourceVersion
    switch head.type {
    case "BOOKMARK": return .bookmark(resourceVersion: rv)
    case "ERROR":
      if head.object?.code == 410 { return .gone }
      return .error(code: head.object?.code, message: head.object?.message ?? "watch error")
    case "ADDED", "MODIFIED", "DELETED": return .object(type: head.type, resourceVersion: rv)
    default: return .garbage
    }
  }
}

/// Retry delays for a reflector: 0.8 s doubling to 30 s, each with ±50 % jitter so that many
/// clients do not return in step; reset after a success. A refused connection costs the server
/// nothing, so it is retried within 1.5 s to catch the server's return.
public struct Backoff: Sendable {
  public let initial: Double
  public let cap: Double
  public private(set) var current: Double

  public init(initial: Double = 0.8, cap: Double = 30) {
    self.initial = initial
    self.cap = cap
    current = initial
  }

  /// The next wait, given a random source for the jitter.
  public mutating func next<R: RandomNumberGenerator>(refused: Bool = false, using rng: inout R) -> Double {
    var wait = current * Double.random(in: 0.5...1.5, using: &rng)
    if refused { wait = min(wait, 1.5) }
    current = min(cap, current * 2)
    return wait
  }

  public mutating func next(refused: Bool = false) -> Double {
    var g = SystemRandomNumberGenerator()
    return next(refused: refused, using: &g)
  }

  public mutating func reset() { current = initial }
}
