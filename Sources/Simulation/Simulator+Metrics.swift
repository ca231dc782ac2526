import ClusterState
import Foundation

// The traffic model: usage, latency, loss and errors of every pod and service, and what faults add.
extension Simulator {
  // MARK: - Metrics

  /// What the active faults add to a pod's traffic: latency, loss, CPU and memory pressure. Each
  /// fault's share is set where it is injected (`Simulator.inject`, one case a kind).
  struct FaultLoad: Sendable {
    var delay = 0.0, jitter = 0.0, loss = 0.0, cpu = 0.0, memRate = 0.0
    /// DNS lookups fail; HTTP requests aborted; the clock skewed by seconds; file operations slowed.
    var dnsErrors = false, httpAbort = false, skew = 0.0, ioDelay = 0.0
    /// Workloads (of the pod's namespace) no packet reaches or comes from: a network partition.
    var cutFrom: Set<String> = []
    /// Egress shaped to this rate, kbit/s (0: not shaped).
    var rateKbit = 0.0

    mutating func add(_ o: FaultLoad) {
      delay += o.delay
      jitter += o.jitter
      loss = min(100, loss + o.loss)
      cpu += o.cpu
      memRate += o.memRate
      dnsErrors = dnsErrors || o.dnsErrors
      httpAbort = httpAbort || o.httpAbort
      skew += o.skew
      ioDelay += o.ioDelay
      cutFrom.formUnion(o.cutFrom)
      if o.rateKbit > 0 { rateKbit = rateKbit > 0 ? min(rateKbit, o.rateKbit) : o.rateKbit }
    }
  }

  func faultLoad(_ id: String) -> FaultLoad {
    var e = FaultLoad()
    for f in faults where f.pods.contains(id) { e.add(f.load) }
    return e
  }

  /// Requests per second reaching the web tier: a slow wave over five minutes with noise.
  public static func load(at t: Seconds) -> Double { 120 * (1 + 0.35 * sin(2 * Double.pi * t / 300)) }

  /// What a workload plays in its pipeline's traffic.
  enum TrafficRole { case flask, postgres, other }

  /// One metrics round's view of the pipelines: their load, each spec's role and pipeline, who is
  /// Ready, what the database suffers, which nodes are down.
  struct Round {
    var t: Seconds
    var rpsOf: [Double]
    var ready: [Int]
    var hasPrimary: [Bool]
    var role: [TrafficRole]
    var lineOf: [Int]
    /// Postgres' file-operation latency reaches every query its Flask tier makes.
    var dbDelay: [Double]
    /// A primary partitioned from the web tier: every query of it times out.
    var dbCut: [Bool]
    var sparkWave: Double
    var down: Set<String>
  }

  /// A workload's sums over its pods in a round.
  struct WorkloadAcc {
    var cpu = 0.0, mem = 0.0, io = 0.0
    var lat: [(p50: Double, p99: Double, share: Double)] = []
    var loss = 0.0
    /// Failed requests, weighted by the pods' shares (DNS errors, aborts, rejected tokens).
    var errors = 0.0
  }

  mutating func sampleMetrics(into out: inout [Action]) {
    let round = makeRound()
    var acc = [WorkloadAcc](repeating: WorkloadAcc(), count: specs.count)
    var podSamples: [PodSample] = []
    podSamples.reserveCapacity(pods.count)
    for i in pods.indices { samplePod(i, round, &acc, &podSamples) }
    out.append(.podMetrics(time: round.t, podSamples))
    out.append(.workloadMetrics(time: round.t, workloadSamples(acc, round)))
  }

  mutating func makeRound() -> Round {
    let t = now
    // Each pipeline has the same load, with noise of its own; a pipeline's role for each spec.
    let rpsOf = pipelines.map { _ in Simulator.load(at: t) * (1 + 0.03 * rng.gaussian()) }
    var ready = [Int](repeating: 0, count: specs.count)
    for p in pods where p.ready { ready[p.w] += 1 }
    let hasPrimary = pipelines.map { line in
      pods.contains { $0.w == line.postgres && $0.ready && $0.labels["role"] == "primary" }
    }
    var role = [TrafficRole](repeating: .other, count: specs.count)
    var lineOf = [Int](repeating: 0, count: specs.count)
    for (k, line) in pipelines.enumerated() {
      role[line.flask] = .flask
      role[line.postgres] = .postgres
      for w in specs.indices where specs[w].namespace == line.namespace { lineOf[w] = k }
    }
    var dbDelay = [Double](repeating: 0, count: pipelines.count)
    var dbCut = [Bool](repeating: false, count: pipelines.count)
    if !faults.isEmpty {
      for (k, line) in pipelines.enumerated() {
        for p in pods where p.w == line.postgres && p.ready {
          let fx = faultLoad(PodID(namespace: line.namespace, name: p.name).key)
          dbDelay[k] = max(dbDelay[k], fx.ioDelay)
          if p.labels["role"] == "primary" && fx.cutFrom.contains(specs[line.flask].name) { dbCut[k] = true }
        }
      }
    }
    // A stopped node reports nothing (its kubelet and cAdvisor are down).
    let down = nodes.contains { !$0.ready } ? Set(nodes.filter { !$0.ready }.map(\.name)) : []
    return Round(
      t: t, rpsOf: rpsOf, ready: ready, hasPrimary: hasPrimary, role: role, lineOf: lineOf, dbDelay: dbDelay,
      dbCut: dbCut, sparkWave: max(0, sin(2 * Double.pi * t / 90)), down: down)
  }

  /// One pod's usage this round, and its share of its service's latency, loss and errors.
  mutating func samplePod(_ i: Int, _ r: Round, _ acc: inout [WorkloadAcc], _ podSamples: inout [PodSample]) {
    let spec = specs[pods[i].w]
    var running: Bool
    if case .running = pods[i].stage, case .running = pods[i].container { running = true } else { running = false }
    if let node = pods[i].node, r.down.contains(node) { running = false }
    guard running else {
      if pods[i].hasMetrics { pods[i].hasMetrics = false }
      return
    }
    let id = PodID(namespace: spec.namespace, name: pods[i].name).key
    let w = pods[i].w
    if spec.light {
      let cpu = spec.cpuIdle * (1 + 0.2 * rng.unit())
      pods[i].cpu = cpu
      pods[i].hasMetrics = true
      podSamples.append(PodSample(podID: id, cpuMilli: cpu, memoryBytes: pods[i].memory))
      acc[w].cpu += cpu
      acc[w].mem += pods[i].memory
      acc[w].io += spec.ioPerPod
      return
    }
    let fx = faults.isEmpty ? FaultLoad() : faultLoad(id)
    var share = 0.0
    var work = spec.cpuIdle
    let rps = r.rpsOf[r.lineOf[w]]
    switch r.role[w] {
    case .flask:
      // The load balancer spreads requests evenly over the Ready endpoints, whatever their zone.
      share = pods[i].ready ? rps / Double(max(1, r.ready[w])) : 0
      work += share * spec.cpuPerRequest
    case .postgres:
      let isPrimary = pods[i].labels["role"] == "primary"
      share = pods[i].ready ? (isPrimary ? rps * 0.8 : rps * 0.2) : 0
      work += share * spec.cpuPerRequest
    case .other:
      // Tasks that wait on slowed IO burn less CPU and take longer; tasks come from the master: a
      // worker cut off from it has none.
      if spec.name == "spark-worker" && !fx.cutFrom.contains("spark-master") {
        work += 700 * r.sparkWave / (1 + fx.ioDelay / 100)
      }
      share = spec.service != nil && pods[i].ready ? 5 : 0
    }
    work *= 1 + 0.06 * rng.gaussian()
    let cpu = min(spec.cpuLimit, max(1, work + fx.cpu))
    pods[i].cpu = cpu
    pods[i].hasMetrics = true
    if fx.memRate > 0 {
      pods[i].memory += fx.memRate
    } else {
      pods[i].memory = max(
        spec.memBase * 0.9, min(spec.memLimit * 0.98, pods[i].memory * (1 + 0.01 * rng.gaussian())))
    }
    podSamples.append(PodSample(podID: id, cpuMilli: cpu, memoryBytes: pods[i].memory))
    acc[w].cpu += cpu
    acc[w].mem += pods[i].memory
    var io = spec.ioPerPod * (0.8 + 0.4 * rng.unit())
    if spec.name == "spark-worker" { io *= 0.3 + 2 * r.sparkWave }
    if r.role[w] == .postgres { io *= share / 60 + 0.2 }
    if fx.ioDelay > 0 { io /= 1 + fx.ioDelay / 100 }
    acc[w].io += io
    if spec.service != nil && pods[i].ready { serve(i, fx, share: share, work: work, r, &acc[w]) }
  }

  /// What a Ready pod behind a service adds to its latency, loss and errors.
  mutating func serve(_ i: Int, _ fx: FaultLoad, share: Double, work: Double, _ r: Round, _ acc: inout WorkloadAcc) {
    let spec = specs[pods[i].w]
    let w = pods[i].w
    let flask = r.role[w] == .flask
    // Queueing: latency grows as the pod's CPU nears its limit (the stressor steals from the app).
    let available = max(spec.cpuLimit * 0.05, spec.cpuLimit - fx.cpu)
    let rho = min(0.97, work / available)
    var p50 = spec.baseLatencyMs / (1 - rho) * (1 + 0.04 * rng.gaussian())
    var p99 = p50 * 2.6
    if fx.delay > 0 {
      p50 += fx.delay + fx.jitter * rng.gaussian() * 0.5
      p99 += fx.delay + fx.jitter * 2
    }
    // A query touches a few pages: IO latency shows several times in the database's p99.
    p50 += fx.ioDelay
    p99 += fx.ioDelay * 3
    if flask {
      p50 += r.dbDelay[r.lineOf[w]] * 1.5
      p99 += r.dbDelay[r.lineOf[w]] * 4
    }
    let weight = max(share, 0.01)
    if fx.rateKbit > 0 {
      // Responses (16 KB from the web tier, 4 KB a query) through a shaped link: each takes its
      // transfer time, queueing grows as the demand nears the rate, and past it the queue only
      // grows: that share of the requests times out.
      let size = flask ? 128.0 : 32.0
      let transfer = size / fx.rateKbit * 1000
      let load = share * size / fx.rateKbit
      if load < 0.95 {
        p50 += transfer / (1 - load)
        p99 += 3 * transfer / (1 - load)
      } else {
        p50 += min(5000, transfer * 20)
        p99 += 10_000
        acc.errors += max(0, 1 - 1 / load) * 100 * weight
      }
    }
    if fx.dnsErrors {
      acc.errors += (flask ? 92 : 10) * weight  // every call to postgres fails: "could not translate host name"
    }
    if fx.httpAbort { acc.errors += 100 * weight }
    if flask && (r.dbCut[r.lineOf[w]] || fx.cutFrom.contains(specs[pipelines[r.lineOf[w]].postgres].name)) {
      // Partitioned from the database: each query waits out its connect timeout, then a 503.
      acc.errors += 95 * weight
      p50 += 1000
      p99 += 3000
    }
    if abs(fx.skew) >= 60 && flask {
      acc.errors += 35 * weight  // tokens issued "in the future" or expired: 401s
    }
    acc.lat.append((max(0.1, p50), max(0.1, p99), weight))
    acc.loss += fx.loss * weight
  }

  /// Each workload's figures from its pods' sums.
  func workloadSamples(_ acc: [WorkloadAcc], _ r: Round) -> [WorkloadSample] {
    var samples: [WorkloadSample] = []
    for (w, spec) in specs.enumerated() {
      var sample = WorkloadSample(
        workloadID: spec.id, cpuMilli: acc[w].cpu, memoryBytes: acc[w].mem, ioBytesPerSec: acc[w].io)
      if spec.service != nil {
        let lat = acc[w].lat
        let total = lat.reduce(0) { $0 + $1.share }
        if lat.isEmpty {
          sample.latencyP50Ms = 1000
          sample.latencyP99Ms = 1000
          sample.lossPercent = 0
          sample.errorPercent = 100
          sample.requestsPerSec = 0
        } else {
          sample.latencyP50Ms = Simulator.weightedQuantile(lat.map { ($0.p50, $0.share) }, 0.5)
          sample.latencyP99Ms = Simulator.weightedQuantile(lat.map { ($0.p99, $0.share) }, 0.99)
          let loss = acc[w].loss / total
          sample.lossPercent = loss
          var errors = loss * 0.6 + acc[w].errors / total
          if !r.hasPrimary[r.lineOf[w]] && r.role[w] != .other { errors += 25 }
          sample.errorPercent = min(100, errors)
          sample.requestsPerSec = r.role[w] != .other ? r.rpsOf[r.lineOf[w]] : 5
        }
      }
      samples.append(sample)
    }
    return samples
  }

  /// The value below which `q` of the weight lies.
  static func weightedQuantile(_ values: [(Double, Double)], _ q: Double) -> Double {
    let sorted = values.sorted { $0.0 < $1.0 }
    let total = sorted.reduce(0) { $0 + $1.1 }
    var seen = 0.0
    for (v, w) in sorted {
      seen += w
      if seen >= q * total - 1e-9 { return v }
    }
    return sorted.last?.0 ?? 0
  }

  // MARK: - Emitting state

  func podModel(_ p: SimPod) -> Pod {
    let spec = specs[p.w]
    var phase = PodPhase.pending
    var status = "Pending"
    var readyCount = 0
    switch p.stage {
    case .pending: break
    case .creating: status = "ContainerCreating"
    case .terminating:
      phase = .running
      status = "Terminating"
    case .running:
      phase = .running
      switch p.container {
      case .running:
        status = "Running"
        readyCount = p.ready ? spec.containers : spec.containers - 1
      case .waiting(let reason, let until):
        status = reason == "ContainerCreating" ? reason : (until - now > 1.05 ? "CrashLoopBackOff" : reason)
        readyCount = spec.containers - 1
      }
    }
    let owner =
      spec.kind == .statefulSet
      ? OwnerRef(kind: "StatefulSet", name: spec.name)
      : OwnerRef(kind: "ReplicaSet", name: spec.name + "-" + (spec.rsHash ?? ""))
    var pod = Pod(
      namespace: spec.namespace, name: p.name, phase: phase, status: status, readyContainers: readyCount,
      totalContainers: spec.containers, restarts: p.restarts, created: p.created, deletionTimestamp: p.deletion,
      node: p.node,
      labels: p.labels, owner: owner, workload: spec.name, cpuRequestMilli: spec.cpuRequest,
      memoryLimitBytes: spec.memLimit)
    pod.containerNames = Simulator.containerNames(spec)
    pod.cpuLimitMilli = spec.cpuLimit
    pod.memoryRequestBytes = spec.memRequest > 0 ? spec.memRequest : nil
    pod.priority = spec.priority
    if let why = p.evicted {
      pod.phase = .failed
      pod.status = "Evicted"
      pod.evictionReason = why
    }
    return pod
  }

  mutating func emitChanges(into out: inout [Action]) {
    var ready = [Int](repeating: 0, count: specs.count)
    var current = [Int](repeating: 0, count: specs.count)
    for i in pods.indices {
      if pods[i].ready { ready[pods[i].w] += 1 }
      if pods[i].deletion == nil { current[pods[i].w] += 1 }
      if pods[i].dirty {
        pods[i].dirty = false
        out.append(.podUpserted(podModel(pods[i])))
      }
    }
    var statuses: [Workload] = []
    for (w, spec) in specs.enumerated() {
      statuses.append(
        Workload(
          kind: spec.kind, namespace: spec.namespace, name: spec.name, desiredReplicas: spec.replicas,
          currentReplicas: current[w], readyReplicas: ready[w], updatedAt: 0,
          owner: spec.rsHash.map { spec.name + "-" + $0 }, labels: spec.workloadLabels))
    }
    if statuses != workloadStatus {
      for (i, s) in statuses.enumerated() where i >= workloadStatus.count || workloadStatus[i] != s {
        var s2 = s
        s2.updatedAt = now
        out.append(.workloadUpserted(s2))
      }
      workloadStatus = statuses
    }
  }
}
