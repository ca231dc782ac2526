import ClusterState
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// This user's own record of the changes their chaostui sessions made in clusters and must set
/// back (a scale, a cordon, a Chaos Mesh resource), kept on the operator's machine
/// (`$XDG_STATE_HOME/chaostui/changes/`, folder 0700, files 0600) where no tenant of the cluster
/// can write. A change is written here before it is made and removed once it is set back, so a
/// session killed with -9 leaves its record. The leftover sweep acts only on what a record here
/// backs, and restores the value recorded here, never the one an annotation in the cluster claims.
public final class ChangeBook: @unchecked Sendable {
  public struct Record: Codable, Sendable, Equatable {
    public var session: String
    public var fault: Int
    /// The API server and user the change was made through (a record applies only to them).
    public var server: String
    public var user: String
    public var change: UndoLedger.Change
    /// The replicas the session set (a workload scaled since by someone else is left alone).
    public var setTo: Int?
    /// When the change was due to be set back (seconds since 1970).
    public var until: Double
    public var made: Double
  }

  public let folder: String
  private let lock = NSLock()

  public init(folder: String) { self.folder = folder }

  /// `$XDG_STATE_HOME/chaostui/changes` (else `~/.local/state/chaostui/changes`).
  public static func defaultFolder(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
    chaostuiStateFolder(env) + "/changes"
  }

  func file(_ session: String, _ fault: Int) -> String {
    let safe = String(session.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.prefix(32))
    return folder + "/\(safe)-\(fault).json"
  }

  /// Writes a record (0600, through a new private file renamed into place). Returns the problem in
  /// words when it cannot be written (the change is then not made).
  public func write(_ r: Record) -> String? {
    lock.withLock {
      do {
        try FileManager.default.createDirectory(
          atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = file(r.session, r.fault)
        let tmp = path + ".tmp"
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot write \(tmp): \(String(cString: strerror(errno)))" }
        let h = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try h.write(contentsOf: try JSONEncoder().encode(r))
        try h.synchronize()
        try h.close()
        guard rename(tmp, path) == 0 else { return "cannot write \(path): \(String(cString: strerror(errno)))" }
        return nil
      } catch {
        return "cannot write the change record in \(folder): \(error.localizedDescription)"
      }
    }
  }

  public func remove(session: String, fault: Int) {
    lock.withLock { _ = unlink(file(session, fault)) }
  }

  /// The records made through `server` as `user`. A file that is not a regular file of this user's,
  /// or does not read as a record, is skipped.
  public func records(server: String, user: String) -> [Record] {
    lock.withLock {
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
      return names.sorted().compactMap { name -> Record? in
        guard name.hasSuffix(".json") else { return nil }
        let path = folder + "/" + name
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == getuid(), st.st_size < 65536,
          let data = FileManager.default.contents(atPath: path),
          let r = try? JSONDecoder().decode(Record.self, from: data), r.server == server, r.user == user
        else { return nil }
        return r
      }
    }
  }
}
