import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Every file chaostui writes (journals, reports, casts, the `--log` file) is the user's alone:
/// created `0600` (folders `0700`), never written through a symbolic link, and never overwritten
/// unless the user said so (`--force`). A planted symlink (`report.md -> ~/.bashrc`) or a file
/// another tenant made beforehand is refused with the reason.
public enum PrivateFile {
  public struct Refused: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
  }

  /// Creates `path` new (O_CREAT|O_EXCL: an existing file or any symlink, even a dangling one, is
  /// refused) with mode 0600 and returns a handle that owns the descriptor.
  public static func create(_ path: String) throws -> FileHandle {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw Refused(reason(path, errno, creating: true)) }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
  }

  /// Writes `data` as the whole of `path`, 0600. An existing file is refused unless `overwrite`;
  /// a symlink always. With `overwrite` the new content goes to a private file beside it that is
  /// then renamed over the old one (a reader never sees half a report).
  public static func write(_ data: Data, to path: String, overwrite: Bool = false) throws {
    if isSymlink(path) { throw Refused("\(path) is a symbolic link: chaostui does not write through one") }
    guard overwrite, FileManager.default.fileExists(atPath: path) else {
      let h = try create(path)
      defer { try? h.close() }
      try h.write(contentsOf: data)
      return
    }
    let tmp = path + ".\(getpid()).tmp"
    let h = try create(tmp)
    do {
      try h.write(contentsOf: data)
      try h.close()
      guard rename(tmp, path) == 0 else { throw Refused(reason(path, errno, creating: false)) }
    } catch {
      unlink(tmp)
      throw error
    }
  }

  /// Opens `path` to append (the `--log` file): created 0600 when new, never through a symlink,
  /// and an existing file of the user's is made 0600.
  public static func append(_ path: String) throws -> FileHandle {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw Refused(reason(path, errno, creating: false)) }
    var st = stat()
    if fstat(fd, &st) == 0 {
      guard st.st_mode & S_IFMT == S_IFREG else {
        close(fd)
        throw Refused("\(path) is not a regular file")
      }
      if st.st_uid == getuid() { fchmod(fd, 0o600) }
    }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
  }

  /// Makes `path` and its missing parents; a folder chaostui makes is 0700.
  public static func folder(_ path: String) throws {
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
  }

  /// A folder of chaostui's own (its state, its sessions) made 0700 when it is the user's and wider
  /// (an earlier build made it 0755).
  public static func tighten(_ path: String) {
    var st = stat()
    guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == getuid(), st.st_mode & 0o077 != 0
    else { return }
    chmod(path, 0o700)
  }

  /// `base` + `suffix` when no such file exists, else `base-2` + `suffix`, `base-3` + `suffix`...
  /// (a report written again never replaces the one before).
  public static func freshName(_ base: String, _ suffixes: [String]) -> String {
    func free(_ b: String) -> Bool {
      suffixes.allSatisfy { !FileManager.default.fileExists(atPath: b + $0) && !isSymlink(b + $0) }
    }
    if free(base) { return base }
    var n = 2
    while !free("\(base)-\(n)") { n += 1 }
    return "\(base)-\(n)"
  }

  public static func isSymlink(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK
  }

  static func reason(_ path: String, _ err: Int32, creating: Bool) -> String {
    switch err {
    case EEXIST:
      return isSymlink(path)
        ? "\(path) is a symbolic link: chaostui does not write through one"
        : "\(path) exists (use --force to replace it)"
    case ELOOP: return "\(path) is a symbolic link: chaostui does not write through one"
    default: return "cannot \(creating ? "create" : "open") \(path): \(String(cString: strerror(err)))"
    }
  }
}
