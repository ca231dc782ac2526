/// Looking at an experiment's harm repeatedly without inflating the chance of a false stop: a fixed
/// number of looks, each at the level an alpha-spending function gives it.
public enum Sequential {
  /// The Lan–DeMets spending function of O'Brien–Fleming type: the share of an overall α spent by
  /// the information fraction t (0…1), 2 − 2Φ(z₁₋α/₂ / √t). Little is spent early (a look at a
  /// tenth of the way spends almost nothing), α at the end.
  public static func obrienFlemingSpent(_ t: Double, alpha: Double) -> Double {
    guard t > 0, alpha > 0 else { return 0 }
    let z = Distributions.normalQuantile(1 - alpha / 2)
    return min(alpha, 2 - 2 * Distributions.normalCDF(z / min(1, t).squareRoot()))
  }

  /// The level of each of `looks` equally spaced looks: what the spending function spends between
  /// the look before and this one. They add up to α, so by Bonferroni's inequality the chance that
  /// any look stops a run with no harm is at most α (conservative: the exact group-sequential
  /// boundaries, which use the looks' correlation, would be a little looser).
  public static func lookLevels(looks: Int, alpha: Double) -> [Double] {
    guard looks > 0 else { return [] }
    var out: [Double] = []
    var spent = 0.0
    for k in 1...looks {
      let now = obrienFlemingSpent(Double(k) / Double(looks), alpha: alpha)
      out.append(max(0, now - spent))
      spent = now
    }
    return out
  }

  /// One-sided Mann–Whitney U: the p-value of "x tends to be larger than y" (SciPy's
  /// `mannwhitneyu(x, y, alternative="greater")`, same exact and normal cases as the two-sided).
  public static func mannWhitneyGreater(_ x: [Double], _ y: [Double]) -> Double? {
    let n1 = x.count
    let n2 = y.count
    guard n1 > 0, n2 > 0 else { return nil }
    let (ranks, ties) = RankTests.rank(x + y)
    let u1 = ranks[0..<n1].reduce(0, +) - Double(n1 * (n1 + 1)) / 2
    if min(n1, n2) <= 8 && ties.isEmpty {
      return RankTests.exactSF(Int(u1.rounded()), min(n1, n2), max(n1, n2))
    }
    let n = Double(n1 + n2)
    let tieTerm = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
    let s = (Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
    guard s > 0 else { return 1 }
    return Distributions.normalSF((u1 - Double(n1 * n2) / 2 - 0.5) / s)
  }

  /// One-sided test that the first group's failure rate exceeds the second's by more than `margin`
  /// (a share, 0.01 = one point): the z statistic on the difference of the rates (pooled standard
  /// error with no margin, the score test; unpooled with one).
  public static func failuresWorse(_ f1: Int, of n1: Int, than f2: Int, of n2: Int, margin: Double) -> Double? {
    guard n1 > 0, n2 > 0, f1 >= 0, f2 >= 0, f1 <= n1, f2 <= n2 else { return nil }
    let p1 = Double(f1) / Double(n1)
    let p2 = Double(f2) / Double(n2)
    let se: Double
    if margin == 0 {
      let p = Double(f1 + f2) / Double(n1 + n2)
      se = (p * (1 - p) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
    } else {
      se = (p1 * (1 - p1) / Double(n1) + p2 * (1 - p2) / Double(n2)).squareRoot()
    }
    guard se > 0 else { return p1 - p2 > margin ? 0 : 1 }
    return Distributions.normalSF((p1 - p2 - margin) / se)
  }
}
