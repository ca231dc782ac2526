/// The rows of the fault table. `descriptor(_:)` is an exhaustive switch: a new `FaultKind` does
/// not compile until it has its row.
extension FaultTable {
  static func descriptor(_ kind: FaultKind) -> FaultDescriptor {
    switch kind {
    case .podKill: return podKill
    case .containerKill: return containerKill
    case .networkDelay: return networkDelay
    case .networkLoss: return networkLoss
    case .cpuHog: return cpuHog
    case .memoryHog: return memoryHog
    case .killPrimary: return killPrimary
    case .evict: return evict
    case .scale: return scale
    case .cordon: return cordon
    case .nodeStop: return nodeStop
    case .memoryPressure: return memoryPressure
    case .drain: return drain
    case .zoneOutage: return zoneOutage
    case .dnsError: return dnsError
    case .timeSkew: return timeSkew
    case .ioLatency: return ioLatency
    case .httpAbort: return httpAbort
    case .networkPartition: return networkPartition
    case .bandwidthLimit: return bandwidthLimit
    }
  }

  static let tune = "   (+/- to change)"

  static let podKill = FaultDescriptor(
    kind: .podKill, key: "k", title: "Pod kill", summary: "delete the pod; its owner creates a replacement",
    oneShot: true, target: .pods, needs: .api(verb: "delete", group: "", resource: "pods", subresource: ""),
    fields: [.integer("grace-period", "seconds the pod gets to stop (0: force)") { $0.gracePeriod = $1 }],
    strength: .ladder(
      "grace period: the pod's own, 30, 10, 5, 1, 0 s (force)", \.gracePeriod, [nil, 30, 10, 5, 1, 0], start: 0),
    effect: { req, _ in
      req.parameters.gracePeriod.map {
        $0 == 0
          ? "FORCE delete (grace 0): gone from the API at once  (+/-)"
          : "delete, grace period \($0)s; its owner replaces it  (+/- grace)"
      } ?? "delete, the pod's grace period; its owner replaces it  (+/- grace)"
    })

  static let containerKill = FaultDescriptor(
    kind: .containerKill, key: "c", title: "Container kill", summary: "kill the container; the kubelet restarts it",
    oneShot: true, target: .pods, needs: .chaosMesh(plural: "podchaos", kind: "PodChaos"), fields: [], strength: nil,
    effect: { _, _ in "kill the main container; the kubelet restarts it with back-off" })

  static let networkDelay = FaultDescriptor(
    kind: .networkDelay, key: "d", title: "Network delay", summary: "add latency to the pod's traffic",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "networkchaos", kind: "NetworkChaos"),
    fields: [
      .number("delay-ms", "latency added, ms", \.delayMs), .number("jitter-ms", "its jitter, ms", \.jitterMs),
    ],
    strength: .number("latency, 10 ms to 5 s", \.delayMs, by: 50, above: (500, 100), range: 10...5000),
    effect: { req, _ in
      "+\(Int(req.parameters.delayMs))ms latency, jitter \(Int(req.parameters.jitterMs))ms" + tune
    })

  static let networkLoss = FaultDescriptor(
    kind: .networkLoss, key: "l", title: "Network loss", summary: "drop a share of the pod's packets",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "networkchaos", kind: "NetworkChaos"),
    fields: [.number("loss-percent", "packets dropped, %", \.lossPercent)],
    strength: .number("packets dropped, 5 to 100 %", \.lossPercent, by: 5, range: 5...100),
    effect: { req, _ in "\(Int(req.parameters.lossPercent))% packet loss" + tune })

  static let cpuHog = FaultDescriptor(
    kind: .cpuHog, key: "u", title: "CPU hog", summary: "burn CPU in the pod, up to its limit",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "stresschaos", kind: "StressChaos"),
    fields: [.number("cpu-milli", "CPU burnt a pod, millicores", \.cpuMilli)],
    strength: .number("CPU a pod, 100m to 8 cores", \.cpuMilli, by: 250, range: 100...8000),
    effect: { req, _ in
      "burn \(Numbers.cpu(req.parameters.cpuMilli)) CPU a pod (near its limit: probes time out)  (+/- to change)"
    })

  static let memoryHog = FaultDescriptor(
    kind: .memoryHog, key: "m", title: "Memory hog", summary: "allocate memory until OOMKilled",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "stresschaos", kind: "StressChaos"),
    fields: [.number("memory-mib-per-sec", "allocated a second, MiB", \.memoryMiBPerSec)],
    strength: .number("MiB allocated a second, 1 to 512", \.memoryMiBPerSec, by: 8, range: 1...512),
    effect: { req, _ in "allocate \(Int(req.parameters.memoryMiBPerSec))MiB/s until the memory limit" + tune })

  static let killPrimary = FaultDescriptor(
    kind: .killPrimary, key: "p", title: "Kill stateful primary",
    summary: "delete the primary of a replicated stateful set", oneShot: true, target: .primary,
    needs: .api(verb: "delete", group: "", resource: "pods", subresource: ""), fields: [], strength: nil,
    effect: { _, _ in "delete the primary; the operator promotes a replica" })

  static let evict = FaultDescriptor(
    kind: .evict, key: "e", title: "Evict pod", summary: "evict it (a PodDisruptionBudget may refuse)",
    oneShot: true, target: .pods, needs: .api(verb: "create", group: "", resource: "pods", subresource: "eviction"),
    fields: [], strength: nil, effect: { _, _ in "the Eviction API; a PodDisruptionBudget may refuse it" })

  static let scale = FaultDescriptor(
    kind: .scale, key: "s", title: "Scale workload", summary: "scale its workload for a while, then back",
    oneShot: false, target: .workload,
    needs: .api(verb: "patch", group: "apps", resource: "deployments", subresource: "scale"),
    fields: [.integer("replicas", "replicas for the duration") { $0.replicas = $1 }],
    strength: FaultStrength(help: "replicas, 0 to 100") { req, up, _ in
      req.parameters.replicas = max(0, min(100, req.parameters.replicas + (up ? 1 : -1)))
    },
    effect: { req, _ in "set replicas to \(req.parameters.replicas), then back" + tune },
    prepare: { req, pod, state in
      // One replica fewer (its controller or HPA may fight back: that is the test).
      let desired = pod.workload.flatMap { state.workloads[WorkloadID(namespace: pod.namespace, name: $0).key] }
      req.parameters.replicas = max(0, (desired?.desiredReplicas ?? 1) - 1)
    })

  static let cordon = FaultDescriptor(
    kind: .cordon, key: "n", title: "Cordon node", summary: "cordon its node for a while: no new pods there",
    oneShot: false, target: .node, needs: .api(verb: "patch", group: "", resource: "nodes", subresource: ""),
    fields: [], strength: nil, effect: { _, _ in "mark the node unschedulable, then uncordon it" })

  static let nodeStop = FaultDescriptor(
    kind: .nodeStop, key: "o", title: "Stop node",
    summary: "stop its node: NotReady, pods evicted after their toleration", oneShot: false, target: .node,
    needs: .onNode, fields: [], strength: nil,
    effect: { _, _ in "the node stops (kubelet down): NotReady, its pods evicted after their toleration" })

  static let memoryPressure = FaultDescriptor(
    kind: .memoryPressure, key: "P", title: "Memory pressure",
    summary: "memory pressure on its node: the kubelet evicts the lowest priority", oneShot: false, target: .node,
    needs: .onNode, fields: [.number("pressure-mib", "memory the node's own processes take, MiB", \.pressureMiB)],
    strength: .number("MiB taken, 256 to 16384", \.pressureMiB, by: 512, range: 256...16_384),
    effect: { req, _ in
      "the node's processes take \(Int(req.parameters.pressureMiB))MiB: the kubelet evicts pods to free it  (+/-)"
    })

  static let drain = FaultDescriptor(
    kind: .drain, key: "r", title: "Drain node", summary: "drain its node: cordon, evict its pods (budgets apply)",
    oneShot: false, target: .node, needs: .api(verb: "create", group: "", resource: "pods", subresource: "eviction"),
    fields: [], strength: nil,
    effect: { _, _ in "cordon the node, evict its pods through the Eviction API, uncordon at the end" })

  static let zoneOutage = FaultDescriptor(
    kind: .zoneOutage, key: "z", title: "Zone outage",
    summary: "stop every node of its zone at once: NotReady, pods evicted after their toleration", oneShot: false,
    target: .zone, needs: .onNode, fields: [], strength: nil,
    effect: { req, state in
      guard case .zone(let zone) = req.target else { return "every node of the zone stops" }
      let nodes = FaultPlan.nodes(inZone: zone, state).sorted()
      return
        "\(nodes.joined(separator: ", ")) stop (kubelets down): NotReady, traffic moves to the other zones, pods evicted after \(Int(FaultPlan.nodeToleration))s"
    })

  static let dnsError = FaultDescriptor(
    kind: .dnsError, key: "D", title: "DNS errors", summary: "make its DNS lookups fail (DNSChaos)",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "dnschaos", kind: "DNSChaos"), fields: [],
    strength: nil,
    effect: { _, _ in "every DNS lookup of the pods fails (Chaos Mesh DNSChaos): their calls error" })

  static let timeSkew = FaultDescriptor(
    kind: .timeSkew, key: "t", title: "Clock skew", summary: "skew its clock (TimeChaos)",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "timechaos", kind: "TimeChaos"),
    fields: [.number("skew-seconds", "seconds added to the clocks (negative: behind)", \.skewSeconds)],
    // Further behind with +: -1 min, -10 min, -1 h, -1 day; then ahead.
    strength: .ladder(
      "behind by a day, an hour, 10 min, 1 min; ahead by 1 min, 10 min, an hour", \.skewSeconds,
      [-86_400, -3600, -600, -60, 60, 600, 3600], start: 2),
    effect: { req, _ in
      let s = req.parameters.skewSeconds
      return "the pods' clocks \(s < 0 ? "behind" : "ahead") by \(Numbers.age(abs(s))) (TimeChaos)" + tune
    })

  static let ioLatency = FaultDescriptor(
    kind: .ioLatency, key: "i", title: "IO latency", summary: "slow its volume's file operations (IOChaos)",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "iochaos", kind: "IOChaos"),
    fields: [
      .number("io-delay-ms", "added to each file operation, ms", \.ioDelayMs),
      .text("volume-path", "the volume's mount path") { $0.volumePath = $1 },
    ],
    strength: .number("delay, 10 ms to 5 s", \.ioDelayMs, by: 50, above: (500, 250), range: 10...5000),
    effect: { req, state in
      let pods = FaultPlan.targets(req, in: state) { $0.first }
      return
        "+\(Int(req.parameters.ioDelayMs))ms on file operations under \(FaultPlan.volumePath(req, pods: pods)) (IOChaos)   (+/-)"
    })

  static let httpAbort = FaultDescriptor(
    kind: .httpAbort, key: "h", title: "HTTP abort", summary: "abort the HTTP requests it serves (HTTPChaos)",
    oneShot: false, target: .pods, needs: .chaosMesh(plural: "httpchaos", kind: "HTTPChaos"),
    fields: [
      .integer("http-port", "the port the app serves") { $0.httpPort = $1 },
      .text("http-path", "the request path pattern") { $0.httpPath = $1 },
    ],
    strength: nil,
    effect: { req, state in
      let pods = FaultPlan.targets(req, in: state) { $0.first }
      return
        "abort HTTP requests to port \(FaultPlan.httpPort(req, pods: pods)) path \(req.parameters.httpPath) (HTTPChaos)"
    })

  static let networkPartition = FaultDescriptor(
    kind: .networkPartition, key: "x", title: "Network partition",
    summary: "cut it off from another workload (NetworkChaos partition)", oneShot: false, target: .pods,
    needs: .chaosMesh(plural: "networkchaos", kind: "NetworkChaos"),
    fields: [
      .text("peer", "the workload cut off (same namespace)") { $0.peer = $1 },
      FaultField("direction", .text, "to, from or both (default both)") { p, v in
        guard case .text(let d) = v, ["to", "from", "both"].contains(d) else { return "must be to, from or both" }
        p.direction = d
        return nil
      },
    ],
    strength: FaultStrength(help: "the workload cut off: the next one of the namespace") { req, up, state in
      let peers = partitionPeers(req, state)
      guard !peers.isEmpty else { return }
      let i = req.parameters.peer.flatMap { peers.firstIndex(of: $0) } ?? 0
      req.parameters.peer = peers[(i + (up ? 1 : peers.count - 1)) % peers.count]
    },
    effect: { req, _ in
      let p = req.parameters
      let way = p.direction == "both" ? "both ways" : p.direction == "to" ? "to it" : "from it"
      return "no packets \(way) between it and \(p.peer ?? "(no other workload)"): calls time out  (+/- other workload)"
    },
    prepare: { req, pod, state in
      // The workload this one most likely calls: a database or queue of its namespace, else the first.
      let peers = partitionPeers(req, state)
      let likely = ["postgres", "mysql", "redis", "mongo", "kafka", "db", "master"]
      req.parameters.peer = peers.first { p in likely.contains { p.contains($0) } } ?? peers.first
    })

  static let bandwidthLimit = FaultDescriptor(
    kind: .bandwidthLimit, key: "b", title: "Bandwidth limit",
    summary: "shape its outgoing traffic to a rate (NetworkChaos bandwidth)", oneShot: false, target: .pods,
    needs: .chaosMesh(plural: "networkchaos", kind: "NetworkChaos"),
    fields: [
      FaultField("rate-kbit", .number, "the rate, kbit/s") { p, v in
        guard case .number(let r) = v, r >= 1 else { return "must be at least 1 kbit/s" }
        p.rateKbit = r
        return nil
      },
      .bytes("limit-bytes", "bytes queued waiting for tokens", \.limitBytes),
      .bytes("buffer-bytes", "the bucket: bytes sent at once", \.bufferBytes),
    ],
    strength: .ladder(
      "rate: 64 kbit/s, 256 kbit/s, 1, 4, 10, 100 Mbit/s", \.rateKbit, [64, 256, 1024, 4096, 10_240, 102_400],
      start: 2),
    effect: { req, _ in
      "outgoing traffic at most \(rateText(req.parameters.rateKbit)), \(req.parameters.limitBytes) bytes queued"
        + tune
    })

  /// 64 kbit/s, 1 Mbit/s, 1.5 Mbit/s.
  public static func rateText(_ kbit: Double) -> String {
    kbit >= 1024
      ? (kbit.truncatingRemainder(dividingBy: 1024) == 0 ? "\(Int(kbit / 1024))" : Numbers.one(kbit / 1024)) + " Mbit/s"
      : "\(Int(kbit)) kbit/s"
  }

  /// The other workloads of the request's namespace, by name.
  static func partitionPeers(_ req: FaultRequest, _ state: ClusterSnapshot) -> [String] {
    let ns = req.target.namespace
    let own: String? = {
      switch req.target {
      case .workload(_, let name): return name
      case .pod(let ns, let name): return state.pods[PodID(namespace: ns, name: name).key]?.workload
      case .node, .zone: return nil
      }
    }()
    return state.workloads.values.filter { $0.namespace == ns && $0.name != own }.map(\.name).sorted()
  }
}
