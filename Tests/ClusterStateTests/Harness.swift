import ClusterState
import XCTest

/// The demo cluster wired to a store, driven on the virtual clock.
final class Harness {
  let store: Store
  let cluster: DemoCluster
  private(set) var now: Seconds = 0

  init(seed: UInt64 = 1, extraPods: Int = 0, scaleDownWindow: Seconds = 60) {
    var o = Simulator.Options()
    o.seed = seed
    o.extraPods = extraPods
    o.scaleDownWindow = scaleDownWindow
    cluster = DemoCluster(options: o)
    store = Store()
    let c = cluster
    store.executor = { c.perform($0) }
    store.dispatch(cluster.simulator.advance(to: 0))
  }

  var state: ClusterState { store.state }

  func run(to t: Seconds) {
    store.dispatch(cluster.simulator.advance(to: t))
    now = t
  }

  /// Steps in 0.1 s ticks until the condition holds or the deadline passes; returns the time it held.
  @discardableResult
  func runUntil(_ deadline: Seconds, _ condition: (ClusterState) -> Bool) -> Seconds? {
    var t = now
    while t < deadline - 1e-9 {
      t = ((t + Simulator.tick) * 10).rounded() / 10
      run(to: t)
      if condition(state) { return t }
    }
    return nil
  }

  func inject(_ kind: FaultKind, _ target: FaultTarget, _ tweak: (inout FaultParameters) -> Void = { _ in }) {
    var p = FaultParameters()
    tweak(&p)
    store.dispatch(.requestFault(FaultRequest(kind: kind, target: target, parameters: p)))
  }

  func pods(_ workload: String) -> [Pod] {
    state.pods.values.filter { $0.workload == workload }.sorted { $0.name < $1.name }
  }

  func pod(_ name: String) -> Pod? { state.pods["pipeline/" + name] }

  var flask: [Pod] { pods("flask") }
}

let flaskWorkload = FaultTarget.workload(namespace: "pipeline", name: "flask")
