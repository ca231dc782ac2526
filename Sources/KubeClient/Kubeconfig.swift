import ClusterState
import Foundation
import Transport
import Yams

/// Reads and merges kubeconfig files: `--kubeconfig` names one file; `KUBECONFIG` lists several,
/// merged so that the first file to set a key wins; relative paths resolve against the file's folder.
public enum Kubeconfig {
  struct File: Decodable {
    var clusters: [NamedCluster]?
    var users: [NamedUser]?
    var contexts: [NamedContext]?
    var currentContext: String?
    enum CodingKeys: String, CodingKey {
      case clusters, users, contexts
      case currentContext = "current-context"
    }
  }
  struct NamedCluster: Decodable {
    var name: String
    var cluster: Cluster
  }
  struct Cluster: Decodable {
    var server: String?
    var certificateAuthority: String?
    var certificateAuthorityData: String?
    var insecureSkipTLSVerify: Bool?
    var proxyURL: String?
    var disableCompression: Bool?
    enum CodingKeys: String, CodingKey {
      case server
      case certificateAuthority = "certificate-authority"
      case certificateAuthorityData = "certificate-authority-data"
      case insecureSkipTLSVerify = "insecure-skip-tls-verify"
      case proxyURL = "proxy-url"
      case disableCompression = "disable-compression"
    }
  }
  struct NamedUser: Decodable {
    var name: String
    var user: User?
  }
  struct User: Decodable {
    var token: String?
    var tokenFile: String?
    var clientCertificate: String?
    var clientCertificateData: String?
    var clientKey: String?
    var clientKeyData: String?
    var exec: Exec?
    enum CodingKeys: String, CodingKey {
      case token, tokenFile, exec
      case clientCertificate = "client-certificate"
      case clientCertificateData = "client-certificate-data"
      case clientKey = "client-key"
      case clientKeyData = "client-key-data"
    }
  }
  struct Exec: Decodable {
    var command: String
    var args: [String]?
    var env: [EnvVar]?
    var apiVersion: String?
  }
  struct EnvVar: Decodable {
    var name: String
    var value: String
  }
  struct NamedContext: Decodable {
    var name: String
    var context: Context
  }
  struct Context: Decodable {
    var cluster: String
    var user: String?
    var namespace: String?
  }

  /// The kubeconfig files to read: the flag, else `KUBECONFIG` (colon-separated), else ~/.kube/config.
  public static func paths(flag: String?, environment: [String: String]) -> [String] {
    if let flag, !flag.isEmpty { return [flag] }
    if let list = environment["KUBECONFIG"], !list.isEmpty {
      return list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }
    return [(environment["HOME"] ?? NSHomeDirectory()) + "/.kube/config"]
  }

  /// Loads and merges the files, then resolves one context.
  /// - Parameters:
  ///   - explicit: the files came from `--kubeconfig` (a missing file is then an error, as kubectl says).
  public static func load(paths: [String], context: String?, explicit: Bool) throws -> ClusterConnection {
    var clusters: [String: Cluster] = [:]
    var users: [String: User] = [:]
    var contexts: [String: Context] = [:]
    var current: String?
    var read = 0
    for path in paths {
      guard FileManager.default.fileExists(atPath: path) else {
        if explicit { throw KubeconfigError("kubeconfig \(path): no such file") }
        continue
      }
      guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
      else { throw KubeconfigError("kubeconfig \(path): cannot read it as UTF-8 text") }
      let file: File
      do {
        file = try YAMLDecoder().decode(File.self, from: text.isEmpty ? "{}" : text)
      } catch {
        throw KubeconfigError("kubeconfig \(path): not a valid kubeconfig (\(shortError(error)))")
      }
      read += 1
      let dir = (path as NSString).deletingLastPathComponent
      for c in file.clusters ?? [] where clusters[c.name] == nil {
        var cluster = c.cluster
        cluster.certificateAuthority = cluster.certificateAuthority.map { resolve($0, in: dir) }
        clusters[c.name] = cluster
      }
      for u in file.users ?? [] where users[u.name] == nil {
        var user = u.user ?? User(token: nil)
        user.clientCertificate = user.clientCertificate.map { resolve($0, in: dir) }
        user.clientKey = user.clientKey.map { resolve($0, in: dir) }
        user.tokenFile = user.tokenFile.map { resolve($0, in: dir) }
        if var e = user.exec, e.command.contains("/") {
          e.command = resolve(e.command, in: dir)
          user.exec = e
        }
        users[u.name] = user
      }
      for c in file.contexts ?? [] where contexts[c.name] == nil { contexts[c.name] = c.context }
      if current == nil, let cc = file.currentContext, !cc.isEmpty { current = cc }
    }
    guard read > 0 else { throw KubeconfigError("no kubeconfig found (looked at \(paths.joined(separator: ", ")))") }
    guard let name = context ?? current else {
      throw KubeconfigError(
        "kubeconfig has no current-context; pass --context (contexts: \(contexts.keys.sorted().joined(separator: ", ")))"
      )
    }
    guard let ctx = contexts[name] else {
      throw KubeconfigError(
        "context \"\(name)\" not found in kubeconfig (contexts: \(contexts.keys.sorted().joined(separator: ", ")))")
    }
    guard let cluster = clusters[ctx.cluster] else {
      throw KubeconfigError(
        "context \"\(name)\" names cluster \"\(ctx.cluster)\", which the kubeconfig does not define")
    }
    guard let server = cluster.server, !server.isEmpty else {
      throw KubeconfigError("cluster \"\(ctx.cluster)\" has no server")
    }
    var ca: Data?
    if let b64 = cluster.certificateAuthorityData {
      guard let d = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
        throw KubeconfigError("cluster \"\(ctx.cluster)\": certificate-authority-data is not base64")
      }
      ca = d
    } else if let file = cluster.certificateAuthority {
      guard let d = FileManager.default.contents(atPath: file) else {
        throw KubeconfigError("cluster \"\(ctx.cluster)\": cannot read certificate-authority \(file)")
      }
      ca = d
    }
    let userName = ctx.user ?? ""
    let user = users[userName]
    if !userName.isEmpty && user == nil {
      throw KubeconfigError("context \"\(name)\" names user \"\(userName)\", which the kubeconfig does not define")
    }
    return ClusterConnection(
      contextName: name, server: server, caData: ca, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false,
      namespace: ctx.namespace, userName: userName,
      credentials: try resolveCredentials(user ?? User(token: nil), userName: userName), proxyURL: cluster.proxyURL,
      disableCompression: cluster.disableCompression ?? false)
  }

  static func resolveCredentials(_ u: User, userName: String) throws -> ClusterConnection.Credentials {
    func data(_ inline: String?, _ file: String?, _ what: String) throws -> Data? {
      if let inline {
        guard let d = Data(base64Encoded: inline, options: .ignoreUnknownCharacters) else {
          throw KubeconfigError("user \"\(userName)\": \(what)-data is not base64")
        }
        return d
      }
      if let file {
        guard let d = FileManager.default.contents(atPath: file) else {
          throw KubeconfigError("user \"\(userName)\": cannot read \(what) \(file)")
        }
        return d
      }
      return nil
    }
    let cert = try data(u.clientCertificateData, u.clientCertificate, "client-certificate")
    let key = try data(u.clientKeyData, u.clientKey, "client-key")
    if let cert, let key { return .clientCertificate(cert: cert, key: key) }
    if (cert == nil) != (key == nil) {
      throw KubeconfigError("user \"\(userName)\": a client certificate needs both the certificate and the key")
    }
    if let t = u.token, !t.isEmpty { return .token(t) }
    if let f = u.tokenFile { return .tokenFile(f) }
    if let e = u.exec {
      var env: [String: String] = [:]
      for v in e.env ?? [] { env[v.name] = v.value }
      return .exec(
        ExecConfig(
          command: e.command, args: e.args ?? [], env: env,
          apiVersion: e.apiVersion ?? "client.authentication.k8s.io/v1beta1"))
    }
    return .none
  }

  /// The connection as kubectl and client-go pick it: the kubeconfig (`--kubeconfig`, else
  /// `KUBECONFIG`, else `~/.kube/config`) when there is one, else the pod's service account; nil
  /// when there is neither.
  public static func connection(
    flag: String?, context: String?, environment env: [String: String]
  ) throws -> ClusterConnection? {
    let found =
      flag != nil || env["KUBECONFIG"] != nil
      || FileManager.default.fileExists(atPath: paths(flag: nil, environment: env)[0])
    if found { return try load(paths: paths(flag: flag, environment: env), context: context, explicit: flag != nil) }
    return inCluster(environment: env)
  }

  /// The service account of a pod, when chaostui runs in a cluster.
  public static func inCluster(
    environment: [String: String], root: String = "/var/run/secrets/kubernetes.io/serviceaccount"
  ) -> ClusterConnection? {
    guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"],
      FileManager.default.fileExists(atPath: root + "/token")
    else { return nil }
    let h = host.contains(":") ? "[\(host)]" : host
    let ns = (try? String(contentsOfFile: root + "/namespace", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let token = (try? String(contentsOfFile: root + "/token", encoding: .utf8)) ?? ""
    return ClusterConnection(
      contextName: "in-cluster", server: "https://\(h):\(port)",
      caData: FileManager.default.contents(atPath: root + "/ca.crt"),
      insecureSkipTLSVerify: false, namespace: ns, userName: serviceAccountName(token) ?? "serviceaccount",
      credentials: .tokenFile(root + "/token"), proxyURL: nil)
  }

  /// Who a service account token says it is (its `sub`, `system:serviceaccount:NS:NAME`), for the
  /// audit log and RBAC's refusals; nil when it does not read as one. The token is never shown.
  public static func serviceAccountName(_ token: String) -> String? {
    let parts = token.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
    guard parts.count == 3 else { return nil }
    var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
    guard let data = Data(base64Encoded: b64),
      let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let sub = claims["sub"] as? String, sub.hasPrefix("system:serviceaccount:"), sub.count <= 300,
      sub.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\u{7f}" && ($0.asciiValue ?? 0) >= 32 })
    else { return nil }
    return sub
  }

  static func resolve(_ path: String, in dir: String) -> String {
    if path.hasPrefix("/") || path.isEmpty { return path }
    if path.hasPrefix("~/") { return NSHomeDirectory() + String(path.dropFirst(1)) }
    return (dir.isEmpty ? "." : dir) + "/" + path
  }

  /// The first line of a parse error only: YAML errors quote the text after it, which may hold a secret.
  static func shortError(_ e: Error) -> String {
    let first = "\(e)".split(separator: "\n").first.map(String.init) ?? "\(e)"
    return first.count > 160 ? String(first.prefix(160)) + "..." : first
  }
}
