import ClusterState

/// The demo's workloads write plausible logs, seeded as the rest of the demo: Flask's gunicorn
/// access lines (5xx and psycopg2 errors while Postgres has no primary, worker timeouts when
/// starved), Postgres' checkpoints, streaming replication, promotion and shutdown, Spark's tasks
/// and lost executors. Only the followed container writes (the pane shows one), from the pod's
/// state each second and its changes (a role, a restart, a termination) as they happen.
struct LogMemory: Sendable {
  var pod: String?
  /// The followed pod's creation: a StatefulSet's replacement has the same name, and a new log.
  var created: Seconds?
  var role: String?
  var ready = false
  var restarts = 0
  var terminating = false
  var primaryLost = false
  var starved = false
  var task = 100
  var gone = false
  /// A StatefulSet's pod comes back under its name: the log waits for it.
  var statefulSet = false
  var waiting = false
  /// Its own generator: following a log does not change the demo.
  var rng = SplitMix64(seed: 0x106)
}

extension Simulator {
  static func containerNames(_ spec: Spec) -> [String] {
    switch spec.name {
    case "flask": return ["flask"]
    case "postgres": return ["postgres", "exporter"]
    case "spark-master", "spark-worker": return ["spark"]
    default: return spec.containers == 2 ? ["etl", "sidecar"] : ["main"]
    }
  }

  /// Follows a container: its last `tailLines` lines now (the pod's start, then a second of its
  /// work per line back to now), the rest as the simulator runs.
  public mutating func followLogs(_ request: LogRequest?) -> [Action] {
    logFollow = request
    logMemory = LogMemory()
    guard let req = request else { return [] }
    guard let i = pods.firstIndex(where: { specs[$0.w].namespace == req.namespace && $0.name == req.pod }) else {
      return [.logStatus(req, "pod \(req.pod) not found")]
    }
    let p = pods[i]
    let spec = specs[p.w]
    let container = req.container ?? Simulator.containerNames(spec)[0]
    guard Simulator.containerNames(spec).contains(container) else {
      return [.logStatus(req, "container \(container) is not in pod \(p.name)")]
    }
    if req.previous && p.restarts == 0 {
      return [.logStatus(req, "previous terminated container \"\(container)\" in pod \"\(p.name)\" not found")]
    }
    var lines = startLines(spec, container, p, at: p.created + 1.5)
    var g = SplitMix64(seed: p.name.utf8.reduce(options.seed) { $0 &* 31 &+ UInt64($1) })
    let from = max(p.created + 3, now - Double(req.tailLines))
    var t = from
    while t < now {
      lines += steadyLines(spec, container, p, at: t, rng: &g)
      t += 1
    }
    logMemory.pod = p.name
    logMemory.created = p.created
    logMemory.statefulSet = spec.kind == .statefulSet
    logMemory.role = p.labels["role"]
    logMemory.ready = p.ready
    logMemory.restarts = p.restarts
    return [.logLines(req, Array(lines.suffix(req.tailLines))), .logStatus(req, "following (demo)")]
  }

  /// Each second: the followed container's new lines.
  mutating func writeLogs(at t: Seconds, into out: inout [Action]) {
    guard let req = logFollow, !req.previous, !logMemory.gone else { return }
    guard let i = pods.firstIndex(where: { specs[$0.w].namespace == req.namespace && $0.name == req.pod }) else {
      if logMemory.statefulSet {
        if !logMemory.waiting {
          out.append(.logStatus(req, "the pod is gone: waiting for its StatefulSet to make it again"))
        }
        logMemory.waiting = true
      } else {
        logMemory.gone = true
        out.append(.logStatus(req, "the pod is gone: its log ended"))
      }
      return
    }
    if logMemory.waiting {
      logMemory.waiting = false
      out.append(.logStatus(req, "following (demo)"))
    }
    let p = pods[i]
    let spec = specs[p.w]
    let container = req.container ?? Simulator.containerNames(spec)[0]
    var lines: [LogLine] = []
    let pipeline = pipelines.first { $0.namespace == spec.namespace }
    let primaryLost = pipeline?.primaryLostAt != nil
    if p.created != logMemory.created {
      // The same name, a new pod (a StatefulSet's replacement): its log from the start.
      logMemory.created = p.created
      logMemory.terminating = false
      logMemory.role = p.labels["role"]
      logMemory.restarts = p.restarts
      lines.append(LogLine(time: t, text: "── \(p.name) was replaced: the new pod's log ──", level: .info))
      lines += startLines(spec, container, p, at: t)
    }
    if p.restarts != logMemory.restarts {
      lines += startLines(spec, container, p, at: t)
      logMemory.restarts = p.restarts
    }
    if case .terminating = p.stage, !logMemory.terminating {
      logMemory.terminating = true
      lines += stopLines(spec, container, at: t)
    }
    if spec.name == "postgres" && container == "postgres" {
      let role = p.labels["role"]
      if role == "primary" && logMemory.role == "replica" {
        lines += [
          "LOG:  received promote request", "LOG:  redo done at 0/3000148 system usage: CPU: user: 0.00 s",
          "LOG:  selected new timeline ID: 2", "LOG:  archive recovery complete",
          "LOG:  database system is ready to accept connections",
        ].map { LogLine(time: t, text: $0) }
      }
      if primaryLost && !logMemory.primaryLost && role != "primary" {
        lines += [
          "FATAL:  could not receive data from WAL stream: server closed the connection unexpectedly",
          "LOG:  waiting for WAL to become available at 0/3000148",
        ].map { LogLine(time: t, text: $0) }
      }
      logMemory.role = role
    }
    if spec.name == "flask" && p.probeFailing && !logMemory.starved {
      lines.append(LogLine(time: t, text: "[CRITICAL] WORKER TIMEOUT (pid:7)"))
    }
    logMemory.starved = p.probeFailing
    logMemory.primaryLost = primaryLost
    if case .running = p.stage, case .running = p.container {
      var g = logMemory.rng
      lines += steadyLines(spec, container, p, at: t, rng: &g)
      logMemory.rng = g
    }
    if !lines.isEmpty { out.append(.logLines(req, lines)) }
  }

  func startLines(_ spec: Spec, _ container: String, _ p: SimPod, at t: Seconds) -> [LogLine] {
    let text: [String]
    switch (spec.name, container) {
    case ("flask", _):
      text = [
        "[INFO] Starting gunicorn 21.2.0", "[INFO] Listening at: http://0.0.0.0:8000 (1)",
        "[INFO] Using worker: sync", "[INFO] Booting worker with pid: 7",
      ]
    case ("postgres", "postgres"):
      text =
        p.labels["role"] == "primary"
        ? [
          "LOG:  starting PostgreSQL 16.4 on x86_64-pc-linux-gnu",
          "LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
          "LOG:  database system was shut down at 2026-11-27 08:00:00 UTC",
          "LOG:  database system is ready to accept connections",
        ]
        : [
          "LOG:  starting PostgreSQL 16.4 on x86_64-pc-linux-gnu", "LOG:  entering standby mode",
          "LOG:  consistent recovery state reached at 0/3000148",
          "LOG:  database system is ready to accept read-only connections",
          "LOG:  started streaming WAL from primary at 0/3000000 on timeline 1",
        ]
    case ("postgres", _):
      text = [
        "level=info msg=\"Starting postgres_exporter\" version=0.15.0", "level=info msg=\"Listening on\" address=:9187",
      ]
    case ("spark-master", _):
      text = [
        "INFO Master: Starting Spark master at spark://spark-master:7077", "INFO Master: I have been elected leader!",
      ]
    case ("spark-worker", _):
      text = [
        "INFO Worker: Starting Spark worker 10.0.1.\(7 + p.name.count % 40):7078 with 4 cores, 8.0 GiB RAM",
        "INFO Worker: Successfully registered with master spark://spark-master:7077",
      ]
    default:
      text = ["starting \(spec.name) (\(container))"]
    }
    return text.enumerated().map { LogLine(time: t + Double($0.offset) * 0.05, text: $0.element) }
  }

  func stopLines(_ spec: Spec, _ container: String, at t: Seconds) -> [LogLine] {
    let text: [String]
    switch (spec.name, container) {
    case ("flask", _):
      text = ["[INFO] Handling signal: term", "[INFO] Worker exiting (pid: 7)", "[INFO] Shutting down: Master"]
    case ("postgres", "postgres"):
      text = [
        "LOG:  received fast shutdown request", "LOG:  aborting any active transactions",
        "LOG:  database system is shut down",
      ]
    case ("spark-worker", _):
      text = ["ERROR Worker: RECEIVED SIGNAL TERM", "INFO ShutdownHookManager: Shutdown hook called"]
    default:
      text = ["received SIGTERM, shutting down"]
    }
    return text.map { LogLine(time: t, text: $0) }
  }

  /// A second of the container's work.
  func steadyLines(_ spec: Spec, _ container: String, _ p: SimPod, at t: Seconds, rng g: inout SplitMix64) -> [LogLine]
  {
    let pipeline = pipelines.first { $0.namespace == spec.namespace }
    let primaryLost = pipeline?.primaryLostAt.map { $0 <= t } ?? false
    let fx = faults.isEmpty ? FaultLoad() : faultLoad(PodID(namespace: spec.namespace, name: p.name).key)
    switch (spec.name, container) {
    case ("flask", _): return flaskLines(p, fx, primaryLost: primaryLost, at: t, rng: &g)
    case ("postgres", "postgres"): return postgresLines(p, fx, at: t, rng: &g)
    case ("postgres", _):
      guard Int(t) % 15 == 0 else { return [] }
      return [LogLine(time: t, text: "level=info msg=\"scrape\" duration_seconds=0.0\(1 + g.int(8))")]
    case ("spark-worker", _):
      guard g.int(2) == 0 else { return [] }
      let tid = Int(t) * 3 + g.int(3)
      return [
        LogLine(time: t, text: "INFO Executor: Running task \(tid % 8).0 in stage \(tid / 40).0 (TID \(tid))"),
        LogLine(
          time: t + 0.6,
          text:
            "INFO Executor: Finished task \(tid % 8).0 in stage \(tid / 40).0 (TID \(tid)). 1580 bytes result sent to driver"
        ),
      ]
    case ("spark-master", _):
      let lost = pods.contains {
        specs[$0.w].namespace == spec.namespace && specs[$0.w].name == "spark-worker" && !$0.ready
      }
      guard lost, Int(t) % 5 == 0 else { return [] }
      return [
        LogLine(
          time: t,
          text:
            "WARN TaskSetManager: Lost task 3.0 in stage 12.0 (TID 231): ExecutorLostFailure (executor 1 exited) Reason: worker lost"
        )
      ]
    default:
      guard Int(t) % 10 == 0 else { return [] }
      return [LogLine(time: t, text: "processed batch \(Int(t) / 10) in \(fmt(g.uniform(0.1, 0.9)))s")]
    }
  }

  /// Gunicorn's access lines, and the errors a fault or a lost primary brings.
  func flaskLines(_ p: SimPod, _ fx: FaultLoad, primaryLost: Bool, at t: Seconds, rng g: inout SplitMix64) -> [LogLine]
  {
    var out: [LogLine] = []
    if fx.dnsErrors {
      out.append(
        LogLine(
          time: t + 0.1,
          text:
            "[ERROR] psycopg2.OperationalError: could not translate host name \"postgres\" to address: Temporary failure in name resolution"
        ))
    }
    if abs(fx.skew) >= 60 {
      out.append(
        LogLine(
          time: t + 0.2,
          text:
            "[ERROR] jwt.exceptions.ImmatureSignatureError: The token is not yet valid (iat): clock off by \(Int(fx.skew))s"
        ))
    }
    let paths = ["GET /api/orders", "POST /api/orders", "GET /api/products", "GET /healthz"]
    for k in 0..<2 {
      let path = paths[g.int(paths.count)]
      let at = t + Double(k) * 0.5 + g.uniform(0, 0.4)
      let ip = "10.0.2.\(10 + g.int(200))"
      if primaryLost && !path.hasSuffix("healthz") {
        out.append(
          LogLine(
            time: at,
            text: "[ERROR] psycopg2.OperationalError: could not connect to server: Connection refused (postgres:5432)"
          ))
        out.append(LogLine(time: at, text: "\(ip) - - \"\(path) HTTP/1.1\" 500 265 \"-\" \(fmt(g.uniform(1, 3)))"))
      } else {
        let seconds = p.probeFailing ? g.uniform(1.2, 2.5) : g.uniform(0.008, 0.04)
        out.append(
          LogLine(time: at, text: "\(ip) - - \"\(path) HTTP/1.1\" 200 \(200 + g.int(2000)) \"-\" \(fmt(seconds))"))
      }
    }
    return out
  }

  /// Postgres: slow statements under IO latency, a skewed replica's end, checkpoints.
  func postgresLines(_ p: SimPod, _ fx: FaultLoad, at t: Seconds, rng g: inout SplitMix64) -> [LogLine] {
    if fx.ioDelay > 0 && g.int(2) == 0 {
      return [
        LogLine(
          time: t,
          text:
            "LOG:  duration: \(fmt(fx.ioDelay * Double(3 + g.int(8)))) ms  statement: SELECT * FROM orders WHERE id = $1"
        )
      ]
    }
    if abs(fx.skew) >= 60 && p.labels["role"] == "replica" && Int(t) % 5 == 0 {
      return [
        LogLine(time: t, text: "FATAL:  replication terminated: clock skew of \(Int(fx.skew))s with the primary")
      ]
    }
    guard Int(t) % 30 == 0 else { return [] }
    if p.labels["role"] == "primary" {
      return [
        LogLine(time: t, text: "LOG:  checkpoint starting: time"),
        LogLine(
          time: t + 0.4,
          text: "LOG:  checkpoint complete: wrote \(20 + g.int(80)) buffers (0.\(g.int(9))%); 0 WAL file(s) added"),
      ]
    }
    return [LogLine(time: t, text: "LOG:  restartpoint complete: wrote \(5 + g.int(30)) buffers")]
  }

  func fmt(_ v: Double) -> String { String(Double(Int(v * 1000)) / 1000) }
}
