// libFuzzer target: the exposition parser (text and OpenMetrics, a fresh and a warm cache), the
// Prometheus API response decoder and the watch stream's line splitter and event parser, on the same
// bytes. Built by Fuzz/run.sh, not by SwiftPM.
import Foundation

let warm = ExpositionParser()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let buf = UnsafeBufferPointer(start: data, count: size)
  _ = ExpositionParser().parse(buf, openMetrics: false)
  _ = warm.parse(buf, openMetrics: true)
  let d = Data(buf)
  _ = try? PromAPI.result(d)
  _ = try? PromAPI.alerts(d)
  _ = try? PromAPI.targets(d)
  // A watch body cut anywhere: every line parses to something (an event, a bookmark, garbage).
  var splitter = LineSplitter()
  let cut = size / 2
  for part in [UnsafeBufferPointer(rebasing: buf[..<cut]), UnsafeBufferPointer(rebasing: buf[cut...])] {
    _ = splitter.feed(part) { line in
      _ = WatchLine.parse(line)
      return true
    }
  }
  return 0
}
