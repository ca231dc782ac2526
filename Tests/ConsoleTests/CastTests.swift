import ClusterState
import Console
import Foundation
import Panels
import Simulation
import XCTest

/// `--cast`: an asciicast v2 file asciinema plays: its header, output events that redraw only what
/// changed, a resize event, and chapter markers at the fault, its detection and recovery.
final class CastTests: XCTestCase {
  func testACastOfAPodKill() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ct-\(getpid()).cast").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let console = Console(source: DemoCluster(options: Simulator.Options()))
    let screen = HeadlessBackend(width: 100, height: 30)
    var t = 0.0
    let cast = try CastRecorder(
      path: path, inner: screen, title: "demo", clock: { t }, wallClock: 1_800_000_000)
    cast.timeline = { console.state.timeline }
    func frame() { cast.present(console.render(width: screen.width, height: screen.height)) }
    frame()
    console.handle(.char("f"))
    console.handle(.char("k"))
    console.handle(.char("y"))
    for step in 1...40 {
      t = Double(step) * 0.5
      console.advanceVirtual(to: t)
      frame()
    }
    screen.width = 120
    frame()
    cast.close()
    XCTAssertThrowsError(try CastRecorder(path: path, inner: screen, title: "x", clock: { 0 })) {
      XCTAssertEqual("\($0)", "\(path) exists (a cast is never overwritten)")
    }
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    XCTAssertEqual(header["version"] as? Int, 2)
    XCTAssertEqual(header["width"] as? Int, 100)
    XCTAssertEqual(header["height"] as? Int, 30)
    XCTAssertEqual(header["timestamp"] as? Int, 1_800_000_000)
    let events = try lines.dropFirst().map {
      try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any])
    }
    let times = events.compactMap { $0[0] as? Double }
    XCTAssertEqual(times, times.sorted(), "events in time order")
    let outputs = events.filter { $0[1] as? String == "o" }.compactMap { $0[2] as? String }
    XCTAssertTrue(outputs[0].contains("\u{1B}[2J") && outputs[0].contains("chaostui"), "the first frame whole")
    XCTAssertLessThan(outputs[5].count, outputs[0].count / 2, "then only what changed")
    XCTAssertEqual(events.filter { $0[1] as? String == "r" }.compactMap { $0[2] as? String }, ["120x30"])
    let markers = events.filter { $0[1] as? String == "m" }.compactMap { $0[2] as? String }
    XCTAssertTrue(markers.contains { $0.hasPrefix("injected pod-kill") }, "\(markers)")
    XCTAssertTrue(markers.contains { $0.contains("detected after") }, "\(markers)")
    XCTAssertTrue(markers.contains { $0.contains("recovered") }, "\(markers)")
  }
}
