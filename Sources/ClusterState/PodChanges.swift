/// Which pods changed, in order, so that what is worked out from every pod (the sorted pods list,
/// its counts) follows them one by one instead of going over the whole list again: at 100,000 pods
/// a watch event must not cost a pass over all of them. Never encoded, never compared (like the
/// revisions); a whole new list (a relist, a restored snapshot) starts a new generation, and a
/// reader that fell more than `kept` changes behind starts over.
public struct PodChangeLog: Sendable {
  /// Where a reader is: the generation and how many changes of it it has taken.
  public struct Mark: Sendable, Equatable {
    public var generation: Int
    public var end: Int
  }

  public private(set) var generation = 0
  /// Changes logged in this generation.
  public private(set) var end = 0
  private var ids: [String] = []
  /// The newest changes kept (the log holds between `kept` and twice that).
  public static let kept = 16_384

  public init() {}

  public var mark: Mark { Mark(generation: generation, end: end) }

  mutating func changed(_ id: String) {
    ids.append(id)
    end += 1
    if ids.count >= 2 * Self.kept { ids.removeFirst(ids.count - Self.kept) }
  }

  /// A new list: whoever follows the pods starts over.
  mutating func replaced() {
    generation += 1
    end = 0
    ids.removeAll()
  }

  /// The pods changed since `mark`, oldest first (a pod may come more than once); nil when the
  /// reader must start over (another generation, or changes no longer kept).
  public func since(_ mark: Mark) -> ArraySlice<String>? {
    guard mark.generation == generation, mark.end <= end, end - mark.end <= ids.count else { return nil }
    return ids[(ids.count - (end - mark.end))...]
  }
}

extension ClusterSnapshot {
  /// A view of some of the pods (the console's one namespace): the change log stays the whole
  /// list's, so a reader looks each changed pod up in the view (absent: not shown).
  public mutating func keepPods(_ shown: (Pod) -> Bool) {
    podSet.pods = podSet.pods.filter { shown($0.value) }
  }
}
