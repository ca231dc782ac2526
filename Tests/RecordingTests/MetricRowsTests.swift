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

/// The journal's row writer: each figure to 4 significant digits as a plain decimal that the
/// reader (and a JSON decoder) reads back; missing and non-finite figures as `null`.
final class RowWriterTests: XCTestCase {
  func text(_ build: (inout RowWriter) -> Void) -> String {
    var w = RowWriter()
    build(&w)
    return String(decoding: w.bytes, as: UTF8.self)
  }

  func testFiguresAreFourSignificantDigitsThatReadBack() throws {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<50_000 {
      let v = (Bool.random(using: &g) ? -1 : 1) * pow(10, Double.random(in: -9...14, using: &g))
      let s = text { $0.figure(v) }
      let back = try XCTUnwrap(Double(s), s)
      // At most 4 significant digits, no exponent, and within half a unit of the 4th digit.
      let digits = s.filter(\.isNumber).drop { $0 == "0" }
      XCTAssertLessThanOrEqual(digits.reversed().drop { $0 == "0" }.count, 4, "\(v) -> \(s)")
      XCTAssertFalse(s.contains("e"), s)
      let unit = pow(10, (log10(abs(v))).rounded(.down) - 3)
      XCTAssertLessThanOrEqual(abs(back - v), unit / 2 * (1 + 1e-9), "\(v) -> \(s)")
      // What %.4g gives, but at a tie the two may round either way.
      let printf = Double(String(format: "%.4g", v))!
      XCTAssertLessThanOrEqual(abs(back - printf), unit * (1 + 1e-9), "\(v) -> \(s) vs \(printf)")
      XCTAssertEqual(
        Array(s.utf8).withUnsafeBytes { b -> Double?? in
          var i = 0
          return MetricRows.number(b, &i, b.count)
        }, .some(back), s)
    }
    let cases: [(Double, String)] = [
      (0, "0"), (50.21, "50.21"), (50.0, "50"), (93_580, "93580"), (1_268_512, "1269000"), (0.001234, "0.001234"),
      (0.1, "0.1"), (-2.5, "-2.5"), (999.96, "1000"), (9.99996, "10"), (120.5, "120.5"), (1e-7, "0.0000001"),
    ]
    for (v, want) in cases { XCTAssertEqual(text { $0.figure(v) }, want, "\(v)") }
  }

  func testRowsLeaveOutTrailingMissingFiguresAndWriteNullForTheRest() {
    let s = text {
      $0.text("[")
      $0.row(0, 50, 93_580)
      $0.row(1, 50, .nan, 12)
      $0.row(12, nil, nil, .infinity)
      $0.row(3, 1, nil)
      $0.text("]")
    }
    XCTAssertEqual(s, "[[0,50,93580],[1,50,null,12],[12],[3,1]]")
    let decoded = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [[Any]]
    XCTAssertEqual(decoded?.count, 4, "valid JSON")
  }
}
