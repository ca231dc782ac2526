import ClusterState
import Console
import Foundation
import Simulation

#if canImport(Glibc)
  import Glibc
#endif

/// Section 9 (also alone: `chaostui-bench --logs`): a pod writing 10,000 lines a second, followed in
/// the logs pane: the stream's bytes through the decoder in network-sized chunks, the lines through
/// the reducer every 0.1 s, a 200x60 frame with the pane focused every 50 ms; CPU as a share of one
/// core, and what the followed log holds at most.
func logsSection() {
  print("9. Logs pane: a pod writing 10,000 lines a second")
  let c = Console(source: DemoCluster(options: Simulator.Options()))
  c.advanceVirtual(to: 5)
  for _ in 0..<6 { c.handle(.char("j")) }
  c.handle(.char("l"))
  guard let req = c.state.logs?.request else {
    print("   no log followed")
    return
  }
  let seconds = 10
  let perSecond = 10_000
  // One second of a pod's log, as the API server sends it (timestamps=true).
  var text = ""
  for i in 0..<perSecond / 10 {
    let level = i % 50 == 0 ? "[ERROR] psycopg2.OperationalError: could not connect" : "GET /api/orders HTTP/1.1 200"
    text += "2026-11-27T15:04:05.\(100_000_000 + i)Z 10.0.2.\(i % 200) - - \"\(level)\" 512 0.018\n"
  }
  let chunk = Array(text.utf8)
  var decoder = LogDecoder()
  let cpu0 = cpuSeconds()
  let wall0 = now()
  var frames = 0
  var maxBytes = 0
  for s in 0..<seconds {
    for tenth in 0..<10 {
      // Network-sized pieces (16 KiB), cut anywhere.
      var lines: [LogLine] = []
      var at = 0
      while at < chunk.count {
        let end = min(chunk.count, at + 16_384)
        lines += decoder.feed(chunk[at..<end])
        at = end
      }
      c.store.dispatch(.logLines(req, lines))
      c.advanceVirtual(to: 5 + Double(s) + Double(tenth) / 10)
      for _ in 0..<2 {
        _ = c.render(width: 200, height: 60)
        frames += 1
      }
    }
    maxBytes = max(maxBytes, c.state.logs!.lines.reduce(0) { $0 + $1.text.utf8.count + 24 })
  }
  let cpu = cpuSeconds() - cpu0
  let wall = now() - wall0
  print(
    String(
      format:
        "   %d lines in %d s of cluster time (%.1f s of real time): %.1f%% of one core at real speed (%.0f ms of CPU a second; %d frames at 200x60); the log holds %d lines (cap %d), about %.1f MiB",
      c.state.logs!.received, seconds, wall, cpu / Double(seconds) * 100, cpu / Double(seconds) * 1000, frames,
      c.state.logs!.lines.count, LogFollow.capacity, Double(maxBytes) / 1_048_576))
}

func cpuSeconds() -> Double {
  var u = rusage()
  getrusage(RUSAGE_SELF.rawValue, &u)
  return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec)
    + Double(u.ru_stime.tv_usec) / 1e6
}
