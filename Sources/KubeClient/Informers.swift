import ClusterState
import Foundation
import Transport

/// One kind the informers follow, declared once: how an object of the API becomes the model's
/// value (nil: not shown, such as a ReplicaSet a Deployment owns), and which actions a complete
/// list and a watch event make.
struct InformedKind<Wire: Decodable, Value>: @unchecked Sendable {
  let convert: (Wire) -> Value?
  let listed: ([Value]) -> [Action]
  let changed: (_ type: String, Value) -> [Action]

  func page(_ data: Data) throws -> ListPage<Value> {
    let l = try JSONDecoder().decode(KubeDecode.List<Wire>.self, from: data)
    return ListPage(
      l.items.compactMap(convert), resourceVersion: l.metadata?.resourceVersion,
      continueToken: l.metadata?.continue, served: l.items.count)
  }

  func event(_ type: String, _ data: Data) throws -> [Action] {
    let e = try JSONDecoder().decode(KubeDecode.Event<Wire>.self, from: data)
    return convert(e.object).map { changed(type, $0) } ?? []
  }
}

extension Informers {
  /// Deployments, StatefulSets and ReplicaSets; a ReplicaSet a controller owns is shown through it.
  static func workloads(_ kind: WorkloadKind, now: @escaping () -> Double) -> InformedKind<
    KubeDecode.KWorkload, Workload
  > {
    InformedKind(
      convert: { ownedReplicaSet($0, kind) ? nil : KubeDecode.workload($0, kind: kind, now: now()) },
      listed: { [.workloadsReplaced(kind: kind, $0)] },
      changed: { $0 == "DELETED" ? [.workloadDeleted(id: $1.id)] : [.workloadUpserted($1)] })
  }

  /// A ReplicaSet a controller (a Deployment) owns: its pods belong to that controller.
  static func ownedReplicaSet(_ k: KubeDecode.KWorkload, _ kind: WorkloadKind) -> Bool {
    kind == .replicaSet && (k.metadata.ownerReferences?.contains { $0.controller == true } ?? false)
  }

  static let nodes = InformedKind<KubeDecode.KNode, Node>(
    convert: KubeDecode.node, listed: { [.nodesReplaced($0)] },
    changed: { $0 == "DELETED" ? [.nodeDeleted(name: $1.name)] : [.nodeUpserted($1)] })

  static let hpas = InformedKind<KubeDecode.KHPA, HPA>(
    convert: KubeDecode.hpa, listed: { [.hpasReplaced($0)] },
    changed: { $0 == "DELETED" ? [.hpaDeleted(id: $1.id)] : [.hpaUpserted($1)] })

  /// Events since `since` (older ones are history, not the timeline); a deleted event is no news.
  static func events(since: Double) -> InformedKind<KubeDecode.KEvent, ClusterEvent> {
    InformedKind(
      convert: { e in
        let ev = KubeDecode.event(e)
        return ev.time >= since ? ev : nil
      }, listed: { $0.map { .event($0) } }, changed: { $0 == "DELETED" ? [] : [.event($1)] })
  }

  static func podEvent(_ type: String, _ data: Data) throws -> [Action] {
    let e = try JSONDecoder().decode(KubeDecode.Event<KubeDecode.KPod>.self, from: data)
    let pod = KubeDecode.pod(e.object)
    return type == "DELETED" ? [.podDeleted(id: pod.id)] : [.podUpserted(pod)]
  }

  static func workloadItems(_ data: Data, _ kind: WorkloadKind, now: Double = Date().timeIntervalSince1970) throws
    -> ListPage<Workload>
  { try workloads(kind, now: { now }).page(data) }

  static func workloadEvent(
    _ type: String, _ data: Data, _ kind: WorkloadKind, now: Double = Date().timeIntervalSince1970
  ) throws -> [Action] { try workloads(kind, now: { now }).event(type, data) }

  /// Follows a kind at `path` with a reflector of its own.
  func follow<Wire: Decodable & SendableMetatype, Value>(
    _ kind: InformedKind<Wire, Value>, name: String, path: String, resource: String? = nil,
    clusterScoped: Bool = false, optional: Bool = true, newsOnly: Bool = false
  ) {
    run(
      name: name, path: path, resource: resource, clusterScoped: clusterScoped, optional: optional,
      newsOnly: newsOnly, decode: { try kind.page($0) }, onList: { kind.listed($0) },
      onEvent: { try kind.event($0, $1) })
  }

  /// The informer table: every kind the console shows, where it is, and how it is read.
  func start() {
    let ns = namespace
    let base = { @Sendable (group: String, resource: String) -> String in
      let prefix = group.isEmpty ? "/api/v1" : "/apis/" + group
      return ns.map { "\(prefix)/namespaces/\($0)/\(resource)" } ?? "\(prefix)/\(resource)"
    }
    // Pods first, through the fast decoder, with a first view from the server's tables.
    run(
      name: "pods", path: base("", "pods"), optional: false, preview: { [self] in podsPreview($0) },
      streamItem: { try KubeDecode.onePod($0) },
      streamProtoItem: { try KubeDecode.protoPod($0) },
      decode: {
        let l = try KubeDecode.podList($0)
        return ListPage(l.items, resourceVersion: l.resourceVersion, continueToken: l.continue)
      },
      onList: { [podsSteps] in
        podsSteps.listed()
        return [.podsReplaced($0)]
      },
      onEvent: { try Informers.podEvent($0, $1) })
    let clock = self.clock
    for (kind, plural) in [
      (WorkloadKind.deployment, "deployments"), (.statefulSet, "statefulsets"), (.replicaSet, "replicasets"),
    ] {
      follow(Informers.workloads(kind, now: clock), name: plural, path: base("apps/v1", plural))
    }
    // Events: news only (the timeline's), so no list of the last hour's events.
    follow(Informers.events(since: clock() - 5), name: "events", path: base("", "events"), newsOnly: true)
    // Nodes are cluster-scoped: users without that right still get everything else.
    follow(Informers.nodes, name: "nodes", path: "/api/v1/nodes", clusterScoped: true)
    // HPAs: autoscaling/v2 where served (1.23+), else v2beta2, chosen from discovery.
    Thread.detachNewThread { [self] in
      let version = discoverVersion("autoscaling", ["v2", "v2beta2"]) ?? "v2beta2"
      log?("hpa: autoscaling/\(version)")
      follow(
        Informers.hpas, name: "hpas", path: base("autoscaling/" + version, "horizontalpodautoscalers"),
        resource: "horizontalpodautoscalers")
    }
  }
}
