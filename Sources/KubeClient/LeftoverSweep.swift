import ClusterState
import Foundation
import Transport

extension KubeCluster {
  /// Sets back what an earlier chaostui run changed and could not undo (it was killed with -9, the
  /// machine died): workloads and nodes whose restore note has expired, and Chaos Mesh resources of
  /// other sessions past their duration. What is still within its time is left alone (another
  /// chaostui may be running it).
  func sweepLeftovers() {
    guard let http = try? makeClient() else { return }
    let now = clock()
    struct Item: Decodable {
      struct Meta: Decodable {
        var name: String
        var namespace: String?
        var annotations: [String: String]?
        var labels: [String: String]?
        var creationTimestamp: String?
      }
      struct Spec: Decodable { var duration: String? }
      var metadata: Meta
      var spec: Spec?
    }
    struct Items: Decodable { var items: [Item]? }
    struct Note: Decodable {
      var replicas: Int?
      var uncordon: Bool?
      var session: String?
      var until: Double?
    }
    func list(_ path: String) -> [Item] {
      guard let r = try? http.send("GET", path), r.status == 200 else { return [] }
      return (try? JSONDecoder().decode(Items.self, from: r.body))?.items ?? []
    }
    let scope = { (group: String, plural: String) -> String in
      let prefix = group.isEmpty ? "/api/v1" : "/apis/" + group
      return self.namespace.map { "\(prefix)/namespaces/\($0)/\(plural)" } ?? "\(prefix)/\(plural)"
    }
    var restored = 0
    func restore(_ change: UndoLedger.Change, _ session: String?) {
      do {
        let (what, status) = try UndoLedger.undo(change, http)
        audit("restore leftover of session \(session ?? "?"): \(what): \(status)")
      } catch {
        audit("restore leftover of session \(session ?? "?") failed: \(error)")
      }
    }
    for plural in ["deployments", "statefulsets"] {
      for item in list(scope("apps/v1", plural)) {
        guard let raw = item.metadata.annotations?[KubeCluster.restoreAnnotation],
          let note = try? JSONDecoder().decode(Note.self, from: Data(raw.utf8)), let replicas = note.replicas,
          (note.until ?? 0) < now, let ns = item.metadata.namespace
        else { continue }
        let path = "/apis/apps/v1/namespaces/\(ns)/\(plural)/\(item.metadata.name)"
        let label = "\(plural) \(ns)/\(item.metadata.name)"
        restore(.replicas(objectPath: path, replicas: replicas, label: label), note.session)
        restored += 1
      }
    }
    if namespace == nil {
      for item in list("/api/v1/nodes") {
        guard let raw = item.metadata.annotations?[KubeCluster.restoreAnnotation],
          let note = try? JSONDecoder().decode(Note.self, from: Data(raw.utf8)), note.uncordon == true,
          (note.until ?? 0) < now
        else { continue }
        restore(.uncordon(node: item.metadata.name), note.session)
        restored += 1
      }
    }
    for plural in ChaosMesh.plurals {
      let selector = "?labelSelector=" + ChaosMesh.managedBy + "%3Dchaostui"
      for item in list(scope(ChaosMesh.group, plural) + selector) {
        guard let ns = item.metadata.namespace, item.metadata.labels?[ChaosMesh.sessionLabel] != session,
          let created = item.metadata.creationTimestamp.flatMap(KubeTime.parse)
        else { continue }
        let duration = item.spec?.duration.flatMap(KubeCluster.goDuration) ?? 60
        guard created + duration < now else { continue }
        restore(
          .chaos(ChaosMesh.Resource(plural: plural, namespace: ns, name: item.metadata.name)),
          item.metadata.labels?[ChaosMesh.sessionLabel])
        restored += 1
      }
    }
    if restored > 0 {
      inbox.post([.notice("Set back \(restored) change(s) an earlier chaostui left behind (see the audit log)")])
    }
  }

  /// Seconds of a Go duration ("90s", "5m", "1h30m", "1.5h"); nil when unreadable.
  static func goDuration(_ s: String) -> Double? {
    var total = 0.0
    var number = ""
    var found = false
    var i = s.startIndex
    while i < s.endIndex {
      let c = s[i]
      if c.isNumber || c == "." {
        number.append(c)
        i = s.index(after: i)
        continue
      }
      var unit = String(c)
      let next = s.index(after: i)
      if c == "m" && next < s.endIndex && s[next] == "s" { unit = "ms" }
      guard let v = Double(number), let scale = ["h": 3600, "m": 60, "s": 1, "ms": 0.001][unit] else { return nil }
      total += v * scale
      found = true
      number = ""
      i = s.index(i, offsetBy: unit.count)
    }
    return found && number.isEmpty ? total : nil
  }
}
