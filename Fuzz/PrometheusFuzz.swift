// libFuzzer target: the exposition parser (text and OpenMetrics, a fresh and a warm cache) and the
// Prometheus API response decoder on the same bytes. Built by Fuzz/run.sh, not by SwiftPM.
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
  return 0
}
