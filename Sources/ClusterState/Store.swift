/// Holds the state and runs actions through the reducer; effects go to the executor, whose
/// resulting actions are reduced in turn, in order.
public final class Store {
  public private(set) var state: ClusterSnapshot
  /// Carries out effects (the simulator in the demo, the Kubernetes API on a real cluster).
  public var executor: ((Effect) -> [Action])?
  /// Gets what the reducer tells the user (`Effect.notify`), in order.
  public var notifier: ((String) -> Void)?
  /// Sees every action before the reducer does, with the state it meets (a session's journal).
  public var observer: ((Action, ClusterSnapshot) -> Void)?

  public init(state: ClusterSnapshot = ClusterSnapshot()) { self.state = state }

  public func dispatch(_ action: Action) { dispatch([action]) }

  public func dispatch(_ actions: [Action]) {
    var queue = actions
    var i = 0
    while i < queue.count {
      observer?(queue[i], state)
      let effects = reduce(&state, queue[i])
      i += 1
      for e in effects {
        if case .notify(let text) = e {
          notifier?(text)
        } else if let executor {
          queue.append(contentsOf: executor(e))
        }
      }
      if i > 4096 {
        queue.removeFirst(i)
        i = 0
      }
    }
  }
}
