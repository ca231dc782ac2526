import Foundation
import TestSupport
import XCTest

@testable import PromClient

/// Our own cases of the Prometheus text format (0.0.4) and OpenMetrics 1.0: every valid one is
/// read whole by the scrape's parser and passes the strict check; every invalid one is named by the
/// strict check (the line and why), while the parser keeps the good samples around it.
final class ExpositionConformanceTests: XCTestCase {
  static let validText: [String] = [
    "a 1\n",
    "# HELP a Some help\\nwith an escape \\\\ here\n# TYPE a counter\na 1\n",
    "a{b=\"c\",d=\"e\\\"f\\\\g\\nh\"} 1.5e3 1520879607789\n",
    "a{b=\"c\",} 1\n",
    "a { b = \"c\" } 1\n",
    "a\t1\t-1520879607789\n",
    "a 1 9223372036854775807\n",
    "a 1 +0001\n",
    "a NaN\na_b +Inf\nc -Inf\nd Inf\n",
    "a 0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000001\n",
    "# a free comment\n\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 3\n",
    "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_count 2\ns_sum 3\n",
    "a{b=\"日本\"} 1\n",
  ]

  static let validOpenMetrics: [String] = [
    "a 1\n# EOF\n",
    "# EOF",
    "# TYPE a counter\n# HELP a help \\\"quoted\\\"\na_total 1 1520879607.789\na_created 1520879607.789\n# EOF\n",
    "# TYPE a_seconds gauge\n# UNIT a_seconds seconds\na_seconds 0.5\n# EOF\n",
    "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1 # {trace_id=\"abc\"} 0.3 1520879607.7\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 1.5\n# EOF\n",
    "# TYPE c counter\nc_total 3 # {a=\"b\"} 1\n# EOF\n",
    "# TYPE i info\ni_info{version=\"1.2\"} 1\n# EOF\n",
    "# TYPE st stateset\nst{st=\"a\"} 1\nst{st=\"b\"} 0\n# EOF\n",
    "a 1 1520879607789.000000000000000000001\n# EOF\n",
    "a{b=\"c\\nd\"} +inf\nb NaN\n# EOF\n",
  ]

  /// (text, the words the violation must carry).
  static let invalidText: [(String, String)] = [
    ("1a 1\n", "metric name"),
    ("a{1b=\"c\"} 1\n", "label name"),
    ("a{b=c} 1\n", "double quotes"),
    ("a{b=\"c} 1\n", "not closed"),
    ("a{b=\"c\\x\"} 1\n", "escape"),
    ("a{b=\"c\" d=\"e\"} 1\n", "no comma"),
    ("a{b=\"c\",b=\"d\"} 1\n", "named twice"),
    ("a\n", "no value"),
    ("a 1x\n", "invalid value"),
    ("a 0x1p3\n", "invalid value"),
    ("a 1 1.5\n", "invalid timestamp"),
    ("a 1 9223372036854775808\n", "invalid timestamp"),
    ("a 1 2 3\n", "text after"),
    ("a 1\r\n", "carriage return"),
    ("# TYPE a counter\n# TYPE a gauge\na 1\n", "second # TYPE"),
    ("# TYPE a kounter\na 1\n", "unknown metric type"),
    ("a 1\n# TYPE a gauge\n", "after its samples"),
    ("# HELP a x\n# HELP a y\na 1\n", "second # HELP"),
    ("# HELP a bad \\q escape\na 1\n", "escape"),
    ("a 1\na 2\n", "same labels twice"),
    ("# TYPE h histogram\nh_bucket 1\n", "without an le"),
    ("# TYPE s summary\ns 1\n", "quantile"),
  ]

  static let invalidOpenMetrics: [(String, String)] = [
    ("a 1\n", "no # EOF"),
    ("a 1\n# EOF\na 2\n", "after # EOF"),
    ("a 1\n\n# EOF\n", "empty line"),
    ("a  1\n# EOF\n", "invalid"),
    ("a\t1\n# EOF\n", "no value"),
    (" a 1\n# EOF\n", "starting with a space"),
    ("a{b=\"c\",} 1\n# EOF\n", "comma before }"),
    ("# a comment\na 1\n# EOF\n", "not # HELP"),
    ("# TYPE a untyped\na 1\n# EOF\n", "unknown metric type"),
    ("# TYPE a counter\na 1\n# EOF\n", "counters are name_total"),
    ("# TYPE a counter\na_total -1\n# EOF\n", "never negative"),
    ("# TYPE a counter\na_total NaN\n# EOF\n", "never negative"),
    ("a Inf\n# EOF\n", "invalid value"),
    ("a 1 # {b=\"c\"} 1\n# EOF\n", "exemplar on a"),
    ("# TYPE c counter\nc_total 1 # {b=\"" + String(repeating: "x", count: 130) + "\"} 1\n# EOF\n", "at most 128"),
    ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\n# EOF\n", "+Inf"),
    (
      "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n# EOF\n",
      "buckets go up"
    ),
    ("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n# EOF\n", "counts less"),
    ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n# EOF\n", "+Inf bucket counts"),
    ("a 1\nb 1\na{x=\"y\"} 1\n# EOF\n", "interleaved"),
    ("# TYPE a_bytes gauge\n# UNIT a_bytes seconds\na_bytes 1\n# EOF\n", "does not end in _seconds"),
    ("a{__b=\"c\"} 1\n# EOF\n", "reserved"),
    ("# TYPE i info\ni 1\n# EOF\n", "name_info"),
  ]

  func testValidTextIsAcceptedWhole() {
    for t in Self.validText { accepted(t, openMetrics: false) }
    for t in Self.validOpenMetrics { accepted(t, openMetrics: true) }
  }

  func accepted(_ t: String, openMetrics: Bool, file: StaticString = #filePath, line: UInt = #line) {
    let data = Data(t.utf8)
    XCTAssertNil(ExpositionConformance.check(data, openMetrics: openMetrics), t, file: file, line: line)
    let r = ExpositionParser().parse(data, openMetrics: openMetrics)
    XCTAssertEqual(r.errors.map(\.message), [], t, file: file, line: line)
    let samples = t.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }.count
    XCTAssertEqual(r.samples.count, samples, t, file: file, line: line)
  }

  func testInvalidTextIsNamedWithItsLine() {
    for (t, words) in Self.invalidText { named(t, words, openMetrics: false) }
    for (t, words) in Self.invalidOpenMetrics { named(t, words, openMetrics: true) }
  }

  func named(_ t: String, _ words: String, openMetrics: Bool, file: StaticString = #filePath, line: UInt = #line) {
    let v = ExpositionConformance.check(Data(t.utf8), openMetrics: openMetrics)
    XCTAssertNotNil(v, t, file: file, line: line)
    XCTAssertTrue(v?.message.contains(words) == true, "\(t): \(v?.description ?? "nil")", file: file, line: line)
  }

  func testInvalidUTF8IsNamed() {
    let bytes = Data("a 1\nb{c=\"".utf8) + Data([0xFF, 0xFE]) + Data("\"} 1\n".utf8)
    XCTAssertEqual(ExpositionConformance.check(bytes, openMetrics: false)?.description, "line 2: not valid UTF-8")
  }

  /// A target with one broken line among good ones: the good samples are all used, the target is
  /// named not conformant at that line.
  func testGoodSamplesOfANonConformantTargetAreKept() {
    let t = "a 1\nb{x=\"y} 2\nc 3\n"
    XCTAssertEqual(
      ExpositionConformance.check(Data(t.utf8), openMetrics: false)?.description,
      "line 2: label x: the value's quote is not closed")
    XCTAssertEqual(ExpositionParser().parse(Data(t.utf8)).samples.map(\.name), ["a", "c"])
  }
}
