import ClusterState
import Foundation
import Transport

/// Finds what earlier chaostui sessions of this user left in the cluster (a session killed with -9,
/// a machine that died) and sets it back only when the user says so.
///
/// A restore note in the cluster (`chaostui.io/restore` on a workload or node, a Chaos Mesh
/// resource labelled by chaostui) is something anyone who can annotate may write: it never decides
/// a write. What is set back, and to what, comes from this user's own record on this machine
/// (`ChangeBook`); a note no record backs is listed as left alone. Nothing is sent in a read-only
/// or dry-run session; at most `maxRestores` changes are set back at once; a workload whose replicas
/// changed since the session set them is left as it is; each audit line says what was sent and what
/// came back.
final class LeftoverSweeper: @unchecked Sendable {
  unowned let cluster: KubeCluster
  static let maxRestores = 20
  /// Notes no record backs, listed one by one up to this many (then counted).
  static let maxListed = 20
  private let lock = NSLock()
  private var candidates: [Int: ChangeBook.Record] = [:]

  init(cluster: KubeCluster) { self.cluster = cluster }

  struct Item: Decodable {
    struct Meta: Decodable {
      var name: String
      var namespace: String?
      var annotations: [String: String]?
      var labels: [String: String]?
      var creationTimestamp: String?
    }
    struct Spec: Decodable {
      var duration: String?
      var unschedulable: Bool?
    }
    var metadata: Meta
    var spec: Spec?
  }
  struct Items: Decodable { var items: [Item]? }

  func sweep() {
    guard let http = try? cluster.makeClient() else { return }
    let now = cluster.clock()
    let mine =
      (cluster.ledger.book?.records(server: cluster.connection.server, user: cluster.connection.userName) ?? [])
      .filter { $0.session != cluster.session }
    var found: [Leftover] = []
    var ready: [(Leftover, ChangeBook.Record)] = []
    var unbacked: [Leftover] = []
    func add(_ what: String, _ session: String, _ status: Leftover.Status, _ detail: String) -> Leftover {
      Leftover(
        id: found.count + ready.count + unbacked.count + 1, what: what, session: session, status: status, detail: detail
      )
    }
    // This user's own records, past their time: each checked against the cluster as it is now.
    for r in mine where r.until < now {
      switch check(r, http) {
      case .gone(let why):
        cluster.ledger.book?.remove(session: r.session, fault: r.fault)
        cluster.audit(
          "leftover of session \(r.session): \(Self.words(r.change)): \(why); its record removed", sent: false)
      case .changed(let why): found.append(add(Self.words(r.change), r.session, .leftAlone, why))
      case .ready: ready.append((add(Self.words(r.change), r.session, .awaiting, ""), r))
      }
    }
    // Restore notes in the cluster that no record of this user's backs.
    let backed = Set(mine.map { Self.target($0.change) })
    for (target, session) in notes(http, now: now) where !backed.contains(target) {
      unbacked.append(
        add(
          target, session, .notYours,
          "no record of your sessions on this machine backs it (someone else's, or made elsewhere): nothing sent"))
    }
    for (i, (l, r)) in ready.enumerated() {
      var l = l
      if cluster.readOnly || cluster.dryRun {
        l.status = .leftAlone
        l.detail = (cluster.readOnly ? "read-only session" : "dry run") + ": nothing sent"
      } else if i >= Self.maxRestores {
        l.status = .leftAlone
        l.detail = "more than \(Self.maxRestores) at once: not set back (see the audit log)"
      } else {
        lock.withLock { candidates[l.id] = r }
      }
      found.append(l)
    }
    if unbacked.count > Self.maxListed {
      let more = unbacked.count - Self.maxListed
      unbacked = Array(unbacked.prefix(Self.maxListed))
      unbacked.append(add("\(more) more restore note(s)", "-", .notYours, "not listed one by one: nothing sent"))
    }
    found += unbacked
    guard !found.isEmpty else { return }
    for l in found { cluster.audit("leftover: " + l.line, sent: false) }
    var actions: [Action] = [.leftovers(.found(found.sorted { $0.id < $1.id }))]
    if cluster.restoreLeftoversWithoutAsking && found.contains(where: { $0.status == .awaiting }) {
      actions.append(.leftovers(.answer(restore: true)))
    }
    cluster.inbox.post(actions)
  }

  /// Sets back the leftovers the user said yes to (each checked again first).
  func restore(_ ids: [Int]) {
    guard let http = try? cluster.makeClient() else { return }
    for id in ids {
      guard let r = lock.withLock({ candidates.removeValue(forKey: id) }) else { continue }
      if case .changed(let why) = check(r, http) {
        cluster.inbox.post([.leftovers(.result(id: id, restored: false, detail: why))])
        continue
      }
      do {
        let u = try UndoLedger.undo(r.change, http)
        cluster.audit("restore leftover of session \(r.session): \(u.sent)")
        let ok = (200..<300).contains(u.status)
        if ok || u.status == 404 { cluster.ledger.book?.remove(session: r.session, fault: r.fault) }
        cluster.inbox.post([.leftovers(.result(id: id, restored: ok, detail: "HTTP \(u.status)"))])
      } catch {
        cluster.audit("restore leftover of session \(r.session): \(Self.words(r.change)): failed: \(error)")
        cluster.inbox.post([.leftovers(.result(id: id, restored: false, detail: "\(error)"))])
      }
    }
  }

  enum Check {
    /// Nothing left to set back (the object is gone, or it was set back already).
    case gone(String)
    /// Changed since the session made the change: left as it is.
    case changed(String)
    case ready
  }

  /// Whether a record's change is still in the cluster as the session left it.
  func check(_ r: ChangeBook.Record, _ http: HTTPClient) -> Check {
    func get(_ path: String) -> Item? {
      guard let resp = try? http.send("GET", path), resp.status == 200 else { return nil }
      return try? JSONDecoder().decode(Item.self, from: resp.body)
    }
    func noted(_ i: Item) -> Bool { RestoreNote.on(i.metadata.annotations)?.session == r.session }
    switch r.change {
    case .replicas(let path, _, _):
      guard let obj = get(path) else { return .gone("the workload is gone") }
      guard noted(obj) else { return .gone("its restore note is gone (set back already)") }
      struct Scale: Decodable {
        struct Spec: Decodable { var replicas: Int? }
        var spec: Spec?
      }
      let now = (try? http.send("GET", path + "/scale")).flatMap { r in
        r.status == 200 ? (try? JSONDecoder().decode(Scale.self, from: r.body))?.spec?.replicas : nil
      }
      if let set = r.setTo, let now, now != set {
        return .changed("its replicas are \(now) now, not the \(set) your session set: changed since")
      }
      return .ready
    case .uncordon(let node):
      guard let obj = get("/api/v1/nodes/\(seg(node))") else { return .gone("the node is gone") }
      guard noted(obj) else { return .gone("its restore note is gone (set back already)") }
      guard obj.spec?.unschedulable == true else { return .gone("it is schedulable again") }
      return .ready
    case .chaos(let res):
      guard let obj = get(res.path) else { return .gone("the resource is gone") }
      guard obj.metadata.labels?[ChaosMesh.sessionLabel] == r.session else {
        return .changed("it does not carry your session's label")
      }
      return .ready
    }
  }

  /// Restore notes in the cluster past their time and Chaos Mesh resources of other sessions past
  /// their duration: what each would set back, and the session the note names.
  func notes(_ http: HTTPClient, now: Double) -> [(String, String)] {
    func list(_ path: String) -> [Item] {
      guard let r = try? http.send("GET", path), r.status == 200 else { return [] }
      return (try? JSONDecoder().decode(Items.self, from: r.body))?.items ?? []
    }
    let scope = { (group: String, plural: String) -> String in
      let prefix = group.isEmpty ? "/api/v1" : "/apis/" + group
      return self.cluster.namespace.map { "\(prefix)/namespaces/\($0)/\(plural)" } ?? "\(prefix)/\(plural)"
    }
    func session(_ i: Item) -> String? {
      guard i.metadata.annotations?[UndoLedger.restoreAnnotation] != nil else { return nil }
      return String((RestoreNote.on(i.metadata.annotations)?.session ?? "?").prefix(40))
    }
    var out: [(String, String)] = []
    for plural in ["deployments", "statefulsets"] {
      for item in list(scope("apps/v1", plural)) {
        guard let s = session(item), let ns = item.metadata.namespace else { continue }
        out.append(
          (
            Self.target(
              .replicas(
                objectPath: "/apis/apps/v1/namespaces/\(seg(ns))/\(plural)/\(seg(item.metadata.name))", replicas: 0,
                label: "\(plural) \(ns)/\(item.metadata.name)")), s
          ))
      }
    }
    if cluster.namespace == nil {
      for item in list("/api/v1/nodes") {
        guard let s = session(item) else { continue }
        out.append((Self.target(.uncordon(node: item.metadata.name)), s))
      }
    }
    for plural in ChaosMesh.plurals {
      let selector = "?labelSelector=" + ChaosMesh.managedBy + "%3Dchaostui"
      for item in list(scope(ChaosMesh.group, plural) + selector) {
        let s = item.metadata.labels?[ChaosMesh.sessionLabel] ?? "?"
        guard let ns = item.metadata.namespace, s != cluster.session,
          let created = item.metadata.creationTimestamp.flatMap(Timestamps.parse)
        else { continue }
        let duration = item.spec?.duration.flatMap({ Durations.seconds($0) }) ?? 60
        guard created + duration < now else { continue }
        out.append(
          (
            Self.target(.chaos(ChaosMesh.Resource(plural: plural, namespace: ns, name: item.metadata.name))),
            String(s.prefix(40))
          ))
      }
    }
    return out
  }

  /// The object a change is on, in words (the key that ties a note to a record).
  static func target(_ c: UndoLedger.Change) -> String {
    switch c {
    case .replicas(_, _, let label): return "scale \(label) back"
    case .uncordon(let node): return "uncordon node \(node)"
    case .chaos(let r): return "delete \(r.plural) \(r.namespace)/\(r.name)"
    }
  }

  /// What setting a change back means, in words.
  static func words(_ c: UndoLedger.Change) -> String {
    if case .replicas(_, let n, _) = c { return target(c) + " to \(n)" }
    return target(c)
  }
}
