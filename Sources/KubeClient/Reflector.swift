import CCurl
import ClusterState
import Foundation
import Transport

/// One page of a list, decoded: the items kept, the list's resourceVersion and continue token, and
/// how many items the server sent (a ReplicaSet owned by a Deployment is served but not kept).
public struct ListPage<T> {
  public var items: [T]
  public var resourceVersion: String?
  public var continueToken: String?
  public var served: Int
  public init(_ items: [T], resourceVersion: String?, continueToken: String?, served: Int? = nil) {
    self.items = items
    self.resourceVersion = resourceVersion
    self.continueToken = continueToken
    self.served = served ?? items.count
  }
}

/// client-go's reflector for one kind: list (paged), then watch from the list's resourceVersion
/// with bookmarks, for as long as the server keeps the watch open; then watch again from the last
/// resourceVersion seen. Only a 410 Gone (the resourceVersion is older than the server's history)
/// or no resourceVersion at all lists again.
///
/// A quiet watch is a healthy watch: the server ends it at `timeoutSeconds` (a 1.20 server sends
/// nothing before that) and it is opened again at once, with no "disconnected" and no list. A
/// connection lost mid-watch is opened again at once too; only a request that fails (no answer, an
/// error status) shows the failure and backs off (0.8 s doubling to 30 s, with jitter).
public final class Reflector<T>: @unchecked Sendable {
  public let name: String
  public let path: String
  /// What the list is, to name it in messages (`list pods in pipeline`).
  public let request: APIError.Request
  /// A kind the user may be forbidden to read (nodes, HPAs) does not make the cluster look down.
  public let optional: Bool
  let makeClient: () throws -> HTTPClient
  let decode: (Data) throws -> ListPage<T>
  let onList: ([T]) -> [Action]
  let onEvent: (String, Data) throws -> [Action]
  let post: ([Action]) -> Void
  public var log: ((String) -> Void)?
  /// Waits between retries (tests: a virtual clock).
  public var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
  public var isStopped: () -> Bool = { false }
  /// In [0, 1): the watch's `timeoutSeconds` is 5 to 10 minutes, as client-go's, so that many
  /// clients do not come back in step.
  public var random: () -> Double = { Double.random(in: 0..<1) }
  public var clock: () -> Double = { Date().timeIntervalSince1970 }
  /// Called after each complete list (the first view of the pods is waited on).
  public var onListed: (() -> Void)?
  /// Called when a list fails, before the wait.
  public var onFailure: (() -> Void)?

  /// Counts, for the log and the benchmarks.
  public private(set) var lists = 0
  public private(set) var watches = 0
  public private(set) var relists = 0
  public private(set) var failures = 0

  public init(
    name: String, path: String, request: APIError.Request, optional: Bool = false,
    makeClient: @escaping () throws -> HTTPClient, decode: @escaping (Data) throws -> ListPage<T>,
    onList: @escaping ([T]) -> [Action], onEvent: @escaping (String, Data) throws -> [Action],
    post: @escaping ([Action]) -> Void
  ) {
    self.name = name
    self.path = path
    self.request = request
    self.optional = optional
    self.makeClient = makeClient
    self.decode = decode
    self.onList = onList
    self.onEvent = onEvent
    self.post = post
  }

  /// The resourceVersion watches resume from; nil: list first.
  public private(set) var resourceVersion: String?
  /// Decodes one item of a list: set, the first list is read from the watch cache as it arrives
  /// (`streamedList`); relists, and a first list that could not be read so, are paged.
  public var streamItem: ((UnsafeBufferPointer<UInt8>) throws -> T?)?
  /// Decodes one item of a list in protobuf: set, that first list asks for protobuf first.
  public var streamProtoItem: ((UnsafeBufferPointer<UInt8>) throws -> T?)?
  private var streamFailed = false
  /// Only what happens from now on (events: the timeline wants news, not the last hour): a list
  /// asks for one item, for the collection's resourceVersion, and the watch follows from there.
  /// A cluster that has just made 100,000 pods holds at least two events a pod, for an hour.
  public var newsOnly = false

  /// Runs until `isStopped`.
  public func run() {
    var backoff = Backoff()
    var http: HTTPClient?
    // The failure shown, if any: cleared by the next list or watch that opens.
    var down = false
    var quickDrops = 0
    while !isStopped() {
      do {
        if http == nil { http = try makeClient() }
        guard let client = http else { break }
        if resourceVersion == nil {
          let (items, rv, served) = try firstOrRelist(client)
          lists += 1
          resourceVersion = rv ?? "0"
          post(onList(items) + [.connection(.connected)])
          down = false
          log?(
            "\(name): listed \(served) at resourceVersion \(rv ?? "?")\(served != items.count ? " (\(items.count) shown)" : "")"
          )
          backoff.reset()
          onListed?()
        }
        let outcome = try watchOnce(
          client,
          reopened: { [self] in
            if down {
              post([.connection(.connected)])
              down = false
            }
            backoff.reset()
          })
        switch outcome {
        case .ended: quickDrops = 0
        case .relist:
          relists += 1
          log?("\(name): 410 Gone (resourceVersion \(resourceVersion ?? "?") is too old), listing again")
          resourceVersion = nil
        case .dropped(let why, let quick):
          // Lost mid-watch: open it again at once from the same resourceVersion. A server that drops
          // every watch as soon as it opens is failing: that backs off.
          log?("\(name): watch lost (\(why)); watching again from resourceVersion \(resourceVersion ?? "?")")
          quickDrops = quick ? quickDrops + 1 : 0
          if quickDrops >= 3 {
            quickDrops = 0
            throw HTTPTransport.TransportError(description: why, curlCode: -1)
          }
        }
      } catch {
        failures += 1
        var refused = false
        var message = "\(error)"
        var detail = message
        if let t = error as? HTTPTransport.TransportError {
          http = nil
          refused = t.curlCode == Int(CURLE_COULDNT_CONNECT.rawValue)
          detail = t.detail
        } else if let a = error as? APIError {
          detail = a.detail
          message = a.message
        }
        let wait = backoff.next(refused: refused)
        log?("\(name): \(detail); retrying in \(String(format: "%.1f", wait)) s")
        let forbidden = (error as? APIError)?.kind == .forbidden
        if !(optional && forbidden) {
          post([.connection(.disconnected(message))])
          down = true
        }
        onFailure?()
        sleep(wait)
      }
    }
  }

  /// The first list from the watch cache, as it arrives, where the kind's items decode one by one;
  /// otherwise (a relist after 410 must not go back in time) the consistent, paged list. A streamed
  /// list the server answered but that could not be read falls back to paging from then on.
  func firstOrRelist(_ http: HTTPClient) throws -> ([T], String?, Int) {
    guard let item = streamItem, lists == 0, relists == 0, !streamFailed else { return try list(http) }
    do {
      return try streamedList(http, item: item, protoItem: streamProtoItem)
    } catch let e as APIError where e.kind != .forbidden {
      streamFailed = true
      log?("\(name): the list from the watch cache could not be read (\(e.detail)); paging it instead")
      return try list(http)
    }
  }

  /// A paged list (limit 500, then continue) of every item: the items kept, the list's
  /// resourceVersion, and how many the server sent.
  func list(_ http: HTTPClient) throws -> ([T], String?, Int) {
    var items: [T] = []
    var cont: String? = nil
    var rv: String? = nil
    var served = 0
    repeat {
      var q = path + (path.contains("?") ? "&" : "?") + (newsOnly ? "limit=1" : "limit=500")
      if let c = cont { q += "&continue=" + (c.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? c) }
      let r = try http.get(q)
      guard (200..<300).contains(r.status) else {
        throw APIError.from(status: r.status, body: r.body, request: request)
      }
      let page: ListPage<T>
      do { page = try decode(r.body) } catch {
        throw APIError.unreadable(r.body, what: "the \(name) list", error: error)
      }
      items.append(contentsOf: page.items)
      served += page.served
      rv = page.resourceVersion
      cont = page.continueToken?.isEmpty == false ? page.continueToken : nil
    } while cont != nil && !newsOnly && !isStopped()
    return (items, rv, served)
  }

  enum WatchEnd: Equatable {
    /// The server ended the watch (its timeout): watch again.
    case ended
    /// 410 Gone: list again.
    case relist
    /// The connection was lost after the watch opened; `quick` when it lasted under a second.
    case dropped(String, quick: Bool)
  }

  func watchOnce(_ http: HTTPClient, reopened: @escaping () -> Void) throws -> WatchEnd {
    let timeoutSeconds = 300 + Int(300 * random())
    let rv = resourceVersion ?? "0"
    let w =
      path + (path.contains("?") ? "&" : "?")
      + "watch=1&allowWatchBookmarks=true&timeoutSeconds=\(timeoutSeconds)&resourceVersion=" + rv
    watches += 1
    log?("\(name): watching from resourceVersion \(rv) (timeoutSeconds \(timeoutSeconds))")
    var gone = false
    var watchError: APIError?
    var last = rv
    let started = clock()
    let outcome = try http.watch(
      w, timeout: timeoutSeconds + 30,
      onOpen: { status in if (200..<300).contains(status) { reopened() } },
      onLine: { [self] line in
        if let size = LineSplitter.refusedSize(line) {
          // Not a Kubernetes event (the API server takes objects of at most ~1.5 MiB): refused, said.
          let what =
            "\(name): a watch event of \(size >> 20) MiB was refused (the limit is \(LineSplitter.maxEvent >> 20) MiB)"
          log?(what)
          post([.notice(what)])
          return !isStopped()
        }
        switch WatchLine.parse(line) {
        case .bookmark(let v): last = v ?? last
        case .gone:
          gone = true
          return false
        case .error(let code, let message):
          watchError = APIError(
            code.map { $0 >= 500 } == true ? .server : .other, status: code,
            message: "the server ended the \(name) watch: \(message)")
          return false
        case .object(let type, let v):
          last = v ?? last
          do { post(try onEvent(type, line)) } catch {
            log?("\(name): undecodable \(type) event: \(error)")
          }
        case .garbage: log?("\(name): skipped a line that is not a watch event (\(line.count) bytes)")
        }
        return !isStopped()
      })
    resourceVersion = last
    if gone || outcome.status == 410 { return .relist }
    if let watchError { throw watchError }
    guard (200..<300).contains(outcome.status) else {
      throw APIError.from(
        status: outcome.status, body: outcome.body,
        request: APIError.Request(
          verb: "watch", resource: request.resource, namespace: request.namespace, user: request.user))
    }
    if let why = outcome.dropped { return .dropped(why, quick: clock() - started < 1) }
    return .ended
  }
}
