import Foundation
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
