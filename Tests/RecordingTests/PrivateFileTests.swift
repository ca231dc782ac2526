import Foundation
import Recording
import XCTest

/// Files chaostui writes: 0600, never through a symlink, never over an existing file unless asked.
final class PrivateFileTests: XCTestCase {
  var dir = ""

  override func setUpWithError() throws {
    dir = NSTemporaryDirectory() + "/ct-private-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

  func mode(_ p: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: p))?[.posixPermissions] as? Int }

  func testNewFilesArePrivateAndExistingOnesKept() throws {
    let p = dir + "/r.md"
    try PrivateFile.write(Data("one".utf8), to: p)
    XCTAssertEqual(mode(p), 0o600)
    XCTAssertThrowsError(try PrivateFile.write(Data("two".utf8), to: p)) {
      XCTAssertEqual("\($0)", "\(p) exists (use --force to replace it)")
    }
    XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "one")
    try PrivateFile.write(Data("three".utf8), to: p, overwrite: true)
    XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "three")
    XCTAssertEqual(mode(p), 0o600)
  }

  func testNoWriteThroughASymlinkEvenWithForce() throws {
    let target = dir + "/bashrc"
    try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
    for link in [dir + "/l.json", dir + "/dangling.json"] {
      try FileManager.default.createSymbolicLink(
        atPath: link, withDestinationPath: link.hasSuffix("l.json") ? target : dir + "/nowhere")
      for force in [false, true] {
        XCTAssertThrowsError(try PrivateFile.write(Data("x".utf8), to: link, overwrite: force)) {
          XCTAssertTrue("\($0)".contains("is a symbolic link"), "\($0)")
        }
      }
      XCTAssertThrowsError(try PrivateFile.create(link))
      XCTAssertThrowsError(try PrivateFile.append(link))
    }
    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/nowhere"))
  }

  func testTheLogIsAppendedAndMadePrivate() throws {
    let p = dir + "/chaostui.log"
    try Data("old\n".utf8).write(to: URL(fileURLWithPath: p))
    chmod(p, 0o644)
    let h = try PrivateFile.append(p)
    try h.write(contentsOf: Data("new\n".utf8))
    try h.close()
    XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "old\nnew\n")
    XCTAssertEqual(mode(p), 0o600)
  }

  func testFoldersAndFreshNames() throws {
    let f = dir + "/state/chaostui/sessions"
    try PrivateFile.folder(f)
    XCTAssertEqual(mode(f), 0o700)
    XCTAssertEqual(mode(dir + "/state"), 0o700)
    chmod(f, 0o755)
    PrivateFile.tighten(f)
    XCTAssertEqual(mode(f), 0o700)
    let base = f + "/s"
    XCTAssertEqual(PrivateFile.freshName(base, [".md", ".html"]), base)
    try PrivateFile.write(Data(), to: base + ".html")
    XCTAssertEqual(PrivateFile.freshName(base, [".md", ".html"]), base + "-2")
    try FileManager.default.createSymbolicLink(atPath: base + "-2.md", withDestinationPath: "/etc/passwd")
    XCTAssertEqual(PrivateFile.freshName(base, [".md", ".html"]), base + "-3")
  }
}
