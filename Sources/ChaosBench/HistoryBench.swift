import ClusterState
import Console
import Foundation
import Recording
import Simulation

/// `chaostui-bench --history [N] [--history-dir DIR]`: `chaostui history` over N one-hour journals of
/// the demo at 200 pods (a pod kill every 10 minutes, alerts firing and resolving, one of them
/// noisy), spread over twelve weeks with one week left empty. One journal is recorded; the others
/// are it with another start (their header's wall clock). Timed three times, beside a peer measured
/// in the same run: python3 reading every line of the same files as JSON.
func historySection(count: Int, keepIn: String?) {
  print("11. History: chaostui history over \(count) one-hour journals at 200 pods")
  let dir =
    keepIn.map { URL(fileURLWithPath: $0) }
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("chaostui-history-\(getpid())")
  try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  defer { if keepIn == nil { try? FileManager.default.removeItem(at: dir) } }
  let first = dir.appendingPathComponent("session-000.jsonl")
  let t0 = now()
  if !FileManager.default.fileExists(atPath: first.path) { recordHistoryJournal(first.path) }
  let recorded = now() - t0
  guard let data = FileManager.default.contents(atPath: first.path), let nl = data.firstIndex(of: 0x0A),
    var header = (try? JSONSerialization.jsonObject(with: data[..<nl])) as? [String: Any]
  else { return print("   cannot read the recorded journal") }
  // Monday 2 November 2026; sessions on weekdays of twelve weeks, the fifth week left empty.
  let monday = 1_793_577_600.0
  for i in 1..<count {
    var week = i % 12
    if week == 4 { week = 5 }
    let day: Double = Double(week * 7 + i % 5) * 86_400
    let started: Double = monday + day + 9 * 3600 + Double(i) * 60
    header["started"] = started
    guard let line = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) else { continue }
    var copy = line
    copy.append(data[nl...])
    try? copy.write(to: dir.appendingPathComponent(String(format: "session-%03d.jsonl", i)))
  }
  let mib = Double(data.count * count) / 1_048_576
  print(
    String(
      format: "   %d journals of %.1f MiB (%.0f MiB in all; the first recorded in %.0f s)", count,
      Double(data.count) / 1_048_576, mib, recorded))
  var times: [Double] = []
  var h: History?
  for _ in 0..<3 {
    let s = now()
    h = History.load(paths: [dir.path])
    times.append(now() - s)
  }
  times.sort()
  let weeks = h?.weeks.count ?? 0
  let incidents = h?.weeks.reduce(0) { $0 + $1.incidents } ?? 0
  print(
    String(
      format: "   chaostui history: median %.2f s, worst %.2f s (%d sessions, %d weeks, %d incidents; RSS %.0f MiB)",
      times[1], times[2], h?.sessions ?? 0, weeks, incidents, rssMiB()))
  let py = Process()
  py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  py.arguments = [
    "python3", "-c",
    "import json,sys,glob\nn=0\nfor f in glob.glob(sys.argv[1]+'/*.jsonl'):\n  for l in open(f):\n    json.loads(l); n+=1\nprint(n)",
    dir.path,
  ]
  py.standardOutput = FileHandle.nullDevice
  let p0 = now()
  if (try? py.run()) != nil {
    py.waitUntilExit()
    print(String(format: "   peer, same files: python3 json.loads of every line %.2f s", now() - p0))
  }
}

/// One hour of the demo at 200 pods, recorded: a pod kill every 10 minutes; an alert that fires
/// with each kill and resolves after it; a noisy one (30 s, no incident) every 15 minutes.
func recordHistoryJournal(_ path: String) {
  var o = Simulator.Options()
  o.extraPods = 191
  let c = Console(source: DemoCluster(options: o))
  let writer = JournalWriter(
    path: path, header: SessionJournal.Header(chaostui: "bench", started: 1_793_577_600, info: c.source.info))
  c.record(to: writer)
  var t: Seconds = 0
  func alert(_ name: String, _ service: String, _ sev: String) -> Alert {
    Alert(name: name, state: "firing", labels: ["service": service, "severity": sev], summary: "", activeAt: t)
  }
  var firing: [Alert] = []
  while t < 3600 {
    t += 1
    c.advanceVirtual(to: t)
    let s = Int(t)
    if s % 600 == 300 {
      c.store.dispatch(
        .requestFault(FaultRequest(kind: .podKill, target: .workload(namespace: "pipeline", name: "flask"))))
      firing.append(alert("FlaskReplicasLow", "flask", s % 1200 == 300 ? "critical" : "warning"))
    }
    if s % 600 == 420 { firing.removeAll { $0.name == "FlaskReplicasLow" } }
    if s % 900 == 100 { firing.append(alert("DiskPressureBlip", "postgres", "info")) }
    if s % 900 == 130 { firing.removeAll { $0.name == "DiskPressureBlip" } }
    if s % 5 == 0 { c.store.dispatch(.alerts(firing, time: t)) }
    writer.flush()
  }
  writer.close()
}
