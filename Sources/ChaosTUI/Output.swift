import ClusterState
import Foundation

// What the commands print. Experiment titles, API refusals, alert and event text come from files
// and clusters other people write: every line goes through the sanitizer, so no escape sequence
// (window title, clipboard, screen clearing, cursor reports) reaches the operator's terminal.

/// A line (or lines) on standard output.
func say(_ text: String, terminator: String = "\n") {
  print(Sanitize.text(text), terminator: terminator)
}

/// A line on standard error, `chaostui COMMAND: ...`.
func complain(_ text: String) {
  FileHandle.standardError.write(Data((Sanitize.text(text) + "\n").utf8))
}
