import ClusterState
import XCTest

/// Several clusters in one session: names carry their context, relists stay in their context,
/// each context refuses what it must, and a failover group is judged as one service.
final class ContextsTests: XCTestCase {
  let a = ContextTranslation(alias: "a", index: 0, count: 2)
  let b = ContextTranslation(alias: "b", index: 1, count: 2)

  func pod(_ ns: String, _ name: String, workload: String = "web", ready: Bool = true, role: String? = nil) -> Pod {
    var p = Pod(
      namespace: ns, name: name, phase: .running, status: "Running", readyContainers: ready ? 1 : 0, created: 0,
      workload: workload)
    p.node = "node-1"
    if let role { p.labels["role"] = role }
    return p
  }

  func workload(_ ns: String, _ name: String, ready: Int, desired: Int = 1, kind: WorkloadKind = .deployment)
    -> Workload
  {
    Workload(
      kind: kind, namespace: ns, name: name, desiredReplicas: desired, currentReplicas: desired, readyReplicas: ready)
  }

  /// A session of two contexts, a and b, each with the pod shop/web-0 of the same name.
  func twoContexts(bReadOnly: String? = nil) -> ClusterSnapshot {
    var s = ClusterSnapshot()
    var sa = ContextStatus(alias: "a", name: "kind-primary")
    sa.connection = .connected
    var sb = ContextStatus(alias: "b", name: "kind-standby")
    sb.connection = .connected
    sb.readOnlyReason = bReadOnly
    for act in [.context(sa), .context(sb)]
      + [a, b].flatMap({ t in
        [Action.podUpserted(pod("shop", "web-0")), .workloadUpserted(workload("shop", "web", ready: 1))].map(t.inward)
      })
    { _ = reduce(&s, act) }
    return s
  }

  func testNamesComeInWithTheirContextAndGoOutWithout() {
    guard case .podUpserted(let p) = b.inward(.podUpserted(pod("shop", "web-0"))) else { return XCTFail() }
    XCTAssertEqual(p.namespace, "b:shop")
    XCTAssertEqual(p.node, "b:node-1")
    XCTAssertEqual(p.id, "b:shop/web-0")
    guard
      case .faultStarted(_, _, _, let pods, let ws) = b.inward(
        .faultStarted(id: 3, time: 1, ends: 1, pods: ["shop/web-0"], workloads: ["shop/web"]))
    else { return XCTFail() }
    XCTAssertEqual(pods, ["b:shop/web-0"])
    XCTAssertEqual(ws, ["b:shop/web"])
    // A relist is scoped to its context.
    guard case .inContext(let alias, .podsReplaced) = a.inward(.podsReplaced([])) else { return XCTFail() }
    XCTAssertEqual(alias, "a")

    let req = FaultRequest(kind: .podKill, target: .pod(namespace: "b:shop", name: "web-0"))
    XCTAssertNil(a.outward(.inject(id: 1, req)), "a's cluster never gets b's fault")
    XCTAssertEqual(
      b.outward(.inject(id: 1, req)),
      .inject(id: 1, FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "web-0"))))
    var zoned = FaultRequest(kind: .podKill, target: .workload(namespace: "b:shop", name: "web"))
    zoned.parameters.zone = "a:zone-1"
    XCTAssertNil(b.outward(zoned), "a zone of another context is not b's")
    XCTAssertEqual(
      b.outward(.inject(id: 2, FaultRequest(kind: .nodeStop, target: .node(name: "b:node-1")))),
      .inject(id: 2, FaultRequest(kind: .nodeStop, target: .node(name: "node-1"))))
    // Leftover ids of two sweeps stay apart and find their way back.
    for id in 0..<20 {
      XCTAssertEqual(a.outwardLeftover(a.inwardLeftover(id)), id)
      XCTAssertNil(b.outwardLeftover(a.inwardLeftover(id)))
    }
  }

  func testEachContextsFirstPageAndFirstViewCountWhateverTheOtherContextHas() {
    var s = twoContexts()
    _ = reduce(&s, a.inward(.podsReplaced([pod("shop", "web-0"), pod("shop", "web-1")])))
    let aPods = Set(s.pods.keys.filter { $0.hasPrefix("a:") })
    XCTAssertEqual(aPods, ["a:shop/web-0", "a:shop/web-1"])
    XCTAssertFalse(s.podsPartial)
    func bPods() -> Set<String> { Set(s.pods.keys.filter { $0.hasPrefix("b:") }) }

    _ = reduce(&s, b.inward(.podsFirstPage([pod("shop", "web-0"), pod("shop", "web-1")])))
    XCTAssertEqual(bPods(), ["b:shop/web-0", "b:shop/web-1"], "b's first page, though a's pods are complete")
    XCTAssertTrue(s.podsPartial)
    XCTAssertTrue(s.podDetailsPending)
    _ = reduce(&s, b.inward(.podsPreview((0..<3).map { pod("shop", "web-\($0)") })))
    XCTAssertEqual(bPods().count, 3, "b's first view")
    XCTAssertFalse(s.podsPartial)
    XCTAssertTrue(s.podDetailsPending, "b's labels and owners are still on their way")
    _ = reduce(&s, b.inward(.podsFirstPage([pod("shop", "web-0")])))
    XCTAssertEqual(bPods().count, 3, "a first page never replaces b's first view")
    _ = reduce(&s, b.inward(.podsReplaced((0..<4).map { pod("shop", "web-\($0)") })))
    XCTAssertEqual(bPods().count, 4)
    XCTAssertFalse(s.podDetailsPending)
    _ = reduce(&s, b.inward(.podsPreview([pod("shop", "web-0")])))
    XCTAssertEqual(bPods().count, 4, "a first view never replaces b's full list")
    XCTAssertEqual(Set(s.pods.keys.filter { $0.hasPrefix("a:") }), aPods, "a's pods stay throughout")
  }

  func testARelistReplacesOnlyItsOwnContext() {
    var s = twoContexts()
    XCTAssertEqual(s.pods.count, 2)
    _ = reduce(&s, a.inward(.podsReplaced([pod("shop", "web-9")])))
    XCTAssertEqual(Set(s.pods.keys), ["a:shop/web-9", "b:shop/web-0"], "b's pods stay when a relists")
    _ = reduce(&s, b.inward(.workloadsReplaced(kind: .deployment, [])))
    XCTAssertEqual(Set(s.workloads.keys), ["a:shop/web"])
    _ = reduce(
      &s,
      b.inward(
        .nodesReplaced([Node(name: "node-1", zone: "z", ready: true, cpuCapacityMilli: 1, memoryCapacityBytes: 1)])))
    _ = reduce(
      &s,
      a.inward(
        .nodesReplaced([Node(name: "node-1", zone: "z", ready: true, cpuCapacityMilli: 1, memoryCapacityBytes: 1)])))
    XCTAssertEqual(Set(s.nodes.keys), ["a:node-1", "b:node-1"])
  }

  func testEachContextsPrometheusReplacesOnlyItsOwnAlerts() {
    var s = twoContexts()
    let down = Alert(
      name: "PostgresDown", state: "firing", labels: ["namespace": "shop", "severity": "critical"],
      summary: "no primary", activeAt: 5)
    _ = reduce(&s, a.inward(.alerts([down], time: 10)))
    _ = reduce(&s, b.inward(.alerts([down], time: 11)))
    XCTAssertEqual(s.alerts.map(\.shownName).sorted(), ["a:PostgresDown", "b:PostgresDown"])
    XCTAssertEqual(Set(s.alerts.compactMap { $0.labels["namespace"] }), ["a:shop", "b:shop"])
    XCTAssertEqual(s.monitoring.firingAlerts.count, 2, "one alert of each context, told apart")
    // b's Prometheus says it has resolved: a's alert stays, b's is said resolved on the timeline.
    _ = reduce(&s, b.inward(.alerts([], time: 20)))
    XCTAssertEqual(s.alerts.map(\.shownName), ["a:PostgresDown"])
    let texts = s.timeline.map(\.text)
    XCTAssertTrue(texts.contains { $0.contains("b:PostgresDown") && $0.contains("firing") }, "\(texts)")
    XCTAssertTrue(texts.contains { $0.contains("b:PostgresDown") && $0.contains("resolved") }, "\(texts)")
    XCTAssertFalse(texts.contains { $0.contains("a:PostgresDown") && $0.contains("resolved") }, "\(texts)")
  }

  /// Scrape targets and requests by zone: each context's Prometheus replaces its own, and a
  /// context's figures go stale when its own Prometheus stops answering, whatever the other's does.
  func testEachContextsPrometheusReplacesOnlyItsOwnTargetsAndZoneFigures() {
    var s = twoContexts()
    let up = ScrapeTarget(job: "node", instance: "10.0.0.1:9100", health: "up", lastError: "", lastScrape: 1)
    var down = up
    down.health = "down"
    _ = reduce(&s, a.inward(.targets([up])))
    _ = reduce(&s, b.inward(.targets([down])))
    XCTAssertEqual(s.targets?.map(\.job).sorted(), ["a:node", "b:node"])
    _ = reduce(&s, a.inward(.targets([])))
    XCTAssertEqual(s.targets?.map(\.job), ["b:node"], "a's answer leaves b's targets")

    for t in [a, b] {
      _ = reduce(
        &s,
        t.inward(
          .nodesReplaced([
            Node(name: "n1", zone: "z1", ready: true, cpuCapacityMilli: 1, memoryCapacityBytes: 1),
            Node(name: "n2", zone: "z2", ready: true, cpuCapacityMilli: 1, memoryCapacityBytes: 1),
          ])))
      _ = reduce(
        &s, t.inward(.serviceUpserted(ServiceInfo(namespace: "shop", name: "web", workload: "shop/web"), dependsOn: []))
      )
    }
    _ = reduce(&s, a.inward(.zoneRequests(time: 1, ["shop/web": ["z1": 30, "z2": 10]])))
    // b's series carry no namespace: the service's name alone, in b only.
    _ = reduce(&s, b.inward(.zoneRequests(time: 1, ["web": ["z1": 10, "z2": 30]])))
    _ = reduce(&s, .tick(2))
    XCTAssertEqual(s.zoneTraffic["a:shop/web"]?.latest("a:z1"), 75)
    XCTAssertEqual(s.zoneTraffic["b:shop/web"]?.latest("b:z1"), 25, "b's figures, not a's")
    // Only b's Prometheus answers from now on: a's figures go stale after 30 s, b's stay measured.
    _ = reduce(&s, b.inward(.zoneRequests(time: 35, ["web": ["z1": 10, "z2": 30]])))
    _ = reduce(&s, .tick(40))
    XCTAssertEqual(s.zoneTraffic["a:shop/web"]?.measured, false, "a's Prometheus has not answered for 39 s")
    XCTAssertEqual(s.zoneTraffic["b:shop/web"]?.measured, true)
    XCTAssertEqual(s.zoneTraffic["b:shop/web"]?.latest("b:z2"), 75)
  }

  /// A service's figures from one context's Prometheus, its series without a namespace label: they
  /// go to the service of that name in that context, never to the other's.
  func testAServiceFigureWithoutANamespaceStaysInItsContext() {
    var s = twoContexts()
    _ = reduce(&s, b.inward(.serviceMetrics(time: 1, [ServiceSample(service: "web", p99Ms: 900)])))
    XCTAssertEqual(s.workloadSeries["b:shop/web"]?.latencyP99Ms.last, 900)
    XCTAssertNil(s.workloadSeries["a:shop/web"]?.latencyP99Ms.last, "a's web is not b's")
    _ = reduce(&s, a.inward(.serviceMetrics(time: 2, [ServiceSample(namespace: "shop", service: "web", p99Ms: 40)])))
    XCTAssertEqual(s.workloadSeries["a:shop/web"]?.latencyP99Ms.last, 40)
    XCTAssertEqual(s.workloadSeries["b:shop/web"]?.latencyP99Ms.last, 900)
  }

  func testEachContextRefusesWhatItMust() {
    var s = twoContexts(bReadOnly: "the config file says read-only (contexts)")
    let onB = FaultRequest(kind: .podKill, target: .pod(namespace: "b:shop", name: "web-0"))
    var effects = reduce(&s, .requestFault(onB))
    XCTAssertEqual(
      effects,
      [.notify("Fault refused: context b (kind-standby) is read-only: the config file says read-only (contexts)")])
    let onA = FaultRequest(kind: .podKill, target: .pod(namespace: "a:shop", name: "web-0"))
    effects = reduce(&s, .requestFault(onA))
    guard case .inject = effects.first else { return XCTFail("a is not read-only: \(effects)") }
    // A target in no context of the session is never sent anywhere.
    effects = reduce(&s, .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "shop", name: "web-0"))))
    XCTAssertEqual(effects, [.notify("Fault refused: pod shop/web-0 names no context of this session (a, b)")])

    // What one cluster cannot do greys that context's faults only, in words.
    var sa = s.contexts[0]
    sa.unavailable = [.networkDelay: "Chaos Mesh does not serve networkchaos (its CRD is not installed)"]
    _ = reduce(&s, .context(sa))
    XCTAssertEqual(
      s.whyUnavailable(.networkDelay, namespace: "a:shop"),
      "in context a: Chaos Mesh does not serve networkchaos (its CRD is not installed)")
    XCTAssertNil(s.whyUnavailable(.networkDelay, namespace: "b:shop"))
    // A lost (forbidden) context greys every fault there with its words; the other still works.
    var sb = s.contexts[1]
    sb.connection = .disconnected("pods is forbidden: User \"developer\" cannot list resource \"pods\"")
    _ = reduce(&s, .context(sb))
    XCTAssertEqual(
      s.whyUnavailable(.podKill, namespace: "b:shop"),
      "context b is disconnected: pods is forbidden: User \"developer\" cannot list resource \"pods\"")
    XCTAssertNil(s.whyUnavailable(.podKill, namespace: "a:shop"))
  }

  func testAProductionContextAsksForItsOwnName() {
    var s = twoContexts()
    var sb = s.contexts[1]
    sb.production = "*-standby"
    _ = reduce(&s, .context(sb))
    XCTAssertNil(s.production(for: .pod(namespace: "a:shop", name: "web-0")))
    XCTAssertEqual(s.production(for: .pod(namespace: "b:shop", name: "web-0"))?.name, "kind-standby")
    XCTAssertEqual(s.production(for: nil)?.name, "kind-standby", "an experiment may act in any context")
  }

  func testContextSpecsAndAliases() throws {
    XCTAssertEqual(try ContextSpec.parse("kind-a").get(), ContextSpec(alias: "kind-a", name: "kind-a"))
    XCTAssertEqual(
      try ContextSpec.parse("p=arn:aws:eks:eu-west-1:1:cluster/prod").get().name, "arn:aws:eks:eu-west-1:1:cluster/prod"
    )
    XCTAssertEqual(ContextName.alias(for: "arn:aws:eks:eu-west-1:1:cluster/Prod_EU"), "prod-eu")
    XCTAssertEqual(ContextName.alias(for: "gke_proj_europe-west1_main"), "gke-proj-europe")
    XCTAssertThrowsError(try ContextSpec.parse("A B=x").get())
    XCTAssertThrowsError(try ContextSpec.parse("a=").get())
    XCTAssertEqual(
      ContextSpec.problem([ContextSpec(alias: "a", name: "x"), ContextSpec(alias: "a", name: "y")]),
      "two contexts have the alias a: give one another (--context ALIAS=NAME)")
    XCTAssertThrowsError(try FailoverGroup.make(name: "pg", workloads: ["a:ns/pg"]).get())
    XCTAssertThrowsError(try FailoverGroup.make(name: "pg", workloads: ["a:ns/pg", "ns/pg"]).get())
  }
}

/// A failover game day: the primary killed in one context, the standby promoted in the other: one
/// incident, recovered when the standby serves, with its TTR.
final class FailoverIncidentTests: XCTestCase {
  func pg(_ ctx: String, _ i: Int, role: String, ready: Bool = true) -> Pod {
    var p = Pod(
      namespace: ctx + ":db", name: "pg-\(i)", phase: .running, status: "Running", readyContainers: ready ? 1 : 0,
      totalContainers: 1, created: 0, workload: "pg")
    p.labels["role"] = role
    return p
  }
  func set(_ ctx: String, ready: Int) -> Workload {
    Workload(
      kind: .statefulSet, namespace: ctx + ":db", name: "pg", desiredReplicas: 2, currentReplicas: 2,
      readyReplicas: ready)
  }

  /// Kills a's primary at 10 s; promotes b's standby at 20 s; returns the state at 45 s.
  func gameDay(failover: Bool) -> ClusterSnapshot {
    var s = ClusterSnapshot()
    var setup: [Action] = [.tick(0)]
    for c in ["a", "b"] {
      var st = ContextStatus(alias: c, name: "kind-" + c)
      st.connection = .connected
      setup.append(.context(st))
    }
    setup += [
      .podUpserted(pg("a", 0, role: "primary")), .podUpserted(pg("a", 1, role: "replica")),
      .workloadUpserted(set("a", ready: 2)),
      .podUpserted(pg("b", 0, role: "replica")), .podUpserted(pg("b", 1, role: "replica")),
      .workloadUpserted(set("b", ready: 2)),
    ]
    if failover { setup.append(.failover([FailoverGroup(name: "pg", workloads: ["a:db/pg", "b:db/pg"])])) }
    for act in setup { _ = reduce(&s, act) }
    _ = reduce(&s, .tick(10))
    _ = reduce(&s, .requestFault(FaultRequest(kind: .podKill, target: .pod(namespace: "a:db", name: "pg-0"))))
    _ = reduce(&s, .faultStarted(id: 1, time: 10, ends: 10, pods: ["a:db/pg-0"], workloads: ["a:db/pg"]))
    // a's primary is gone and stays gone (its node is lost): a keeps one replica.
    _ = reduce(&s, .podDeleted(id: "a:db/pg-0"))
    _ = reduce(&s, .workloadUpserted(set("a", ready: 1)))
    for t in stride(from: 11.0, through: 45, by: 1) {
      if t == 20 { _ = reduce(&s, .podUpserted(pg("b", 0, role: "primary"))) }
      _ = reduce(&s, .tick(t))
    }
    return s
  }

  func testAPrimaryKilledInOneContextAndAStandbyPromotedInTheOtherIsOneIncident() {
    let s = gameDay(failover: true)
    XCTAssertEqual(s.incidents.count, 1)
    let inc = s.incidents[0]
    XCTAssertEqual(inc.workloads, ["a:db/pg", "b:db/pg"], "the incident watches both contexts")
    XCTAssertEqual(inc.title, "pod-kill a:pg-0")
    XCTAssertEqual(inc.status, .recovered)
    XCTAssertEqual(inc.ttd ?? -1, 1, accuracy: 0.01)
    XCTAssertEqual(inc.ttr ?? -1, 10, accuracy: 1.01, "served again when b's standby was promoted, 10 s after the kill")
    let lines = s.timeline.map(\.text).joined(separator: "\n")
    XCTAssertTrue(lines.contains("pg served in no context"), lines)
    XCTAssertTrue(lines.contains("primary of b:pg is now pg-0 (was none) (failover pg), 9.0s after fault #1"), lines)
  }

  func testWithoutTheFailoverGroupTheKilledContextStaysDegraded() {
    let s = gameDay(failover: false)
    XCTAssertEqual(s.incidents[0].workloads, ["a:db/pg"])
    XCTAssertEqual(s.incidents[0].status, .degraded, "a alone is still short of a primary and a replica")
  }
}
