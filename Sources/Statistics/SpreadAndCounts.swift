#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A change in spread, and a difference in counts.
public enum SpreadTests {
  /// Brown–Forsythe: Levene's test on the absolute deviations from each group's median, as SciPy's
  /// `levene(x, y, center="median")`: W and its p from F(1, n − 2).
  public struct BrownForsythe: Sendable, Equatable {
    public var w: Double
    public var p: Double
  }

  public static func brownForsythe(_ x: [Double], _ y: [Double]) -> BrownForsythe? {
    guard x.count >= 2, y.count >= 2 else { return nil }
    let mx0 = median(x)
    let my0 = median(y)
    let zx = x.map { abs($0 - mx0) }
    let zy = y.map { abs($0 - my0) }
    let n = Double(x.count + y.count)
    let mx = zx.reduce(0, +) / Double(zx.count)
    let my = zy.reduce(0, +) / Double(zy.count)
    let m = (zx.reduce(0, +) + zy.reduce(0, +)) / n
    let between = Double(zx.count) * (mx - m) * (mx - m) + Double(zy.count) * (my - m) * (my - m)
    let within = zx.reduce(0) { $0 + ($1 - mx) * ($1 - mx) } + zy.reduce(0) { $0 + ($1 - my) * ($1 - my) }
    guard within > 0 else { return BrownForsythe(w: between > 0 ? .infinity : 0, p: between > 0 ? 0 : 1) }
    let w = (n - 2) * between / within
    return BrownForsythe(w: w, p: Distributions.fSF(w, 1, n - 2))
  }

  public static func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }
}

public enum CountTests {
  /// Fisher's exact test, two-sided, on the table [[a, b], [c, d]]: the probability of every table
  /// with the same margins no more likely than this one (relative tolerance 1e-7, as R's).
  public static func fisherExact(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Double {
    let total = a + b + c + d
    guard total > 0 else { return 1 }
    let good = a + c
    let draws = a + b
    let lo = max(0, draws - (total - good))
    let hi = min(draws, good)
    let observed = Distributions.logHypergeometric(a, total: total, good: good, draws: draws)
    let limit = observed + log1p(1e-7)
    var p = 0.0
    for k in lo...hi {
      let lp = Distributions.logHypergeometric(k, total: total, good: good, draws: draws)
      if lp <= limit { p += exp(lp) }
    }
    return min(1, p)
  }

  /// The two-proportion z-test (pooled, no continuity correction; the same p as a chi-square test of
  /// the 2x2 table without Yates' correction): failures `f1` of `n1` against `f2` of `n2`.
  public static func twoProportion(_ f1: Int, _ n1: Int, _ f2: Int, _ n2: Int) -> (z: Double, p: Double) {
    guard n1 > 0, n2 > 0 else { return (0, 1) }
    let p1 = Double(f1) / Double(n1)
    let p2 = Double(f2) / Double(n2)
    let pooled = Double(f1 + f2) / Double(n1 + n2)
    let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
    guard se > 0 else { return (0, 1) }
    let z = (p1 - p2) / se
    return (z, min(1, 2 * Distributions.normalSF(abs(z))))
  }

  /// Wilson's score interval of a proportion k/n.
  public static func wilson(_ k: Int, _ n: Int, confidence: Double = 0.95) -> (lower: Double, upper: Double) {
    guard n > 0 else { return (0, 1) }
    let z = Distributions.normalQuantile(1 - (1 - confidence) / 2)
    let p = Double(k) / Double(n)
    let nn = Double(n)
    let d = 1 + z * z / nn
    let centre = (p + z * z / (2 * nn)) / d
    let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / d
    return (max(0, centre - half), min(1, centre + half))
  }

  /// Newcombe's hybrid score interval (his method 10) of the difference of two proportions,
  /// f1/n1 − f2/n2, from the two Wilson intervals: as statsmodels' `confint_proportions_2indep(...,
  /// method="newcomb")`. Sound with few or no failures, where the Wald interval is not.
  public static func newcombe(_ f1: Int, _ n1: Int, _ f2: Int, _ n2: Int, confidence: Double = 0.95) -> (
    lower: Double, upper: Double
  ) {
    let p1 = Double(f1) / Double(max(1, n1))
    let p2 = Double(f2) / Double(max(1, n2))
    let (l1, u1) = wilson(f1, n1, confidence: confidence)
    let (l2, u2) = wilson(f2, n2, confidence: confidence)
    let d = p1 - p2
    return (
      d - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot(),
      d + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot()
    )
  }

  /// Failures against requests in two groups: Fisher's exact test while the table is small (fewer
  /// than 2,000 requests, or an expected cell under 5), else the two-proportion z-test.
  public struct Result: Sendable, Equatable {
    public var test: String
    public var p: Double
    /// The difference of the failure rates, first group minus second, in percentage points.
    public var difference: Double
  }

  public static func failures(_ f1: Int, of n1: Int, against f2: Int, of n2: Int) -> Result? {
    guard n1 > 0, n2 > 0, f1 >= 0, f2 >= 0, f1 <= n1, f2 <= n2 else { return nil }
    let total = Double(n1 + n2)
    let failRate = Double(f1 + f2) / total
    let expected = [
      Double(n1) * failRate, Double(n1) * (1 - failRate), Double(n2) * failRate, Double(n2) * (1 - failRate),
    ]
    let diff = 100 * (Double(f1) / Double(n1) - Double(f2) / Double(n2))
    if n1 + n2 < 2000 || expected.contains(where: { $0 < 5 }) {
      return Result(test: "Fisher's exact", p: fisherExact(f1, n1 - f1, f2, n2 - f2), difference: diff)
    }
    return Result(test: "two-proportion z", p: twoProportion(f1, n1, f2, n2).p, difference: diff)
  }
}

public enum Multiple {
  /// Holm's step-down adjustment of p-values (the family-wise error rate), in the given order.
  public static func holm(_ p: [Double]) -> [Double] {
    let m = p.count
    let order = p.indices.sorted { p[$0] < p[$1] }
    var out = [Double](repeating: 1, count: m)
    var running = 0.0
    for (rank, i) in order.enumerated() {
      running = max(running, min(1, Double(m - rank) * p[i]))
      out[i] = running
    }
    return out
  }
}
