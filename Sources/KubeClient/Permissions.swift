import ClusterState
import Foundation
import Transport

extension KubeCluster {
  // MARK: - Permissions

  /// Asks the API server, with a SelfSubjectAccessReview a fault and namespace, which faults the user
  /// may inject in each new namespace; the answers come back as `.permissions` actions.
  public func checkPermissions(namespaces: Set<String>) {
    let fresh = cacheLock.withLock { () -> [String] in
      let new = namespaces.subtracting(checkedNamespaces)
      checkedNamespaces.formUnion(new)
      return new.sorted()
    }
    guard !fresh.isEmpty else { return }
    Thread.detachNewThread { [self] in
      guard let http = try? makeClient() else { return }
      for ns in fresh {
        var denied: [FaultKind: String] = [:]
        var answers: [String: Bool] = [:]
        for kind in FaultKind.allCases {
          guard let p = kind.descriptor.needs.permission else { continue }
          let key = "\(p.verb) \(p.group)/\(p.resource)/\(p.subresource)"
          if answers[key] == nil {
            // Nodes have no namespace: the question is cluster-wide.
            let review: [String: Any] = [
              "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": [
                "resourceAttributes": [
                  "namespace": p.resource == "nodes" ? "" : ns, "verb": p.verb, "group": p.group,
                  "resource": p.resource, "subresource": p.subresource,
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
            else { continue }  // no answer: leave the key enabled; the API will say Forbidden if it must
            answers[key] = a.status.allowed
          }
          if answers[key] == false {
            let what =
              (p.group.isEmpty ? p.resource : p.resource + "." + p.group)
              + (p.subresource.isEmpty ? "" : "/" + p.subresource)
            denied[kind] =
              "forbidden: \(connection.userName) may not \(p.verb) \(what)" + (p.resource == "nodes" ? "" : " in \(ns)")
          }
        }
        log?(
          "permissions in \(ns): \(denied.isEmpty ? "every fault allowed" : denied.keys.map(\.rawValue).sorted().joined(separator: ", ") + " denied")"
        )
        inbox.post([.permissions(namespace: ns, denied: denied)])
      }
    }
  }
}
