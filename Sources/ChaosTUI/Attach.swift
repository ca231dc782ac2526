import ClusterState
import Console
import Foundation
import KubeClient
import Panels
import Recording

/// A (attach): the console follows an in-cluster run's journal from its pod's log on the same
/// terminal, read-only, as `chaostui follow --pod` does; q comes back to the session, which kept
/// advancing meanwhile (its faults, its experiment, its journal).
extension SourceBuilder.Built {
  /// The cluster a (qualified) namespace is in, and the namespace as that cluster names it.
  func cluster(for namespace: String) -> (KubeCluster, String)? {
    if let set = source as? ContextSet {
      for (i, t) in set.translations.enumerated() {
        if let local = t.local(namespace), let kube = set.members[i] as? KubeCluster { return (kube, local) }
      }
      return nil
    }
    return kube.map { ($0, namespace) }
  }

  func attacher(for main: Console) -> (LogRequest, TerminalBackend, () -> Double) -> AttachOutcome {
    { target, backend, clock in
      guard let (kube, ns) = cluster(for: target.namespace) else {
        main.tell("Attaching needs a real cluster's pod log", seconds: 6)
        return .back
      }
      let what = Sanitize.line("\(ns)/\(target.pod)")
      main.tell("Attaching to \(what)...", seconds: 20)
      backend.present(main.render(width: backend.width, height: backend.height))
      let log = PodLogJournal(namespace: ns, pod: target.pod, container: nil, makeClient: kube.makeClient)
      log.start()
      defer { log.stop() }
      let follower: JournalFollower
      do {
        follower = try JournalFollower(feed: log.feed, wait: 20)
      } catch {
        main.tell("Cannot attach to \(what): \(Sanitize.line("\(error)"))", seconds: 10)
        return .back
      }
      let console = Console(
        source: follower, readOnly: true, theme: main.theme, glyphs: main.glyphs,
        themeSearchPaths: main.themeSearchPaths, now: clock())
      console.log = main.log
      console.show(namespace: follower.shownNamespace)
      console.start()
      defer { console.stop() }
      console.tell("Attached to \(what): read-only, as it runs; q comes back", seconds: 8)
      main.log?("attached to \(what)")
      let stats = withoutActuallyEscaping(clock) { clock in
        runLoop(console: console, backend: backend, clock: clock) {
          // The session goes on underneath: its sources, experiment and journal.
          _ = main.advance(realTime: clock())
          return false
        }
      }
      main.tell("Back from \(what)", seconds: 4)
      return stats.exitSignal.map { .signal($0) } ?? .back
    }
  }
}
