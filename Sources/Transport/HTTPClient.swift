import Foundation

/// What the Kubernetes client needs of HTTP: whole requests, and watches that stream lines. The
/// libcurl transport implements it; unit tests use a scripted fake, so the reflector's list, watch,
/// 410 relist and backoff are tested without a server.
public protocol HTTPClient: AnyObject, Sendable {
  func request(
    _ method: String, _ path: String, body: Data?, contentType: String, accept: String, timeout: Int
  ) throws -> HTTPTransport.Response

  /// A watch: GET `path` and hand each newline-delimited line to `onLine` (false stops). `onOpen`
  /// gets the status once the response starts. No idle limit: a quiet watch is a healthy one; it
  /// ends at `timeout` (the server's `timeoutSeconds` ends it first) or when the connection dies
  /// (TCP keep-alive finds that). Throws when no response started; a connection lost after that is
  /// `WatchOutcome.dropped`.
  func watch(_ path: String, timeout: Int, onOpen: @escaping (Int) -> Void, onLine: @escaping (Data) -> Bool) throws
    -> WatchOutcome

  /// A stream of bytes as they arrive, lines or not (a container log, a list read as it comes),
  /// asking for the media types of `accept`; `cancelled` ends it even while nothing arrives.
  func stream(
    _ path: String, accept: String, timeout: Int, onOpen: @escaping (Int) -> Void,
    onBytes: @escaping (UnsafeBufferPointer<UInt8>) -> Bool, cancelled: @escaping () -> Bool
  ) throws -> WatchOutcome
}

extension HTTPClient {
  /// A stream built on `watch` (scripted fakes, which serve lines): each line with its newline.
  public func stream(
    _ path: String, accept: String, timeout: Int, onOpen: @escaping (Int) -> Void,
    onBytes: @escaping (UnsafeBufferPointer<UInt8>) -> Bool, cancelled: @escaping () -> Bool
  ) throws -> WatchOutcome {
    try watch(path, timeout: timeout, onOpen: onOpen) { line in
      guard !cancelled() else { return false }
      return (line + [0x0A]).withUnsafeBytes { onBytes($0.bindMemory(to: UInt8.self)) }
    }
  }

  /// A stream of whatever the server sends (`Accept: */*`).
  public func stream(
    _ path: String, timeout: Int, onOpen: @escaping (Int) -> Void,
    onBytes: @escaping (UnsafeBufferPointer<UInt8>) -> Bool, cancelled: @escaping () -> Bool
  ) throws -> WatchOutcome {
    try stream(path, accept: "*/*", timeout: timeout, onOpen: onOpen, onBytes: onBytes, cancelled: cancelled)
  }

  /// A GET of JSON.
  public func get(_ path: String, accept: String = "application/json", timeout: Int = 30) throws
    -> HTTPTransport.Response
  {
    try request("GET", path, body: nil, contentType: "application/json", accept: accept, timeout: timeout)
  }

  /// A request with a body (JSON unless `contentType` says otherwise), answered with JSON.
  public func send(
    _ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json", timeout: Int = 30
  ) throws -> HTTPTransport.Response {
    try request(method, path, body: body, contentType: contentType, accept: "application/json", timeout: timeout)
  }
}

/// How a watch ended.
public struct WatchOutcome: Sendable, Equatable {
  public var status: Int
  /// The body of a non-2xx answer (a Status object, an HTML page).
  public var body: Data
  /// Set when the connection was lost after the response started.
  public var dropped: String?
  public init(status: Int, body: Data = Data(), dropped: String? = nil) {
    self.status = status
    self.body = body
    self.dropped = dropped
  }
}

/// A request the API server refused or answered with something unreadable, in words a user can act
/// on (`message`, shown on screen) and the whole story (`detail`, for `--log` only).
public struct APIError: Error, CustomStringConvertible, Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case unauthorized, forbidden, notFound, server, notJSON, undecodable, other
  }
  public var kind: Kind
  public var status: Int?
  public var message: String
  public var detail: String
  public var description: String { message }

  public init(_ kind: Kind, status: Int?, message: String, detail: String? = nil) {
    self.kind = kind
    self.status = status
    self.message = message
    self.detail = detail ?? message
  }

  /// What a request was for, to name it in a message: `list pods in pipeline`.
  public struct Request: Sendable, Equatable {
    public var verb: String
    public var resource: String
    /// nil: every namespace; "" a cluster-scoped resource.
    public var namespace: String?
    /// The kubeconfig's user, when the server does not name the user it saw.
    public var user: String
    public init(verb: String, resource: String, namespace: String?, user: String) {
      self.verb = verb
      self.resource = resource
      self.namespace = namespace
      self.user = user
    }
    var scope: String {
      switch namespace {
      case nil: return " in any namespace"
      case ""?: return ""
      case let ns?: return " in " + ns
      }
    }
    public var label: String { "\(verb) \(resource)\(scope)" }
  }

  /// The error for a non-2xx answer.
  public static func from(status: Int, body: Data, request: Request) -> APIError {
    let server = try? JSONDecoder().decode(APIStatus.self, from: body)
    let serverMessage = server?.message ?? ""
    let detail = "\(request.label): HTTP \(status): \(serverMessage.isEmpty ? firstLine(body) : serverMessage)"
    switch status {
    case 401:
      return APIError(
        .unauthorized, status: status,
        message: "unauthorized: the server refused the credentials of \(request.user) (expired token or certificate?)",
        detail: detail)
    case 403:
      // The server names the user it saw (`User "system:serviceaccount:ns:sa" cannot ...`).
      let user = quoted(after: "User \"", in: serverMessage) ?? request.user
      return APIError(
        .forbidden, status: status, message: "forbidden: \(user) cannot \(request.label) (RBAC)", detail: detail)
    case 404:
      return APIError(
        .notFound, status: status, message: "not found: the server does not serve \(request.resource)", detail: detail)
    default:
      let said = serverMessage.isEmpty ? firstLine(body) : serverMessage
      let kind: Kind = status >= 500 ? .server : .other
      return APIError(
        kind, status: status,
        message: "the server answered HTTP \(status)" + (said.isEmpty ? "" : ": " + said), detail: detail)
    }
  }

  /// The error for a 2xx answer that could not be read: not JSON at all (an HTML page from a proxy)
  /// or JSON of another shape.
  public static func unreadable(_ body: Data, what: String, error: Error) -> APIError {
    let detail =
      "\(what): \(error) (\(body.count) bytes, starting \(String(firstLine(body).prefix(80)).debugDescription))"
    guard let first = body.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
      return APIError(.notJSON, status: 200, message: "the answer to \(what) was empty", detail: detail)
    }
    if first == UInt8(ascii: "<") {
      return APIError(
        .notJSON, status: 200,
        message: "the answer to \(what) was not JSON (an HTML page: a proxy or load balancer in the way?)",
        detail: detail)
    }
    if first != UInt8(ascii: "{") && first != UInt8(ascii: "[") {
      return APIError(.notJSON, status: 200, message: "the answer to \(what) was not JSON", detail: detail)
    }
    return APIError(
      .undecodable, status: 200, message: "the answer to \(what) could not be read (details in --log)",
      detail: detail)
  }

  /// The first line of a body worth showing: an HTML page's title, else its first non-empty line
  /// (tags stripped), at most 120 characters.
  public static func firstLine(_ body: Data) -> String {
    let text = String(decoding: body.prefix(64 << 10), as: UTF8.self)
    if let title = between("<title>", "</title>", in: text) {
      return String(title.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))
    }
    for line in text.split(whereSeparator: \.isNewline) {
      var s = String(line)
      while let open = s.firstIndex(of: "<"), let close = s[open...].firstIndex(of: ">") {
        s.removeSubrange(open...close)
      }
      let t = s.trimmingCharacters(in: .whitespaces)
      if !t.isEmpty { return String(t.prefix(120)) }
    }
    return ""
  }

  static func between(_ a: String, _ b: String, in s: String) -> String? {
    guard let r = s.range(of: a, options: .caseInsensitive),
      let e = s.range(of: b, options: .caseInsensitive, range: r.upperBound..<s.endIndex)
    else { return nil }
    return String(s[r.upperBound..<e.lowerBound])
  }

  static func quoted(after prefix: String, in s: String) -> String? {
    guard let r = s.range(of: prefix), let e = s[r.upperBound...].firstIndex(of: "\"") else { return nil }
    return String(s[r.upperBound..<e])
  }
}

/// The API server's Status object (the body of most error answers), as far as messages need it.
public struct APIStatus: Decodable, Sendable {
  public var code: Int?
  public var reason: String?
  public var message: String?
}
