import ClusterState
import Foundation
import Transport

/// What this session changed in the cluster and how to set each change back, by fault id. The panic
/// key, a fault's expiry and every exit path undo from here; an entry is taken out once, so a change
/// is never set back twice. Thread-safe.
public final class UndoLedger: @unchecked Sendable {
  /// A change chaostui made, and what undoing it means.
  public enum Change: Sendable, Equatable {
    /// A Chaos Mesh resource: deleted.
    case chaos(ChaosMesh.Resource)
    /// A workload scaled: its scale subresource set back, the restore note removed.
    case replicas(objectPath: String, replicas: Int, label: String)
    /// A node cordoned: uncordoned, the restore note removed.
    case uncordon(node: String)
  }

  private let lock = NSLock()
  private var changes: [Int: (change: Change, at: Double)] = [:]

  public init() {}

  /// Notes a change made at `time` for fault `id`.
  public func record(_ id: Int, _ change: Change, at time: Double) {
    lock.withLock { changes[id] = (change, time) }
  }

  /// Takes the change of fault `id` out (nil when there is none, or it was undone already).
  public func take(_ id: Int) -> Change? { lock.withLock { changes.removeValue(forKey: id)?.change } }

  public var ids: [Int] { lock.withLock { changes.keys.sorted() } }

  /// Takes out the faults whose Chaos Mesh resource of `plural` is gone from the cluster though
  /// chaostui did not delete it: the one `deleted`, or those not `present` in a list (made before
  /// `settledBefore`: a list taken while one was being made may not show it yet).
  public func takeGoneChaos(plural: String, present: Set<String>?, deleted: String?, settledBefore: Double) -> [Int] {
    lock.withLock {
      let gone = changes.compactMap { (id, entry) -> Int? in
        guard case .chaos(let r) = entry.change, r.plural == plural else { return nil }
        if let deleted, r.name == deleted { return id }
        if let present, !present.contains(r.name), entry.at < settledBefore { return id }
        return nil
      }
      for id in gone { changes.removeValue(forKey: id) }
      return gone.sorted()
    }
  }

  /// The annotation on a workload or node that chaostui changed: what to set back and until when,
  /// so that a later run (or a person) can undo it even after chaostui was killed with -9.
  public static let restoreAnnotation = "chaostui.io/restore"

  /// Sets one change back through the API. Returns what it did, for the audit log, and the status.
  public static func undo(_ change: Change, _ http: HTTPClient) throws -> (what: String, status: Int) {
    let patch = "application/merge-patch+json"
    let clearNote = #""metadata":{"annotations":{"\#(restoreAnnotation)":null}}"#
    switch change {
    case .chaos(let r):
      return ("delete \(r.plural) \(r.namespace)/\(r.name)", try http.send("DELETE", r.path).status)
    case .replicas(let path, let replicas, let label):
      let r = try http.send(
        "PATCH", path + "/scale", body: Data(#"{"spec":{"replicas":\#(replicas)}}"#.utf8), contentType: patch)
      _ = try? http.send("PATCH", path, body: Data("{\(clearNote)}".utf8), contentType: patch)
      return ("scale \(label) back to \(replicas)", r.status)
    case .uncordon(let node):
      let r = try http.send(
        "PATCH", "/api/v1/nodes/\(node)", body: Data(#"{"spec":{"unschedulable":null},\#(clearNote)}"#.utf8),
        contentType: patch)
      return ("uncordon node \(node)", r.status)
    }
  }
}
