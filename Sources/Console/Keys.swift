import ClusterState

/// A key as the console understands it, whatever the terminal sent.
public enum Key: Hashable, Sendable {
  case char(Character)
  case ctrl(Character)
  case up, down, left, right, pageUp, pageDown, home, end
  case enter, escape, tab, backTab, backspace, delete
  case function(Int)
  case resize
  case unknown(Int)

  /// How the key is written in hints and help.
  public var label: String {
    switch self {
    case .char(" "): return "Space"
    case .char(let c): return String(c)
    case .ctrl(let c): return "Ctrl-" + String(c).uppercased()
    case .up: return "Up"
    case .down: return "Down"
    case .left: return "Left"
    case .right: return "Right"
    case .pageUp: return "PgUp"
    case .pageDown: return "PgDn"
    case .home: return "Home"
    case .end: return "End"
    case .enter: return "Enter"
    case .escape: return "Esc"
    case .tab: return "Tab"
    case .backTab: return "S-Tab"
    case .backspace: return "Bksp"
    case .delete: return "Del"
    case .function(let n): return "F\(n)"
    case .resize: return "resize"
    case .unknown(let code): return "key \(code)"
    }
  }
}

/// What a key does, independent of which key it is.
public enum Command: String, Sendable, CaseIterable {
  case quit, help, focusNext, focusPrev, zoom, alerts, up, down, pageUp, pageDown, top, bottom
  case filter, sortNext, sortReverse, faultMenu, killPod, panic, summary, theme, glyphs
  case experiments, zones, namespace, report, monkey, logs, capacity, lever, note, attach
}

/// One entry of the key table: the single source of the footer hints, the help screen, read-only
/// greying and (on real clusters) permission greying.
public struct KeyBinding: Sendable {
  public var keys: [Key]
  public var command: Command
  public var hint: String
  public var description: String
  /// Changes the cluster; disabled in read-only mode.
  public var dangerous: Bool
  public var inFooter: Bool

  public init(
    _ keys: [Key], _ command: Command, hint: String, _ description: String, dangerous: Bool = false,
    footer: Bool = false
  ) {
    self.keys = keys
    self.command = command
    self.hint = hint
    self.description = description
    self.dangerous = dangerous
    self.inFooter = footer
  }

  public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

public enum KeyTable {
  public static let bindings: [KeyBinding] = [
    KeyBinding(
      [.char("q"), .ctrl("c")], .quit, hint: "quit",
      "Quit (ends every fault this session started; restores the terminal)",
      footer: true),
    KeyBinding([.char("?"), .function(1)], .help, hint: "help", "Show this help", footer: true),
    KeyBinding([.tab], .focusNext, hint: "focus", "Focus the next pane", footer: true),
    KeyBinding([.backTab], .focusPrev, hint: "", "Focus the previous pane"),
    KeyBinding(
      [.char("z"), .enter], .zoom, hint: "zoom", "Zoom the focused pane to full screen (again to restore)", footer: true
    ),
    KeyBinding([.char("j"), .down], .down, hint: "", "Move down (pods) / scroll (timeline)"),
    KeyBinding([.char("k"), .up], .up, hint: "", "Move up"),
    KeyBinding([.pageDown, .ctrl("f")], .pageDown, hint: "", "Page down"),
    KeyBinding([.pageUp, .ctrl("b")], .pageUp, hint: "", "Page up"),
    KeyBinding([.char("g"), .home], .top, hint: "", "First row"),
    KeyBinding([.char("G"), .end], .bottom, hint: "", "Last row"),
    KeyBinding(
      [.char("/")], .filter, hint: "filter",
      "Filter pods: name, status, node, label=value, !text to invert; Esc clears", footer: true),
    KeyBinding([.char("s")], .sortNext, hint: "sort", "Sort pods by the next column", footer: true),
    KeyBinding([.char("S")], .sortReverse, hint: "", "Reverse the sort"),
    KeyBinding(
      [.char("f")], .faultMenu, hint: "fault", "Inject a fault on the selected pod or its workload", dangerous: true,
      footer: true),
    KeyBinding([.ctrl("k")], .killPod, hint: "", "Kill the selected pod (asks to confirm)", dangerous: true),
    KeyBinding([.char("!")], .panic, hint: "panic", "Panic: abort every active fault now", footer: true),
    KeyBinding(
      [.char("L")], .lever, hint: "lever",
      "The team's safety lever: engage it (asks for a reason; every chaostui watching it sets back its faults and injects nothing), or release it",
      dangerous: true),
    KeyBinding(
      [.char("m")], .note, hint: "note",
      "Note: type a timestamped remark for the journal, the timeline, the cast and the report's debrief (start it with \"action:\" for an action item)"
    ),
    KeyBinding(
      [.char("i")], .summary, hint: "incidents", "Session summary: incidents, MTTD, MTTM, mean and max MTTR",
      footer: true),
    KeyBinding(
      [.char("a")], .alerts, hint: "alerts",
      "Alerts & checks: steady-state checks, Prometheus alerts, target health (again: back)", footer: true),
    KeyBinding(
      [.char("x")], .experiments, hint: "experiments",
      "Experiments: the list (Enter to start one); the experiment pane while one runs", footer: true),
    KeyBinding(
      [.char("Z")], .zones, hint: "",
      "Zones: nodes, Ready pods and each service's traffic share by zone (again: back)"),
    KeyBinding(
      [.char("l")], .logs, hint: "logs",
      "Logs of the selected pod, followed (in the pane: / search, w wrap, Space pause, c container, P previous, j/k scroll; l again: back; Esc closes)",
      footer: true),
    KeyBinding(
      [.char("M")], .monkey, hint: "monkey",
      "Monkey mode: kube-monkey's schedule from its labels (asks first); again shows it, then pauses or resumes",
      dangerous: true),
    KeyBinding(
      [.char("O")], .capacity, hint: "",
      "Capacity: each node's requests and limits against allocatable (overcommit), the pods nearest their limits, evictions (again: back)"
    ),
    KeyBinding([.char("N")], .namespace, hint: "", "Namespace shown: the next one (then every namespace)"),
    KeyBinding(
      [.char("A")], .attach, hint: "",
      "Attach to the selected pod's in-cluster run (chaostui run or monkey as a Job of deploy/): its journal, live from the pod's log; q comes back"
    ),
    KeyBinding(
      [.char("R")], .report, hint: "",
      "Report of this session so far: Markdown, JSON and HTML beside its journal (chaostui report FILE does the same)"),
    KeyBinding([.char("t")], .theme, hint: "", "Next theme"),
    KeyBinding([.char("T")], .glyphs, hint: "", "Next glyph set (block, braille, ascii)"),
  ]

  public static func command(for key: Key) -> Command? {
    for b in bindings where b.keys.contains(key) { return b.command }
    return nil
  }

  public static func binding(_ command: Command) -> KeyBinding? { bindings.first { $0.command == command } }
}
