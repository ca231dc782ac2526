import ClusterState
import Foundation

extension MetricsAPI {
  /// A PodMetricsList read with the scanner, as the pods' lists are: at 20,000 pods `JSONDecoder`
  /// took about a sixth of chaostui's CPU while the pods' first list arrived (perf, the lab). nil
  /// when it meets anything it does not expect (`pods` then asks `JSONDecoder`, which says what).
  static func scannedPods(_ data: Data) -> (samples: [PodSample], time: Seconds?)? {
    data.withUnsafeBytes { raw -> (samples: [PodSample], time: Seconds?)? in
      var s = JSONScanner(raw.bindMemory(to: UInt8.self))
      var samples: [PodSample] = []
      var newest: Seconds?
      var kind: String?
      do {
        try s.object { s, key in
          switch key {
          case "kind": kind = try s.optionalString()
          case "items":
            try s.array { s in
              var name = ""
              var namespace: String?
              var cpu = 0.0
              var mem = 0.0
              try s.object { s, k in
                switch k {
                case "metadata":
                  try s.object { s, k in
                    switch k {
                    case "name": name = try s.string()
                    case "namespace": namespace = try s.optionalString()
                    default: try s.skipValue()
                    }
                  }
                case "timestamp":
                  if let t = try s.optionalString().flatMap(Timestamps.parse) { newest = max(newest ?? t, t) }
                case "containers":
                  try s.array { s in
                    try s.object { s, k in
                      guard k == "usage" else { return try s.skipValue() }
                      try s.object { s, k in
                        switch k {
                        case "cpu": cpu += try s.optionalString().flatMap(Quantity.milli) ?? 0
                        case "memory": mem += try s.optionalString().flatMap(Quantity.bytes) ?? 0
                        default: try s.skipValue()
                        }
                      }
                    }
                  }
                default: try s.skipValue()
                }
              }
              guard !name.isEmpty else { throw JSONScanner.Failure() }
              samples.append(PodSample(podID: (namespace ?? "default") + "/" + name, cpuMilli: cpu, memoryBytes: mem))
            }
          default: try s.skipValue()
          }
        }
      } catch {
        return nil
      }
      guard kind == nil || kind == "PodMetricsList" else { return nil }
      return (samples, newest)
    }
  }
}
