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
      // The server's word on the label (the pane may have shown the pod before its labels came); a
      // user who may not get pods but may read their logs still attaches.
      switch Result(catching: { try log.labels() }) {
      case .success(nil):
        main.tell("Cannot attach: \(what) is not there any more", seconds: 8)
        return .back
      case .success(let labels?) where labels[chaostuiPodLabel.0] != chaostuiPodLabel.1:
        main.tell(attachOnlyChaostui, seconds: 8)
        return .back
      default: break
      }
      log.start()
      defer { log.stop() }
      let follower: JournalFollower
      do {
        follower = try withoutActuallyEscaping(clock) { clock in
          let waiting = AttachWait(main: main, backend: backend, clock: clock, what: what, feed: log.feed)
          return try JournalFollower(feed: log.feed, wait: AttachWait.longest, sleep: waiting.sleep)
        }
      } catch let given as AttachWait.GaveUp {
        main.tell("Not attached to \(what): given up while waiting for its journal", seconds: 6)
        return given.signal.map { .signal($0) } ?? .back
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

/// While an attached pod's journal has not come (its pod is still being scheduled, pulled or
/// started: the log API answers 400 until its container runs), the session goes on underneath, the
/// footer says what the wait is for and for how long, and q, Esc or a signal gives up.
final class AttachWait {
  /// A pod that has not started its run in this long is not waited for any more.
  static let longest: Seconds = 300
  struct GaveUp: Error { var signal: Int32? }
  let main: Console
  let backend: TerminalBackend
  let clock: () -> Double
  let what: String
  let feed: JournalFeed
  let started: Double
  private var loggedWhy: String?

  init(main: Console, backend: TerminalBackend, clock: @escaping () -> Double, what: String, feed: JournalFeed) {
    self.main = main
    self.backend = backend
    self.clock = clock
    self.what = what
    self.feed = feed
    started = clock()
  }

  func sleep(_ seconds: Double) throws {
    if let signal = backend.takeSignal() { throw GaveUp(signal: signal) }
    switch backend.readKey(timeoutMs: Int(seconds * 1000)) {
    case .char("q"), .escape, .ctrl("c"): throw GaveUp(signal: nil)
    default: break
    }
    let now = clock()
    _ = main.advance(realTime: now)
    // The feed's problems name the log; the footer has named the pod already.
    let why =
      feed.problem.map {
        ": " + Sanitize.line($0.hasPrefix(feed.name + ": ") ? String($0.dropFirst(feed.name.count + 2)) : $0)
      } ?? ""
    // Logged once for each reason, not at every look.
    main.tell("Waiting for \(what) (\(Int(now - started)) s; q gives up)\(why)", seconds: 2, logged: why != loggedWhy)
    loggedWhy = why
    backend.present(main.render(width: backend.width, height: backend.height))
  }
}
