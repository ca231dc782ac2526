import Foundation
import XCTest

@testable import ClusterState

/// The one timestamp codec, against Foundation's ISO 8601 formatter as a peer.
final class TimestampsTests: XCTestCase {
  func testParsesWhatServersWrite() {
    XCTAssertEqual(Timestamps.parse("1970-01-01T00:00:00Z"), 0)
    XCTAssertEqual(Timestamps.parse("2024-05-01T10:00:00Z"), 1_714_557_600)
    XCTAssertEqual(Timestamps.parse("2024-05-01T12:00:00+02:00"), 1_714_557_600)
    XCTAssertEqual(Timestamps.parse("2024-05-01T08:30:00-01:30"), 1_714_557_600)
    XCTAssertEqual(Timestamps.parse("2024-05-01T10:00:00.250Z")!, 1_714_557_600.25, accuracy: 1e-6)
    let peer = ISO8601DateFormatter()
    let whole = peer.date(from: "2026-11-27T15:04:05Z")!.timeIntervalSince1970
    XCTAssertEqual(Timestamps.parse("2026-11-27T15:04:05.123456789Z")!, whole + 0.123456789, accuracy: 1e-6)
    for bad in ["yesterday", "", "2024-05-01", "2024-05-01T10:00:00", "2024-13-01T10:00:00Z", "2024-05-01 10:00:00Z"] {
      XCTAssertNil(Timestamps.parse(bad), bad)
    }
  }

  func testFormatsAsFoundationDoesAndRoundTrips() {
    let iso = ISO8601DateFormatter()
    let isoFrac = ISO8601DateFormatter()
    isoFrac.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    var rng = SplitMix64(seed: 7)
    for _ in 0..<2000 {
      // From 1901 to 2200, whole and fractional.
      let t = (Double(rng.next() % 9_467_280_000) - 2_147_483_648) + Double(rng.next() % 1000) / 1000
      XCTAssertEqual(Timestamps.format(t), iso.string(from: Date(timeIntervalSince1970: t.rounded(.down))), "\(t)")
      XCTAssertEqual(Timestamps.format(t, fraction: 3), isoFrac.string(from: Date(timeIntervalSince1970: t)), "\(t)")
      XCTAssertEqual(Timestamps.parse(Timestamps.format(t, fraction: 3))!, t, accuracy: 0.0011)
    }
    XCTAssertEqual(Timestamps.format(0), "1970-01-01T00:00:00Z")
    XCTAssertEqual(Timestamps.format(-1), "1969-12-31T23:59:59Z")
    XCTAssertEqual(Timestamps.format(.nan), "-")
  }
}
