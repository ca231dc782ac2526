// What crosses between one context's cluster and a session of several: its actions come in with
// its alias put before every namespace, node and zone; the effects meant for it go out without it.

/// The translation of one context of a session of several (the `index`th of `count`).
public struct ContextTranslation: Sendable {
  public let alias: String
  public let index: Int
  public let count: Int
  public init(alias: String, index: Int, count: Int) {
    self.alias = alias
    self.index = index
    self.count = count
  }

  @inline(__always) func q(_ name: String) -> String { ContextName.qualify(alias, name) }
  /// A "namespace/name" id (or a node's, a zone's name).
  @inline(__always) func qid(_ id: String) -> String { ContextName.qualify(alias, id) }

  /// The name without this context's alias (nil: another context's, or no context's).
  public func local(_ name: String) -> String? {
    let (a, rest) = ContextName.split(name)
    return a == alias ? rest : nil
  }

  // MARK: in

  func inward(_ p: Pod) -> Pod {
    var p = p
    p.namespace = q(p.namespace)
    p.node = p.node.map(q)
    return p
  }
  func inward(_ w: Workload) -> Workload {
    var w = w
    w.namespace = q(w.namespace)
    return w
  }
  func inward(_ h: HPA) -> HPA {
    var h = h
    h.namespace = q(h.namespace)
    return h
  }
  func inward(_ n: Node) -> Node {
    var n = n
    n.name = q(n.name)
    n.zone = q(n.zone)
    return n
  }
  func inward(_ r: LogRequest) -> LogRequest {
    var r = r
    r.namespace = q(r.namespace)
    return r
  }
  /// Leftover ids are the cluster's sweep's own: several contexts' are told apart by the index.
  public func inwardLeftover(_ id: Int) -> Int { id * count + index }
  public func outwardLeftover(_ id: Int) -> Int? { id % count == index ? id / count : nil }

  /// The action as the session of several sees it: every namespace, node and zone of this context
  /// named with its alias. A relist is scoped to this context (`.inContext`); what says how the
  /// cluster is doing (its connection, what it cannot do) is the caller's to turn into the
  /// context's status. Exhaustive: a new action must say what of it names the cluster's objects.
  public func inward(_ a: Action) -> Action {
    switch a {
    case .podUpserted(let p): return .podUpserted(inward(p))
    case .podDeleted(let id): return .podDeleted(id: qid(id))
    case .podsReplaced(let ps): return .inContext(alias: alias, .podsReplaced(ps.map(inward)))
    case .podsPreview(let ps): return .inContext(alias: alias, .podsPreview(ps.map(inward)))
    case .podsFirstPage(let ps): return .inContext(alias: alias, .podsFirstPage(ps.map(inward)))
    case .workloadDeleted(let id): return .workloadDeleted(id: qid(id))
    case .workloadsReplaced(let kind, let ws):
      return .inContext(alias: alias, .workloadsReplaced(kind: kind, ws.map(inward)))
    case .workloadUpserted(let w): return .workloadUpserted(inward(w))
    case .hpaUpserted(let h): return .hpaUpserted(inward(h))
    case .hpaDeleted(let id): return .hpaDeleted(id: qid(id))
    case .hpasReplaced(let hs): return .inContext(alias: alias, .hpasReplaced(hs.map(inward)))
    case .nodeDeleted(let name): return .nodeDeleted(name: q(name))
    case .nodesReplaced(let ns): return .inContext(alias: alias, .nodesReplaced(ns.map(inward)))
    case .nodeUpserted(let n): return .nodeUpserted(inward(n))
    case .serviceUpserted(var svc, let deps):
      svc.namespace = q(svc.namespace)
      svc.workload = qid(svc.workload)
      return .serviceUpserted(svc, dependsOn: deps.map(qid))
    case .event(var e):
      e.object = q(e.object)
      e.workload = e.workload.map(qid)
      return .event(e)
    case .podMetrics(let t, let samples): return .podMetrics(time: t, samples.map { inward($0) })
    case .podUsage(let t, let samples): return .podUsage(time: t, samples.map { inward($0) })
    case .nodeUsage(let us):
      return .nodeUsage(
        us.map {
          var u = $0; u.node = q(u.node); return u
        })
    case .alerts(let alerts, let t):
      // Each context's Prometheus answers for its own alerts: they replace that context's only.
      return .inContext(alias: alias, .alerts(alerts.map(inward), time: t))
    case .serviceMetrics(let t, let samples): return .serviceMetrics(time: t, samples.map(inward))
    case .hpaReplicaHistory(let h):
      return .hpaReplicaHistory(Dictionary(h.map { (qid($0.key), $0.value) }, uniquingKeysWith: { a, _ in a }))
    case .zoneRequests(let t, let m): return .inContext(alias: alias, .zoneRequests(time: t, inward(zoneRequests: m)))
    case .targets(let list): return .inContext(alias: alias, .targets(list.map(inward)))
    case .workloadMetrics(let t, let samples):
      return .workloadMetrics(
        time: t,
        samples.map {
          var s = $0; s.workloadID = qid(s.workloadID); return s
        })
    case .permissions(let ns, let denied): return .permissions(namespace: q(ns), denied: denied)
    case .metricsNote(let note): return .metricsNote(note.map { "\(alias): \($0)" })
    case .networkNote(let note): return .networkNote(note.map { "\(alias): \($0)" })
    case .source(var status):
      status.name = "\(alias) \(status.name)"
      return .source(status)
    case .faultStarted(let id, let time, let ends, let pods, let workloads):
      return .faultStarted(id: id, time: time, ends: ends, pods: pods.map(qid), workloads: workloads.map(qid))
    case .notice(let text): return .notice(text.map { "\(alias): \($0)" })
    case .logLines(let r, let lines): return .logLines(inward(r), lines)
    case .logStatus(let r, let text): return .logStatus(inward(r), text)
    case .leftovers(let l): return .leftovers(inward(l))
    case .inContext(let other, let inner): return .inContext(alias: other, inward(inner))
    case .steadyStateChecks, .probeResults, .probeSample, .tick, .connection, .faultsUnavailable,
      .requestFault, .faultFailed, .faultEnded, .abortAllFaults, .lever, .moveLever, .leverMoveFailed,
      .stopSignalRules, .stopSignal, .note, .followLogs, .production, .restore, .context, .failover:
      return a
    }
  }

  /// A service's figures from this context's Prometheus: its namespace named with the alias, and
  /// the context said, so that a series without a namespace names a service of this context only.
  func inward(_ sample: ServiceSample) -> ServiceSample {
    var s = sample
    s.namespace = s.namespace.map(q)
    s.context = alias
    return s
  }

  /// Requests by service and zone from this context's Prometheus (a service's name alone too:
  /// "b:web"); they replace this context's figures only.
  func inward(zoneRequests m: [String: [String: Double]]) -> [String: [String: Double]] {
    let byService = m.map { key, zones in
      (qid(key), Dictionary(zones.map { (q($0.key), $0.value) }, uniquingKeysWith: +))
    }
    return Dictionary(byService, uniquingKeysWith: { a, _ in a })
  }

  /// A scrape target of this context's Prometheus: its job named with the alias ("b:node-exporter").
  func inward(_ target: ScrapeTarget) -> ScrapeTarget {
    var t = target
    t.job = q(t.job)
    return t
  }

  /// An alert of this context: its namespace named with the alias, and the context in its labels.
  func inward(_ alert: Alert) -> Alert {
    var a = alert
    a.labels["namespace"] = a.labels["namespace"].map(q)
    a.labels["context"] = alias
    return a
  }

  func inward(_ s: PodSample) -> PodSample {
    var s = s
    s.podID = qid(s.podID)
    return s
  }

  func inward(_ l: LeftoverAction) -> LeftoverAction {
    switch l {
    case .found(let items):
      return .found(
        items.map {
          var o = $0
          o.id = inwardLeftover(o.id)
          o.what = "\(alias): \(o.what)"
          return o
        })
    case .answer: return l
    case .result(let id, let restored, let detail):
      return .result(id: inwardLeftover(id), restored: restored, detail: detail)
    }
  }

  // MARK: out

  /// The effect as this context's cluster must carry it out, or nil when it is not this context's.
  /// `.abort` is routed by the caller (it knows which context each fault went to).
  public func outward(_ e: Effect) -> Effect? {
    switch e {
    case .inject(let id, let req):
      guard let local = outward(req) else { return nil }
      return .inject(id: id, local)
    case .followLogs(let r):
      guard let r else { return .followLogs(nil) }
      guard let ns = local(r.namespace) else { return .followLogs(nil) }
      var out = r
      out.namespace = ns
      return .followLogs(out)
    case .restoreLeftovers(let ids):
      let mine = ids.compactMap(outwardLeftover)
      return mine.isEmpty ? nil : .restoreLeftovers(ids: mine)
    case .abort, .notify, .moveLever:
      return nil
    }
  }

  /// A fault request with this context's names taken off (nil: its target is not in this context).
  public func outward(_ req: FaultRequest) -> FaultRequest? {
    var out = req
    switch req.target {
    case .pod(let ns, let name):
      guard let ns = local(ns) else { return nil }
      out.target = .pod(namespace: ns, name: name)
    case .workload(let ns, let name):
      guard let ns = local(ns) else { return nil }
      out.target = .workload(namespace: ns, name: name)
    case .node(let name):
      guard let name = local(name) else { return nil }
      out.target = .node(name: name)
    case .zone(let name):
      guard let name = local(name) else { return nil }
      out.target = .zone(name: name)
    }
    if let z = req.parameters.zone {
      guard let z = local(z) else { return nil }
      out.parameters.zone = z
    }
    return out
  }

  /// The part of the state that is this context's, named as its own cluster names it: what its
  /// executor plans a fault from (the pods a workload has, its primary, its nodes).
  public func projected(_ s: ClusterSnapshot) -> ClusterSnapshot {
    var out = ClusterSnapshot()
    out.now = s.now
    out.session.isDemo = s.session.isDemo
    out.session.context = contexts(s)?.name ?? alias
    out.session.roleSelector = s.session.roleSelector
    out.session.steadyState = s.session.steadyState
    var actions: [Action] = []
    actions.append(.nodesReplaced(s.nodes.values.compactMap(outward)))
    for kind in WorkloadKind.allCases {
      actions.append(.workloadsReplaced(kind: kind, s.workloads.values.filter { $0.kind == kind }.compactMap(outward)))
    }
    actions.append(.hpasReplaced(s.hpas.values.compactMap(outward)))
    for svc in s.services.values {
      guard let ns = local(svc.namespace), let w = local(svc.workload) else { continue }
      var o = svc
      o.namespace = ns
      o.workload = w
      actions.append(.serviceUpserted(o, dependsOn: (s.serviceDependencies[svc.id] ?? []).compactMap(local)))
    }
    actions.append(.podsReplaced(s.pods.values.compactMap(outward)))
    for a in actions { _ = reduce(&out, a) }
    return out
  }

  func contexts(_ s: ClusterSnapshot) -> ContextStatus? { s.contexts.first { $0.alias == alias } }

  func outward(_ p: Pod) -> Pod? {
    guard let ns = local(p.namespace) else { return nil }
    var o = p
    o.namespace = ns
    o.node = p.node.flatMap(local)
    return o
  }
  func outward(_ w: Workload) -> Workload? {
    guard let ns = local(w.namespace) else { return nil }
    var o = w
    o.namespace = ns
    return o
  }
  func outward(_ h: HPA) -> HPA? {
    guard let ns = local(h.namespace) else { return nil }
    var o = h
    o.namespace = ns
    return o
  }
  func outward(_ n: Node) -> Node? {
    guard let name = local(n.name) else { return nil }
    var o = n
    o.name = name
    o.zone = local(n.zone) ?? n.zone
    return o
  }
}
