/// SplitMix64: small, fast and the same on every platform, so a seed replays a demo exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
  private var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in [0, 1).
  public mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }
  /// Roughly normal with mean 0 and deviation 1 (sum of uniforms).
  public mutating func gaussian() -> Double { (unit() + unit() + unit() + unit() - 2) * 1.732 }
  public mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}
