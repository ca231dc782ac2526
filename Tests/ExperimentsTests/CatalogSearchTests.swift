import ClusterState
import Foundation
import XCTest

@testable import Experiments

/// Where an installed chaostui finds experiments: here, yours, the package's; the first name wins.
final class CatalogSearchTests: XCTestCase {
  var root: URL!

  override func setUp() {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
  }

  override func tearDown() { try? FileManager.default.removeItem(at: root) }

  func write(_ folder: String, _ name: String, title: String) throws {
    let dir = root.appendingPathComponent(folder)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let text = """
      title: \(title)
      groups:
        experimental: {namespace: pipeline}
      method:
        - fault: pod-kill
          target: {workload: flask}
      hypotheses:
        - name: flask answers
          replicas: {workload: flask, reach: 3, within: 60s}
      """
    try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
  }

  func testTheSearchPathOfAnInstalledBinaryAndOfADevelopmentBuild() {
    let installed = ExperimentCatalog.searchPath(
      currentDirectory: "/home/ops", environment: ["HOME": "/home/ops"], executable: "/usr/bin/chaostui")
    XCTAssertEqual(
      installed,
      [
        .init(path: "/home/ops/experiments", origin: "here"),
        .init(path: "/home/ops/.config/chaostui/experiments", origin: "yours"),
        .init(path: "/usr/share/chaostui/experiments", origin: "package"),
      ])
    let dev = ExperimentCatalog.searchPath(
      currentDirectory: "/", environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/root"],
      executable: "/src/chaostui/.build/x86_64-unknown-linux-gnu/debug/chaostui")
    XCTAssertEqual(dev.map(\.path).last, "/src/chaostui/experiments")
    XCTAssertEqual(dev.map(\.origin), ["here", "yours", "package", "checkout"])
    XCTAssertEqual(dev[1].path, "/cfg/chaostui/experiments")
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    let relative = ExperimentCatalog.searchPath(
      currentDirectory: "/", environment: ["XDG_CONFIG_HOME": "cfg", "HOME": "/root"], executable: nil)
    XCTAssertEqual(relative.map(\.path), ["/experiments", "/root/.config/chaostui/experiments"])
  }

  func testFoldersAreMergedInOrderAndTheFirstNameWins() throws {
    try write("here", "kill.yaml", title: "Mine, here")
    try write("package", "kill.yaml", title: "The package's")
    try write("package", "delay.yaml", title: "Delay")
    try write("yours", "notes.txt", title: "not an experiment")
    let folders: [ExperimentCatalog.Folder] = [
      .init(path: root.path + "/here", origin: "here"),
      .init(path: root.path + "/yours", origin: "yours"),
      .init(path: root.path + "/missing", origin: "yours"),
      .init(path: root.path + "/package", origin: "package"),
    ]
    let c = ExperimentCatalog.load(searching: folders)
    XCTAssertNil(c.problem)
    XCTAssertEqual(c.entries.map(\.name), ["Mine, here", "Delay"])
    XCTAssertEqual(c.entries.map(\.origin), ["here", "package"])
    XCTAssertEqual(c.folders.map(\.origin), ["here", "yours", "package"], "a missing folder is not listed")
    XCTAssertEqual(ExperimentCatalog.resolve("delay", in: folders), root.path + "/package/delay.yaml")
    XCTAssertEqual(ExperimentCatalog.resolve("kill.yaml", in: folders), root.path + "/here/kill.yaml")
    XCTAssertNil(ExperimentCatalog.resolve("nothing", in: folders))
    XCTAssertEqual(ExperimentCatalog.resolve("./x/y.yaml", in: folders), "./x/y.yaml", "a path is taken as given")
  }

  func testNoExperimentsAnywhereSaysWhereItLooked() {
    let c = ExperimentCatalog.load(searching: [.init(path: "/nonexistent/a", origin: "here")])
    XCTAssertTrue(c.entries.isEmpty)
    XCTAssertEqual(
      c.problem,
      "no experiment files (.yaml, .json) in /nonexistent/a; put some in one of them or pass --experiments DIR")
  }
}
