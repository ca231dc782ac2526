import ArgumentParser
import ClusterState

/// `chaostui faults`: every fault chaostui can inject, from the fault table (its key in the console,
/// its name in experiment files, what it targets, its strength fields, what it needs of a cluster).
struct FaultsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "faults",
    abstract:
      "List the faults: key in the console's fault menu (f), name in experiment files, target, strength fields and what each needs of a cluster (RBAC, Chaos Mesh)."
  )

  @Flag(help: "Print the list as a Markdown table (docs/faults.md is made from it).")
  var markdown = false

  func run() throws {
    if markdown {
      sayLines(FaultTable.markdown(), terminator: "")
      return
    }
    var lines = ["KEY  NAME               TARGET    LASTING  NEEDS"]
    for d in FaultTable.all {
      lines.append(
        "\(d.key)    \(pad(d.kind.rawValue, 18)) \(pad(d.target.rawValue, 9)) \(d.oneShot ? "no " : "yes")      \(d.needs.text)"
      )
      lines.append("     \(d.title): \(d.summary)")
      for f in d.fields { lines.append("     strength \(f.key) (\(f.type.rawValue)): \(f.help)") }
    }
    sayLines(lines.joined(separator: "\n"))
  }

  func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
