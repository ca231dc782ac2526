import ClusterState
import Foundation
import Transport

/// A go/no-go URL (krkn's Cerberus publishes one): its body `True` is go, `False` is stop; anything
/// else, or no answer, is stop too, with why (a signal that cannot be read does not say go). Polled
/// on a thread of its own; each change of its answer is posted as `.stopSignal`.
public final class GoNoGoSource: ActionSource, @unchecked Sendable {
  public let url: String
  public let every: Double
  public let name: String
  private let lock = NSLock()
  private let stopFlag = StopFlag()
  private var last: String??

  public init(url: String, every: Double = 5) {
    self.url = url
    self.every = every
    name = "go/no-go " + Self.redacted(url)
  }

  /// The URL without a password (`user:secret@` becomes `user:***@`).
  static func redacted(_ url: String) -> String {
    guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else {
      return url
    }
    let auth = url[scheme.upperBound..<at]
    guard let colon = auth.firstIndex(of: ":") else { return url }
    return String(url[..<colon]) + ":***" + String(url[at...])
  }

  public func start(inbox: Inbox) {
    Thread.detachNewThread { [self] in
      while !isStopped {
        let why = answer()
        let changed = lock.withLock {
          defer { last = .some(why) }
          return last != .some(why)
        }
        if changed { inbox.post([.stopSignal(name: name, stopping: why)]) }
        var waited = 0.0
        while waited < every && !isStopped {
          Thread.sleep(forTimeInterval: 0.1)
          waited += 0.1
        }
      }
    }
  }

  public func stop() { stopFlag.stop() }
  var isStopped: Bool { stopFlag.isStopped }

  /// Why the URL says stop now (nil: it says go).
  public func answer() -> String? {
    do {
      let http = try HTTPTransport.plain(url, name: "go/no-go")
      http.maxBodyBytes = 4096
      http.connectTimeout = 3
      let r = try http.request("GET", "", body: nil, contentType: "text/plain", accept: "*/*", timeout: 5)
      let body = String(decoding: r.body.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      guard r.status == 200 else {
        let first = APIError.firstLine(r.body)
        return "answered HTTP \(r.status)" + (first.isEmpty ? "" : ": " + String(first.prefix(60)))
      }
      switch body {
      case "True", "true": return nil
      case "False", "false": return "says False (no-go)"
      default: return "answered \"\(body.prefix(20))\", neither True nor False"
      }
    } catch {
      return "no answer: \(error)"
    }
  }
}
