import ClusterState
import Foundation
import Statistics
import XCTest

/// The harm stop condition's statistics against SciPy and statsmodels, and its spending rule.
final class SequentialTests: XCTestCase {
  static var reference: ReferenceTests.Reference { ReferenceTests.reference }

  func testOneSidedMannWhitneyAgainstSciPy() throws {
    for (i, r) in Self.reference.pairs.enumerated() {
      let p = try XCTUnwrap(Sequential.mannWhitneyGreater(r.x, r.y))
      XCTAssertTrue(agree(p, r.pg, 1e-7), "pair \(i): p \(p) against SciPy's \(r.pg)")
    }
  }

  func testFailuresWorseByAMarginAgainstStatsmodels() throws {
    XCTAssertGreaterThan(Self.reference.worse.count, 60)
    for r in Self.reference.worse {
      let (a, b, c, d) = (r.table[0], r.table[1], r.table[2], r.table[3])
      let p = try XCTUnwrap(Sequential.failuresWorse(a, of: a + b, than: c, of: c + d, margin: r.margin))
      XCTAssertTrue(agree(p, r.p, 1e-6), "\(r.table) margin \(r.margin): p \(p) against statsmodels' \(r.p)")
    }
  }

  func testTheSpendingFunctionAndItsLooks() {
    for r in Self.reference.spending {
      XCTAssertTrue(
        agree(Sequential.obrienFlemingSpent(r.t, alpha: r.alpha), r.spent, 1e-9), "t \(r.t) alpha \(r.alpha)")
    }
    // Lan and DeMets' value for O'Brien-Fleming type at half the information, α = 0.05: 0.0056.
    XCTAssertEqual(Sequential.obrienFlemingSpent(0.5, alpha: 0.05), 0.0056, accuracy: 0.00005)
    let levels = Sequential.lookLevels(looks: 5, alpha: 0.05)
    XCTAssertEqual(levels.count, 5)
    XCTAssertEqual(levels.reduce(0, +), 0.05, accuracy: 1e-12, "the looks spend α, no more")
    XCTAssertLessThan(levels[0], 1e-4, "the first look spends almost nothing")
    XCTAssertEqual(levels, levels.sorted(), "later looks get more")
  }

  /// A normal draw (Box-Muller).
  func normal(_ rng: inout SplitMix64) -> Double {
    let u = max(1e-300, rng.unit())
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * rng.unit())
  }

  /// Five looks at the levels above, on data with no harm: the chance of any stop is at most α.
  /// Measured here on 4,000 simulated runs of independent normal block means (a fixed seed).
  func testRepeatedLooksDoNotInflateTheFalseStopRate() {
    var rng = SplitMix64(seed: 7)
    let levels = Sequential.lookLevels(looks: 5, alpha: 0.05)
    var naive = 0
    var spent = 0
    let runs = 4000
    for _ in 0..<runs {
      let x = (0..<40).map { _ in normal(&rng) }
      let y = (0..<40).map { _ in normal(&rng) }
      var stopNaive = false
      var stopSpent = false
      for k in 1...5 {
        let p = Sequential.mannWhitneyGreater(Array(x.prefix(8 * k)), Array(y.prefix(8 * k)))!
        if p < 0.05 { stopNaive = true }
        if p < levels[k - 1] { stopSpent = true }
      }
      if stopNaive { naive += 1 }
      if stopSpent { spent += 1 }
    }
    let naiveRate = Double(naive) / Double(runs)
    let spentRate = Double(spent) / Double(runs)
    XCTAssertGreaterThan(naiveRate, 0.08, "looking 5 times at 5% each stops far more often than 5%")
    XCTAssertLessThanOrEqual(spentRate, 0.05, "the spending rule keeps it within α")
  }
}
