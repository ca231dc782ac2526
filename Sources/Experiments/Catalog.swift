import Foundation

/// The experiments the console offers: every `.yaml`, `.yml` and `.json` file of a directory, each
/// parsed (a bad one stays in the list with its error, greyed).
public struct ExperimentCatalog: Sendable {
  public struct Entry: Sendable {
    public var path: String
    public var experiment: Experiment?
    public var error: String?
    public var name: String { experiment?.title ?? (path as NSString).lastPathComponent }
  }

  public var directory: String?
  public var entries: [Entry] = []
  /// Why there is no list (no directory, unreadable), nil when there is one.
  public var problem: String?

  public init() {}

  public static func load(directory: String) -> ExperimentCatalog {
    var c = ExperimentCatalog()
    c.directory = directory
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
      c.problem = "cannot read the experiments directory \(directory)"
      return c
    }
    for name in names.sorted() where [".yaml", ".yml", ".json"].contains(where: { name.hasSuffix($0) }) {
      let path = directory + "/" + name
      do {
        c.entries.append(Entry(path: path, experiment: try ExperimentFile.load(path: path)))
      } catch {
        c.entries.append(Entry(path: path, experiment: nil, error: "\(error)"))
      }
    }
    if c.entries.isEmpty { c.problem = "no experiment files (.yaml, .json) in \(directory)" }
    return c
  }
}
