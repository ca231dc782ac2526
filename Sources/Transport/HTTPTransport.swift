import CCurl
import ClusterState
import Foundation

/// HTTP on libcurl for the Kubernetes API: TLS verified by default, CA and client certificate passed
/// as in-memory blobs (never written to disk), bearer tokens in a header (never logged), connect and
/// low-speed timeouts, HTTP/2 where offered, and bodies delivered as they arrive.
///
/// One instance is one easy handle: use it from one thread at a time (an informer owns its own).
public final class HTTPTransport: HTTPClient, @unchecked Sendable {
  public struct Response: Sendable {
    /// The Content-Type header, where the server sent one.
    public var contentType: String? = nil
    public var status: Int
    public var body: Data
  }

  /// The connection failed: `description` says so in words (shown), `detail` adds libcurl's own
  /// text (logged only).
  public struct TransportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var curlCode: Int
    public var detail: String
    public init(description: String, curlCode: Int, detail: String? = nil) {
      self.description = description
      self.curlCode = curlCode
      self.detail = detail ?? description
    }
  }

  private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

  let connection: ClusterConnection
  private let handle: UnsafeMutableRawPointer
  private let tokens: TokenSource
  public var connectTimeout: Int = 5
  /// A request (not a watch) that moves fewer than 1 byte/s for this long is dropped. Watches have
  /// no such limit: a quiet watch is healthy; TCP keep-alive finds a dead connection.
  public var idleTimeout: Int = 30
  /// Seconds of TCP silence before a keep-alive probe, and between probes.
  public var keepAliveIdle: Int = 30
  public var keepAliveInterval: Int = 15
  /// A whole response larger than this is not read on (an error says so): a runaway answer cannot
  /// take the memory. The API's full pod list at 10,000 pods is ~112 MB.
  public var maxBodyBytes: Int = 1 << 30
  /// Headers sent with every request beside chaostui's own ("Name: value", one line each: an
  /// experiment's HTTP probe).
  public var extraHeaders: [String] = []

  public init(connection: ClusterConnection, tokens: TokenSource) throws {
    _ = HTTPTransport.globalInit
    guard let h = curl_easy_init() else {
      throw TransportError(description: "libcurl: cannot create a handle", curlCode: -1)
    }
    handle = h
    self.connection = connection
    self.tokens = tokens
  }

  deinit { curl_easy_cleanup(handle) }

  /// Whose CA verified the server, for a certificate error.
  var trustSource: String {
    switch connection.contextName {
    case "prometheus":
      return connection.caData == nil ? "the system's CAs (--prometheus-ca names another)" : "--prometheus-ca"
    case "scrape", "probe": return "the system's CAs"
    default: return "the kubeconfig's CA"
    }
  }

  /// A request with a whole body in and out.
  public func request(
    _ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json",
    accept: String = "application/json", timeout: Int = 30
  ) throws -> Response {
    let sink = Sink(lines: nil)
    sink.limit = maxBodyBytes
    let status = try perform(
      method, path, body: body, contentType: contentType, accept: accept, timeout: timeout, sink: sink)
    var r = Response(status: status, body: sink.data)
    r.contentType = sink.contentType
    return r
  }

  public func watch(
    _ path: String, timeout: Int, onOpen: @escaping (Int) -> Void, onLine: @escaping (Data) -> Bool
  ) throws -> WatchOutcome {
    let sink = Sink(lines: onLine)
    sink.onOpen = onOpen
    // The body of an answer in error (a Status, an HTML page) is read up to 1 MiB.
    sink.limit = 1 << 20
    do {
      let status = try perform(
        "GET", path, body: nil, contentType: nil, accept: "application/json, */*", timeout: timeout, sink: sink,
        streaming: true)
      return WatchOutcome(status: status, body: sink.data)
    } catch let e as TransportError where sink.status != 0 {
      // The response had started: the watch was open and the connection was lost (or timed out).
      return WatchOutcome(status: sink.status, body: sink.data, dropped: e.description)
    }
  }

  /// A stream of bytes as they arrive (a container log): `onBytes` gets each chunk (false stops);
  /// `cancelled` is asked about once a second even when nothing arrives, and with each chunk, so a
  /// stream nobody shows any longer ends at once, whether or not its lines end.
  public func stream(
    _ path: String, accept: String, timeout: Int, onOpen: @escaping (Int) -> Void,
    onBytes: @escaping (UnsafeBufferPointer<UInt8>) -> Bool, cancelled: @escaping () -> Bool
  ) throws -> WatchOutcome {
    let sink = Sink(lines: nil)
    sink.bytes = onBytes
    sink.cancelled = cancelled
    sink.onOpen = onOpen
    sink.limit = 1 << 20
    do {
      let status = try perform(
        "GET", path, body: nil, contentType: nil, accept: accept, timeout: timeout, sink: sink, streaming: true)
      return WatchOutcome(status: status, body: sink.data)
    } catch let e as TransportError where sink.status != 0 {
      return WatchOutcome(status: sink.status, body: sink.data, dropped: e.description)
    }
  }

  final class Sink {
    var data = Data()
    var splitter = LineSplitter()
    let lines: ((Data) -> Bool)?
    var bytes: ((UnsafeBufferPointer<UInt8>) -> Bool)?
    var cancelled: (() -> Bool)?
    var stopped = false
    var status = 0
    var contentType: String?
    var limit = Int.max
    var tooLarge = false
    var onOpen: ((Int) -> Void)?
    init(lines: ((Data) -> Bool)?) { self.lines = lines }

    func take(_ chunk: UnsafeBufferPointer<UInt8>) -> Bool {
      if let open = onOpen {
        onOpen = nil
        open(status)
      }
      if let bytes, (200..<300).contains(status) {
        if cancelled?() == true || !bytes(chunk) { stopped = true }
        return !stopped
      }
      guard let lines, (200..<300).contains(status) else {
        if data.count + chunk.count > limit {
          tooLarge = true
          return false
        }
        data.append(chunk)
        return true
      }
      if !splitter.feed(chunk, lines) { stopped = true }
      return !stopped
    }
  }

  private func perform(
    _ method: String, _ path: String, body: Data?, contentType: String?, accept: String, timeout: Int, sink: Sink,
    streaming: Bool = false
  ) throws -> Int {
    // A path built from a name no cluster could have (see `RequestPath`) is not sent: the name is
    // not repeated, it is not to be trusted in a log line either.
    if let why = RequestPath.unsafeReason(path) {
      throw TransportError(
        description: "a \(method) request was not sent: its path is not one object's (\(why))", curlCode: -1)
    }
    setOptions(method, path, timeout: timeout, streaming: streaming)
    let headers = try self.headers(accept: accept, contentType: body == nil ? nil : contentType)
    defer { curl_slist_free_all(headers) }
    _ = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
    let bodyCopy = body ?? Data()
    if body != nil {
      _ = ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bodyCopy.count)
    }
    let unmanaged = Unmanaged.passRetained(sink)
    defer { unmanaged.release() }
    installCallbacks(unmanaged, cancellable: sink.cancelled != nil)
    let rc: CURLcode = bodyCopy.withUnsafeBytes { raw in
      if body != nil {
        _ = ccurl_setopt_pointer(
          handle, CURLOPT_POSTFIELDS,
          UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
      }
      return curl_easy_perform(handle)
    }
    return try outcome(rc, sink)
  }

  /// The request's options: URL, method, timeouts, keep-alive, HTTP/2, proxy, TLS verification.
  private func setOptions(_ method: String, _ path: String, timeout: Int, streaming: Bool) {
    curl_easy_reset(handle)
    let url = connection.server.hasSuffix("/") ? String(connection.server.dropLast()) + path : connection.server + path
    _ = ccurl_setopt_string(handle, CURLOPT_URL, url)
    _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout)
    _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT, timeout)
    if !streaming {
      _ = ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
      _ = ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, idleTimeout)
    }
    // A dead peer (a server gone without a word, a NAT that forgot us) is found by TCP keep-alive.
    _ = ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
    _ = ccurl_setopt_long(handle, CURLOPT_TCP_KEEPIDLE, keepAliveIdle)
    _ = ccurl_setopt_long(handle, CURLOPT_TCP_KEEPINTVL, keepAliveInterval)
    _ = ccurl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
    if !connection.disableCompression { _ = ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "") }
    _ = ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
    if method == "HEAD" { _ = ccurl_setopt_long(handle, CURLOPT_NOBODY, 1) }
    if let proxy = connection.proxyURL { _ = ccurl_setopt_string(handle, CURLOPT_PROXY, proxy) }
    // TLS: verified unless the kubeconfig says insecure-skip-tls-verify.
    if connection.insecureSkipTLSVerify {
      _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
      _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
    } else if let ca = connection.caData {
      _ = ca.withUnsafeBytes { ccurl_setopt_blob(handle, CURLOPT_CAINFO_BLOB, $0.baseAddress, ca.count) }
    }
  }

  /// Accept, User-Agent, Content-Type and the credentials (a bearer token, or a client certificate
  /// set on the handle).
  private func headers(accept: String, contentType: String?) throws -> UnsafeMutablePointer<curl_slist>? {
    var headers: UnsafeMutablePointer<curl_slist>? = nil
    headers = curl_slist_append(headers, "Accept: " + accept)
    headers = curl_slist_append(headers, "User-Agent: chaostui")
    if let contentType { headers = curl_slist_append(headers, "Content-Type: " + contentType) }
    for h in extraHeaders where !h.contains(where: \.isNewline) { headers = curl_slist_append(headers, h) }
    switch connection.credentials {
    case .clientCertificate(let cert, let key):
      _ = ccurl_setopt_string(handle, CURLOPT_SSLCERTTYPE, "PEM")
      _ = cert.withUnsafeBytes { ccurl_setopt_blob(handle, CURLOPT_SSLCERT_BLOB, $0.baseAddress, cert.count) }
      _ = key.withUnsafeBytes { ccurl_setopt_blob(handle, CURLOPT_SSLKEY_BLOB, $0.baseAddress, key.count) }
    default:
      if let token = try tokens.token() { headers = curl_slist_append(headers, "Authorization: Bearer " + token) }
      if let pair = try tokens.certificate() {
        _ = pair.cert.withUnsafeBytes {
          ccurl_setopt_blob(handle, CURLOPT_SSLCERT_BLOB, $0.baseAddress, pair.cert.count)
        }
        _ = pair.key.withUnsafeBytes { ccurl_setopt_blob(handle, CURLOPT_SSLKEY_BLOB, $0.baseAddress, pair.key.count) }
      }
    }
    return headers
  }

  /// libcurl's callbacks into the sink: the body, the headers (status, content type, the response's
  /// start), and the progress callback that ends a cancelled stream.
  private func installCallbacks(_ unmanaged: Unmanaged<Sink>, cancellable: Bool) {
    _ = ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
    _ = ccurl_setopt_write_function(handle) { ptr, size, nmemb, user in
      let n = size * nmemb
      guard let user, let ptr else { return n }
      let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
      if sink.status == 0 {
        // The status is known once the body starts.
        sink.status = 200
      }
      return sink.take(UnsafeBufferPointer(start: UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), count: n))
        ? n : 0
    }
    _ = ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque())
    _ = ccurl_setopt_header_function(handle) { ptr, size, nmemb, user in
      let n = size * nmemb
      guard let user, let ptr else { return n }
      let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
      let line = String(
        decoding: UnsafeBufferPointer(start: UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), count: n),
        as: UTF8.self)
      if line.hasPrefix("HTTP/") {
        let parts = line.split(separator: " ")
        if parts.count >= 2, let code = Int(parts[1]) { sink.status = code }
        sink.contentType = nil
      } else if line == "\r\n" || line == "\n", sink.status >= 200, let open = sink.onOpen {
        // The end of the final headers: the response has started (a watch is open), body or not.
        sink.onOpen = nil
        open(sink.status)
      } else if line.lowercased().hasPrefix("content-type:") {
        sink.contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespacesAndNewlines)
      }
      return n
    }
    if cancellable {
      _ = ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, unmanaged.toOpaque())
      _ = ccurl_setopt_xferinfo_function(handle) { user, _, _, _, _ in
        guard let user else { return 0 }
        let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
        guard sink.cancelled?() == true else { return 0 }
        sink.stopped = true
        return 1
      }
    }
  }

  /// The status, or the error in words.
  private func outcome(_ rc: CURLcode, _ sink: Sink) throws -> Int {
    if (rc == CURLE_WRITE_ERROR || rc == CURLE_ABORTED_BY_CALLBACK) && sink.stopped { return sink.status }
    if rc == CURLE_WRITE_ERROR && sink.tooLarge {
      throw TransportError(
        description: "the response is larger than \(sink.limit >> 20) MiB: stopped reading it",
        curlCode: Int(rc.rawValue))
    }
    guard rc == CURLE_OK else {
      let message = String(cString: curl_easy_strerror(rc))
      throw TransportError(
        description: HTTPTransport.explain(rc, message, server: connection.server, trustedBy: trustSource),
        curlCode: Int(rc.rawValue),
        detail: "\(redactedURL(connection.server)): libcurl \(rc.rawValue): \(message)")
    }
    return ccurl_response_code(handle)
  }

  static func explain(_ rc: CURLcode, _ message: String, server rawServer: String, trustedBy: String = "the CA given")
    -> String
  {
    // A URL may carry user:password@ (basic auth): never in a message.
    let server = redactedURL(rawServer)
    switch rc {
    case CURLE_COULDNT_CONNECT: return "cannot connect to \(server) (connection refused)"
    case CURLE_COULDNT_RESOLVE_HOST: return "cannot resolve the host of \(server)"
    case CURLE_OPERATION_TIMEDOUT: return "\(server) did not answer in time"
    case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
      return "the server's certificate is not trusted by \(trustedBy) (\(message))"
    case CURLE_SSL_CONNECT_ERROR: return "TLS handshake with \(server) failed (\(message))"
    case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
      return "the connection to \(server) was lost"
    default: return "network error talking to \(server) (details in --log)"
    }
  }
}

/// Bearer tokens and exec-plugin credentials, cached until they expire.
public final class TokenSource: @unchecked Sendable {
  let credentials: ClusterConnection.Credentials
  private let lock = NSLock()
  private var cachedToken: String?
  private var cachedCert: (cert: Data, key: Data)?
  private var expires: Date?

  public init(_ credentials: ClusterConnection.Credentials) { self.credentials = credentials }

  public func token() throws -> String? {
    switch credentials {
    case .token(let t): return t
    case .tokenFile(let f):
      // Re-read each time: projected service-account tokens rotate.
      guard let t = try? String(contentsOfFile: f, encoding: .utf8) else {
        throw KubeconfigError("cannot read the token file \(f)")
      }
      return t.trimmingCharacters(in: .whitespacesAndNewlines)
    case .exec(let e):
      try refreshExec(e)
      return lock.withLock { cachedToken }
    default: return nil
    }
  }

  public func certificate() throws -> (cert: Data, key: Data)? {
    guard case .exec(let e) = credentials else { return nil }
    try refreshExec(e)
    return lock.withLock { cachedCert }
  }

  /// Forgets cached exec credentials (after a 401).
  public func invalidate() { lock.withLock { expires = Date.distantPast } }

  func refreshExec(_ e: ExecConfig) throws {
    let fresh = lock.withLock { () -> Bool in
      if cachedToken == nil && cachedCert == nil { return false }
      guard let expires else { return true }
      return expires.timeIntervalSinceNow > 10
    }
    if fresh { return }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: e.command.contains("/") ? e.command : "/usr/bin/env")
    p.arguments = e.command.contains("/") ? e.args : [e.command] + e.args
    var env = ProcessInfo.processInfo.environment
    for (k, v) in e.env { env[k] = v }
    env["KUBERNETES_EXEC_INFO"] =
      "{\"apiVersion\":\"\(e.apiVersion)\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}"
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { throw KubeconfigError("exec credential plugin \(e.command): cannot run it (\(error))") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
      throw KubeconfigError("exec credential plugin \(e.command) failed (exit \(p.terminationStatus))")
    }
    struct Cred: Decodable {
      struct Status: Decodable {
        var token: String?
        var clientCertificateData: String?
        var clientKeyData: String?
        var expirationTimestamp: String?
      }
      var status: Status?
    }
    guard let cred = try? JSONDecoder().decode(Cred.self, from: data), let status = cred.status else {
      throw KubeconfigError("exec credential plugin \(e.command): its output is not an ExecCredential")
    }
    lock.withLock {
      cachedToken = status.token
      if let c = status.clientCertificateData, let k = status.clientKeyData {
        cachedCert = (Data(c.utf8), Data(k.utf8))
      }
      expires = status.expirationTimestamp.flatMap { Timestamps.parse($0) }.map { Date(timeIntervalSince1970: $0) }
    }
  }
}

extension ClusterConnection {
  /// A whole URL as the "server" (requests then ask for ""), no credentials: a probe, a go/no-go
  /// URL, a webhook, a raw scrape. `name` says what it is in messages.
  public static func plain(_ url: String, name: String) -> ClusterConnection {
    ClusterConnection(
      contextName: name, server: url, caData: nil, insecureSkipTLSVerify: false, namespace: nil, userName: name,
      credentials: .none, proxyURL: nil)
  }
}

extension HTTPTransport {
  /// A transport for one plain URL (see `ClusterConnection.plain`).
  public static func plain(_ url: String, name: String) throws -> HTTPTransport {
    try HTTPTransport(connection: .plain(url, name: name), tokens: TokenSource(.none))
  }
}
