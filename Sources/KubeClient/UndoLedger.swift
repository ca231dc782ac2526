import ClusterState
import Foundation
import Transport

/// What this session changed in the cluster and how to set each change back, by fault id. The panic
/// key, a fault's expiry and every exit path undo from here; an entry is taken out once, so a change
/// is never set back twice. Thread-safe.
public final class UndoLedger: @unchecked Sendable {
  /// A change chaostui made, and what undoing it means.
  public enum Change: Sendable, Equatable, Codable {
    /// A Chaos Mesh resource: deleted.
    case chaos(ChaosMesh.Resource)
    /// A workload scaled: its scale subresource set back, the restore note removed.
    case replicas(objectPath: String, replicas: Int, label: String)
    /// A node cordoned: uncordoned, the restore note removed.
    case uncordon(node: String)
  }

  private let lock = NSLock()
  private var changes: [Int: (change: Change, at: Double)] = [:]
  /// This user's record of changes on this machine (nil: none is kept, and a change killed with -9
  /// can only be listed later, not set back by chaostui).
  public var book: ChangeBook?
  /// Whose changes these are: written into each record.
  var owner = (session: "", server: "", user: "")

  public init() {}

  /// Writes this user's record of a change before it is made (the value to set back comes from
  /// here later, never from the cluster). Returns the problem in words when it cannot be kept.
  func intend(_ id: Int, _ change: Change, setTo: Int? = nil, until: Double, now: Double) -> String? {
    guard let book else { return nil }
    return book.write(
      ChangeBook.Record(
        session: owner.session, fault: id, server: owner.server, user: owner.user, change: change, setTo: setTo,
        until: until, made: now))
  }

  /// The change of fault `id` was set back (or never made): its record goes.
  func forget(_ id: Int) { book?.remove(session: owner.session, fault: id) }

  /// Notes a change made at `time` for fault `id`.
  public func record(_ id: Int, _ change: Change, at time: Double) {
    lock.withLock { changes[id] = (change, time) }
  }

  /// Takes the change of fault `id` out (nil when there is none, or it was undone already).
  public func take(_ id: Int) -> Change? { lock.withLock { changes.removeValue(forKey: id)?.change } }

  public var ids: [Int] { lock.withLock { changes.keys.sorted() } }

  private var aborted = Set<Int>()

  /// The panic key hit these faults, some perhaps still being made: one that starts later is set
  /// back at once (`wasAborted`).
  public func abort(_ ids: [Int]) { lock.withLock { aborted.formUnion(ids) } }

  public func wasAborted(_ id: Int) -> Bool { lock.withLock { aborted.contains(id) } }

  /// Whether the change of fault `id` is held (made and not yet set back).
  public func holds(_ id: Int) -> Bool { lock.withLock { changes[id] != nil } }

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

  /// What setting a change back sent and what came back, for the audit log.
  public struct Undone: Sendable {
    /// In words: "scale deployments pipeline/flask back to 3".
    public var what: String
    /// The requests exactly as sent, each with its answer: `PATCH /apis/... {"spec":{"replicas":3}} -> 200`.
    public var sent: String
    /// The status of the request that sets the change back.
    public var status: Int
  }

  /// Sets one change back through the API.
  public static func undo(_ change: Change, _ http: HTTPClient) throws -> Undone {
    let patch = "application/merge-patch+json"
    let clearNote = #""metadata":{"annotations":{"\#(restoreAnnotation)":null}}"#
    func send(_ method: String, _ path: String, _ body: String?) throws -> (Int, String) {
      let r = try http.send(method, path, body: body.map { Data($0.utf8) }, contentType: patch)
      let answer = (200..<300).contains(r.status) ? "" : ": " + (KubeDecode.status(r.body)?.message ?? "")
      return (r.status, "\(method) \(path)\(body.map { " " + $0 } ?? "") -> \(r.status)\(answer)")
    }
    switch change {
    case .chaos(let r):
      let (status, sent) = try send("DELETE", r.path, nil)
      return Undone(what: "delete \(r.plural) \(r.namespace)/\(r.name)", sent: sent, status: status)
    case .replicas(let path, let replicas, let label):
      let (status, sent) = try send("PATCH", path + "/scale", #"{"spec":{"replicas":\#(replicas)}}"#)
      let note = (try? send("PATCH", path, "{\(clearNote)}"))?.1 ?? "PATCH \(path) (note removed): no answer"
      return Undone(what: "scale \(label) back to \(replicas)", sent: sent + "; " + note, status: status)
    case .uncordon(let node):
      let (status, sent) = try send(
        "PATCH", "/api/v1/nodes/\(seg(node))", #"{"spec":{"unschedulable":null},\#(clearNote)}"#)
      return Undone(what: "uncordon node \(node)", sent: sent, status: status)
    }
  }
}

/// The `chaostui.io/restore` annotation on a scaled workload or a cordoned node: what to set back
/// and until when, a trace for people (`kubectl describe`). One type for the writer and the
/// reader; the leftover sweep reads only its `session` (the value to set back comes from this
/// user's `ChangeBook`, never from the cluster).
public struct RestoreNote: Codable, Sendable, Equatable {
  public var replicas: Int?
  public var uncordon: Bool?
  public var session: String?
  public var until: Int?

  public init(replicas: Int? = nil, uncordon: Bool? = nil, session: String, until: Double) {
    self.replicas = replicas
    self.uncordon = uncordon
    self.session = session
    self.until = safeInt(until)
  }

  /// The note an object carries, when it carries one that reads as a note.
  public static func on(_ annotations: [String: String]?) -> RestoreNote? {
    guard let raw = annotations?[UndoLedger.restoreAnnotation] else { return nil }
    return try? JSONDecoder().decode(RestoreNote.self, from: Data(raw.utf8))
  }

  /// The merge patch that puts this note on an object, with `spec` beside it when given.
  public func patch(spec: [String: Any]? = nil) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let note = String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    var body: [String: Any] = ["metadata": ["annotations": [UndoLedger.restoreAnnotation: note]]]
    if let spec { body["spec"] = spec }
    return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]))
      ?? Data()
  }
}
