import ClusterState
import Foundation
import Transport

/// The first view of the pods gets the API server to itself: everything else (the other informers,
/// discovery, the leftover sweep, metrics) waits for it, at most a few seconds, so that on a busy
/// server the pods are on screen first.
final class FirstViewGate: @unchecked Sendable {
  private let condition = NSCondition()
  private var shown = false
  private var podListDone = false

  func open() {
    condition.lock()
    shown = true
    condition.broadcast()
    condition.unlock()
  }

  /// The complete pod list is in the inbox (and so the first view is shown).
  func podListed() {
    condition.lock()
    podListDone = true
    shown = true
    condition.broadcast()
    condition.unlock()
  }

  func wait(timeout: Double = 3) {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    while !shown && condition.wait(until: deadline) {}
    condition.unlock()
  }

  func waitForPodList(timeout: Double = 30) {
    let deadline = Date().addingTimeInterval(timeout)
    condition.lock()
    while !podListDone && condition.wait(until: deadline) {}
    condition.unlock()
  }
}

/// The informers: one reflector a kind the console shows (`start` holds the table), each on a
/// thread of its own with its own connection, posting what they read into the inbox. The pods come
/// first (a first view from the server's tables, the full list after it); the rest wait
/// for them.
final class Informers: @unchecked Sendable {
  let namespace: String?
  let userName: String
  let makeClient: @Sendable () throws -> HTTPClient
  let inbox: Inbox
  let gate: FirstViewGate
  /// The pods' first page, first view and full list, posted in that order.
  let podsSteps = PodsSteps()
  let log: (@Sendable (String) -> Void)?
  let clock: @Sendable () -> Double
  let sleep: @Sendable (Double) -> Void
  let isStopped: @Sendable () -> Bool
  /// The first of the preferred versions the server serves for a group (nil: none).
  let discoverVersion: @Sendable (_ group: String, _ preferred: [String]) -> String?

  init(
    namespace: String?, userName: String, makeClient: @escaping @Sendable () throws -> HTTPClient, inbox: Inbox,
    gate: FirstViewGate, log: (@Sendable (String) -> Void)?, clock: @escaping @Sendable () -> Double,
    sleep: @escaping @Sendable (Double) -> Void, isStopped: @escaping @Sendable () -> Bool,
    discoverVersion: @escaping @Sendable (String, [String]) -> String?
  ) {
    self.namespace = namespace
    self.userName = userName
    self.makeClient = makeClient
    self.inbox = inbox
    self.gate = gate
    self.log = log
    self.clock = clock
    self.sleep = sleep
    self.isStopped = isStopped
    self.discoverVersion = discoverVersion
  }

  /// Starts a reflector for one kind on a thread of its own, with its own connection.
  func run<T>(
    name: String, path: String, resource: String? = nil, clusterScoped: Bool = false, optional: Bool = false,
    preview: (@Sendable (HTTPClient) -> Void)? = nil,
    newsOnly: Bool = false,
    streamItem: (@Sendable (UnsafeBufferPointer<UInt8>) throws -> T?)? = nil,
    streamProtoItem: (@Sendable (UnsafeBufferPointer<UInt8>) throws -> T?)? = nil,
    decode: @escaping @Sendable (Data) throws -> ListPage<T>,
    onList: @escaping @Sendable ([T]) -> [Action], onEvent: @escaping @Sendable (String, Data) throws -> [Action]
  ) {
    let makeClient = self.makeClient
    let reflector = Reflector<T>(
      name: name, path: path,
      request: APIError.Request(
        verb: "list", resource: resource ?? name, namespace: clusterScoped ? "" : namespace, user: userName),
      optional: optional, makeClient: makeClient, decode: decode,
      onList: onList, onEvent: onEvent, post: { [inbox] in inbox.post($0) })
    reflector.log = log
    reflector.streamItem = streamItem
    reflector.streamProtoItem = streamProtoItem
    reflector.newsOnly = newsOnly
    reflector.isStopped = isStopped
    reflector.clock = clock
    reflector.sleep = sleep
    let gate = self.gate
    if preview != nil {
      reflector.onListed = { gate.podListed() }
      reflector.onFailure = { gate.open() }
    }
    let listMayStart = DispatchSemaphore(value: 0)
    if let preview {
      // The first view of the pods from the server's tables, on a thread of its own; the full list
      // starts when it is done.
      Thread.detachNewThread {
        if let http = try? makeClient() { preview(http) }
        gate.open()
        listMayStart.signal()
      }
    }
    let thread = Thread {
      if preview != nil { listMayStart.wait() } else { gate.wait() }
      reflector.run()
    }
    thread.name = "informer-" + name
    thread.start()
  }
}
