import ClusterState
import Foundation
import Transport

/// A metrics source read every `refresh` seconds on a thread of its own: one connection kept
/// (dropped after a transport error), a failure noted in the resources pane until a later success
/// clears it. Subclasses say what one round does (`poll`) and how a failure reads (`failureNote`).
public class MetricsPoller: ActionSource, @unchecked Sendable {
  /// Seconds between rounds.
  public var refresh: Double = 5
  /// Seconds a request may take (a range query twice that): a server that hangs fails the round then.
  public var requestTimeout = 10
  /// The largest answer read (a query selecting far too much says so instead of taking the memory).
  public var maxResponseBytes = 128 << 20
  public var log: (@Sendable (String) -> Void)?
  let connection: ClusterConnection
  let tokens: TokenSource
  /// The runtime's inbox, from `start(inbox:)` (set before the thread starts).
  private(set) var inbox: Inbox
  /// The clock (seconds since 1970) samples are stamped with (tests: a virtual one).
  public var clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
  /// Waited on before the first round (the pods must be known for their samples to count).
  public var waitsFor: @Sendable () -> Void = {}
  private let stopLock = NSLock()
  private var stopped = false

  init(connection: ClusterConnection, inbox: Inbox) {
    self.connection = connection
    tokens = TokenSource(connection.credentials)
    self.inbox = inbox
  }

  var isStopped: Bool { stopLock.withLock { stopped } }
  public func stop() { stopLock.withLock { stopped = true } }

  /// One round: the actions to post. Throws to have the failure noted.
  func poll(_ http: HTTPTransport) throws -> [Action] { [] }

  /// The resources pane's note for a failure.
  func failureNote(_ error: Error) -> String { "STALE: \(error)" }

  /// The source as the checks pane names it (`prometheus http://...`), without a password.
  var sourceName: String { connection.contextName + " " + PromSource.redacted(connection.server) }

  /// What a round that worked feeds, unless `poll` reported its own source status.
  var workingDetail: String { "answering" }

  /// Whether a round's success clears the resources pane's note (a source that feeds no pod
  /// figures leaves another source's explanation standing).
  func clearsNote(_ actions: [Action]) -> Bool { true }

  public func start(inbox: Inbox) {
    self.inbox = inbox
    start(ready: waitsFor)
  }

  /// Starts the rounds; `ready` is waited on first (the pods must be known for their samples to count).
  public func start(ready: @escaping @Sendable () -> Void = {}) {
    Thread.detachNewThread { [self] in
      ready()
      var http: HTTPTransport?
      // Until a first success a note of another source's making (none yet) may stand; clear it then.
      var failing = true
      while !isStopped {
        let started = clock()
        do {
          if http == nil {
            http = try HTTPTransport(connection: connection, tokens: tokens)
            http?.maxBodyBytes = maxResponseBytes
          }
          guard let http else { break }
          var actions = try poll(http)
          if failing && clearsNote(actions) {
            actions.append(.metricsNote(nil))
            failing = false
          }
          if !actions.contains(where: { if case .source = $0 { return true } else { return false } }) {
            actions.append(.source(SourceStatus(name: sourceName, health: .working, detail: workingDetail)))
          }
          inbox.post(actions)
        } catch {
          failing = true
          if error is HTTPTransport.TransportError { http = nil }
          log?("\(connection.contextName) \(PromSource.redacted(connection.server)): \(error)")
          inbox.post([
            .metricsNote(failureNote(error)),
            .source(SourceStatus(name: sourceName, health: .failing, detail: "\(error)")),
          ])
        }
        let wait = refresh - (clock() - started)
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
      }
    }
  }
}
