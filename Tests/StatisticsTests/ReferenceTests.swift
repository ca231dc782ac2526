import Foundation
import Statistics
import XCTest

/// The statistics against SciPy and statsmodels (`scripts/gen-stats-fixtures` wrote the values):
/// tiny samples, ties, heavy tails, zero counts.
final class ReferenceTests: XCTestCase {
  struct Reference: Decodable {
    struct Pair: Decodable {
      var x: [Double]
      var y: [Double]
      var u: Double
      var p: Double
      var shift: Double
      var lower: Double?
      var upper: Double?
      var w: Double?
      var pw: Double?
      /// One-sided ("greater") Mann-Whitney p.
      var pg: Double
    }
    /// One-sided tests that the first failure rate exceeds the second by a margin.
    struct Worse: Decodable {
      var table: [Int]
      var margin: Double
      var p: Double
    }
    /// The O'Brien-Fleming spending function at an information fraction.
    struct Spent: Decodable {
      var t: Double
      var alpha: Double
      var spent: Double
    }
    struct Count: Decodable {
      var table: [Int]
      var fisher: Double
      var z: Double?
      var pz: Double?
      var newcombe: [Double]?
    }
    struct Holm: Decodable {
      var p: [Double]
      var adjusted: [Double]
    }
    struct F: Decodable {
      var f: Double
      var d1: Double
      var d2: Double
      var sf: Double
    }
    struct Quantile: Decodable {
      var p: Double
      var z: Double
    }
    var generator: String
    var pairs: [Pair]
    var counts: [Count]
    var holm: [Holm]
    var f: [F]
    var quantiles: [Quantile]
    var worse: [Worse]
    var spending: [Spent]
  }

  static let reference: Reference = {
    let url = Bundle.module.url(forResource: "reference", withExtension: "json", subdirectory: "Fixtures")!
    return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
  }()

  func testMannWhitneyAgainstSciPy() throws {
    XCTAssertGreaterThan(Self.reference.pairs.count, 50)
    var exact = 0
    for (i, r) in Self.reference.pairs.enumerated() {
      let mw = try XCTUnwrap(RankTests.mannWhitney(r.x, r.y))
      if mw.exact { exact += 1 }
      XCTAssertEqual(mw.u, r.u, accuracy: 1e-9, "pair \(i) U")
      XCTAssertTrue(agree(mw.p, r.p, 1e-7), "pair \(i): p \(mw.p) against SciPy's \(r.p) (exact: \(mw.exact))")
    }
    XCTAssertGreaterThanOrEqual(exact, 4, "the exact distribution is exercised")
  }

  func testHodgesLehmannShiftAndInterval() throws {
    for (i, r) in Self.reference.pairs.enumerated() {
      let s = try XCTUnwrap(RankTests.hodgesLehmann(r.x, r.y))
      XCTAssertEqual(s.estimate, r.shift, accuracy: 1e-9, "pair \(i) shift")
      if let lo = r.lower, let hi = r.upper {
        XCTAssertEqual(s.lower, lo, accuracy: 1e-9, "pair \(i) lower")
        XCTAssertEqual(s.upper, hi, accuracy: 1e-9, "pair \(i) upper")
        XCTAssertLessThanOrEqual(s.lower, s.estimate)
        XCTAssertGreaterThanOrEqual(s.upper, s.estimate)
      } else {
        XCTAssertEqual(s.lower, -.infinity, "pair \(i): too small to bound")
      }
    }
  }

  func testBrownForsytheAgainstSciPy() throws {
    var n = 0
    for (i, r) in Self.reference.pairs.enumerated() {
      guard let w = r.w, let pw = r.pw else { continue }
      let bf = try XCTUnwrap(SpreadTests.brownForsythe(r.x, r.y))
      XCTAssertTrue(agree(bf.w, w, 1e-9), "pair \(i): W \(bf.w) against \(w)")
      XCTAssertTrue(agree(bf.p, pw, 1e-7), "pair \(i): p \(bf.p) against \(pw)")
      n += 1
    }
    XCTAssertGreaterThan(n, 40)
  }

  func testCountsAgainstSciPyAndStatsmodels() {
    for r in Self.reference.counts {
      let t = r.table
      let p = CountTests.fisherExact(t[0], t[1], t[2], t[3])
      XCTAssertTrue(agree(p, r.fisher, 1e-7), "Fisher \(t): \(p) against \(r.fisher)")
      if let nc = r.newcombe {
        let mine = CountTests.newcombe(t[0], t[0] + t[1], t[2], t[2] + t[3])
        XCTAssertEqual(mine.lower, nc[0], accuracy: 1e-9, "Newcombe \(t)")
        XCTAssertEqual(mine.upper, nc[1], accuracy: 1e-9, "Newcombe \(t)")
      }
      if let z = r.z, let pz = r.pz {
        let mine = CountTests.twoProportion(t[0], t[0] + t[1], t[2], t[2] + t[3])
        XCTAssertTrue(agree(mine.z, z, 1e-9), "z \(t): \(mine.z) against \(z)")
        XCTAssertTrue(agree(mine.p, pz, 1e-7), "p \(t): \(mine.p) against \(pz)")
      }
    }
  }

  func testHolmAgainstStatsmodels() {
    for r in Self.reference.holm {
      let mine = Multiple.holm(r.p)
      for (a, b) in zip(mine, r.adjusted) { XCTAssertEqual(a, b, accuracy: 1e-12, "\(r.p)") }
    }
  }

  func testDistributions() {
    for r in Self.reference.f {
      XCTAssertTrue(agree(Distributions.fSF(r.f, r.d1, r.d2), r.sf, 1e-9), "F(\(r.d1), \(r.d2)) at \(r.f)")
    }
    for r in Self.reference.quantiles {
      XCTAssertEqual(Distributions.normalQuantile(r.p), r.z, accuracy: 1e-9 * max(1, abs(r.z)), "z at \(r.p)")
    }
  }

  /// 2 errors in 40 requests is not 2% of 10,000: the counts decide, not the rates.
  func testSmallCountsAreNotJudgedLikeLargeOnes() throws {
    let small = try XCTUnwrap(CountTests.failures(2, of: 40, against: 0, of: 40))
    XCTAssertEqual(small.test, "Fisher's exact")
    XCTAssertGreaterThan(small.p, 0.4, "2 of 40 against 0 of 40 is no evidence")
    let large = try XCTUnwrap(CountTests.failures(200, of: 10000, against: 100, of: 10000))
    XCTAssertEqual(large.test, "two-proportion z")
    XCTAssertLessThan(large.p, 1e-6, "200 of 10,000 against 100 of 10,000 is")
    XCTAssertNil(CountTests.failures(5, of: 3, against: 0, of: 10), "more failures than requests is refused")
  }
}

/// The shift's order statistics against a plain sort of every difference, on many shapes of data.
final class DifferencesTests: XCTestCase {
  func testSelectionAgreesWithSorting() throws {
    var state: UInt64 = 42
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    for round in 0..<300 {
      let m = 1 + Int(next() * 60)
      let n = 1 + Int(next() * 60)
      let ties = round % 3 == 0
      let x = (0..<m).map { _ in ties ? (next() * 5).rounded() : next() * 100 - 50 }
      let y = (0..<n).map { _ in ties ? (next() * 5).rounded() : (next() * 100 - 50) * (round % 2 == 0 ? 1 : 1e-6) }
      var all: [Double] = []
      for a in x { for b in y { all.append(a - b) } }
      all.sort()
      let s = try XCTUnwrap(RankTests.hodgesLehmann(x, y))
      let mid = all.count % 2 == 1 ? all[all.count / 2] : (all[all.count / 2 - 1] + all[all.count / 2]) / 2
      XCTAssertEqual(s.estimate, mid, "round \(round)")
      if s.lower.isFinite {
        XCTAssertTrue(all.contains(s.lower) && all.contains(s.upper), "round \(round)")
        XCTAssertLessThanOrEqual(s.lower, s.estimate)
        XCTAssertGreaterThanOrEqual(s.upper, s.estimate)
      }
    }
  }
}

/// Relative agreement, with an absolute floor for values near zero.
func agree(_ a: Double, _ b: Double, _ tol: Double = 1e-9, floor: Double = 1e-12) -> Bool {
  abs(a - b) <= max(floor, tol * max(abs(a), abs(b)))
}
