import ClusterState
import Console
import Foundation
import PromClient

/// A source that says nothing of its own: the benchmark dispatches the cluster's events itself.
final class QuietSource: ClusterSource {
  var info: SourceInfo { SourceInfo(isDemo: false, context: "bench", namespace: nil) }
  func start(inbox: Inbox) {}
  func stop() {}
  func actions(at realTime: Double) -> [Action] { [.tick(realTime)] }
  func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] { [] }
}

/// A pod as a real cluster's list gives it: a Deployment's, with its labels, owner and node.
func benchPod(_ i: Int, created: Seconds) -> Pod {
  let ns = "team-\(i % 20)"
  let app = "svc-\(i % 500)"
  var p = Pod(
    namespace: ns, name: "\(app)-7c9d8f5b6d-\(String(i, radix: 36))", phase: .running, status: "Running",
    readyContainers: 1, created: created, node: "node-\(i % 200)",
    labels: ["app": app, "pod-template-hash": "7c9d8f5b6d", "team": ns],
    owner: OwnerRef(kind: "ReplicaSet", name: app + "-7c9d8f5b6d"), workload: app, cpuRequestMilli: 100,
    memoryLimitBytes: 268_435_456)
  p.restarts = i % 7
  return p
}

/// `chaostui-bench --churn PODS`: the console over PODS pods while pods are created and deleted at
/// a steady rate, as a real cluster's watch delivers them (10 frames a second at 200x60, each with
/// its share of the events): the CPU it takes, per event and as a share of a core, the count against
/// what was dispatched, and the first frame after each sort key.
func churnSection(pods n: Int) {
  print("chaostui-bench --churn \(n): \(ProcessInfo.processInfo.activeProcessorCount) cores")
  let c = Console(source: QuietSource(), readOnly: true, now: 0)
  let t0 = now()
  c.store.dispatch([.connection(.connected), .podsReplaced((0..<n).map { benchPod($0, created: 0) })])
  // A metrics sample for every pod, as a cluster with metrics-server has.
  c.store.dispatch([
    .podUsage(
      time: 1,
      (0..<n).map {
        PodSample(podID: benchPod($0, created: 0).id, cpuMilli: Double($0 % 997), memoryBytes: Double($0 % 991) * 1e6)
      })
  ])
  c.advance(realTime: 1)
  _ = c.render(width: 200, height: 60)
  print(String(format: "   %d pods: first list and frame %.0f ms", c.state.pods.count, (now() - t0) * 1000))
  var next = n
  var oldest = 0
  for rate in [20, 50] {
    // `rate` created and `rate` deleted a second, 10 frames a second, for 10 seconds.
    let before = cpuSeconds()
    let wall0 = now()
    var frameTimes: [Double] = []
    for frame in 0..<100 {
      let f0 = now()
      var events: [Action] = []
      for _ in 0..<(rate / 10) {
        events.append(.podUpserted(benchPod(next, created: Double(frame))))
        next += 1
        events.append(.podDeleted(id: benchPod(oldest, created: 0).id))
        oldest += 1
      }
      c.store.dispatch(events)
      c.advance(realTime: 2 + Double(frame) / 10)
      _ = c.render(width: 200, height: 60)
      frameTimes.append(now() - f0)
    }
    let cpu = cpuSeconds() - before
    let wall = now() - wall0
    let events = Double(rate * 2 * 10)
    let exact = c.state.pods.count == n ? "exact" : "WRONG (\(c.state.pods.count), expected \(n))"
    print(
      String(
        format: "   churn %d+%d pods/s: %.1f%% of a core (%.2f ms CPU an event), frame median %@ p99 %@, count %@",
        rate, rate, cpu / 10 * 100, cpu / events * 1000, ms(percentile(frameTimes, 0.5)),
        ms(percentile(frameTimes, 0.99)), exact))
    _ = wall
  }
  // A new sort key: the first frame after it (the list sorted again).
  for _ in 0..<7 {
    let s0 = now()
    c.handle(.char("s"))
    _ = c.render(width: 200, height: 60)
    print(String(format: "   re-sort by %@: %.1f ms", c.ui.pods.sort.title, (now() - s0) * 1000))
  }
  filterTyping(c)
  print(String(format: "   RSS %.0f MiB", rssMiB()))
}

/// Typing a filter: `/`, then `svc-12` a key at a time, each to the next frame; then a Backspace
/// (the filter widens) and Escape (no filter); then `/svc-12` again as one burst (typed faster than
/// frames come).
func filterTyping(_ c: Console) {
  c.handle(.char("/"))
  var typed: [String] = []
  for ch in "svc-12" {
    let t0 = now()
    c.handle(.char(ch))
    _ = c.render(width: 200, height: 60)
    typed.append(String(format: "%@ %.1f ms (%d)", c.ui.pods.filter, (now() - t0) * 1000, c.podList.ids.count))
  }
  print("   filter typed, a key each: " + typed.joined(separator: ", "))
  for (name, key) in [("Backspace", Key.backspace), ("Escape", Key.escape)] {
    let t0 = now()
    c.handle(key)
    _ = c.render(width: 200, height: 60)
    print(String(format: "   filter %@: %.1f ms (%d pods listed)", name, (now() - t0) * 1000, c.podList.ids.count))
  }
  // The same keys typed faster than frames: one burst, the list worked out once.
  let b0 = now()
  c.handle(burst: [.char("/")] + "svc-12".map { Key.char($0) })
  _ = c.render(width: 200, height: 60)
  print(String(format: "   filter /svc-12 in one burst: %.1f ms (%d)", (now() - b0) * 1000, c.podList.ids.count))
}

/// A cAdvisor-style body: unique series as the kubelet writes them (long label sets), 10 a pod.
func cadvisorBody(pods: Int) -> Data {
  var text = "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n"
  text += "# TYPE container_cpu_usage_seconds_total counter\n"
  let metrics = [
    "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_fs_reads_bytes_total",
    "container_fs_writes_bytes_total", "container_network_receive_bytes_total",
    "container_network_transmit_bytes_total", "container_network_receive_packets_dropped_total",
    "container_cpu_cfs_throttled_seconds_total", "container_memory_rss", "container_spec_cpu_quota",
  ]
  var rng = SplitMix64(seed: 9)
  for p in 0..<pods {
    let pod = "etl-\(p / 50)-84d9d55dcd-\(p)"
    for m in metrics {
      text +=
        "\(m){container=\"etl\",id=\"/kubepods/burstable/pod\(p)/c0ffee\(p)\",image=\"registry.lab.local/data/etl-worker:1.4.2\",name=\"k8s_etl_\(pod)_scale-\(p / 1000)_0\",namespace=\"scale-\(p / 1000)\",pod=\"\(pod)\"} \(Double(rng.next() % 10_000_000) / 1000) 1764012000000\n"
    }
  }
  return Data(text.utf8)
}

/// Past the cache's 200,000 series: a body of 300,000 parsed again as in scraping, beside the rate
/// at 200,000 (the cache keeps every live series: no cliff).
func cachedPastTheLimit(MB mb200: Double, cachedRate rate200: Double) {
  let data = cadvisorBody(pods: 30_000)
  let mb = Double(data.count) / 1e6
  let parser = ExpositionParser()
  _ = parser.parse(data)
  var warm: [Double] = []
  for _ in 0..<3 {
    let t0 = now()
    _ = parser.parse(data)
    warm.append(now() - t0)
  }
  let t = warm.sorted()[1]
  print(
    String(
      format: "   300,000 series (%.1f MB), cached: %.3f s (%.0f MB/s; %.0f MB/s at 200,000), %d series kept",
      mb, t, mb / t, rate200, parser.cachedSeries))
}
