import ClusterState
import Foundation
import Transport

/// Which faults the user may inject, asked of the API server with SelfSubjectAccessReviews: one
/// question a verb and resource (the fault table's `needs`), each namespace once; the answers come
/// back as `.permissions` actions, a denied fault greyed with its own reason.
final class PermissionChecker: @unchecked Sendable {
  let userName: String
  let makeClient: @Sendable () throws -> HTTPClient
  let post: @Sendable ([Action]) -> Void
  let log: @Sendable (String) -> Void
  private let lock = NSLock()
  private var checked = Set<String>()

  init(
    userName: String, makeClient: @escaping @Sendable () throws -> HTTPClient,
    post: @escaping @Sendable ([Action]) -> Void, log: @escaping @Sendable (String) -> Void
  ) {
    self.userName = userName
    self.makeClient = makeClient
    self.post = post
    self.log = log
  }

  /// Asks about the namespaces not asked about yet, on a thread of its own.
  func check(namespaces: Set<String>) {
    let fresh = lock.withLock { () -> [String] in
      let new = namespaces.subtracting(checked)
      checked.formUnion(new)
      return new.sorted()
    }
    guard !fresh.isEmpty else { return }
    Thread.detachNewThread { [self] in
      guard let http = try? makeClient() else { return }
      for ns in fresh {
        let denied = denials(in: ns, http)
        log(
          "permissions in \(ns): \(denied.isEmpty ? "every fault allowed" : denied.keys.map(\.rawValue).sorted().joined(separator: ", ") + " denied")"
        )
        post([.permissions(namespace: ns, denied: denied)])
      }
    }
  }

  /// The faults denied in `ns`, each with its reason. A question the server does not answer leaves
  /// its faults enabled: the API will say Forbidden if it must.
  func denials(in ns: String, _ http: HTTPClient) -> [FaultKind: String] {
    var denied: [FaultKind: String] = [:]
    var answers: [String: Bool] = [:]
    for kind in FaultKind.allCases {
      guard let p = kind.descriptor.needs.permission else { continue }
      let key = "\(p.verb) \(p.group)/\(p.resource)/\(p.subresource)"
      if answers[key] == nil {
        // Nodes have no namespace: the question is cluster-wide.
        guard let allowed = ask(p, namespace: p.resource == "nodes" ? "" : ns, http) else { continue }
        answers[key] = allowed
      }
      if answers[key] == false {
        let what =
          (p.group.isEmpty ? p.resource : p.resource + "." + p.group)
          + (p.subresource.isEmpty ? "" : "/" + p.subresource)
        denied[kind] = "forbidden: \(userName) may not \(p.verb) \(what)" + (p.resource == "nodes" ? "" : " in \(ns)")
      }
    }
    return denied
  }

  /// One SelfSubjectAccessReview; nil when there is no answer.
  func ask(
    _ p: (verb: String, group: String, resource: String, subresource: String), namespace: String, _ http: HTTPClient
  ) -> Bool? {
    let review: [String: Any] = [
      "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
      "spec": [
        "resourceAttributes": [
          "namespace": namespace, "verb": p.verb, "group": p.group, "resource": p.resource,
          "subresource": p.subresource,
        ]
      ],
    ]
    struct Answer: Decodable {
      struct Status: Decodable { var allowed: Bool }
      var status: Status
    }
    guard let body = try? JSONSerialization.data(withJSONObject: review),
      let r = try? http.send("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: body),
      (200..<300).contains(r.status), let a = try? JSONDecoder().decode(Answer.self, from: r.body)
    else { return nil }
    return a.status.allowed
  }
}

extension KubeCluster {
  /// Which faults the user may inject in each namespace shown (asked once a namespace).
  public func checkPermissions(namespaces: Set<String>) { permissions.check(namespaces: namespaces) }
}
