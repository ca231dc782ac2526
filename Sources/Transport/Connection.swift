import Foundation

/// Where to reach a cluster and who to be there, resolved from kubeconfig files as kubectl does.
public struct ClusterConnection: Sendable, Equatable {
  public var contextName: String
  public var server: String
  public var caData: Data?
  public var insecureSkipTLSVerify: Bool
  public var namespace: String?
  public var userName: String
  public var credentials: Credentials
  public var proxyURL: String?
  /// The kubeconfig's `disable-compression` (kubectl 1.26+): answers are asked for uncompressed.
  /// On a fast network the API server's gzip of a large list costs more time than it saves.
  public var disableCompression = false

  public init(
    contextName: String, server: String, caData: Data?, insecureSkipTLSVerify: Bool, namespace: String?,
    userName: String, credentials: Credentials, proxyURL: String?, disableCompression: Bool = false
  ) {
    self.contextName = contextName
    self.server = server
    self.caData = caData
    self.insecureSkipTLSVerify = insecureSkipTLSVerify
    self.namespace = namespace
    self.userName = userName
    self.credentials = credentials
    self.proxyURL = proxyURL
    self.disableCompression = disableCompression
  }

  public enum Credentials: Sendable, Equatable {
    case none
    case token(String)
    case tokenFile(String)
    case clientCertificate(cert: Data, key: Data)
    case exec(ExecConfig)
  }

  /// What the header and the log may show: never a secret.
  public var description: String {
    let auth: String
    switch credentials {
    case .none: auth = "no credentials"
    case .token: auth = "token"
    case .tokenFile(let f): auth = "token file \(f)"
    case .clientCertificate: auth = "client certificate"
    case .exec(let e): auth = "exec \(e.command)"
    }
    return "context \(contextName), server \(server), user \(userName) (\(auth))"
  }
}

/// An exec credential plugin (`users[].user.exec`).
public struct ExecConfig: Sendable, Equatable {
  public var command: String
  public var args: [String]
  public var env: [String: String]
  public var apiVersion: String
  public init(command: String, args: [String], env: [String: String], apiVersion: String) {
    self.command = command
    self.args = args
    self.env = env
    self.apiVersion = apiVersion
  }
}

public struct KubeconfigError: Error, CustomStringConvertible, Sendable, Equatable {
  public var description: String
  public init(_ d: String) { description = d }
}

/// A URL as the screen and the log may show it: a password (user:password@) is never shown.
public func redactedURL(_ url: String) -> String {
  guard let c = URLComponents(string: url), c.password != nil else { return url }
  var r = c
  r.password = nil
  r.user = (c.user ?? "") + ":***"
  return r.string?.replacingOccurrences(of: "%3A***", with: ":***") ?? "(a URL with a password)"
}
