/// Holds the state and runs actions through the reducer; effects go to the executor, whose
/// resulting actions are reduced in turn, in order.
public final class Store {
  public private(set) var state: ClusterSnapshot
  /// Carries out effects (the simulator in the demo, the Kubernetes API on a real cluster).
  public var executor: ((Effect) -> [Action])?

  public init(state: ClusterSnapshot = ClusterSnapshot()) { self.state = state }

  public func dispatch(_ action: Action) { dispatch([action]) }

  public func dispatch(_ actions: [Action]) {
    var queue = actions
    var i = 0
    while i < queue.count {
      let effects = reduce(&state, queue[i])
      i += 1
      if let executor {
        for e in effects { queue.append(contentsOf: executor(e)) }
      }
      if i > 4096 {
        queue.removeFirst(i)
        i = 0
      }
    }
  }
}
