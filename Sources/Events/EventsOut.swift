import ClusterState
import Foundation
import Transport

/// Events out: each event POSTed to a webhook (JSON with a Slack-compatible `text`) and as a
/// Grafana annotation (`POST /api/annotations`, with tags), from a queue on a thread of its own:
/// never on the screen's thread. A failed send is tried again (1 s, 2 s, 4 s) when the failure may
/// pass (no answer, 429, 5xx); the queue keeps at most `limit` events (the oldest dropped, counted).
/// Each target's state is posted as a source's (`.source`), so the alerts pane shows a failing one.
public final class EventsOut: EventSink, ActionSource, @unchecked Sendable {
  public enum Target: Sendable, Equatable {
    case webhook(url: String)
    case grafana(url: String, token: String?, tags: [String])

    /// The target as shown: a webhook's URL carries its secret in the path, so only its host.
    public var name: String {
      switch self {
      case .webhook(let url): return "webhook " + EventsOut.hostOnly(url)
      case .grafana(let url, _, _): return "grafana " + EventsOut.hostOnly(url)
      }
    }
  }

  public let targets: [Target]
  /// Says where events come from: the context and who runs the session.
  public let context: String
  public let limit: Int
  /// Waits between tries (tests: none).
  public var backoff: [Double] = [1, 2, 4]
  private let lock = NSLock()
  private let wake = NSCondition()
  private var queue: [(event: OutEvent, time: Double)] = []
  private var dropped = 0
  private var stopped = false
  private var inbox: Inbox?
  /// An event is being sent.
  private var busy = false
  /// Sent and failed, a target each (benchmarks and tests).
  public private(set) var sent: [String: Int] = [:]
  public private(set) var failed: [String: Int] = [:]

  public init(targets: [Target], context: String, limit: Int = 1000) {
    self.targets = targets
    self.context = context
    self.limit = limit
  }

  static func hostOnly(_ url: String) -> String {
    guard let scheme = url.range(of: "://") else { return "?" }
    let rest = url[scheme.upperBound...]
    let host = rest.prefix { $0 != "/" && $0 != "?" }
    let bare = host.split(separator: "@").last.map(String.init) ?? String(host)
    return String(url[..<scheme.upperBound]) + bare
  }

  public func send(_ event: OutEvent) {
    lock.withLock {
      queue.append((event, Date().timeIntervalSince1970))
      if queue.count > limit {
        queue.removeFirst(queue.count - limit)
        dropped += 1
      }
    }
    wake.lock()
    wake.signal()
    wake.unlock()
  }

  public func start(inbox: Inbox) {
    lock.withLock { self.inbox = inbox }
    inbox.post(targets.map { .source(SourceStatus(name: $0.name, health: .empty, detail: "nothing sent yet")) })
    Thread.detachNewThread { [self] in run() }
  }

  /// Stops once what is queued is sent (the session's last events: its faults set back), waiting
  /// two seconds at most.
  public func stop() {
    let deadline = Date().addingTimeInterval(2)
    while lock.withLock({ !queue.isEmpty || busy }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    lock.withLock { stopped = true }
    wake.lock()
    wake.signal()
    wake.unlock()
  }

  /// Sends what is queued; what is still queued at stop gets one more chance (bounded by a second).
  func run() {
    while true {
      let (next, done) = lock.withLock { () -> ((OutEvent, Double)?, Bool) in
        if queue.isEmpty {
          busy = false
          return (nil, stopped)
        }
        busy = true
        return (queue.removeFirst(), false)
      }
      if done { return }
      guard let (event, time) = next else {
        wake.lock()
        _ = wake.wait(until: Date().addingTimeInterval(1))
        wake.unlock()
        continue
      }
      for t in targets { deliver(event, at: time, to: t) }
    }
  }

  /// One event to one target, tried again while the failure may pass.
  func deliver(_ event: OutEvent, at time: Double, to target: Target) {
    var why = ""
    for attempt in 0...backoff.count {
      let r = post(event, at: time, to: target)
      switch r {
      case .ok:
        lock.withLock { sent[target.name, default: 0] += 1 }
        status(target, .working, "sent \(event.kind.rawValue) at \(Timestamps.format(time))")
        return
      case .retry(let w): why = w
      case .fail(let w):
        why = w
        lock.withLock { failed[target.name, default: 0] += 1 }
        status(target, .failing, why)
        return
      }
      if attempt < backoff.count && !lock.withLock({ stopped }) { Thread.sleep(forTimeInterval: backoff[attempt]) }
    }
    lock.withLock { failed[target.name, default: 0] += 1 }
    status(target, .failing, why + " (tried \(backoff.count + 1) times)")
  }

  func status(_ target: Target, _ health: SourceStatus.Health, _ detail: String) {
    let dropped = lock.withLock { self.dropped }
    let d = detail + (dropped > 0 ? "; \(dropped) events dropped (over \(limit) queued)" : "")
    lock.withLock { inbox }?.post([.source(SourceStatus(name: target.name, health: health, detail: d))])
  }

  enum Outcome { case ok, retry(String), fail(String) }

  /// The request's body for a target.
  func body(_ e: OutEvent, at time: Double, for target: Target) -> Data {
    var o: [String: Any]
    switch target {
    case .webhook:
      o = [
        "text": "chaostui [\(context)] \(e.text)", "event": e.kind.rawValue, "time": Timestamps.format(time),
        "context": context,
      ]
      if let i = e.incident { o["incident"] = i }
    case .grafana(_, _, let tags):
      o = [
        "time": Int((time * 1000).rounded()), "tags": ["chaostui", e.kind.rawValue, context] + tags,
        "text": e.text,
      ]
    }
    return (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
  }

  func post(_ e: OutEvent, at time: Double, to target: Target) -> Outcome {
    let url: String
    var headers: [String] = []
    switch target {
    case .webhook(let u): url = u
    case .grafana(let u, let token, _):
      url = (u.hasSuffix("/") ? String(u.dropLast()) : u) + "/api/annotations"
      if let token { headers.append("Authorization: Bearer " + token) }
    }
    do {
      let http = try HTTPTransport.plain(url, name: "events")
      http.extraHeaders = headers
      http.maxBodyBytes = 64 << 10
      http.connectTimeout = 3
      let r = try http.request(
        "POST", "", body: body(e, at: time, for: target), contentType: "application/json", accept: "*/*", timeout: 5)
      if (200..<300).contains(r.status) { return .ok }
      // Grafana says why in {"message": ...}; else the body's first line.
      let first = (try? JSONDecoder().decode(APIStatus.self, from: r.body))?.message ?? APIError.firstLine(r.body)
      let said = "HTTP \(r.status)" + (first.isEmpty ? "" : ": " + String(first.prefix(80)))
      return r.status == 429 || r.status >= 500 ? .retry(said) : .fail(said)
    } catch {
      // A webhook's URL is its secret: never in a message.
      return .retry("no answer: " + "\(error)".replacingOccurrences(of: url, with: target.name))
    }
  }
}
