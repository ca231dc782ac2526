import ClusterState
import Foundation

/// The demo as a source: the simulator on a virtual clock that runs at `speed` times real time
/// from the first frame, and the executor of the reducer's effects.
public final class DemoCluster: SimulatedSource {
  public var simulated: SimulatedSource? { self }
  public var simulator: Simulator
  public let speed: Double
  private var realStart: Double?

  public init(options: Simulator.Options, speed: Double = 1) {
    simulator = Simulator(options: options)
    self.speed = speed
  }

  /// With its control group the demo has two namespaces: it shows every namespace.
  public var info: SourceInfo {
    SourceInfo(
      isDemo: true, context: "demo",
      namespace: simulator.options.controlGroup ? nil : Simulator.experimentalNamespace)
  }

  /// Nothing runs in the background: the simulator moves when the runtime asks.
  public func start(inbox: Inbox) {}

  /// The demo's faults die with the simulator: nothing to set back.
  public func stop() {}

  public func actions(at realTime: Double) -> [Action] {
    if realStart == nil { realStart = realTime }
    return simulator.advance(to: (realTime - realStart!) * speed)
  }

  public func actions(atVirtual t: Seconds) -> [Action] { simulator.advance(to: t) }

  /// Carries out an effect on the pods `FaultPlan` picks from the snapshot (the configured primary
  /// selector, a seeded random pod), as a real cluster's executor does.
  public func perform(_ effect: Effect, state: ClusterSnapshot) -> [Action] {
    guard case .inject(let id, let request) = effect, request.target.isNode == false else { return perform(effect) }
    let targets = FaultPlan.targets(request, in: state) { [self] members in
      members.isEmpty ? nil : members[simulator.rng.int(members.count)]
    }
    return simulator.inject(id: id, request, targets: targets.map(\.id))
  }

  public func perform(_ effect: Effect) -> [Action] {
    switch effect {
    case .inject(let id, let request): return simulator.inject(id: id, request)
    case .abort(let ids): return simulator.abort(ids: ids)
    case .notify, .restoreLeftovers, .moveLever: return []
    case .followLogs(let req): return simulator.followLogs(req)
    }
  }
}
