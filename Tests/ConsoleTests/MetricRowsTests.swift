import Foundation
import XCTest

@testable import Recording

/// The journal's hand-written number and line reader must give exactly what a JSON decoder gives.
final class MetricRowsTests: XCTestCase {
  func read(_ text: String) -> Double?? {
    let bytes = Array(text.utf8) + Array(",".utf8)
    return bytes.withUnsafeBytes { b in
      var i = 0
      let v = MetricRows.number(b, &i, b.count)
      return i == b.count - 1 ? v : nil
    }
  }

  func testNumbersAreExactlyTheStandardLibrarysOnes() {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<20_000 {
      let magnitude = Double.random(in: -12...12, using: &g)
      let v = (Bool.random(using: &g) ? -1 : 1) * pow(10, magnitude)
      for text in [String(v), String(format: "%.4g", v), String(format: "%.15g", v)] {
        XCTAssertEqual(read(text), .some(Double(text)!), text)
      }
    }
    for text in ["0", "-0", "12340", "1e-05", "1.234e+20", "5e-324", "1.7976931348623157e308", "123456789012345678"] {
      XCTAssertEqual(read(text), .some(Double(text)!), text)
    }
    XCTAssertEqual(read("null"), .some(nil))
    for bad in ["", "nul", "nulls", "-", "1e", "1.2.3", "abc", "1x"] {
      XCTAssertTrue(read(bad) == nil, bad)
    }
  }

  func testLinesAndCutRows() {
    let text = #"{"k":"pm","t":12.5,"s":[[0,1.5,2048],[1,null,3,4]]}"# + "\n\n" + #"{"k":"pm","t":13,"s":[[0,1.5"#
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { b in
      let lines = MetricRows.lines(b)
      XCTAssertEqual(lines.count, 2)
      let first = MetricRows.parse(b, lines[0])
      XCTAssertEqual(first?.0, 12.5)
      XCTAssertEqual(first?.1, [[0, 1.5, 2048], [1, nil, 3, 4]])
      XCTAssertNil(MetricRows.parse(b, lines[1]), "a line cut inside its rows is no line")
    }
  }
}
