import ClusterState
import Experiments
import TestSupport

/// Runs an experiment file on the demo with its control group, in 0.1 s ticks, after `warm` seconds
/// of history (`before` acts once at 5 s; `during` at every tick), until its verdict or `limit`.
func runWithControlGroup(
  _ yaml: String, seed: UInt64 = 1, warm: Seconds = 130, limit: Seconds = 600, before: ((Harness) -> Void)? = nil,
  during: ((Harness, Seconds) -> Void)? = nil
) throws -> ExperimentRun {
  let e = try ExperimentFile.parse(yaml, file: "t.yaml")
  let h = Harness(seed: seed, controlGroup: true)
  h.run(to: min(5, warm))
  before?(h)
  h.run(to: warm)
  var r = ExperimentRun(e, at: h.state.now)
  var t = h.now
  while !r.isFinished && t < limit {
    t = ((t + 0.1) * 10).rounded() / 10
    h.run(to: t)
    during?(h, t)
    for a in r.step(h.state) { h.store.dispatch(a) }
  }
  return r
}

/// What the parser says of an experiment file ("parsed" when it takes it).
func parseError(_ yaml: String, file: String) -> String {
  do {
    _ = try ExperimentFile.parse(yaml, file: file)
    return "parsed"
  } catch { return "\(error)" }
}
