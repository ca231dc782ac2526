import ClusterState

/// The filtered, sorted list of pods, and the counts the panes show. It follows the pods one change
/// at a time (`ClusterSnapshot.podChanges`): a watch event costs a binary search and an insertion,
/// not a pass over every pod, so 100,000 pods under churn cost a few percent of a core. A new sort
/// key sorts numbers, not strings: the pods are kept in name order, each sort key's strings are
/// ranked once, and the sort is over (number, rank, position in name order). The whole list is
/// worked out again only when the namespace shown changes, the log cannot say what changed (a
/// relist, a restored snapshot), or a CPU/memory sort gets new samples. Every pod keeps its place in
/// name order, listed or not, so a new filter marks pods listed or not and sorts nothing.
public final class PodList {
  /// What the list was worked out for.
  private struct Shape: Equatable {
    var sort: PodSort
    var descending: Bool
    var filter: String
    var namespace: String?
    var metrics: Int
  }

  /// A pod's place: its sort figures, its namespace and name, and a number in the same order as
  /// those (`nameKey`, gapped: a pod inserted between two takes the middle; all are numbered again
  /// in the rare case there is no middle), so that a sort never compares names; whether the filter
  /// lists it; and its share of the counts, to take back when it changes.
  private struct Place {
    var ns: String
    var name: String
    var nameKey: Double = 0
    var listed = true
    var ready = false
    /// Whether it counts on its node (not Succeeded or Failed).
    var onNode = false
    // What each sort key reads, kept here so that a new sort reads this table alone.
    var health = 0
    var status = ""
    var restarts = 0
    var created = 0.0
    var node = ""
    /// What the filter reads besides (the labels are looked up for a `key=value` alone).
    var role: String?
    /// The CPU or memory figure of the last sample, for those sorts (-1: none).
    var metric = -1.0
  }

  /// The gap between two neighbours' name keys when they are numbered.
  private static let gap = 65_536.0

  private var shape: Shape?
  private var podsRevision: Int?
  private var mark: PodChangeLog.Mark?
  /// Every pod in name order, and each pod's place; how many the filter lists.
  private var byName: [String] = []
  private var places: [String: Place] = [:]
  private var listedCount = 0
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
    guard let mark, let changed = state.podChanges.since(mark), let old, old.namespace == next.namespace else {
      rebuild(state, needle: PodFilter.Needle(needle))
      sortAll(state, next)
      return
    }
    let sameOrder = old.sort == next.sort && old.descending == next.descending && old.metrics == next.metrics
    if old.filter != next.filter {
      // The pods changed since are followed under the old filter, then filtered again: the counts
      // do not depend on the filter.
      let was = old.filter.lowercased()
      followChanges(changed, state, needle: PodFilter.Needle(was), shape: nil)
      // A filter that narrows and drops nothing leaves the rows as they are. Otherwise they are
      // sorted again from the table (a walk with no lookup, and a sort of the listed ones): cheaper
      // than taking the dropped rows out by a lookup each.
      let narrowed = refilter(state, from: was, to: needle)
      if !(narrowed && changed.isEmpty && sameOrder && ids.count == listedCount) { sortAll(state, next) }
    } else {
      followChanges(changed, state, needle: PodFilter.Needle(needle), shape: sameOrder ? next : nil)
      if !sameOrder { sortAll(state, next) }
    }
    publishNamespaces()
  }

  /// The pods changed since the mark, each once (its last change).
  private func followChanges(
    _ changed: ArraySlice<String>, _ state: ClusterSnapshot, needle: PodFilter.Needle, shape: Shape?
  ) {
    var seen = Set<String>()
    for id in changed.reversed() where seen.insert(id).inserted {
      follow(id, state.pods[id], state.podSeries[id], needle: needle, shape: shape)
    }
  }

  /// One pod changed (nil: gone): the counts, the name order and, when `shape` is given, its row.
  private func follow(_ id: String, _ pod: Pod?, _ series: PodSeries?, needle: PodFilter.Needle, shape: Shape?) {
    if let was = places.removeValue(forKey: id) {
      uncount(was)
      if let i = position(of: id, at: was) { byName.remove(at: i) }
      if was.listed {
        listedCount -= 1
        if let shape, let i = row(of: id, at: was, shape) { ids.remove(at: i) }
      }
    }
    guard let pod else { return }
    var place = Self.place(pod, shape?.sort ?? .name, series)
    place.listed = needle.all || PodFilter.matches(pod, needle)
    count(place)
    let at = insertion(in: byName) { self.nameLess(self.places[$0]!, place) }
    byName.insert(id, at: at)
    place.nameKey = nameKey(between: at - 1, and: at + 1)
    places[id] = place
    if place.nameKey.isNaN {
      renumber()
      place = places[id]!
    }
    guard place.listed else { return }
    listedCount += 1
    if let shape { ids.insert(id, at: insertion(in: ids) { self.rowLess(self.places[$0]!, place, shape) }) }
  }

  /// The name key between the pods at two positions of the name order (NaN: there is no room).
  private func nameKey(between before: Int, and after: Int) -> Double {
    let lo = before >= 0 ? places[byName[before]]!.nameKey : nil
    let hi = after < byName.count ? places[byName[after]]!.nameKey : nil
    switch (lo, hi) {
    case (nil, nil): return 0
    case (let lo?, nil): return lo + Self.gap
    case (nil, let hi?): return hi - Self.gap
    case (let lo?, let hi?):
      let mid = lo + (hi - lo) / 2
      return mid > lo && mid < hi ? mid : .nan
    }
  }

  /// Every listed pod numbered again in name order.
  private func renumber() {
    for (i, id) in byName.enumerated() { places[id]?.nameKey = Double(i) * Self.gap }
  }

  /// Every pod again: the counts, the name order, the listed ones.
  private func rebuild(_ state: ClusterSnapshot, needle: PodFilter.Needle) {
    perNamespace.removeAll(keepingCapacity: true)
    podsPerNode.removeAll(keepingCapacity: true)
    readyCount = 0
    listedCount = 0
    var all: [(ns: String, name: String, id: String)] = []
    all.reserveCapacity(state.pods.count)
    places.removeAll(keepingCapacity: true)
    places.reserveCapacity(state.pods.count)
    // Keyed by the state's own key strings (a pod's `id` makes a new string each time it is asked).
    for (id, p) in state.pods {
      var place = Self.place(p, .name, nil)
      place.listed = needle.all || PodFilter.matches(p, needle)
      if place.listed { listedCount += 1 }
      count(place)
      all.append((p.namespace, p.name, id))
      places[id] = place
    }
    all.sort { $0.ns != $1.ns ? $0.ns < $1.ns : $0.name < $1.name }
    byName = all.map(\.id)
    renumber()
    publishNamespaces()
  }

  /// Each pod listed or not for a new filter; the name order and the counts kept. A filter that
  /// narrows the last one (`PodFilter.narrows`) looks only at the listed pods: true (the rows are
  /// left to the caller). Another looks at every pod.
  private func refilter(_ state: ClusterSnapshot, from old: String, to needle: String) -> Bool {
    let narrowing = PodFilter.narrows(old, to: needle)
    let filter = PodFilter.Needle(needle)
    var i = places.startIndex
    while i != places.endIndex {
      let was = places.values[i].listed
      if was || !narrowing {
        let now = filter.all || Self.matches(places.values[i], places.keys[i], filter, state)
        if now != was {
          places.values[i].listed = now
          listedCount += now ? 1 : -1
        }
      }
      i = places.index(after: i)
    }
    return narrowing
  }

  /// The rows in the shape's order: each listed pod's figure read in place (one lookup a pod), string
  /// figures ranked, then (figure, rank, name key) sorted as numbers.
  private func sortAll(_ state: ClusterSnapshot, _ shape: Shape) {
    if shape.sort == .name {
      if listedCount == byName.count {
        ids = byName
      } else {
        // The listed pods by their name keys, read from the table: no lookup a pod.
        var keyed: [(key: Double, id: String)] = []
        keyed.reserveCapacity(listedCount)
        for i in places.indices where places.values[i].listed {
          keyed.append((places.values[i].nameKey, places.keys[i]))
        }
        keyed.sort { $0.key < $1.key }
        ids = keyed.map(\.id)
      }
      if shape.descending { ids.reverse() }
      return
    }
    let n = listedCount
    var listed = [String]()
    var nums = [Double]()
    var strs = [String]()
    var keys = [Double]()
    listed.reserveCapacity(n)
    nums.reserveCapacity(n)
    keys.reserveCapacity(n)
    let strings = shape.sort == .status || shape.sort == .node
    if strings { strs.reserveCapacity(n) }
    if shape.sort == .cpu || shape.sort == .memory {
      // The last samples, from the samples' side: one lookup a pod that has them.
      // Walked by index, not `indices` (which would hold the storage and make a write copy it all).
      var i = places.startIndex
      while i != places.endIndex {
        places.values[i].metric = -1
        i = places.index(after: i)
      }
      let cpu = shape.sort == .cpu
      let all = state.podSeries
      for j in all.indices {
        guard let k = places.index(forKey: all.keys[j]) else { continue }
        places.values[k].metric = (cpu ? all.values[j].cpuMilli.last : all.values[j].memoryBytes.last) ?? -1
      }
    }
    for i in places.indices where places.values[i].listed {
      let (num, str) = Self.figure(places.values[i], shape.sort)
      listed.append(places.keys[i])
      nums.append(num)
      if strings { strs.append(str) }
      keys.append(places.values[i].nameKey)
    }
    let ranks = strings ? Self.ranks(strs) : [Int32](repeating: 0, count: n)
    var order = [Int32](0..<Int32(n))
    nums.withUnsafeBufferPointer { num in
      ranks.withUnsafeBufferPointer { rank in
        keys.withUnsafeBufferPointer { key in
          order.sort { a, b in
            let (x, y) = (Int(a), Int(b))
            if num[x] != num[y] { return num[x] < num[y] }
            if rank[x] != rank[y] { return rank[x] < rank[y] }
            return key[x] < key[y]
          }
        }
      }
    }
    if shape.descending { order.reverse() }
    ids = order.map { listed[Int($0)] }
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
    var place = Place(ns: p.namespace, name: p.name)
    place.health = p.health.rawValue
    place.status = p.status
    place.restarts = p.restarts
    place.created = p.created
    place.node = p.node ?? ""
    place.role = p.role
    place.ready = p.isReady
    place.onNode = p.phase != .succeeded && p.phase != .failed
    if sort == .cpu { place.metric = series?.cpuMilli.last ?? -1 }
    if sort == .memory { place.metric = series?.memoryBytes.last ?? -1 }
    return place
  }

  /// Whether the filter lists the pod, from its place.
  private static func matches(
    _ p: borrowing Place, _ id: String, _ needle: PodFilter.Needle, _ state: ClusterSnapshot
  ) -> Bool {
    PodFilter.matches(
      needle, namespace: p.ns, name: p.name, status: p.status, node: p.node.isEmpty ? nil : p.node, role: p.role
    ) { state.pods[id]?.labels ?? [:] }
  }

  /// The number and the string a sort key orders by (largest first for the numbers, as `-`).
  private static func figure(_ p: Place, _ sort: PodSort) -> (Double, String) {
    switch sort {
    case .name: return (0, "")
    case .status: return (-Double(p.health), p.status)
    case .restarts: return (-Double(p.restarts), "")
    case .age: return (-p.created, "")
    case .node: return (0, p.node)
    case .cpu, .memory: return (-p.metric, "")
    }
  }

  private func nameLess(_ a: Place, _ b: Place) -> Bool { a.ns != b.ns ? a.ns < b.ns : a.name < b.name }

  /// The order of the rows: figure, string, then name order; reversed when descending.
  private func rowLess(_ a: Place, _ b: Place, _ shape: Shape) -> Bool {
    func ascending(_ a: Place, _ b: Place) -> Bool {
      let (x, y) = (Self.figure(a, shape.sort), Self.figure(b, shape.sort))
      if x.0 != y.0 { return x.0 < y.0 }
      if x.1 != y.1 { return x.1 < y.1 }
      return a.nameKey < b.nameKey
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

  /// Where a listed pod is in the name order, by its name key.
  private func position(of id: String, at place: Place) -> Int? {
    let i = insertion(in: byName) { (self.places[$0]?.nameKey ?? place.nameKey) < place.nameKey }
    return i < byName.count && byName[i] == id ? i : byName.firstIndex(of: id)
  }

  private func row(of id: String, at place: Place, _ shape: Shape) -> Int? {
    let i = insertion(in: ids) { self.rowLess(self.places[$0] ?? place, place, shape) }
    return i < ids.count && ids[i] == id ? i : ids.firstIndex(of: id)
  }

  /// A pod's share of the counts (pods on each node as kubectl counts them).
  private func count(_ p: Place) {
    if p.ready { readyCount += 1 }
    perNamespace[p.ns, default: 0] += 1
    if p.onNode && !p.node.isEmpty { podsPerNode[p.node, default: 0] += 1 }
  }

  private func uncount(_ p: Place) {
    if p.ready { readyCount -= 1 }
    perNamespace[p.ns, default: 1] -= 1
    if perNamespace[p.ns] == 0 { perNamespace.removeValue(forKey: p.ns) }
    if p.onNode && !p.node.isEmpty {
      podsPerNode[p.node, default: 1] -= 1
      if podsPerNode[p.node] == 0 { podsPerNode.removeValue(forKey: p.node) }
    }
  }

  private func publishNamespaces() {
    if namespaces.count != perNamespace.count || !perNamespace.keys.allSatisfy(namespaces.contains) {
      namespaces = Set(perNamespace.keys)
    }
    namespaceCount = namespaces.count
  }
}
