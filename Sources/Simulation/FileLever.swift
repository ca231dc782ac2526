import ClusterState
import Foundation

/// The demo's safety lever: a small JSON file in the state folder
/// (`$XDG_STATE_HOME/chaostui/lever.json`) every demo console of this user on this machine reads,
/// so two consoles side by side show the same lever. Read every 0.1 s; written whole to a private
/// temporary file and renamed over it, so a reader never sees half a lever.
public final class FileLever: SafetyLeverSource, @unchecked Sendable {
  public let path: String
  public var location: String { "file " + path }
  /// How often the file is read (seconds).
  public var interval = 0.1
  private let lock = NSLock()
  private let stopFlag = StopFlag()
  private var last: SafetyLever?

  /// The largest lever file read: anything larger is not a lever.
  static let maxSize = 16 << 10

  public init(path: String) { self.path = path }

  /// `$XDG_STATE_HOME/chaostui/lever.json` (else `~/.local/state/chaostui/lever.json`).
  public static func defaultPath(environment env: [String: String]) -> String {
    chaostuiStateFolder(env) + "/lever.json"
  }

  public func start(inbox: Inbox) {
    Thread.detachNewThread { [self] in
      while !isStopped {
        let now = read()
        lock.lock()
        let changed = now != last
        last = now
        lock.unlock()
        if changed { inbox.post([.lever(now)]) }
        Thread.sleep(forTimeInterval: interval)
      }
    }
  }

  public func stop() { stopFlag.stop() }
  var isStopped: Bool { stopFlag.isStopped }

  /// The lever as the file says it: no file is a released lever; one that cannot be read or is not
  /// a lever is unknown, with why.
  public func read() -> SafetyLever {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: path) else {
      return SafetyLever(status: .released, location: location)
    }
    guard let handle = try? FileHandle(forReadingFrom: url) else {
      return SafetyLever(status: .unknown, problem: "cannot read \(path)", location: location)
    }
    defer { try? handle.close() }
    let data = (try? handle.read(upToCount: Self.maxSize + 1)) ?? Data()
    guard data.count <= Self.maxSize,
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else {
      return SafetyLever(status: .unknown, problem: "\(path) is not a lever file", location: location)
    }
    var fields: [String: String] = [:]
    for (k, v) in object {
      if let s = v as? String { fields[k] = s } else if let b = v as? Bool { fields[k] = b ? "true" : "false" }
    }
    return SafetyLever.from(fields: fields, location: location)
  }

  public func move(_ move: LeverMove, at time: Seconds, inbox: Inbox) {
    let lever = SafetyLever(
      status: move.engage ? .engaged : .released, by: move.by, at: time, reason: move.reason, location: location)
    do {
      try write(lever)
    } catch {
      inbox.post([.leverMoveFailed("\(error)")])
    }
  }

  /// Writes the lever: a private file (0600) in a private folder (0700), renamed into place.
  public func write(_ lever: SafetyLever) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let data = try JSONSerialization.data(withJSONObject: lever.fields, options: [.sortedKeys])
    let temp = path + ".\(getpid()).tmp"
    unlink(temp)
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw LeverFileError("cannot write \(temp): \(String(cString: strerror(errno)))") }
    let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == data.count, rename(temp, path) == 0 else {
      unlink(temp)
      throw LeverFileError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
  }
}

struct LeverFileError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
