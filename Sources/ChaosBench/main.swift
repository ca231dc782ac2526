import CTerminal
import ClusterState
import Console
import Experiments
import Foundation
import KubeClient
import Panels
import PromClient
import Recording
import Simulation

// The allocator as the app tunes it.
ct_tune_malloc()

// chaostui-bench: frame render time by pod count, key-to-frame latency, simulator cost and memory.
// Build it optimized: swift build -c release --product chaostui-bench && .build/release/chaostui-bench

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func rssMiB() -> Double {
  guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
  for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
    let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
    return kb / 1024
  }
  return -1
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
  let s = xs.sorted()
  return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
}

func ms(_ v: Double) -> String { String(format: "%.3f ms", v * 1000) }

func makeConsole(extraPods: Int, warm: Seconds, controlGroup: Bool = false) -> Console {
  var o = Simulator.Options()
  o.extraPods = extraPods
  o.controlGroup = controlGroup
  let c = Console(source: DemoCluster(options: o))
  // In steps, as the app's loop does (one big step would hold every action of the run at once).
  var t: Seconds = 0
  while t < warm {
    t = min(warm, t + 0.5)
    c.advanceVirtual(to: t)
  }
  return c
}

let args = CommandLine.arguments
if let i = args.firstIndex(of: "--kubeconfig"), i + 1 < args.count {
  // `--kubectl [PATH]`: kubectl in the same run (PATH, or kubectl found on the PATH).
  let kubectl = args.firstIndex(of: "--kubectl").map { j in
    j + 1 < args.count && !args[j + 1].hasPrefix("-") ? args[j + 1] : "kubectl"
  }
  do {
    try kubeBench(kubeconfig: args[i + 1], kubectl: kubectl)
  } catch {
    FileHandle.standardError.write(Data("chaostui-bench: \(error)\n".utf8))
    exit(2)
  }
  exit(0)
}
if let i = args.firstIndex(of: "--prometheus"), i + 1 < args.count {
  // Back-fill against a real Prometheus as the app does it at start: every range query of the
  // queries file over the last hour (step 15 s), CPU and memory being `--query` (the others find
  // no series there), decoded and turned into the samples the panes take.
  let query = args.firstIndex(of: "--query").map { args[$0 + 1] } ?? PromQueries().podCPUCores
  let source = PromSource(url: args[i + 1], inbox: Inbox())
  source.refresh = 15
  source.queries.podCPUCores = query
  source.queries.podMemoryBytes = query
  var times: [Double] = []
  var n = 0
  for _ in 0..<5 {
    let t0 = now()
    n = try source.backfill(window: 3600)
    times.append(now() - t0)
  }
  times.sort()
  print(
    String(
      format:
        "prometheus back-fill, 1 h at 15 s (every range query of the app; CPU and memory have the series): %d samples, median %.0f ms, worst %.0f ms",
      n, times[2] * 1000, times[4] * 1000))
  exit(0)
}
if args.contains("--exposition") {
  expositionSection()
  exit(0)
}
if let i = args.firstIndex(of: "--journal-file"), i + 1 < args.count {
  // Any journal: how long it takes to read, to report and to seek, three times.
  for _ in 0..<3 {
    let l0 = now()
    guard let journal = try? JournalReader.load(path: args[i + 1]) else {
      print("cannot read \(args[i + 1]) as a journal")
      exit(1)
    }
    let load = now() - l0
    let report = SessionReport(journal: journal)
    _ = report.html()
    let reportTime = now() - l0 - load
    let seeks = seekTimes(journal)
    print(
      String(
        format: "%@: %d records, load %.0f ms, report %.0f ms, %d seeks median %.0f ms worst %.0f ms", args[i + 1],
        journal.records.count, load * 1000, reportTime * 1000, seeks.count, seeks[seeks.count / 2] * 1000,
        seeks.last! * 1000))
  }
  exit(0)
}
if args.contains("--logs") {
  logsSection()
  exit(0)
}
if args.contains("--statistics") {
  statisticsCostSection()
  exit(0)
}
if let i = args.firstIndex(of: "--follow") {
  let secs = i + 1 < args.count ? Double(args[i + 1]) ?? 60 : 60
  followSection(seconds: secs, followers: args.firstIndex(of: "--followers").flatMap { Int(args[$0 + 1]) } ?? 1)
  exit(0)
}
if let i = args.firstIndex(of: "--history") {
  let n = i + 1 < args.count ? Int(args[i + 1]) ?? 100 : 100
  historySection(count: n, keepIn: args.firstIndex(of: "--history-dir").map { args[$0 + 1] })
  exit(0)
}
if let i = args.firstIndex(of: "--verdicts") {
  verdictsSection(runs: i + 1 < args.count ? Int(args[i + 1]) ?? 200 : 200)
  exit(0)
}
if let i = args.firstIndex(of: "--churn") {
  churnSection(pods: i + 1 < args.count ? Int(args[i + 1]) ?? 100_000 : 100_000); exit(0)
}
if let i = args.firstIndex(of: "--pod-memory") {
  podMemorySection(pods: i + 1 < args.count ? Int(args[i + 1]) ?? 100_000 : 100_000)
  exit(0)
}
if let i = args.firstIndex(of: "--preview") {
  previewSection(pods: i + 1 < args.count ? Int(args[i + 1]) ?? 100_000 : 100_000)
  exit(0)
}
if args.contains("--journal") {
  journalSection()
  exit(0)
}
if args.contains("--memory") {
  // Alone in its own process, so nothing else counts.
  let before = rssMiB()
  let warm = Double(ProcessInfo.processInfo.environment["BENCH_WARM"] ?? "300") ?? 300
  let c = makeConsole(extraPods: 9991, warm: warm)
  _ = c.render(width: 200, height: 60)
  print(
    "   RSS \(String(format: "%.1f", rssMiB())) MiB (at start \(String(format: "%.1f", before)) MiB); \(c.state.pods.count) pods, \(c.state.podSeries.count) pod series"
  )
  exit(0)
}
let frames = Int(args.dropFirst().first { $0.hasPrefix("--frames=") }?.dropFirst(9) ?? "") ?? 300

print("chaostui-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(frames) frames a case")
print("")
print("1. Frame render at 200x60 (render into the cell buffer; the pods list cached as in the app)")
print("   pods     median      p99    cold (re-sort)")
for extra in [191, 991, 9991] {
  let c = makeConsole(extraPods: extra, warm: 5)
  _ = c.render(width: 200, height: 60)
  var times: [Double] = []
  for _ in 0..<frames {
    let t0 = now()
    _ = c.render(width: 200, height: 60)
    times.append(now() - t0)
  }
  // A frame right after the pods changed (the list re-sorts once).
  c.advanceVirtual(to: 6)
  c.handle(.char("s"))
  let t0 = now()
  _ = c.render(width: 200, height: 60)
  let cold = now() - t0
  print(
    "   \(String(c.state.pods.count).padding(toLength: 7, withPad: " ", startingAt: 0))  \(ms(percentile(times, 0.5)))  \(ms(percentile(times, 0.99)))  \(ms(cold))"
  )
}

print("")
print("2. Key press to next frame at 200x60 with 10,000 pods (handle the key + render the frame)")
do {
  let c = makeConsole(extraPods: 9991, warm: 5)
  _ = c.render(width: 200, height: 60)
  var nav: [Double] = []
  for i in 0..<frames {
    let t0 = now()
    c.handle(i % 2 == 0 ? .down : .up)
    _ = c.render(width: 200, height: 60)
    nav.append(now() - t0)
  }
  print("   j/k move:         median \(ms(percentile(nav, 0.5)))  p99 \(ms(percentile(nav, 0.99)))")
  var kill: [Double] = []
  for _ in 0..<20 {
    c.handle(.char("f"))
    c.handle(.char("k"))
    let t0 = now()
    c.handle(.char("y"))
    _ = c.render(width: 200, height: 60)
    kill.append(now() - t0)
  }
  print("   y (inject kill):  median \(ms(percentile(kill, 0.5)))  max \(ms(kill.max()!))")
}

print("")
print("3. Simulator + reducer cost per second of cluster time (10 ticks, 1 metrics sample)")
for extra in [191, 9991] {
  let c = makeConsole(extraPods: extra, warm: 5)
  let t0 = now()
  for step in 1...120 { c.advanceVirtual(to: 5 + Double(step) * 0.5) }
  let per = (now() - t0) / 60
  print(
    "   \(c.state.pods.count) pods: \(ms(per)) a second = \(String(format: "%.2f", per * 100))% of one core at --speed 1"
  )
}

print("")
print("7. An experiment's hypotheses and stop conditions, per second of cluster time, 10,000 pods")
do {
  let c = makeConsole(extraPods: 9982, warm: 5, controlGroup: true)
  let experiment = try ExperimentFile.parse(
    """
    title: bench
    groups: {experimental: {namespace: pipeline}, control: {namespace: pipeline-control}}
    method: [{fault: kill-primary, target: {workload: postgres}}, {wait: 60s}]
    hypotheses:
      - {primary-changes: postgres, within: 30s}
      - unavailable-at-most: {workload: postgres, for: 15s}
      - replicas: {workload: flask, reach: 9, within: 60s}
      - {crosses: {service: flask, figure: p99, max: 5000}, within: 60s}
      - stays-within: {service: postgres, figure: errors, max: 100}
      - recovers-within: 5m
      - detected-within: 5m
      - {traffic-share: {service: flask, zone: zone-b, below: 1}, within: 60s}
      - {alert-fires: Never, within: 60s}
    stop-conditions:
      - {service: flask, figure: p99, max: 9000, for: 30s}
      - {service: postgres, figure: errors, max: 99, by: 1}
    """, file: "bench")
  var run = ExperimentRun(experiment, at: c.state.now)
  var spent = 0.0
  var t: Seconds = 5
  while t < 65 {
    t += 0.1
    c.advanceVirtual(to: t)
    let t0 = now()
    let actions = run.step(c.state)
    let dt = now() - t0
    spent += dt
    if ProcessInfo.processInfo.environment["BENCH_TRACE"] != nil && dt > 0.001 {
      print("   slow step at \(t): \(ms(dt)) phase \(run.phase.label)")
    }
    for a in actions { c.store.dispatch(a) }
  }
  print(
    "   \(c.state.pods.count) pods, \(experiment.hypotheses.count) hypotheses (every kind), 2 stop conditions, 10 steps a second: \(ms(spent / 60)) a second"
  )
  // The pane's control vs experimental table, once a frame.
  var tCmp = 0.0
  for _ in 0..<100 {
    let t0 = now()
    _ = GroupComparison(experiment, in: c.state)
    tCmp += now() - t0
  }
  print("   control vs experimental (the pane's table, a frame): \(ms(tCmp / 100))")
} catch {
  print("   \(error)")
}

print("")
print("5. Pod list decoding (the lab's pod JSON with managedFields, 10,000 pods): scanner vs JSONDecoder")
do {
  // A list of 10,000 pods made from one recorded pod, with names made unique.
  var list = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":["
  for i in 0..<10_000 { list += (i == 0 ? "" : ",") + labPodJSON(i) }
  list += "]}"
  let data = Data(list.utf8)
  var t0 = now()
  let fast = try KubeDecode.podList(data)
  let tFast = now() - t0
  t0 = now()
  let slow = try KubeDecode.podListWithJSONDecoder(data)
  let tSlow = now() - t0
  let mb = Double(data.count) / 1e6
  print(
    String(
      format: "   %.1f MB, %d pods: scanner %.3f s (%.0f MB/s), JSONDecoder %.3f s (%.0f MB/s), same result: %@", mb,
      fast.items.count, tFast, mb / tFast, tSlow, mb / tSlow, fast.items == slow.items ? "yes" : "NO"))
}

print("")
expositionSection()

/// Section 6 (also alone: `chaostui-bench --exposition`).
func expositionSection() {
  print("6. Exposition parsing (Prometheus text 0.0.4): cAdvisor-style body, 20,000 pods x 10 series")
  let data = cadvisorBody(pods: 20_000)
  let mb = Double(data.count) / 1e6
  let parser = ExpositionParser()
  var t0 = now()
  let cold = parser.parse(data)
  let tCold = now() - t0
  var warm: [Double] = []
  for _ in 0..<5 {
    t0 = now()
    _ = parser.parse(data)
    warm.append(now() - t0)
  }
  let tWarm = warm.sorted()[2]
  print(
    String(
      format:
        "   %.1f MB, %d samples, %d errors: first parse %.3f s (%.0f MB/s); again, series cached as in scraping: %.3f s (%.0f MB/s)",
      mb, cold.samples.count, cold.errors.count, tCold, mb / tCold, tWarm, mb / tWarm))
  if let node = try? Data(contentsOf: URL(fileURLWithPath: "Tests/PromClientTests/Fixtures/node-exporter.txt")) {
    let p2 = ExpositionParser()
    var big = Data()
    for _ in 0..<400 { big.append(node) }
    t0 = now()
    let r = p2.parse(big)
    let t = now() - t0
    print(
      String(
        format: "   node exporter output recorded here, x400 (%.1f MB, %d samples): %.3f s (%.0f MB/s)",
        Double(big.count) / 1e6, r.samples.count, t, Double(big.count) / 1e6 / t))
  }
  cachedPastTheLimit(MB: mb, cachedRate: mb / tWarm)
}

print("")
journalSection()
logsSection()
print("")
statisticsCostSection()

print("")
print("4. Memory: 10,000 pods with full history (300 s of cluster time), in a fresh process")
fflush(nil)
let task = Process()
task.executableURL = URL(fileURLWithPath: "/proc/self/exe")
task.arguments = ["--memory"]
try? task.run()
task.waitUntilExit()

/// Section 8 (also alone: `chaostui-bench --journal`): a session's journal.
func journalSection() {
  print("8. Session journal: size, recording cost, load, seek and report")
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chaostui-bench-\(getpid())")
  try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let keep = ProcessInfo.processInfo.environment["BENCH_KEEP_JOURNAL"]
  defer {
    if let keep {
      try? FileManager.default.moveItem(at: dir.appendingPathComponent("j-200.jsonl"), to: URL(fileURLWithPath: keep))
    }
    try? FileManager.default.removeItem(at: dir)
  }
  for (pods, seconds) in keep == nil ? [(200, 3600.0), (10_000, 300.0)] : [(200, 3600.0)] {
    var o = Simulator.Options()
    o.extraPods = max(0, pods - 9)
    let c = Console(source: DemoCluster(options: o))
    let path = dir.appendingPathComponent("j-\(pods).jsonl").path
    // At 10,000 pods a 40 MiB cap (the default is 200 MiB) shows the rewrite of the oldest samples.
    let writer = JournalWriter(
      path: path, header: SessionJournal.Header(chaostui: "bench", started: 0, info: c.source.info),
      sizeCap: pods == 200 ? 200 << 20 : 40 << 20, keepWhole: 60)
    var recording = 0.0
    c.store.observer = { action, state in
      let t0 = now()
      writer.record(action, state: state)
      recording += now() - t0
    }
    writer.snapshot(c.state)
    var t: Seconds = 0
    let t0 = now()
    while t < seconds {
      t += 1
      c.advanceVirtual(to: t)
      if Int(t) % 600 == 300 {
        c.store.dispatch(
          .requestFault(FaultRequest(kind: .podKill, target: .workload(namespace: "pipeline", name: "flask"))))
      }
    }
    let total = now() - t0
    writer.close()
    let mb = Double(writer.bytesAppended) / 1_048_576
    print(
      String(
        format:
          "   %5d pods, %4.0f s: journal %.1f MiB (%.1f MiB an hour), recording %.2f%% of one core at --speed 1 (%.1f ms a second; the session itself %.1f ms)",
        c.state.pods.count, seconds, mb, mb * 3600 / seconds, recording / seconds * 100, recording / seconds * 1000,
        (total - recording) / seconds * 1000))
    for r in writer.rewrites {
      print(
        String(
          format:
            "   past the %d MiB cap: the oldest pod samples thinned, %.1f -> %.1f MiB, rewritten in %.2f s on its own thread, put in place in %.1f ms",
          writer.sizeCap >> 20, Double(r.from) / 1_048_576, Double(r.to) / 1_048_576, r.rewrite, r.swap * 1000))
    }
    guard pods == 200 else { continue }
    printBytesByKind(path)
    var l0 = now()
    guard let journal = try? JournalReader.load(path: path) else {
      print("   cannot read the journal back")
      return
    }
    let loadTime = now() - l0
    let seeks = seekTimes(journal)
    l0 = now()
    let report = SessionReport(journal: journal)
    _ = report.html()
    let reportTime = now() - l0
    print(
      String(
        format:
          "   1 h at 200 pods: load %.0f ms; seek (%d: random points and the second before each snapshot) median %.0f ms, worst %.0f ms; report (replay + HTML) %.0f ms; %d incidents",
        loadTime * 1000, seeks.count, seeks[seeks.count / 2] * 1000, seeks.last! * 1000, reportTime * 1000,
        report.incidents.count))
  }
}

/// The journal's bytes by kind of record, the six largest.
func printBytesByKind(_ path: String) {
  if let text = try? String(contentsOfFile: path, encoding: .utf8) {
    var byKind: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      var kind = line.range(of: "\"k\":\"").map { String(line[$0.upperBound...].prefix { $0 != "\"" }) } ?? "?"
      if kind == "a", let r = line.range(of: "\"a\":{\"") {
        kind += ":" + line[r.upperBound...].prefix { $0 != "\"" }
      }
      byKind[kind, default: 0] += line.utf8.count + 1
    }
    let top = byKind.sorted { $0.value > $1.value }.prefix(6)
    print(
      "   by kind: "
        + top.map { "\($0.key) \(String(format: "%.1f", Double($0.value) / 1_048_576)) MiB" }.joined(separator: ", "))
  }
}

/// Seeks in a replay right after it opens, sorted: 20 random points, then the second before each
/// snapshot (the farthest a seek has to play from the snapshot before it), in random order.
func seekTimes(_ journal: JournalReader) -> [Double] {
  let replay = RecordedSession(journal: journal)
  let r = Console(source: replay, readOnly: true)
  let length = replay.length
  var g = SplitMix64(seed: 7)
  var targets = (0..<20).map { _ in Double(g.next() % UInt64(max(1, length))) }
  var worst: [Double] = []
  for case .snapshot(let t, _) in journal.records where t - replay.start > 1 { worst.append(t - replay.start - 1) }
  for i in worst.indices.reversed() { worst.swapAt(i, Int(g.next() % UInt64(i + 1))) }
  targets += worst
  var seeks: [Double] = []
  for target in targets {
    let t0 = now()
    r.advanceVirtual(to: target)
    seeks.append(now() - t0)
  }
  return seeks.sorted()
}
