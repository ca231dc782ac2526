import Foundation

/// Paths built from names a cluster gave (a pod's, a namespace's): each name one path segment, and
/// no request sent whose path could climb out of the object it names.
public enum RequestPath {
  /// A name as one path segment: everything but letters, digits, `-` and `.` percent-encoded, so a
  /// `?`, `#` or `/` in it cannot start a query or another segment.
  public static func segment(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-."))) ?? s
  }

  /// Why `path` (before its query) must not be sent, or nil: a `.` or `..` segment, encoded or not
  /// (servers and proxies resolve them, so `pods/x/../../secrets` names another object), a
  /// segment holding an encoded `/` (a Go server decodes it before routing), a control character,
  /// a space, a `#` or a backslash. No Kubernetes name can make one of these.
  public static func unsafeReason(_ path: String) -> String? {
    // "": the connection's URL is the whole address (a probe, a webhook: the user's own).
    if path.isEmpty { return nil }
    let p = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    guard p.hasPrefix("/") else { return "it does not start with /" }
    if path.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "\\") }) {
      return "it holds a control character, a space, a # or a backslash"
    }
    for segment in p.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
      guard let decoded = String(segment).removingPercentEncoding else { return "a segment is not well encoded" }
      if decoded == "." || decoded == ".." { return "it has a \(decoded) segment" }
      if decoded.contains("/") || decoded.contains("\\") { return "a segment holds an encoded / or \\" }
    }
    return nil
  }
}
