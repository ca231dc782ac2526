import ClusterState
import Console
import Foundation
import Recording
import Simulation

/// `chaostui-bench --follow [SECONDS]`: how far `chaostui follow` lags behind the session it
/// follows, at 200 and at 10,000 pods. The operator's console runs the demo at real speed on a
/// thread of its own, recording (its journal flushed every frame, as the app does), with a pod kill
/// every 20 s; the follower reads the journal every 50 ms (a frame) on another, as many followers
/// as asked (`--followers N`, default 1). The lag of each read: the wall clock now against when the
/// operator's session reached the time the follower shows. Also the operator's frame time with and
/// without the followers (ten followers should not slow the recording).
func followSection(seconds: Double, followers: Int) {
  print("12. Follow: a session followed from its journal, \(Int(seconds)) s each, \(followers) follower(s)")
  for pods in [200, 10_000] {
    let base = runFollowed(pods: pods, seconds: seconds / 2, followers: 0)
    let r = runFollowed(pods: pods, seconds: seconds, followers: followers)
    let lags = r.lags.sorted()
    guard !lags.isEmpty else { continue }
    func q(_ p: Double) -> Double { lags[min(lags.count - 1, Int(Double(lags.count) * p))] * 1000 }
    print(
      String(
        format:
          "   %5d pods: lag median %.0f ms, p95 %.0f ms, worst %.0f ms (%d reads; joining 5 s in: %.0f ms to read the journal so far); operator's frame %.1f ms alone, %.1f ms with %d follower(s)",
        pods, q(0.5), q(0.95), (lags.last ?? 0) * 1000, lags.count, r.join * 1000, base.frame * 1000,
        r.frame * 1000, followers))
    fflush(nil)
  }
}

/// One followed session: the followers' lags (seconds) and the operator's mean frame.
func runFollowed(pods: Int, seconds: Double, followers: Int) -> (lags: [Double], frame: Double, join: Double) {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chaostui-follow-\(getpid())-\(pods)")
  try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: dir) }
  let path = dir.appendingPathComponent("s.jsonl").path
  var o = Simulator.Options()
  o.extraPods = max(0, pods - 9)
  let op = Console(source: DemoCluster(options: o), now: now())
  op.advance(realTime: now())
  let writer = JournalWriter(
    path: path,
    header: SessionJournal.Header(chaostui: "bench", started: Date().timeIntervalSince1970, info: op.source.info))
  op.record(to: writer)
  writer.flush()
  // When (wall) the operator's session reached each of its times.
  let reached = Reached()
  let done = Done()
  let lags = Lags()
  for _ in 0..<followers {
    Thread.detachNewThread {
      usleep(5_000_000)
      // Joining a session already going: the journal read to its end, then the live edge.
      let j0 = now()
      guard let f = try? JournalFollower(path: path) else { return }
      let fc = Console(source: f, readOnly: true, now: now())
      fc.advance(realTime: now())
      lags.joined(now() - j0)
      while !done.isSet {
        fc.advance(realTime: now())
        if let wall = reached.when(fc.state.now) { lags.add(Date().timeIntervalSince1970 - wall) }
        usleep(50_000)
      }
    }
  }
  // The operator, on this thread, frame by frame as the app's loop; the followers join after 5 s.
  let started = now()
  var frames = 0.0
  var frameTime = 0.0
  var nextKill = 20.0
  while now() - started < seconds {
    let f0 = now()
    op.advance(realTime: f0)
    if op.state.now >= nextKill {
      op.store.dispatch(
        .requestFault(FaultRequest(kind: .podKill, target: .workload(namespace: "pipeline", name: "flask"))))
      nextKill += 20
    }
    writer.flush()
    reached.add(op.state.now, Date().timeIntervalSince1970)
    frameTime += now() - f0
    frames += 1
    usleep(50_000)
  }
  writer.close()
  done.set()
  usleep(200_000)
  return (lags.all, frames > 0 ? frameTime / frames : 0, lags.slowestJoin)
}

final class Reached: @unchecked Sendable {
  private let lock = NSLock()
  private var times: [(Seconds, Double)] = []
  func add(_ t: Seconds, _ wall: Double) { lock.withLock { if times.last?.0 != t { times.append((t, wall)) } } }
  /// When the session first reached `t`.
  func when(_ t: Seconds) -> Double? { lock.withLock { times.first { $0.0 >= t }?.1 } }
}

final class Lags: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [Double] = []
  private var joins: [Double] = []
  func add(_ v: Double) { lock.withLock { values.append(v) } }
  func joined(_ v: Double) { lock.withLock { joins.append(v) } }
  var all: [Double] { lock.withLock { values } }
  var slowestJoin: Double { lock.withLock { joins.max() ?? 0 } }
}

final class Done: @unchecked Sendable {
  private let lock = NSLock()
  private var flag = false
  func set() { lock.withLock { flag = true } }
  var isSet: Bool { lock.withLock { flag } }
}
