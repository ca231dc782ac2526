import ClusterState
import Simulation

/// The demo cluster wired to a store, driven on the virtual clock.
public final class Harness {
  public let store: Store
  public let cluster: DemoCluster
  public private(set) var now: Seconds = 0
  /// What the reducer told the user, in order.
  public private(set) var notices: [String] = []
  public var notice: String? { notices.last }

  public init(seed: UInt64 = 1, extraPods: Int = 0, scaleDownWindow: Seconds = 60, controlGroup: Bool = false) {
    var o = Simulator.Options()
    o.controlGroup = controlGroup
    o.seed = seed
    o.extraPods = extraPods
    o.scaleDownWindow = scaleDownWindow
    cluster = DemoCluster(options: o)
    store = Store()
    let c = cluster
    store.executor = { c.perform($0) }
    store.notifier = { [unowned self] in notices.append($0) }
    store.dispatch(cluster.simulator.advance(to: 0))
  }

  public var state: ClusterSnapshot { store.state }

  public func run(to t: Seconds) {
    store.dispatch(cluster.simulator.advance(to: t))
    now = t
  }

  /// Steps in 0.1 s ticks until the condition holds or the deadline passes; returns the time it held.
  @discardableResult
  public func runUntil(_ deadline: Seconds, _ condition: (ClusterSnapshot) -> Bool) -> Seconds? {
    var t = now
    while t < deadline - 1e-9 {
      t = ((t + Simulator.tick) * 10).rounded() / 10
      run(to: t)
      if condition(state) { return t }
    }
    return nil
  }

  public func inject(_ kind: FaultKind, _ target: FaultTarget, _ tweak: (inout FaultParameters) -> Void = { _ in }) {
    var p = FaultParameters()
    tweak(&p)
    store.dispatch(.requestFault(FaultRequest(kind: kind, target: target, parameters: p)))
  }

  public func pods(_ workload: String) -> [Pod] {
    state.pods.values.filter { $0.workload == workload }.sorted { $0.name < $1.name }
  }

  public func pod(_ name: String) -> Pod? { state.pods["pipeline/" + name] }

  public var flask: [Pod] { pods("flask") }
}

public let flaskWorkload = FaultTarget.workload(namespace: "pipeline", name: "flask")
