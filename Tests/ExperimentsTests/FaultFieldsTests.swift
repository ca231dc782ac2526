import ClusterState
import Experiments
import TestSupport
import XCTest

/// The experiment file reads each fault's own strength fields and target from the fault table.
final class FaultFieldsTests: XCTestCase {
  func testExperimentFilesReadEachFaultsOwnFieldsAndTarget() {
    func parse(_ step: String) -> String {
      let yaml = "title: t\ngroups: {experimental: {namespace: pipeline}}\nmethod:\n  - " + step + "\n"
      do {
        let e = try ExperimentFile.parse(yaml, file: "f.yaml")
        guard case .fault(let req) = e.method[0] else { return "not a fault" }
        return "\(req.target.label) \(req.parameters.pressureMiB) \(req.parameters.delayMs)"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(
      parse("{fault: network-delay, target: {workload: flask}, strength: {delay-ms: 300}}"),
      "workload pipeline/flask 1536.0 300.0")
    XCTAssertEqual(
      parse("{fault: cpu-hog, target: {workload: flask}, strength: {delay-ms: 300}}"),
      "f.yaml:4: strength.delay-ms is not a strength of cpu-hog (its are cpu-milli)")
    XCTAssertEqual(
      parse("{fault: memory-pressure, target: {node: node-a1}, strength: {pressure-mib: 512}}"),
      "node node-a1 512.0 200.0")
    XCTAssertEqual(
      parse("{fault: cordon, target: {workload: flask}}"),
      "f.yaml:4: cordon acts on a node: its target names one (target: {node: NAME})")
    XCTAssertEqual(
      parse("{fault: pod-kill, target: {node: node-a1}}"),
      "f.yaml:4: pod-kill acts on pods: its target names a workload or a pod")
  }
}
