import ClusterState

extension Reader {
  /// A hypothesis' name when the file gives none (nil: the kind's key).
  static func defaultName(_ kind: Experiment.Hypothesis.Kind) -> String? {
    if case .probe(let name) = kind { return "probe \(name) never fails" }
    guard case .compare(let w, let f, let rule) = kind else { return nil }
    switch rule {
    case .differs(let d): return "\(w) \(f.rawValue) \(d ? "differs" : "does not differ") from the control"
    case .worseByAtMost(let v):
      let limit =
        f == .errors || f == .loss ? Experiment.Figure.text(v) + " points" : Experiment.Figure.text(v * 100) + "%"
      return "\(w) \(f.rawValue) at most \(limit) worse than the control"
    }
  }

  /// A share: `10%` or `0.1`.
  func share(_ node: YNode, _ what: String) throws -> Double {
    guard let s = node.string else { throw fail(node, "\(what) must be a share such as 10%") }
    let percent = s.hasSuffix("%")
    guard let v = Double(percent ? String(s.dropLast()) : s), v.isFinite, v >= 0 else {
      throw fail(node, "\(what) must be a share such as 10%")
    }
    return percent ? v / 100 : v
  }

  /// `groups.comparable: {tolerance: 10%, points: 1, otherwise: refuse | warn}`.
  func comparability(_ node: YNode) throws -> Experiment.Comparability {
    var c = Experiment.Comparability()
    for (k, v, _) in try mapping(node, "groups.comparable", known: ["tolerance", "points", "otherwise"]) {
      switch k {
      case "tolerance": c.tolerance = try share(v, "groups.comparable.tolerance")
      case "points": c.points = try number(v, "groups.comparable.points")
      default:
        let word = try string(v, "groups.comparable.otherwise")
        guard word == "refuse" || word == "warn" else {
          throw fail(v, "groups.comparable.otherwise is refuse (do not start) or warn (start, and say so)")
        }
        c.refuse = word == "refuse"
      }
    }
    return c
  }

  /// `compare: {workload: flask, figure: p99, worse-by-at-most: 20%}` or `{..., differs: false}`.
  func compare(_ node: YNode) throws -> Experiment.Hypothesis.Kind {
    let r = try mapping(node, "compare", known: ["workload", "service", "figure", "worse-by-at-most", "differs"])
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let w = f("workload") ?? f("service"), let fig = f("figure") else {
      throw fail(node, "compare needs workload and figure")
    }
    let figure = try figure(fig)
    let rule: Experiment.Hypothesis.CompareRule
    if let limit = f("worse-by-at-most") {
      if f("differs") != nil { throw fail(node, "compare takes worse-by-at-most or differs, not both") }
      if figure == .errors || figure == .loss {
        // Points of failed requests: `2` or `2%` both mean two points.
        guard let s = limit.string, let v = Double(s.hasSuffix("%") ? String(s.dropLast()) : s), v.isFinite, v >= 0
        else { throw fail(limit, "compare.worse-by-at-most must be points of failed requests such as 1") }
        rule = .worseByAtMost(v)
      } else {
        rule = .worseByAtMost(try share(limit, "compare.worse-by-at-most"))
      }
    } else if let d = f("differs") {
      guard let b = d.string.flatMap(Bool.init) else { throw fail(d, "compare.differs must be true or false") }
      rule = .differs(b)
    } else {
      throw fail(node, "compare needs worse-by-at-most (a share, or points for errors and loss) or differs")
    }
    return .compare(workload: try string(w, "compare.workload"), figure: figure, rule: rule)
  }

  /// `harm: {workload, figure, worse-by, confidence, looks, over}`.
  func harm(_ node: YNode) throws -> Experiment.Harm {
    let known = ["workload", "figure", "worse-by", "confidence", "looks", "over"]
    let r = try mapping(node, "harm", known: known)
    func f(_ key: String) -> YNode? { r.first { $0.key == key }?.value }
    guard let w = f("workload"), let fig = f("figure") else { throw fail(node, "harm needs workload and figure") }
    var h = Experiment.Harm(workload: try string(w, "harm.workload"), figure: try figure(fig))
    if let m = f("worse-by") {
      h.margin = h.figure.isCount ? try number(m, "harm.worse-by (points)") : try share(m, "harm.worse-by")
    }
    if let c = f("confidence") {
      h.confidence = try share(c, "harm.confidence")
      guard h.confidence >= 0.5, h.confidence < 1 else { throw fail(c, "harm.confidence is between 50% and 99.9%") }
    }
    if let l = f("looks") {
      h.looks = try int(l, "harm.looks")
      guard (1...20).contains(h.looks) else { throw fail(l, "harm.looks is 1 to 20") }
    }
    h.over = try f("over").map { try duration($0, "harm.over") }
    return h
  }
}
