import ClusterState
import Foundation

// What the commands print. Experiment titles, API refusals, alert and event text come from files
// and clusters other people write: every line goes through the sanitizer, so no escape sequence
// (window title, clipboard, screen clearing, cursor reports) reaches the operator's terminal.

/// One line on standard output: a newline inside it (a label's value, an API's message) is written
/// `\n`, so nothing a cluster says can start a line that looks like chaostui's.
func say(_ text: String) {
  if humanLinesToStandardError {
    FileHandle.standardError.write(Data((Sanitize.line(text) + "\n").utf8))
  } else {
    print(Sanitize.line(text))
  }
}

/// Standard output carries the session's journal (`--journal-stdout`): the command's own lines go to
/// standard error, so a reader of the output reads JSON lines only. Set once, before the first line.
nonisolated(unsafe) var humanLinesToStandardError = false

/// Text of several lines chaostui composed (a Markdown report, a help page): newlines kept, every
/// escape made visible.
func sayLines(_ text: String, terminator: String = "\n") {
  print(Sanitize.text(text), terminator: terminator)
}

/// A line on standard error, `chaostui COMMAND: ...` (several only where chaostui composed them).
func complain(_ text: String, lines: Bool = false) {
  FileHandle.standardError.write(Data(((lines ? Sanitize.text(text) : Sanitize.line(text)) + "\n").utf8))
}
