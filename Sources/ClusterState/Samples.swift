import Foundation

/// A fixed-capacity series of samples; the oldest is overwritten. Samples are Float to keep
/// 10,000 pods with minutes of history small.
public struct RingBuffer: Sendable, Equatable {
  public private(set) var capacity: Int
  private var storage: [Float]
  private var head = 0
  public private(set) var count = 0

  public init(capacity: Int) {
    precondition(capacity > 0)
    self.capacity = capacity
    self.storage = []
  }

  public mutating func append(_ value: Double) {
    if storage.count < capacity {
      storage.append(Float(value))
      count = storage.count
      return
    }
    storage[head] = Float(value)
    head = (head + 1) % capacity
  }

  public var last: Double? {
    guard count > 0 else { return nil }
    let i = storage.count < capacity ? storage.count - 1 : (head + capacity - 1) % capacity
    return Double(storage[i])
  }

  /// The newest `n` samples, oldest first.
  public func suffix(_ n: Int) -> [Double] {
    let k = Swift.min(n, count)
    var out: [Double] = []
    out.reserveCapacity(k)
    let start = storage.count < capacity ? storage.count - k : (head + capacity - k) % capacity
    for j in 0..<k { out.append(Double(storage[(start + j) % storage.count])) }
    return out
  }

  public var values: [Double] { suffix(count) }
  public var max: Double? { storage.max().map(Double.init) }
}

/// Series kept for one pod.
public struct PodSeries: Sendable, Equatable, Codable {
  public var cpuMilli: RingBuffer
  public var memoryBytes: RingBuffer
  public init(capacity: Int) {
    cpuMilli = RingBuffer(capacity: capacity)
    memoryBytes = RingBuffer(capacity: capacity)
  }

  /// One metrics round's sample (memory left out when the source had none).
  public mutating func append(_ sample: PodSample) {
    cpuMilli.append(sample.cpuMilli)
    if !sample.memoryBytes.isNaN { memoryBytes.append(sample.memoryBytes) }
  }
}

/// Series kept for one workload: resources summed over its pods, and the network of its service.
public struct WorkloadSeries: Sendable, Equatable, Codable {
  public var cpuMilli: RingBuffer
  public var memoryBytes: RingBuffer
  public var ioBytesPerSec: RingBuffer
  public var latencyP50Ms: RingBuffer
  public var latencyP99Ms: RingBuffer
  public var lossPercent: RingBuffer
  public var errorPercent: RingBuffer
  public var requestsPerSec: RingBuffer
  /// Bytes received and sent a second by the workload's pods.
  public var networkBytesPerSec: RingBuffer

  public init(capacity: Int) {
    cpuMilli = RingBuffer(capacity: capacity)
    memoryBytes = RingBuffer(capacity: capacity)
    ioBytesPerSec = RingBuffer(capacity: capacity)
    latencyP50Ms = RingBuffer(capacity: capacity)
    latencyP99Ms = RingBuffer(capacity: capacity)
    lossPercent = RingBuffer(capacity: capacity)
    errorPercent = RingBuffer(capacity: capacity)
    requestsPerSec = RingBuffer(capacity: capacity)
    networkBytesPerSec = RingBuffer(capacity: capacity)
  }

  /// One metrics round's figures (a figure the source had not left out).
  public mutating func append(_ sample: WorkloadSample) {
    if let v = sample.cpuMilli { cpuMilli.append(v) }
    if let v = sample.memoryBytes { memoryBytes.append(v) }
    if let v = sample.ioBytesPerSec { ioBytesPerSec.append(v) }
    if let v = sample.latencyP50Ms { latencyP50Ms.append(v) }
    if let v = sample.latencyP99Ms { latencyP99Ms.append(v) }
    if let v = sample.lossPercent { lossPercent.append(v) }
    if let v = sample.errorPercent { errorPercent.append(v) }
    if let v = sample.requestsPerSec { requestsPerSec.append(v) }
    if let v = sample.networkBytesPerSec { networkBytesPerSec.append(v) }
  }
}

public struct PodSample: Sendable, Equatable, Codable {
  public var podID: String
  public var cpuMilli: Double
  public var memoryBytes: Double
  /// Disk reads and writes a second, where the source has them (cAdvisor's fs counters).
  public var ioBytesPerSec: Double?
  /// Bytes received and sent a second, where the source has them (cAdvisor's network counters).
  public var networkBytesPerSec: Double?
  public init(
    podID: String, cpuMilli: Double, memoryBytes: Double, ioBytesPerSec: Double? = nil,
    networkBytesPerSec: Double? = nil
  ) {
    self.podID = podID
    self.cpuMilli = cpuMilli
    self.memoryBytes = memoryBytes
    self.ioBytesPerSec = ioBytesPerSec
    self.networkBytesPerSec = networkBytesPerSec
  }
}

public struct WorkloadSample: Sendable, Equatable, Codable {
  public var workloadID: String
  /// nil: the source has no such figure (it is not drawn as zero).
  public var cpuMilli: Double?
  public var memoryBytes: Double?
  public var ioBytesPerSec: Double?
  /// Network figures of the workload's service, where it has one.
  public var latencyP50Ms: Double?
  public var latencyP99Ms: Double?
  public var lossPercent: Double?
  public var errorPercent: Double?
  public var requestsPerSec: Double?
  public var networkBytesPerSec: Double?

  public init(
    workloadID: String, cpuMilli: Double?, memoryBytes: Double?, ioBytesPerSec: Double?, latencyP50Ms: Double? = nil,
    latencyP99Ms: Double? = nil, lossPercent: Double? = nil, errorPercent: Double? = nil, requestsPerSec: Double? = nil
  ) {
    self.workloadID = workloadID
    self.cpuMilli = cpuMilli
    self.memoryBytes = memoryBytes
    self.ioBytesPerSec = ioBytesPerSec
    self.latencyP50Ms = latencyP50Ms
    self.latencyP99Ms = latencyP99Ms
    self.lossPercent = lossPercent
    self.errorPercent = errorPercent
    self.requestsPerSec = requestsPerSec
  }
}

/// A series in a journal: its capacity and its values oldest first, each to 4 significant digits
/// (a sparkline cannot show more), so that snapshots stay small.
extension RingBuffer: Codable {
  enum CodingKeys: String, CodingKey { case c, v }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(capacity: Swift.max(1, try c.decode(Int.self, forKey: .c)))
    for v in try c.decode([Double].self, forKey: .v).suffix(capacity) { append(v) }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(capacity, forKey: .c)
    try c.encode(values.map(fourSignificantDigits), forKey: .v)
  }
}

/// A figure to 4 significant digits (all a pane shows; journals keep figures so); 0 when not finite.
public func fourSignificantDigits(_ v: Double) -> Double {
  guard v.isFinite else { return 0 }
  return Double(String(format: "%.4g", v)) ?? v
}
