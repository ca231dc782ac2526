import Foundation
import Panels
import XCTest

/// Compares text with a file beside the tests (`__Snapshots__/NAME.txt`). Set
/// `CHAOSTUI_RECORD_SNAPSHOTS=1` to write the files anew; a missing file is written and the test fails.
public func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
  let dir = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("__Snapshots__")
  let url = dir.appendingPathComponent(name + ".txt")
  let record = ProcessInfo.processInfo.environment["CHAOSTUI_RECORD_SNAPSHOTS"] == "1"
  if record || !FileManager.default.fileExists(atPath: url.path) {
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try? (text + "\n").write(to: url, atomically: true, encoding: .utf8)
    if !record { XCTFail("snapshot \(name) recorded; check it and run again", file: file, line: line) }
    return
  }
  let expected = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  if expected != text + "\n" {
    let got = text.split(separator: "\n", omittingEmptySubsequences: false)
    let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
    var diff: [String] = []
    for i in 0..<max(got.count, want.count) {
      let g = i < got.count ? String(got[i]) : "<none>"
      let w = i < want.count ? String(want[i]) : "<none>"
      if g != w { diff.append("line \(i + 1):\n  want |\(w)|\n  got  |\(g)|") }
    }
    XCTFail(
      "snapshot \(name) differs (CHAOSTUI_RECORD_SNAPSHOTS=1 re-records):\n" + diff.prefix(8).joined(separator: "\n"),
      file: file, line: line)
  }
}

/// Compares a rendered buffer with two files beside the test: its text (`NAME.txt`) and its styles
/// (`NAME.styles.txt`: one letter a cell, and a legend of what each letter's colours and attributes
/// are), so a pane that draws the right words in the wrong colour fails too.
public func assertSnapshot(_ buf: CellBuffer, named name: String, file: StaticString = #filePath, line: UInt = #line) {
  assertSnapshot(buf.text, named: name, file: file, line: line)
  assertSnapshot(styleLayer(buf), named: name + ".styles", file: file, line: line)
}

/// The style layer of a buffer: a legend (letters in order of first use, row by row), then the grid.
public func styleLayer(_ buf: CellBuffer) -> String {
  let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
  var codes: [Style: Character] = [:]
  var legend: [String] = []
  var grid: [String] = []
  for y in 0..<buf.height {
    var row = ""
    for x in 0..<buf.width {
      let style = buf[x, y].style
      if codes[style] == nil {
        let letter = codes.count < letters.count ? letters[codes.count] : "?"
        codes[style] = letter
        legend.append("\(letter) fg \(describe(style.fg)) bg \(describe(style.bg))\(describe(style.attrs))")
      }
      row.append(codes[style]!)
    }
    grid.append(row)
  }
  return (["# one letter a cell; each letter's style:"] + legend + ["#"] + grid).joined(separator: "\n")
}

func describe(_ c: Color) -> String {
  switch c {
  case .default: return "default"
  case .ansi(let n): return "ansi \(n)"
  case .indexed(let n): return "256:\(n)"
  case .rgb(let r, let g, let b): return "#" + [r, g, b].map { String(format: "%02x", $0) }.joined()
  }
}

func describe(_ a: Attributes) -> String {
  var out = ""
  if a.contains(.bold) { out += " bold" }
  if a.contains(.reverse) { out += " reverse" }
  if a.contains(.underline) { out += " underline" }
  if a.contains(.dim) { out += " dim" }
  return out
}
