import ClusterState
import Foundation
import Transport

extension KubeCluster {
  // MARK: - Chaos Mesh

  /// Whether the Chaos Mesh CRDs are served; faults that need them are unavailable otherwise.
  func discoverChaosMesh() {
    let inbox = self.inbox
    let log = self.log
    Thread.detachNewThread { [self] in
      waitForFirstView()
      var missing: [String] = ChaosMesh.plurals
      var why = "Chaos Mesh is not installed (no chaos-mesh.org/v1alpha1 API)"
      for attempt in 0..<20 {
        do {
          let http = try makeClient()
          let r = try http.send("GET", "/apis/chaos-mesh.org/v1alpha1")
          if r.status == 200 {
            struct Resources: Decodable {
              struct R: Decodable { var name: String }
              var resources: [R]
            }
            let served = Set((try? JSONDecoder().decode(Resources.self, from: r.body))?.resources.map(\.name) ?? [])
            missing = missing.filter { !served.contains($0) }
            why = ""
          }
          break
        } catch {
          // Not reachable yet: try again while the informers connect.
          sleep(min(5, 0.5 * Double(attempt + 1)))
        }
      }
      var unavailable: [FaultKind: String] = [:]
      for kind in FaultKind.allCases {
        // Each fault its own reason: the group missing, or this kind's CRD.
        switch kind.descriptor.needs {
        case .chaosMesh(let plural, _) where missing.contains(plural):
          unavailable[kind] = why.isEmpty ? "Chaos Mesh does not serve \(plural) (its CRD is not installed)" : why
        case .onNode: unavailable[kind] = FaultExecutor.nodeStopReason
        case .chaosMesh, .api: break
        }
      }
      log?(
        "chaos mesh: "
          + (missing.isEmpty ? "available" : why.isEmpty ? "not served: " + missing.joined(separator: ", ") : why))
      inbox.post([.faultsUnavailable(unavailable)])
      for plural in ChaosMesh.plurals where !missing.contains(plural) {
        self.watchChaos(plural)
      }
    }
  }

  /// An informer of chaostui's Chaos Mesh resources: one this session made that disappears without
  /// chaostui deleting it (kubectl delete, another tool) ends its fault in the console.
  func watchChaos(_ plural: String) {
    let path =
      (namespace.map { "/apis/\(ChaosMesh.group)/namespaces/\($0)/\(plural)" } ?? "/apis/\(ChaosMesh.group)/\(plural)")
      + "?labelSelector=" + ChaosMesh.managedBy + "%3Dchaostui"
    // Only the names matter: a list says which are still there, a DELETED event which one went.
    let kind = InformedKind<ChaosItem, String>(
      convert: { $0.metadata.name }, listed: { [self] names in goneChaos(plural, present: Set(names)) },
      changed: { [self] type, name in type == "DELETED" ? goneChaos(plural, deleted: name) : [] })
    informers.follow(kind, name: plural, path: path)
  }

  /// A Chaos Mesh resource as its informer reads it: the name is all it needs.
  struct ChaosItem: Decodable {
    struct Meta: Decodable { var name: String }
    var metadata: Meta
  }

  /// Faults whose Chaos Mesh resource is gone from the cluster though chaostui did not delete it.
  func goneChaos(_ plural: String, present: Set<String>? = nil, deleted: String? = nil) -> [Action] {
    let gone = ledger.takeGoneChaos(
      plural: plural, present: present, deleted: deleted, settledBefore: clock() - 10)
    for id in gone {
      ledger.forget(id)
      audit("fault \(id): its \(plural) was deleted outside chaostui")
    }
    return gone.map { .faultEnded(id: $0, time: clock(), reason: "deleted in the cluster") }
  }
}
