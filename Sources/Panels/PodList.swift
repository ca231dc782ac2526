import ClusterState

/// The filtered, sorted list of pods, and the counts the panes show. It follows the pods one change
/// at a time (`ClusterSnapshot.podChanges`): a watch event costs a binary search and an insertion,
/// not a pass over every pod, so 100,000 pods under churn cost a few percent of a core. A new sort
/// key sorts numbers, not strings: the pods are kept in name order, each sort key's strings are
/// ranked once, and the sort is over (number, rank, position in name order). The whole list is
/// worked out again only when the filter or the namespace shown changes, the log cannot say what
/// changed (a relist, a restored snapshot), or a CPU/memory sort gets new samples.
public final class PodList {
  /// What the list was worked out for.
  private struct Shape: Equatable {
    var sort: PodSort
    var descending: Bool
    var filter: String
    var namespace: String?
    var metrics: Int
  }

  /// A pod's place: its sort figures, and its namespace and name (the last tie-breakers).
  private struct Place {
    var num: Double
    var str: String
    var ns: String
    var name: String
  }

  private var shape: Shape?
  private var podsRevision: Int?
  private var mark: PodChangeLog.Mark?
  /// The listed pods (the filter's) in name order, and the place each listed pod is sorted at.
  private var byName: [String] = []
  private var places: [String: Place] = [:]
  /// Each pod's share of the counts, to take it back when it changes.
  private var counted: [String: (ready: Bool, ns: String, node: String?)] = [:]
  private var perNamespace: [String: Int] = [:]

  public private(set) var ids: [String] = []
  public private(set) var readyCount = 0
  public private(set) var namespaceCount = 0
  /// The namespaces of the pods (for permission checks).
  public private(set) var namespaces = Set<String>()
  /// Pods on each node as kubectl counts them (every pod not Succeeded or Failed: a terminating pod
  /// still holds its place), for the nodes section of the resources pane.
  public private(set) var podsPerNode: [String: Int] = [:]

  public init() {}

  public func update(_ state: ClusterSnapshot, _ view: PodsView) {
    let metricsKey = (view.sort == .cpu || view.sort == .memory) ? state.metricsRevision : 0
    let next = Shape(
      sort: view.sort, descending: view.descending, filter: view.filter, namespace: state.namespace,
      metrics: metricsKey)
    if next == shape && podsRevision == state.podsRevision { return }
    defer {
      shape = next
      podsRevision = state.podsRevision
      mark = state.podChanges.mark
    }
    let needle = view.filter.lowercased()
    let old = shape
    guard let mark, let changed = state.podChanges.since(mark),
      old?.filter == next.filter, old?.namespace == next.namespace
    else {
      rebuild(state, needle: needle)
      sortAll(state, next)
      return
    }
    let sameOrder = old?.sort == next.sort && old?.descending == next.descending && old?.metrics == next.metrics
    var seen = Set<String>()
    for id in changed.reversed() where seen.insert(id).inserted {
      follow(id, state.pods[id], state.podSeries[id], needle: needle, shape: sameOrder ? next : nil)
    }
    if !sameOrder { sortAll(state, next) }
    publishNamespaces()
  }

  /// One pod changed (nil: gone): the counts, the name order and, when `shape` is given, its row.
  private func follow(_ id: String, _ pod: Pod?, _ series: PodSeries?, needle: String, shape: Shape?) {
    uncount(id)
    if let pod { count(pod) }
    if let was = places.removeValue(forKey: id) {
      if let i = position(in: byName, of: was.ns, was.name) { byName.remove(at: i) }
      if let shape, let i = row(of: id, at: was, shape) { ids.remove(at: i) }
    }
    guard let pod, needle.isEmpty || PodList.matches(pod, needle) else { return }
    let place = Self.place(pod, shape?.sort ?? .name, series)
    places[id] = place
    byName.insert(id, at: insertion(in: byName) { self.nameLess(self.places[$0]!, place) })
    if let shape { ids.insert(id, at: insertion(in: ids) { self.rowLess(self.places[$0]!, place, shape) }) }
  }

  /// Every pod again: the listed ones in name order, the counts.
  private func rebuild(_ state: ClusterSnapshot, needle: String) {
    var listed: [(ns: String, name: String, id: String)] = []
    listed.reserveCapacity(state.pods.count)
    counted.removeAll(keepingCapacity: true)
    perNamespace.removeAll(keepingCapacity: true)
    podsPerNode.removeAll(keepingCapacity: true)
    readyCount = 0
    for p in state.pods.values {
      count(p)
      if needle.isEmpty || PodList.matches(p, needle) { listed.append((p.namespace, p.name, p.id)) }
    }
    listed.sort { $0.ns != $1.ns ? $0.ns < $1.ns : $0.name < $1.name }
    byName = listed.map(\.id)
    publishNamespaces()
  }

  /// The rows in the shape's order, from the name order: figures and string ranks sorted as numbers.
  private func sortAll(_ state: ClusterSnapshot, _ shape: Shape) {
    let n = byName.count
    var nums = [Double](repeating: 0, count: n)
    var strs = [String](repeating: "", count: n)
    places.removeAll(keepingCapacity: true)
    places.reserveCapacity(n)
    for (i, id) in byName.enumerated() {
      guard let p = state.pods[id] else { continue }
      let place = Self.place(p, shape.sort, state.podSeries[id])
      nums[i] = place.num
      strs[i] = place.str
      places[id] = place
    }
    let ranks = Self.ranks(strs)
    var order = [Int32](0..<Int32(n))
    nums.withUnsafeBufferPointer { num in
      ranks.withUnsafeBufferPointer { rank in
        order.sort { a, b in
          let (x, y) = (Int(a), Int(b))
          if num[x] != num[y] { return num[x] < num[y] }
          if rank[x] != rank[y] { return rank[x] < rank[y] }
          return x < y
        }
      }
    }
    if shape.descending { order.reverse() }
    ids = order.map { byName[Int($0)] }
  }

  /// Each string's rank among the distinct ones (few: statuses, nodes).
  private static func ranks(_ strs: [String]) -> [Int32] {
    var distinct = Array(Set(strs))
    distinct.sort()
    var rank: [String: Int32] = [:]
    for (i, s) in distinct.enumerated() { rank[s] = Int32(i) }
    return strs.map { rank[$0] ?? 0 }
  }

  private static func place(_ p: Pod, _ sort: PodSort, _ series: PodSeries?) -> Place {
    var place = Place(num: 0, str: "", ns: p.namespace, name: p.name)
    switch sort {
    case .name: break
    case .status:
      place.num = -Double(p.health.rawValue)
      place.str = p.status
    case .restarts: place.num = -Double(p.restarts)
    case .age: place.num = -p.created
    case .node: place.str = p.node ?? ""
    case .cpu: place.num = -(series?.cpuMilli.last ?? -1)
    case .memory: place.num = -(series?.memoryBytes.last ?? -1)
    }
    return place
  }

  private func nameLess(_ a: Place, _ b: Place) -> Bool { a.ns != b.ns ? a.ns < b.ns : a.name < b.name }

  /// The order of the rows: figure, string, then name order; reversed when descending.
  private func rowLess(_ a: Place, _ b: Place, _ shape: Shape) -> Bool {
    func ascending(_ a: Place, _ b: Place) -> Bool {
      if a.num != b.num { return a.num < b.num }
      if a.str != b.str { return a.str < b.str }
      return nameLess(a, b)
    }
    return shape.descending ? ascending(b, a) : ascending(a, b)
  }

  /// The first index whose element is not `before` the new one (a binary search).
  private func insertion(in list: [String], before: (String) -> Bool) -> Int {
    var (lo, hi) = (0, list.count)
    while lo < hi {
      let mid = (lo + hi) / 2
      if before(list[mid]) { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  private func position(in list: [String], of ns: String, _ name: String) -> Int? {
    let key = Place(num: 0, str: "", ns: ns, name: name)
    let i = insertion(in: list) { self.nameLess(self.places[$0] ?? key, key) }
    return i < list.count && list[i] == ns + "/" + name ? i : list.firstIndex(of: ns + "/" + name)
  }

  private func row(of id: String, at place: Place, _ shape: Shape) -> Int? {
    let i = insertion(in: ids) { self.rowLess(self.places[$0] ?? place, place, shape) }
    return i < ids.count && ids[i] == id ? i : ids.firstIndex(of: id)
  }

  private func count(_ p: Pod) {
    let onNode = p.phase != .succeeded && p.phase != .failed ? p.node : nil
    counted[p.id] = (p.isReady, p.namespace, onNode)
    if p.isReady { readyCount += 1 }
    perNamespace[p.namespace, default: 0] += 1
    if let n = onNode { podsPerNode[n, default: 0] += 1 }
  }

  private func uncount(_ id: String) {
    guard let c = counted.removeValue(forKey: id) else { return }
    if c.ready { readyCount -= 1 }
    perNamespace[c.ns, default: 1] -= 1
    if perNamespace[c.ns] == 0 { perNamespace.removeValue(forKey: c.ns) }
    if let n = c.node {
      podsPerNode[n, default: 1] -= 1
      if podsPerNode[n] == 0 { podsPerNode.removeValue(forKey: n) }
    }
  }

  private func publishNamespaces() {
    if namespaces.count != perNamespace.count || !perNamespace.keys.allSatisfy(namespaces.contains) {
      namespaces = Set(perNamespace.keys)
    }
    namespaceCount = namespaces.count
  }

  /// `/` filter: substring of namespace/name, status, node or a label `key=value`; `!text` inverts.
  static func matches(_ p: Pod, _ needle: String) -> Bool {
    if needle.hasPrefix("!") && needle.count > 1 { return !matches(p, String(needle.dropFirst())) }
    if p.id.lowercased().contains(needle) || p.status.lowercased().contains(needle) { return true }
    if let n = p.node, n.lowercased().contains(needle) { return true }
    if needle.contains("=") {
      for (k, v) in p.labels where (k + "=" + v).lowercased() == needle { return true }
    }
    if let r = p.role, r.lowercased() == needle { return true }
    return false
  }
}
