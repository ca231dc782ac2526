/// Rank tests of two samples: Mann–Whitney U with the Hodges–Lehmann shift and its interval.
public enum RankTests {
  /// Mann–Whitney U, two-sided, as SciPy's `mannwhitneyu(x, y, method="auto")` computes it: the
  /// exact distribution of U when a sample has at most 8 values and there are no ties, else the
  /// normal approximation with the tie correction and the continuity correction.
  public struct MannWhitney: Sendable, Equatable {
    /// U of the first sample: pairs (x, y) with x > y, ties counting a half.
    public var u: Double
    public var p: Double
    public var exact: Bool
    /// The rank-biserial correlation, 2U/(n·m) − 1, in −1…1: the share of pairs where x is larger
    /// minus the share where it is smaller (0: neither tends to be larger).
    public var effect: Double
  }

  public static func mannWhitney(_ x: [Double], _ y: [Double]) -> MannWhitney? {
    let n1 = x.count
    let n2 = y.count
    guard n1 > 0, n2 > 0 else { return nil }
    let (ranks, ties) = rank(x + y)
    let r1 = ranks[0..<n1].reduce(0, +)
    let u1 = r1 - Double(n1 * (n1 + 1)) / 2
    let u2 = Double(n1 * n2) - u1
    let big = max(u1, u2)
    let effect = 2 * u1 / Double(n1 * n2) - 1
    if min(n1, n2) <= 8 && ties.isEmpty {
      let p = min(1, 2 * exactSF(Int(big.rounded()), min(n1, n2), max(n1, n2)))
      return MannWhitney(u: u1, p: p, exact: true, effect: effect)
    }
    let n = Double(n1 + n2)
    let tieTerm = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
    let s = (Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
    guard s > 0 else { return MannWhitney(u: u1, p: 1, exact: false, effect: effect) }
    let z = (big - Double(n1 * n2) / 2 - 0.5) / s
    return MannWhitney(u: u1, p: min(1, 2 * Distributions.normalSF(z)), exact: false, effect: effect)
  }

  /// Mid-ranks (1-based) and the sizes of the groups of ties.
  static func rank(_ v: [Double]) -> ([Double], [Int]) {
    let order = v.indices.sorted { v[$0] < v[$1] }
    var ranks = [Double](repeating: 0, count: v.count)
    var ties: [Int] = []
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
      let mid = Double(i + j + 2) / 2
      for k in i...j { ranks[order[k]] = mid }
      if j > i { ties.append(j - i + 1) }
      i = j + 1
    }
    return (ranks, ties)
  }

  /// P(U >= u) under the null for samples of m and n values, no ties (counts of the arrangements).
  static func exactSF(_ u: Int, _ m: Int, _ n: Int) -> Double {
    let counts = exactCounts(m, n)
    let total = counts.reduce(0, +)
    guard u < counts.count else { return 0 }
    return counts[max(0, u)...].reduce(0, +) / total
  }

  /// How many arrangements give each U, for samples of m and n values: the coefficients of the
  /// Gaussian binomial [m+n choose m], the product over i of (1 − q^(n+i)) / (1 − q^i).
  static func exactCounts(_ m: Int, _ n: Int) -> [Double] {
    let size = m * n + 1
    var poly = [Double](repeating: 0, count: size)
    poly[0] = 1
    guard m > 0 else { return poly }
    for i in 1...m {
      let s = n + i
      if s < size { for u in stride(from: size - 1, through: s, by: -1) { poly[u] -= poly[u - s] } }
      for u in i..<size { poly[u] += poly[u - i] }
    }
    return poly
  }

  /// The Hodges–Lehmann shift of x over y (the median of every difference x − y) with its
  /// distribution-free confidence interval: the k-th smallest and largest differences, k from the
  /// normal approximation of U's distribution (Hollander & Wolfe). The interval is infinite on a side
  /// when the samples are too small to bound it at that confidence.
  public struct Shift: Sendable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
  }

  public static func hodgesLehmann(_ x: [Double], _ y: [Double], confidence: Double = 0.95) -> Shift? {
    guard !x.isEmpty, !y.isEmpty, !x.contains(where: { !$0.isFinite }), !y.contains(where: { !$0.isFinite }) else {
      return nil
    }
    let d = Differences(x, y)
    let n = d.count
    let estimate: Double
    if n % 2 == 1 {
      estimate = d.kth(n / 2)
    } else {
      let (a, b) = d.kthAndNext(n / 2 - 1)
      estimate = (a + b) / 2
    }
    let z = Distributions.normalQuantile(1 - (1 - confidence) / 2)
    let m = Double(x.count)
    let k = Int(
      (m * Double(y.count) / 2 - z * (m * Double(y.count) * (m + Double(y.count) + 1) / 12).squareRoot())
        .rounded(.down))
    guard k >= 1 else { return Shift(estimate: estimate, lower: -.infinity, upper: .infinity) }
    return Shift(estimate: estimate, lower: d.kth(k - 1), upper: d.kth(n - k))
  }

  /// Every difference x − y, never built: its order statistics come from the two samples sorted (the
  /// differences no greater than v are counted in one pass of two pointers, and v is found by
  /// bisection), in O((m + n) · 64) rather than O(m·n·log(m·n)).
  struct Differences {
    let x: [Double]
    let y: [Double]
    init(_ x: [Double], _ y: [Double]) {
      self.x = x.sorted()
      self.y = y.sorted()
    }
    var count: Int { x.count * y.count }

    /// How many differences are no greater than v.
    func countAtMost(_ v: Double) -> Int {
      var j = 0
      var total = 0
      for a in x {
        while j < y.count && a - y[j] > v { j += 1 }
        total += y.count - j
      }
      return total
    }

    /// The k-th smallest difference (0-based): bisection on the value until a few hundred
    /// differences remain between the bounds, then a selection among those.
    func kth(_ k: Int) -> Double { kthAndNext(k, next: false).0 }

    /// The k-th and the (k+1)-th smallest differences (a median of an even count), in one search.
    func kthAndNext(_ k: Int) -> (Double, Double) { kthAndNext(k, next: true) }

    private func kthAndNext(_ k: Int, next: Bool) -> (Double, Double) {
      var lo = x[0] - y[y.count - 1]
      var cLo = countAtMost(lo)
      if cLo >= k + 1 { return (lo, next ? (cLo >= k + 2 ? lo : kthAndNext(k + 1, next: false).0) : lo) }
      var hi = x[x.count - 1] - y[0]
      var cHi = count
      let window = 4 * (x.count + y.count)
      while cHi - cLo > window {
        let mid = lo + (hi - lo) / 2
        if mid <= lo || mid >= hi { break }
        let c = countAtMost(mid)
        if c >= k + 1 {
          hi = mid
          cHi = c
        } else {
          lo = mid
          cLo = c
        }
      }
      // The differences in (lo, hi]: for each x, the y from the first with x − y <= hi to the
      // first with x − y <= lo (both move right as x grows).
      var between: [Double] = []
      between.reserveCapacity(cHi - cLo)
      var from = 0
      var to = 0
      for a in x {
        while from < y.count && a - y[from] > hi { from += 1 }
        while to < y.count && a - y[to] > lo { to += 1 }
        for j in from..<max(from, to) { between.append(a - y[j]) }
      }
      let i = k - cLo
      let value = RankTests.select(&between, i)
      guard next else { return (value, value) }
      // Selection leaves everything after i no smaller: the next is their least, when there.
      if i + 1 < between.count { return (value, between[(i + 1)...].min()!) }
      return (value, kthAndNext(k + 1, next: false).0)
    }
  }

  /// The k-th smallest value (0-based) of `v`, reordering it (Hoare's selection, middle pivot).
  static func select(_ v: inout [Double], _ k: Int) -> Double {
    var lo = 0
    var hi = v.count - 1
    while lo < hi {
      let pivot = v[(lo + hi) / 2]
      var i = lo
      var j = hi
      while i <= j {
        while v[i] < pivot { i += 1 }
        while v[j] > pivot { j -= 1 }
        if i <= j {
          v.swapAt(i, j)
          i += 1
          j -= 1
        }
      }
      if k <= j {
        hi = j
      } else if k >= i {
        lo = i
      } else {
        return v[k]
      }
    }
    return v[k]
  }
}
