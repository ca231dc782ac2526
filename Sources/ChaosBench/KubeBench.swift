import ClusterState
import Console
import Foundation
import KubeClient
import Transport

/// `--kubeconfig FILE`: start-up against a real cluster as the app does it (every informer started,
/// the inbox drained into the store and a frame rendered when something is posted, as the app's
/// loop wakes: at once, then not again within 25 ms; else every 10 ms) until the complete pods view
/// and then the full pod list (labels, owners) are on screen; then, in the same run, the server's
/// own answers the issue compares with: the first page of the Table (500 rows), one Table of every
/// pod, and one JSON list of every pod; with `kubectl` (a kubectl binary), `kubectl get pods -A`
/// with the same kubeconfig last (its time and peak RSS).
func kubeBench(kubeconfig: String, kubectl: String? = nil) throws {
  let connection = try Kubeconfig.load(paths: [kubeconfig], context: nil, explicit: true)
  let t0 = now()
  let cluster = KubeCluster(connection: connection, namespace: nil)
  // The app's own log lines (list timings), with the time they came at.
  cluster.log = { line in print(String(format: "   log at %.3f s: %@", now() - t0, line)) }
  let console = Console(source: cluster, readOnly: true, now: t0)
  let posted = DispatchSemaphore(value: 0)
  console.inbox.onPost { posted.signal() }
  console.start()
  var woken = -1.0
  var firstScreen: Double?
  var firstView: Double?
  var full: Double?
  var shown = 0
  while full == nil && now() - t0 < 300 {
    let t = now()
    console.advance(realTime: t)
    let drawn = now()
    _ = console.render(width: 200, height: 60)
    let s = console.state
    if firstScreen == nil && !s.pods.isEmpty { firstScreen = now() - t0 }
    if firstView == nil && !s.pods.isEmpty && !s.podsPartial {
      firstView = now() - t0
      shown = s.pods.count
      print(String(format: "   the complete view: the store took %.3f s, the frame %.3f s", drawn - t, now() - drawn))
    }
    if !s.pods.isEmpty && !s.podDetailsPending { full = now() - t0 }
    // The app's `waitForInputOrWake`: a post ends the wait, at most once each 25 ms.
    let gap = woken + 0.025 - now()
    if gap > 0 { usleep(UInt32(min(gap, 0.010) * 1e6)) }
    if gap <= 0 && posted.wait(timeout: .now() + 0.010) == .success {
      while posted.wait(timeout: .now()) == .success {}
      woken = now()
    }
  }
  cluster.stop()
  let rss = rssMiB()
  print(
    String(
      format:
        "kube: %d pods: first screenful at %.3f s; complete pods view (server tables) on screen at %.3f s; full list (labels, owners) at %.3f s; RSS %.1f MiB",
      shown, firstScreen ?? -1, firstView ?? -1, full ?? -1, rss))
  let http = try cluster.makeClient()
  func timed(_ path: String, accept: String) throws -> (Double, Int) {
    let t = now()
    let r = try http.get(path, accept: accept, timeout: 600)
    guard r.status == 200 else { throw BenchError("GET \(path): HTTP \(r.status)") }
    return (now() - t, r.body.count)
  }
  let (page, _) = try timed("/api/v1/pods?limit=500", accept: KubeDecode.tableAccept)
  let (table, tableBytes) = try timed("/api/v1/pods", accept: KubeDecode.tableAccept)
  let (json, jsonBytes) = try timed("/api/v1/pods", accept: "application/json")
  print(
    String(
      format:
        "kube: server: first Table page (500 rows) %.3f s; one Table of every pod %.3f s (%.1f MB); one JSON list %.3f s (%.1f MB)",
      page, table, Double(tableBytes) / 1e6, json, Double(jsonBytes) / 1e6))
  if let firstScreen, let firstView, let full {
    print(
      String(
        format:
          "kube: first screenful %.3f s after the first Table page's time (target <= 0.050); complete view %.2f of one Table answer (target <= 0.5); full list %.2f of it (target <= 1.5)",
        firstScreen - page, firstView / table, full / table))
  }
  if let kubectl {
    let k = try kubectlGetPods(kubectl, kubeconfig: kubeconfig)
    print(
      String(
        format:
          "kube: %@ get pods -A: %d pods in %.2f s, peak RSS %.0f MiB; chaostui's full list in %.2f s (%.2fx), RSS %.0f MiB",
        kubectl, k.pods, k.seconds, k.peakMiB, full ?? -1, (full ?? -1) / k.seconds, rss))
  }
}

/// `kubectl get pods -A --no-headers` with the kubeconfig: the rows it printed, its wall time and
/// its peak RSS (the largest of this process's waited-for children: kubectl is the only one).
func kubectlGetPods(_ kubectl: String, kubeconfig: String) throws -> (pods: Int, seconds: Double, peakMiB: Double) {
  let p = Process()
  // `env` finds a bare name on the PATH and becomes kubectl (the same child, the same RSS).
  p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  p.arguments = [kubectl, "--kubeconfig", kubeconfig, "get", "pods", "-A", "--no-headers"]
  let out = Pipe()
  p.standardOutput = out
  p.standardError = FileHandle.nullDevice
  let t = now()
  try p.run()
  let rows = out.fileHandleForReading.readDataToEndOfFile().reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
  p.waitUntilExit()
  let seconds = now() - t
  guard p.terminationStatus == 0 else { throw BenchError("\(kubectl) get pods -A exited \(p.terminationStatus)") }
  var usage = rusage()
  getrusage(RUSAGE_CHILDREN.rawValue, &usage)
  return (rows, seconds, Double(usage.ru_maxrss) / 1024)
}

struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
