import ClusterState
import Foundation
import XCTest

/// A journal read from a pod's log: JSON lines only, whole lines only, bounded, nothing twice.
final class JournalFeedTests: XCTestCase {
  func text(_ d: Data) -> String { String(decoding: d, as: UTF8.self) }

  func testWholeJSONLinesOnlyWhateverThePieces() {
    let feed = JournalFeed(name: "log")
    let log = "chaostui run: on in-cluster\n{\"k\":\"header\"}\n+0.0s  started\n{\"a\":{\"tick\":1}}\n{\"cut"
    // Byte by byte, as a slow link gives them.
    for b in Array(log.utf8) { feed.feed([b]) }
    XCTAssertEqual(text(feed.take()), "{\"k\":\"header\"}\n{\"a\":{\"tick\":1}}\n")
    XCTAssertEqual(text(feed.take()), "", "taken once")
    feed.feed(Array(" short\"}\n".utf8))
    XCTAssertEqual(text(feed.take()), "{\"cut short\"}\n", "a line cut short waits for its end")
  }

  func testAReconnectionReadingTheLogAgainPlaysNothingTwice() {
    let feed = JournalFeed(name: "log")
    let first = "hello\n{\"n\":1}\n{\"n\":2}\n"
    feed.feed(Array(first.utf8))
    XCTAssertEqual(text(feed.take()), "{\"n\":1}\n{\"n\":2}\n")
    // The stream was cut in the middle of a line; the new one starts from the log's beginning.
    feed.feed(Array("{\"n\":3".utf8))
    feed.restart()
    feed.feed(Array((first + "{\"n\":3}\nbye\n{\"n\":4}\n").utf8))
    XCTAssertEqual(text(feed.take()), "{\"n\":3}\n{\"n\":4}\n")
  }

  func testALineOverTheBoundIsDroppedWholeAndCounted() {
    let feed = JournalFeed(name: "log", maxLine: 16)
    feed.feed(Array("{\"ok\":1}\n{\"long\":\"".utf8))
    for _ in 0..<1000 { feed.feed(Array("xxxxxxxxxx".utf8)) }
    feed.feed(Array("\"}\n{\"ok\":2}\n".utf8))
    XCTAssertEqual(text(feed.take()), "{\"ok\":1}\n{\"ok\":2}\n")
    XCTAssertEqual(feed.droppedLines, 1)
  }
}
