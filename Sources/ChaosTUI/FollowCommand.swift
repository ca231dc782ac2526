import ArgumentParser
import ClusterState
import Console
import Foundation
import KubeClient
import Panels
import Recording
import Transport

/// `chaostui follow [JOURNAL]`: a session shown live, read-only, from the journal the operator's
/// chaostui is writing: for observers in other terminals or SSH sessions on the bastion.
struct FollowSession: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "follow",
    abstract:
      "Follow a session live, read-only, from the journal its chaostui is writing (default: the newest in $XDG_STATE_HOME/chaostui/sessions/)."
  )

  @Argument(help: "The journal being written (default: the newest one in the sessions folder).")
  var file: String?

  @Option(
    help:
      "Follow the journal in this pod's log, NAMESPACE/NAME (chaostui run or monkey in the cluster with --journal-stdout)."
  )
  var pod: String?

  @Option(help: "Follow the newest pod of this Job, NAMESPACE/NAME (the Job or CronJob of deploy/).")
  var job: String?

  @Option(help: "The container of --pod or --job whose log holds the journal (default: the pod's only one).")
  var container: String?

  @Option(
    help:
      "With --pod or --job: the kubeconfig file (default: KUBECONFIG, then ~/.kube/config; in a pod, its service account)."
  )
  var kubeconfig: String?

  @Option(help: "With --pod or --job: the kubeconfig context to use (default: its current-context).")
  var context: String?

  func validate() throws {
    if [file != nil, pod != nil, job != nil].filter({ $0 }).count > 1 {
      throw ValidationError("follow one thing: a journal file, --pod or --job")
    }
    for v in [pod, job].compactMap({ $0 }) where v.split(separator: "/").count != 2 {
      throw ValidationError("--pod and --job are NAMESPACE/NAME, got \(v)")
    }
  }

  @OptionGroup(title: "Display") var display: DisplayOptions

  @Option(help: "Write a log to this file (nothing is logged on screen).")
  var log: String?

  func run() throws {
    let follower: JournalFollower
    let path: String
    var podLog: PodLogJournal?
    do {
      if let target = pod ?? job {
        let log = try podLogJournal(target)
        podLog = log
        path = log.feed.name
        log.start()
        FileHandle.standardError.write(Data("chaostui follow: reading \(Sanitize.line(path))\n".utf8))
        follower = try JournalFollower(feed: log.feed, wait: 180)
      } else {
        guard let newest = file ?? Self.newestJournal() else {
          complain("chaostui follow: no journal in \(Self.sessionsFolder()): give the one to follow")
          throw ExitCode(2)
        }
        path = newest
        follower = try JournalFollower(path: path)
      }
    } catch let e as ExitCode {
      throw e
    } catch {
      podLog?.stop()
      complain("chaostui follow: \(error)")
      throw ExitCode(2)
    }
    defer { podLog?.stop() }
    let logger = try log.map { try FileLog(path: $0) }
    let (term, utf8) = try terminalReady()
    let searchPaths = chaostuiThemeSearchPaths()
    let (loadedTheme, themeProblem) = Theme.load(display.theme ?? "default", searchPaths: searchPaths)
    let console = Console(
      source: follower, readOnly: true, theme: loadedTheme,
      glyphs: display.glyphs.flatMap(Glyphs.named) ?? (utf8 ? .unicode : .ascii), themeSearchPaths: searchPaths,
      now: now())
    console.log = logger.map { l in { l.write($0) } }
    console.show(namespace: follower.shownNamespace)
    console.start()
    let what = podLog == nil ? (path as NSString).lastPathComponent : path
    let notice = themeProblem ?? "Following \(what): read-only, as it is written"
    try runOnTerminal(console: console, term: term, notice: notice, logger: logger)
  }

  /// The pod log reader of `--pod` or `--job` (a Job's newest pod), on the kubeconfig's context or,
  /// in a pod, its service account.
  func podLogJournal(_ target: String) throws -> PodLogJournal {
    let env = ProcessInfo.processInfo.environment
    let parts = target.split(separator: "/").map(String.init)
    guard let connection = try Kubeconfig.connection(flag: kubeconfig, context: context, environment: env) else {
      throw ValidationError("no kubeconfig and no in-cluster service account: --pod and --job read a cluster")
    }
    let tokens = TokenSource(connection.credentials)
    let makeClient: @Sendable () throws -> HTTPClient = { try HTTPTransport(connection: connection, tokens: tokens) }
    var name = parts[1]
    if job != nil { name = try PodLogJournal.newestPod(ofJob: parts[1], namespace: parts[0], http: try makeClient()) }
    return PodLogJournal(namespace: parts[0], pod: name, container: container, makeClient: makeClient)
  }

  static func sessionsFolder() -> String {
    let env = ProcessInfo.processInfo.environment
    return chaostuiStateFolder(env) + "/sessions"
  }

  /// The journal written last in the sessions folder.
  static func newestJournal() -> String? {
    let folder = sessionsFolder()
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".jsonl") }.map { folder + "/" + $0 }.max { a, b in
      let ma = (try? FileManager.default.attributesOfItem(atPath: a)[.modificationDate] as? Date) ?? .distantPast
      let mb = (try? FileManager.default.attributesOfItem(atPath: b)[.modificationDate] as? Date) ?? .distantPast
      return ma < mb
    }
  }
}
