import Foundation
import TestSupport
import XCTest

@testable import ClusterState
@testable import Transport

/// Lines are bounded everywhere: a watch line past its limit is refused (said, never held whole),
/// log bytes reach the log decoder directly (cut at 4 KiB), and a stream nobody shows ends at once.
final class BoundedLinesTests: XCTestCase {
  func testAnOversizedLineIsRefusedWhateverTheChunksAndTheNextLineComes() {
    let big = Data(repeating: UInt8(ascii: "x"), count: 100_000)
    let stream = Data("{\"a\":1}\n".utf8) + big + Data("\n{\"b\":2}\n".utf8)
    for chunkSize in [1, 7, 4096, 65536, stream.count] {
      var s = LineSplitter(maxLine: 1024)
      var got: [Data] = []
      var maxPending = 0
      var i = 0
      while i < stream.count {
        let chunk = stream.subdata(in: i..<min(stream.count, i + chunkSize))
        _ = s.feed(chunk) {
          got.append($0)
          return true
        }
        maxPending = max(maxPending, s.pendingCount)
        i += chunkSize
      }
      XCTAssertEqual(got.count, 3, "chunks of \(chunkSize)")
      XCTAssertEqual(got.first, Data("{\"a\":1}".utf8))
      XCTAssertEqual(LineSplitter.refusedSize(got[1]), 100_000, "chunks of \(chunkSize)")
      XCTAssertEqual(got.last, Data("{\"b\":2}".utf8))
      XCTAssertLessThanOrEqual(maxPending, 1024)
      XCTAssertEqual(s.refused, 1)
    }
    XCTAssertNil(LineSplitter.refusedSize(Data("{\"type\":\"ADDED\"}".utf8)))
  }

  func testTheLogDecoderCutsALineThatNeverEnds() {
    var d = LogDecoder(timestamps: false)
    var pieces = 0
    let chunk = [UInt8](repeating: UInt8(ascii: "#"), count: 10_000) + Array("\r".utf8)
    for _ in 0..<100 {
      let lines = chunk.withUnsafeBufferPointer { d.feed(buffer: $0) }
      pieces += lines.count
      XCTAssertTrue(lines.allSatisfy { $0.text.utf8.count <= LogDecoder.maxLine + 16 }, "a piece and its marks")
    }
    // 1,000,100 bytes in pieces of 4 KiB, none held back beyond one piece.
    XCTAssertEqual(pieces, 1_000_100 / LogDecoder.maxLine)
  }

  static func rssMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let kb = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?.split(separator: " ").dropFirst().first
    return Double(kb ?? "0").map { $0 / 1024 } ?? 0
  }

  /// A container log of 100 MiB without a newline, over a real socket: the decoder sees every
  /// byte, memory stays flat; then the same stream, quiet, ends within about a second once
  /// nobody shows it.
  func testALineThatNeverEndsOverASocketStaysBoundedAndEndsWhenCancelled() throws {
    let server = try PythonServer(
      """
      import http.server, socketserver, time
      class H(http.server.BaseHTTPRequestHandler):
          def log_message(self, *a): pass
          def do_GET(self):
              self.send_response(200)
              self.send_header("Content-Type", "text/plain")
              self.end_headers()
              if self.path == "/quiet":
                  self.wfile.write(b"no newline yet")
                  self.wfile.flush()
                  time.sleep(30)
                  return
              block = b"=" * (1 << 20)
              try:
                  for _ in range(100):
                      self.wfile.write(block)
              except Exception:
                  pass
      class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
      s = S(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """)
    let http = try HTTPTransport(connection: testConnection(server.url), tokens: TokenSource(.none))
    let before = Self.rssMiB()
    var decoder = LogDecoder(timestamps: false)
    var bytes = 0
    var pieces = 0
    var peak = before
    _ = try http.stream(
      "/endless", timeout: 60, onOpen: { _ in },
      onBytes: { b in
        bytes += b.count
        pieces += decoder.feed(buffer: b).count
        if pieces % 4096 == 0 { peak = max(peak, Self.rssMiB()) }
        return true
      }, cancelled: { false })
    peak = max(peak, Self.rssMiB())
    XCTAssertEqual(bytes, 100 << 20)
    XCTAssertEqual(pieces, (100 << 20) / LogDecoder.maxLine)
    XCTAssertLessThan(peak - before, 64, "RSS grew from \(before) to \(peak) MiB")

    let cancel = Flag()
    let started = Date()
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { cancel.set() }
    _ = try http.stream("/quiet", timeout: 60, onOpen: { _ in }, onBytes: { _ in true }, cancelled: { cancel.isSet })
    XCTAssertLessThan(
      Date().timeIntervalSince(started), 2.5, "a quiet stream ends about a second after it is cancelled")
  }
}

final class Flag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  func set() { lock.withLock { value = true } }
  var isSet: Bool { lock.withLock { value } }
}
