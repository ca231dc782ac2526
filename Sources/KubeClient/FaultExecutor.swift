import ClusterState
import Foundation
import Transport

/// The fault executor: carries out a fault on a real cluster as `FaultExecution` says for its kind
/// (an API request or a Chaos Mesh resource, on a thread of its own), keeps what to set back in its
/// `UndoLedger`, and sets it back at the fault's end, on the panic key and on every exit path.
public final class FaultExecutor: @unchecked Sendable {
  unowned let cluster: KubeCluster
  /// What this session changed and must set back, by fault id.
  public let ledger = UndoLedger()

  init(cluster: KubeCluster) { self.cluster = cluster }

  // What it uses of the cluster: its connection, clock, inbox and audit log.
  var inbox: Inbox { cluster.inbox }
  var clock: @Sendable () -> Double { cluster.clock }
  var sleep: @Sendable (Double) -> Void { cluster.sleep }
  var dryRun: Bool { cluster.dryRun }
  var dryRunQuery: String { cluster.dryRunQuery }
  var session: String { cluster.session }
  var isStopped: Bool { cluster.isStopped }
  func makeClient() throws -> HTTPClient { try cluster.makeClient() }
  func audit(_ line: String) { cluster.audit(line) }
  func query(_ items: [String]) -> String { cluster.query(items) }
  func evictionAPIVersion() -> String { cluster.evictionAPIVersion() }

  /// Carries out an effect; the result comes back through the inbox.
  func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] {
    switch effect {
    case .notify, .moveLever: return []
    case .restoreLeftovers(let ids):
      Thread.detachNewThread { [cluster] in cluster.sweeper.restore(ids) }
      return []
    case .followLogs(let req):
      cluster.logStream.follow(req, cluster: cluster)
      return []
    case .abort(let ids):
      // Chaos Mesh resources are deleted; one-shot deletions have nothing to undo.
      ledger.abort(ids)
      Thread.detachNewThread { [self] in
        for id in ids { undoFault(id, reason: "panic") }
        inbox.post(ids.map { .faultEnded(id: $0, time: clock(), reason: "aborted") })
      }
      return []
    case .inject(let id, let request):
      return inject(id, request, state: state)
    }
  }

  /// Carries out a fault as `FaultExecution` says for its kind; each runs on a thread of its own and
  /// posts what came of it, or fails visibly now.
  func inject(_ id: Int, _ request: FaultRequest, state: ClusterSnapshot) -> [Action] {
    let targets = FaultPlan.targets(request, in: state)
    switch FaultExecution.of(request, pods: targets, state: state) {
    case .onNode:
      return [.faultFailed(id: id, message: FaultExecutor.nodeStopReason)]
    case .refused(let why):
      return [.faultFailed(id: id, message: why)]
    case .cordon(let drain):
      guard case .node(let name) = request.target else {
        return [.faultFailed(id: id, message: "\(request.kind.title) acts on a node, not on \(request.targetLabel)")]
      }
      let evict = drain ? targets : []
      Thread.detachNewThread { [self] in cordon(id, request, node: name, drain: evict) }
    case .scale:
      guard case .workload(let ns, let name) = request.target,
        let w = state.workloads[WorkloadID(namespace: ns, name: name).key]
      else { return [.faultFailed(id: id, message: "\(request.targetLabel) is not a known workload (yet)")] }
      Thread.detachNewThread { [self] in scale(id, request, workload: w, pods: targets) }
    case .deletePods:
      guard !targets.isEmpty else { return [.faultFailed(id: id, message: FaultPlan.whyNoTargets(request))] }
      Thread.detachNewThread { [self] in deletePods(id, request, targets) }
    case .chaos:
      guard !targets.isEmpty else { return [.faultFailed(id: id, message: FaultPlan.whyNoTargets(request))] }
      injectChaos(id, request, pods: targets, state: state)
    }
    return []
  }

  static func workloadIDs(_ pods: [Pod]) -> [String] {
    Array(Set(pods.compactMap(\.workloadID))).sorted()
  }

  /// Pod kill (DELETE, with the grace period asked for), kill primary, and eviction (the
  /// Eviction API, refused with 429 where a PodDisruptionBudget allows no more disruptions).
  func deletePods(_ id: Int, _ request: FaultRequest, _ chosen: [Pod]) {
    let now = clock()
    do {
      let http = try makeClient()
      var done: [Pod] = []
      var refused: [String] = []
      var refusal = ""
      for p in chosen {
        let path = "/api/v1/namespaces/\(seg(p.namespace))/pods/\(seg(p.name))"
        if request.kind == .evict {
          let version = evictionAPIVersion()
          var body: [String: Any] = [
            "apiVersion": version, "kind": "Eviction", "metadata": ["name": p.name, "namespace": p.namespace],
          ]
          if dryRun { body["deleteOptions"] = ["dryRun": ["All"]] }
          let r = try http.send(
            "POST", path + "/eviction" + query([]), body: try JSONSerialization.data(withJSONObject: body))
          audit("evict pod \(p.namespace)/\(p.name) (\(version)): \(r.status)")
          if r.status == 429 {
            // The disruption budget said no: the API's own words.
            refused.append(p.name)
            refusal = KubeDecode.status(r.body)?.message ?? "refused by a PodDisruptionBudget"
            continue
          }
          try KubeCluster.check(r, what: "evict pod \(p.namespace)/\(p.name)")
        } else {
          let grace = request.kind == .podKill ? request.parameters.gracePeriod : nil
          let r = try http.send("DELETE", path + query(grace.map { ["gracePeriodSeconds=\($0)"] } ?? []))
          try KubeCluster.check(r, what: "delete pod \(p.namespace)/\(p.name)")
          audit("delete pod \(p.namespace)/\(p.name)\(grace.map { " grace \($0)s" } ?? ""): \(r.status)")
        }
        done.append(p)
      }
      if done.isEmpty {
        inbox.post([.faultFailed(id: id, message: "429 Too Many Requests: " + refusal)])
        return
      }
      var actions: [Action] = [
        .faultStarted(id: id, time: now, ends: now, pods: done.map(\.id), workloads: FaultExecutor.workloadIDs(done))
      ]
      if !refused.isEmpty {
        actions.append(
          .notice("Evicted \(done.count) of \(chosen.count); \(refused.joined(separator: ", ")) refused: \(refusal)"))
      }
      if dryRun { actions.append(.notice("Dry run: the server accepted it; nothing was deleted")) }
      inbox.post(actions)
    } catch {
      audit("\(request.kind.rawValue) failed: \(error)")
      inbox.post([.faultFailed(id: id, message: "\(error)")])
    }
  }

  /// Undoes what a fault changed (deletes its Chaos Mesh resource, sets replicas back, uncordons),
  /// if this session still holds it. Returns whether it did.
  @discardableResult
  func undoFault(_ id: Int, reason: String) -> Bool {
    guard let change = ledger.take(id) else { return false }
    do {
      let u = try UndoLedger.undo(change, try makeClient())
      audit("\(u.what) (\(reason)): \(u.sent)")
      // Set back, or gone already: this user's record of it goes; else it stays for a later sweep.
      if (200..<300).contains(u.status) || u.status == 404 { ledger.forget(id) }
    } catch {
      audit("undo of fault \(id) (\(reason)) failed: \(error)")
    }
    return true
  }

  /// Removes everything this session created (exit paths). Waits at most `timeout` seconds.
  func cleanup(timeout: Double = 5) {
    let ids = ledger.ids
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread { [self] in
      for id in ids { undoFault(id, reason: "exit") }
      done.signal()
    }
    _ = done.wait(timeout: .now() + timeout)
  }

  /// Scales a workload to the replicas asked for, for the fault's duration; then sets it back.
  func scale(_ id: Int, _ request: FaultRequest, workload w: Workload, pods: [Pod]) {
    let now = clock()
    let plural: String
    switch w.kind {
    case .deployment: plural = "deployments"
    case .statefulSet: plural = "statefulsets"
    case .replicaSet: plural = "replicasets"
    case .daemonSet:
      inbox.post([.faultFailed(id: id, message: "a DaemonSet runs one pod a node: it has no replicas to scale")])
      return
    }
    let objectPath = "/apis/apps/v1/namespaces/\(seg(w.namespace))/\(plural)/\(seg(w.name))"
    let label = "\(plural) \(w.namespace)/\(w.name)"
    do {
      let http = try makeClient()
      struct Scale: Decodable {
        struct Spec: Decodable { var replicas: Int? }
        var spec: Spec?
      }
      let g = try http.send("GET", objectPath + "/scale")
      try KubeCluster.check(g, what: "read the scale of \(label)")
      let original = (try? JSONDecoder().decode(Scale.self, from: g.body))?.spec?.replicas ?? w.desiredReplicas
      let target = max(0, request.parameters.replicas)
      let ends = now + request.parameters.duration
      // This user's record first (what to set back: read by a later sweep), then the annotation
      // (a trace for people), so a crash after the scale leaves both.
      if !dryRun,
        let problem = ledger.intend(
          id, .replicas(objectPath: objectPath, replicas: original, label: label), setTo: target, until: ends, now: now)
      {
        throw KubeCluster.LocalRecordError(problem)
      }
      let a = try http.send(
        "PATCH", objectPath + query([]), body: RestoreNote(replicas: original, session: session, until: ends).patch(),
        contentType: "application/merge-patch+json")
      try KubeCluster.check(a, what: "annotate \(label)")
      let r = try http.send(
        "PATCH", objectPath + "/scale" + query([]), body: Data(#"{"spec":{"replicas":\#(target)}}"#.utf8),
        contentType: "application/merge-patch+json")
      try KubeCluster.check(r, what: "scale \(label)")
      audit("scale \(label) from \(original) to \(target) for \(Int(request.parameters.duration))s: \(r.status)")
      if !dryRun { ledger.record(id, .replicas(objectPath: objectPath, replicas: original, label: label), at: now) }
      inbox.post(
        [.faultStarted(id: id, time: now, ends: ends, pods: pods.map(\.id), workloads: [w.id])]
          + (dryRun ? [.notice("Dry run: the server accepted the scale; nothing changed")] : []))
      holdUntil(id, ends)
    } catch {
      if !ledger.holds(id) { ledger.forget(id) }
      audit("scale \(label) failed: \(error)")
      inbox.post([.faultFailed(id: id, message: "\(error)")])
    }
  }

  /// Cordons a node for the fault's duration (new pods go elsewhere); then uncordons it. A node that
  /// was cordoned already is left as it was.
  /// Stopping a node is done on the node (its kubelet, its machine), not through the API.
  static let nodeStopReason =
    "done on the node (its kubelet, its memory), not through the Kubernetes API (the lab stops a node with lab/node stop NAME, a zone with lab/node stop-zone ZONE)"

  /// Cordon (and, for a drain, evict each of `drain` through the Eviction API, budgets applying);
  /// uncordoned at the end.
  func cordon(_ id: Int, _ request: FaultRequest, node: String, drain: [Pod] = []) {
    let now = clock()
    let ends = now + request.parameters.duration
    do {
      let http = try makeClient()
      let g = try http.send("GET", "/api/v1/nodes/\(seg(node))")
      try KubeCluster.check(g, what: "read node \(node)")
      let already = (try? JSONDecoder().decode(KubeDecode.KNode.self, from: g.body))?.spec?.unschedulable ?? false
      if already {
        inbox.post([.faultFailed(id: id, message: "node \(node) is cordoned already; chaostui leaves it as it is")])
        return
      }
      if !dryRun, let problem = ledger.intend(id, .uncordon(node: node), until: ends, now: now) {
        throw KubeCluster.LocalRecordError(problem)
      }
      let body = RestoreNote(uncordon: true, session: session, until: ends).patch(spec: ["unschedulable": true])
      let r = try http.send(
        "PATCH", "/api/v1/nodes/\(seg(node))" + query([]), body: body, contentType: "application/merge-patch+json")
      try KubeCluster.check(r, what: "cordon node \(node)")
      audit("cordon node \(node) for \(Int(request.parameters.duration))s: \(r.status)")
      if !dryRun { ledger.record(id, .uncordon(node: node), at: now) }
      var evicted: [Pod] = []
      var refused: [String] = []
      for p in drain {
        let version = evictionAPIVersion()
        var body: [String: Any] = [
          "apiVersion": version, "kind": "Eviction", "metadata": ["name": p.name, "namespace": p.namespace],
        ]
        if dryRun { body["deleteOptions"] = ["dryRun": ["All"]] }
        let e = try http.send(
          "POST", "/api/v1/namespaces/\(seg(p.namespace))/pods/\(seg(p.name))/eviction" + query([]),
          body: try JSONSerialization.data(withJSONObject: body))
        audit("drain \(node): evict pod \(p.namespace)/\(p.name): \(e.status)")
        if (200..<300).contains(e.status) {
          evicted.append(p)
        } else {
          refused.append("\(p.name): " + (KubeDecode.status(e.body)?.message ?? "HTTP \(e.status)"))
        }
      }
      var notices: [Action] = dryRun ? [.notice("Dry run: the server accepted the cordon; nothing changed")] : []
      if !drain.isEmpty {
        notices.append(
          .notice(
            "Drained \(node): evicted \(evicted.count) of \(drain.count)"
              + (refused.isEmpty ? "" : "; refused: " + refused.joined(separator: "; "))))
      }
      inbox.post(
        [
          .faultStarted(
            id: id, time: now, ends: ends, pods: evicted.map(\.id), workloads: FaultExecutor.workloadIDs(evicted))
        ] + notices)
      holdUntil(id, ends)
    } catch {
      if !ledger.holds(id) { ledger.forget(id) }
      audit("cordon node \(node) failed: \(error)")
      inbox.post([.faultFailed(id: id, message: "\(error)")])
    }
  }

  /// A fault the panic key hit while it was being made: set back as soon as it is made. True when
  /// it was (the caller stops there).
  func endIfAborted(_ id: Int) -> Bool {
    guard ledger.wasAborted(id) else { return false }
    undoFault(id, reason: "panic")
    inbox.post([.faultEnded(id: id, time: clock(), reason: "aborted")])
    return true
  }

  /// Waits until a fault's end, then undoes it (unless the panic key or an exit did first).
  func holdUntil(_ id: Int, _ ends: Seconds) {
    if endIfAborted(id) { return }
    while !isStopped && clock() < ends { sleep(min(1, max(0.05, ends - clock()))) }
    if !isStopped, undoFault(id, reason: "expired") {
      inbox.post([.faultEnded(id: id, time: clock(), reason: "expired")])
    }
  }

  func injectChaos(_ id: Int, _ request: FaultRequest, pods: [Pod], state: ClusterSnapshot) {
    guard let (plural, json, name) = ChaosMesh.body(request, id: id, session: session, pods: pods, state: state),
      let body = try? JSONSerialization.data(withJSONObject: json)
    else {
      // Never pending forever: a fault with no Chaos Mesh body fails in words.
      inbox.post([.faultFailed(id: id, message: "\(request.kind.rawValue) has no Chaos Mesh resource to create")])
      return
    }
    let ns = request.target.namespace
    let resource = ChaosMesh.Resource(plural: plural, namespace: ns, name: name)
    Thread.detachNewThread { [self] in
      let now = clock()
      do {
        let until = request.kind.isOneShot ? now + 15 : now + request.parameters.duration
        if !dryRun, let problem = ledger.intend(id, .chaos(resource), until: until, now: now) {
          throw KubeCluster.LocalRecordError(problem)
        }
        let http = try makeClient()
        let r = try http.send(
          "POST", "/apis/\(ChaosMesh.group)/namespaces/\(seg(ns))/\(plural)" + dryRunQuery, body: body)
        try KubeCluster.check(r, what: "create \(plural) \(ns)/\(name)")
        audit("create \(plural) \(ns)/\(name) (\(request.kind.rawValue) on \(request.targetLabel)): \(r.status)")
        if !dryRun { ledger.record(id, .chaos(resource), at: clock()) }
        let ends = request.kind.isOneShot ? now : now + request.parameters.duration
        let workloads = FaultExecutor.workloadIDs(pods)
        inbox.post([.faultStarted(id: id, time: now, ends: ends, pods: pods.map(\.id), workloads: workloads)])
        if dryRun { inbox.post([.notice("Dry run: the server accepted \(plural) \(name); nothing was created")]) }
        if endIfAborted(id) { return }
        // The resource ends itself through its duration; at the end chaostui also removes it. A one-shot
        // (container-kill) stays a little while so that Chaos Mesh acts on it.
        let removeAt = request.kind.isOneShot ? now + 15 : ends
        sleep(max(0, removeAt - clock()))
        if undoFault(id, reason: request.kind.isOneShot ? "done" : "expired"), !request.kind.isOneShot {
          inbox.post([.faultEnded(id: id, time: clock(), reason: "expired")])
        }
      } catch {
        if !ledger.holds(id) { ledger.forget(id) }
        audit("create \(plural) \(ns)/\(name) failed: \(error)")
        inbox.post([.faultFailed(id: id, message: "\(error)")])
      }
    }
  }
}

extension KubeCluster {
  /// Carries out an effect: faults through the executor, leftovers through the sweeper, logs
  /// through the log stream.
  public func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] {
    executor.perform(effect, state: state)
  }

  /// What this session changed and must set back (the executor's).
  public var ledger: UndoLedger { executor.ledger }

  /// Removes everything this session created (exit paths). Waits at most `timeout` seconds.
  public func cleanup(timeout: Double = 5) { executor.cleanup(timeout: timeout) }
}
