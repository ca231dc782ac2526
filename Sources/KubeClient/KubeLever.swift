import ClusterState
import Foundation
import Transport

/// The team's safety lever on a real cluster: a ConfigMap (`chaostui-system/chaostui-lever` unless
/// told otherwise) every chaostui watches with a reflector of its own (list, then watch, the one
/// object by `fieldSelector`). Its `data` holds `engaged`, `by`, `at` and `reason`; who may move it
/// is who RBAC lets write it. A lever that cannot be read (forbidden, a watch that fails) is
/// unknown, never "released".
public final class KubeLever: SafetyLeverSource, @unchecked Sendable {
  public let namespace: String
  public let name: String
  let userName: String
  let makeClient: @Sendable () throws -> HTTPClient
  public var log: (@Sendable (String) -> Void)?
  public var dryRun = false
  private let lock = NSLock()
  private let stopFlag = StopFlag()
  private var last: SafetyLever?
  private var reflector: Reflector<SafetyLever>?

  public var location: String { "configmap \(namespace)/\(name)" }

  public static let defaultNamespace = "chaostui-system"
  public static let defaultName = "chaostui-lever"

  public init(
    namespace: String, name: String, userName: String, makeClient: @escaping @Sendable () throws -> HTTPClient
  ) {
    self.namespace = namespace
    self.name = name
    self.userName = userName
    self.makeClient = makeClient
  }

  var collection: String { "/api/v1/namespaces/\(namespace)/configmaps" }

  public func start(inbox: Inbox) {
    let location = location
    let r = Reflector<SafetyLever>(
      name: "lever", path: collection + "?fieldSelector=metadata.name%3D" + name,
      request: APIError.Request(verb: "watch", resource: "configmaps", namespace: namespace, user: userName),
      makeClient: makeClient,
      decode: { data in
        let list = try Self.object(data)
        let items = (list["items"] as? [[String: Any]] ?? []).map { Self.lever($0, location: location) }
        let meta = list["metadata"] as? [String: Any]
        return ListPage(
          items, resourceVersion: meta?["resourceVersion"] as? String, continueToken: meta?["continue"] as? String)
      },
      onList: { items in [.lever(items.first ?? SafetyLever(status: .released, location: location))] },
      onEvent: { type, line in
        let event = try Self.object(line)
        guard let object = event["object"] as? [String: Any] else { return [] }
        if type == "DELETED" { return [.lever(SafetyLever(status: .released, location: location))] }
        return [.lever(Self.lever(object, location: location))]
      },
      post: { [weak self] actions in self?.post(actions, inbox: inbox) })
    r.log = log
    r.isStopped = { [weak self] in self?.isStopped ?? true }
    lock.lock()
    reflector = r
    lock.unlock()
    Thread.detachNewThread { r.run() }
  }

  /// The reflector's actions as the lever's: its connection's failures make the lever unknown (the
  /// cluster's own watches say how the cluster is). Only changes are posted.
  func post(_ actions: [Action], inbox: Inbox) {
    var out: [Action] = []
    for a in actions {
      var lever: SafetyLever?
      switch a {
      case .lever(let l): lever = l
      case .connection(.disconnected(let why)): lever = SafetyLever(status: .unknown, problem: why, location: location)
      default: break
      }
      guard let lever else { continue }
      lock.lock()
      let changed = lever != last
      last = lever
      lock.unlock()
      if changed { out.append(.lever(lever)) }
    }
    if !out.isEmpty { inbox.post(out) }
  }

  public func stop() { stopFlag.stop() }
  var isStopped: Bool { stopFlag.isStopped }

  static func object(_ data: Data) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw APIError(.undecodable, status: 200, message: "the lever is not a JSON object")
    }
    return o
  }

  /// The lever a ConfigMap holds (its `data`; text values only).
  static func lever(_ object: [String: Any], location: String) -> SafetyLever {
    let data = object["data"] as? [String: Any] ?? [:]
    var fields: [String: String] = [:]
    for (k, v) in data { if let s = v as? String { fields[k] = s } }
    return SafetyLever.from(fields: fields, location: location)
  }

  /// Writes the lever: a merge patch of its data, or the ConfigMap made when there is none. What
  /// the server refuses comes back in words (`.leverMoveFailed`).
  public func move(_ move: LeverMove, at time: Seconds, inbox: Inbox) {
    let lever = SafetyLever(
      status: move.engage ? .engaged : .released, by: move.by, at: time, reason: move.reason, location: location)
    Thread.detachNewThread { [self] in
      do {
        try write(lever)
        log?("audit: lever \(lever.status.rawValue) at \(location) by \(Sanitize.line(move.by))")
      } catch {
        log?("lever: \(Sanitize.line("\(error)"))")
        inbox.post([.leverMoveFailed("\(error)")])
      }
    }
  }

  func write(_ lever: SafetyLever) throws {
    let http = try makeClient()
    let dry = dryRun ? "?dryRun=All" : ""
    let patch = try JSONSerialization.data(
      withJSONObject: ["data": lever.fields], options: [.sortedKeys, .withoutEscapingSlashes])
    let r = try http.request(
      "PATCH", collection + "/" + name + dry, body: patch, contentType: "application/merge-patch+json",
      accept: "application/json", timeout: 10)
    if (200..<300).contains(r.status) { return }
    guard r.status == 404 else { throw refusal(r.status, r.body, verb: "patch") }
    let object: [String: Any] = [
      "apiVersion": "v1", "kind": "ConfigMap",
      "metadata": [
        "name": name, "namespace": namespace, "labels": ["app.kubernetes.io/managed-by": "chaostui"],
      ],
      "data": lever.fields,
    ]
    let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    let c = try http.request(
      "POST", collection + dry, body: body, contentType: "application/json", accept: "application/json", timeout: 10)
    if (200..<300).contains(c.status) { return }
    if c.status == 404 {
      throw APIError(
        .notFound, status: 404,
        message:
          "namespace \(namespace) does not exist: create it (kubectl create namespace \(namespace)) or choose another lever with --lever NAMESPACE/NAME"
      )
    }
    throw refusal(c.status, c.body, verb: "create")
  }

  func refusal(_ status: Int, _ body: Data, verb: String) -> APIError {
    APIError.from(
      status: status, body: body,
      request: APIError.Request(verb: verb, resource: "configmaps", namespace: namespace, user: userName))
  }
}
