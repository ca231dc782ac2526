import ClusterState
import Foundation
import Transport

/// Follows one container's log through the API server (`GET .../pods/NAME/log?follow=true&
/// timestamps=true`, `container=`, `previous=true`, `tailLines=`): its bytes through the log
/// decoder, lines to the inbox in batches (at once when they come slowly, every 0.1 s or 500 lines
/// when they pour). A stream that ends is opened again from the last line's time (lines already
/// shown are not repeated); an answer in error is said in words. Following another container stops
/// this one.
public final class LogStream: @unchecked Sendable {
  private let lock = NSLock()
  private var generation = 0
  private var batch: [LogLine] = []
  private var lastPost = 0.0

  public init() {}

  func isCurrent(_ g: Int) -> Bool { lock.withLock { generation == g } }

  /// Follows `request` (nil: stops following).
  func follow(_ request: LogRequest?, cluster: KubeCluster) {
    let g: Int = lock.withLock {
      generation += 1
      batch = []
      return generation
    }
    guard let req = request else { return }
    Thread.detachNewThread { [self] in run(req, g, cluster) }
    // The flusher: what a burst left in the batch goes out within 0.1 s.
    Thread.detachNewThread { [self] in
      while isCurrent(g) {
        Thread.sleep(forTimeInterval: 0.1)
        flush(req, g, cluster.inbox, force: true)
      }
    }
  }

  func add(_ lines: [LogLine], _ req: LogRequest, _ g: Int, _ inbox: Inbox, now: Double) {
    guard !lines.isEmpty else { return }
    let out: [LogLine]? = lock.withLock {
      guard generation == g else { return nil }
      batch += lines
      guard batch.count >= 500 || now - lastPost >= 0.1 else { return nil }
      defer { batch = [] }
      lastPost = now
      return batch
    }
    if let out { inbox.post([.logLines(req, out)]) }
  }

  func flush(_ req: LogRequest, _ g: Int, _ inbox: Inbox, force: Bool) {
    let out: [LogLine]? = lock.withLock {
      guard generation == g, !batch.isEmpty else { return nil }
      defer { batch = [] }
      return batch
    }
    if let out { inbox.post([.logLines(req, out)]) }
  }

  public static func path(_ req: LogRequest, since: Seconds?) -> String {
    var q = ["follow=true", "timestamps=true"]
    if let c = req.container {
      q.append("container=" + (c.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? c))
    }
    if req.previous { q.append("previous=true") }
    if let since {
      q.append("sinceTime=" + rfc3339(since))
    } else {
      q.append("tailLines=\(req.tailLines)")
    }
    return "/api/v1/namespaces/\(seg(req.namespace))/pods/\(seg(req.pod))/log?" + q.joined(separator: "&")
  }

  static func rfc3339(_ t: Seconds) -> String {
    Timestamps.format(floor(t))
      .addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-.:"))) ?? ""
  }

  func run(_ req: LogRequest, _ g: Int, _ cluster: KubeCluster) {
    let inbox = cluster.inbox
    var last: Seconds?
    var backoff = 1.0
    while isCurrent(g) && !cluster.isStopped {
      var decoder = LogDecoder()
      let since = last
      do {
        let http = try cluster.makeClient()
        var opened = false
        // The bytes go straight to the log decoder, which cuts a line at 4 KiB: a line that never
        // ends (a progress bar, 100 MiB without a newline) costs no more than that. A stream the
        // pane no longer shows ends within a second, whether or not anything arrives.
        let outcome = try http.stream(
          Self.path(req, since: since), timeout: 3600,
          onOpen: { status in
            if (200..<300).contains(status) {
              opened = true
              inbox.post([.logStatus(req, since == nil ? "following" : "following (reconnected)")])
            }
          },
          onBytes: { [self] bytes in
            guard isCurrent(g) else { return false }
            // A reconnection repeats the second it starts from: skip what was shown.
            let lines = decoder.feed(buffer: bytes).filter { l in since.map { s in (l.time ?? .infinity) > s } ?? true }
            if let t = lines.last?.time { last = t }
            add(lines, req, g, inbox, now: cluster.clock())
            return true
          },
          cancelled: { [self] in !isCurrent(g) || cluster.isStopped })
        add(decoder.finish(), req, g, inbox, now: .infinity)
        flush(req, g, inbox, force: true)
        guard isCurrent(g) else { return }
        if !(200..<300).contains(outcome.status) {
          let e = KubeCluster.failure(outcome.status, outcome.body, what: "the log of \(req.label)")
          inbox.post([.logStatus(req, e.description)])
          // A container that is not running yet answers 400; try again. Anything else stops.
          guard outcome.status == 400 && !req.previous else { return }
        } else if req.previous {
          inbox.post([.logStatus(req, "the end of the previous container's log")])
          return
        } else if opened {
          backoff = 1
          inbox.post([.logStatus(req, "the stream ended: reconnecting")])
        }
      } catch {
        inbox.post([.logStatus(req, "cannot read the log: \(error)")])
      }
      cluster.sleep(backoff)
      backoff = min(30, backoff * 2)
    }
  }
}
