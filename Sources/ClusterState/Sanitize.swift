/// Text from a cluster (event messages, labels, logs, alert names, API error bodies, experiment
/// files) on its way out of chaostui anywhere but the screen: a terminal line of a command, a
/// record of the `--log` file, a cast marker, a Markdown report. The one place that decides what
/// is escaped, so that no escape sequence, control character or invisible bidi/zero-width
/// character a tenant planted reaches the operator's terminal, clipboard or a forged line.
public enum Sanitize {
  /// One line of plain text: C0 and C1 controls, DEL and invisible format characters (bidi,
  /// zero-width, tags, line separators) become visible escapes (`\x1b`, `\u{202e}`); a newline is
  /// `\n` and a carriage return `\r`, so one record stays one line. Tabs stay.
  public static func line(_ s: String) -> String { escape(s, keepNewlines: false) }

  /// Text of several lines (a report printed to the terminal): as `line`, but newlines are kept.
  public static func text(_ s: String) -> String { escape(s, keepNewlines: true) }

  static func escape(_ s: String, keepNewlines: Bool) -> String {
    if s.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || (keepNewlines && $0 == 0x0A) }) { return s }
    var out = String.UnicodeScalarView()
    for u in s.unicodeScalars {
      let v = u.value
      switch v {
      case 0x09: out.append(u)
      case 0x0A: if keepNewlines { out.append(u) } else { out.append(contentsOf: "\\n".unicodeScalars) }
      case 0x0D: out.append(contentsOf: "\\r".unicodeScalars)
      default:
        if UnicodeTables.isControl(v) {
          out.append(contentsOf: ("\\x" + hex(v, 2)).unicodeScalars)
        } else if UnicodeTables.isFormat(v) {
          out.append(contentsOf: ("\\u{" + hex(v, 4) + "}").unicodeScalars)
        } else {
          out.append(u)
        }
      }
    }
    return String(out)
  }

  static func hex(_ v: UInt32, _ digits: Int) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: max(0, digits - h.count)) + h
  }

  /// Text inside a Markdown line (a table cell, a heading, a list item): escaped as `line`, then
  /// newlines become spaces, HTML's `& < >` become entities (no raw HTML, no autolinks) and
  /// Markdown's punctuation is backslash-escaped (no links, images, emphasis, code or a `|` that
  /// opens a table column).
  public static func markdown(_ s: String) -> String {
    let flat = line(s.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " "))
    var out = ""
    out.reserveCapacity(flat.utf8.count)
    for c in flat.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\\", "`", "*", "_", "[", "]", "(", ")", "#", "!", "|", "~", "{", "}":
        out += "\\"
        out.unicodeScalars.append(c)
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
