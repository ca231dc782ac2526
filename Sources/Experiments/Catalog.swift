import ClusterState
import Foundation

/// The experiments the console offers: every `.yaml`, `.yml` and `.json` file of its folders, each
/// parsed (a bad one stays in the list with its error, greyed), each with the folder it came from.
///
/// With no `--experiments`, the folders are searched as a shell searches PATH: the current folder's
/// `experiments/`, then the user's (`$XDG_CONFIG_HOME/chaostui/experiments`), then the package's shared
/// folder (`<prefix>/share/chaostui/experiments`, found from the binary's own path), or the checkout's
/// beside a development build. A file name found earlier hides the same name later.
public struct ExperimentCatalog: Sendable {
  /// A folder to read and where it came from, in words for the list ("here", "yours", "package").
  public struct Folder: Sendable, Equatable {
    public var path: String
    public var origin: String
    public init(path: String, origin: String) {
      self.path = path
      self.origin = origin
    }
  }

  public struct Entry: Sendable {
    public var path: String
    public var experiment: Experiment?
    public var error: String?
    /// The origin of its folder ("here", "yours", "package", "checkout", "given").
    public var origin: String = "given"
    public var name: String { experiment?.title ?? (path as NSString).lastPathComponent }
  }

  /// The folders read, in words: one path, or the paths joined.
  public var directory: String?
  public var folders: [Folder] = []
  public var entries: [Entry] = []
  /// Why there is no list (no directory, unreadable), nil when there is one.
  public var problem: String?

  public init() {}

  /// One folder the user named (`--experiments DIR`, the config file's `experiments:`).
  public static func load(directory: String) -> ExperimentCatalog {
    var c = ExperimentCatalog()
    c.directory = directory
    c.folders = [Folder(path: directory, origin: "given")]
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
      c.problem = "cannot read the experiments directory \(directory)"
      return c
    }
    c.entries = read(Folder(path: directory, origin: "given"), names: names)
    if c.entries.isEmpty { c.problem = "no experiment files (.yaml, .json) in \(directory)" }
    return c
  }

  /// The search path's folders, those that exist; the first file of a name wins.
  public static func load(searching folders: [Folder]) -> ExperimentCatalog {
    var c = ExperimentCatalog()
    var seen = Set<String>()
    for folder in folders {
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
      c.folders.append(folder)
      let fresh = names.filter { seen.insert($0).inserted }
      c.entries += read(folder, names: fresh)
    }
    c.directory = c.folders.isEmpty ? nil : c.folders.map(\.path).joined(separator: ", ")
    if c.entries.isEmpty {
      c.problem =
        "no experiment files (.yaml, .json) in " + folders.map(\.path).joined(separator: ", ")
        + "; put some in one of them or pass --experiments DIR"
    }
    return c
  }

  /// Where experiments are looked for when none is named, in order.
  public static func searchPath(
    currentDirectory: String = FileManager.default.currentDirectoryPath,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    executable: String? = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
  ) -> [Folder] {
    var folders = [Folder(path: (currentDirectory as NSString).appendingPathComponent("experiments"), origin: "here")]
    let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
    if let base = config ?? environment["HOME"].map({ $0 + "/.config" }) {
      folders.append(Folder(path: base + "/chaostui/experiments", origin: "yours"))
    }
    if let executable {
      folders += chaostuiShareFolders(executable: executable, name: "experiments").map {
        Folder(path: $0.path, origin: $0.origin)
      }
    }
    var seen = Set<String>()
    return folders.filter { seen.insert($0.path).inserted }
  }

  /// The experiment a name means: a path as given when it exists, else a file of that name (with or
  /// without `.yaml`) in the search path's folders, in order.
  public static func resolve(_ name: String, in folders: [Folder]) -> String? {
    if FileManager.default.fileExists(atPath: name) || name.contains("/") { return name }
    for folder in folders {
      for candidate in [name, name + ".yaml", name + ".yml", name + ".json"] {
        let path = folder.path + "/" + candidate
        if FileManager.default.fileExists(atPath: path) { return path }
      }
    }
    return nil
  }

  static func read(_ folder: Folder, names: [String]) -> [Entry] {
    var entries: [Entry] = []
    for name in names.sorted() where [".yaml", ".yml", ".json"].contains(where: { name.hasSuffix($0) }) {
      let path = folder.path + "/" + name
      do {
        entries.append(Entry(path: path, experiment: try ExperimentFile.load(path: path), origin: folder.origin))
      } catch {
        entries.append(Entry(path: path, experiment: nil, error: "\(error)", origin: folder.origin))
      }
    }
    return entries
  }
}
