import ArgumentParser
import CTerminal
import ClusterState
import Console
import Foundation
import Recording

/// The console on the terminal until the user quits or a signal comes: the ncurses backend, the
/// run loop, then the sources stopped (a real cluster's faults undone, the journal closed) and the
/// session's summary printed.
func runOnTerminal(console: Console, term: String, notice: String?, logger: FileLog?, cast: String? = nil) throws {
  ct_tune_malloc()
  ct_install_signal_handlers()
  let backend: NCursesBackend
  do {
    backend = try NCursesBackend(term: term)
  } catch {
    throw RunError("\(error)")
  }
  logger?.write("terminal \(backend.width)x\(backend.height), \(backend.colors) colours")
  // What the cluster posts is drawn within a frame, not at the loop's next 100 ms tick.
  if let waker = Waker() {
    backend.waker = waker
    console.inbox.onPost { waker.wake() }
  }
  if let notice { console.tell(notice, seconds: 8) }
  var screen: TerminalBackend = backend
  var recorder: CastRecorder?
  if let cast {
    do {
      let r = try CastRecorder(
        path: cast, inner: backend, title: "chaostui on \(console.state.context)", clock: now)
      r.timeline = { [unowned console] in console.state.timeline }
      recorder = r
      screen = r
    } catch {
      console.tell("No cast: \(error)", seconds: 8)
    }
  }
  let stats = runLoop(console: console, backend: screen, clock: now)
  backend.shutdown()
  recorder?.close()
  if let cast, recorder != nil { say("chaostui: the terminal session is in \(cast) (asciinema play \(cast))") }
  // Every exit path (q, SIGINT, SIGTERM, SIGHUP) removes what this session created in the cluster.
  console.stop()
  let sum = console.state.summary
  logger?.write(
    "exit after \(stats.frames) frames, \(stats.keys) keys\(stats.exitSignal.map { ", signal \($0)" } ?? "")")
  if sum.incidents > 0 {
    say(
      "chaostui: \(sum.incidents) incident(s), \(sum.recovered) recovered; MTTD \(sum.meanTTD.map(formatDuration) ?? "-"), mean TTR \(sum.meanTTR.map(formatDuration) ?? "-"), max TTR \(sum.maxTTR.map(formatDuration) ?? "-")"
    )
  }
  if let r = console.recorder {
    say(r.problem.map { "chaostui: " + $0 } ?? "chaostui: session recorded in \(r.path) (chaostui replay FILE)")
  }
  if let sig = stats.exitSignal { throw ExitCode(128 + sig) }
}

/// The locale set, and standard input and output a terminal with a TERM: its name and whether the
/// locale is UTF-8 (else ASCII glyphs). The console and the replay need both.
func terminalReady() throws -> (term: String, utf8: Bool) {
  setlocale(LC_ALL, "")
  let utf8 = ct_locale_is_utf8() != 0
  let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
  guard isatty(0) != 0 && isatty(1) != 0 else {
    throw RunError("chaostui needs a terminal: standard input and output must be a TTY.")
  }
  guard !term.isEmpty else {
    throw RunError("chaostui: TERM is not set; set it to your terminal type (for example xterm-256color).")
  }
  return (term, utf8)
}

/// Where a session is recorded by default: `$XDG_STATE_HOME/chaostui/sessions/DATE-CONTEXT.jsonl`.
func defaultRecordPath(context: String) -> String {
  let env = ProcessInfo.processInfo.environment
  let folder = chaostuiStateFolder(env)
  let f = DateFormatter()
  f.dateFormat = "yyyyMMdd-HHmmss"
  f.timeZone = TimeZone(identifier: "UTC")
  let safe = String(context.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
  // The sessions folder is the user's alone (journals hold what the cluster showed).
  PrivateFile.tighten(folder)
  PrivateFile.tighten(folder + "/sessions")
  return folder + "/sessions/" + f.string(from: Date()) + "-" + safe + ".jsonl"
}

/// Records the console's session to `path` (nil: the default path); returns the path and, when the
/// file cannot be written, the problem in words (the session goes on unrecorded).
/// `stdout`: the journal's lines to standard output too (`file: false`: there only).
func recordSession(
  _ console: Console, source: ClusterSource, to path: String?, title: String? = nil, shown: String?,
  stdout: Bool = false, file: Bool = true
) -> (path: String, problem: String?) {
  var header = SessionJournal.Header(
    chaostui: chaostuiVersion, started: Date().timeIntervalSince1970, info: source.info, title: title, shown: shown)
  if source.simulated != nil && console.speed != 1 { header.speed = console.speed }
  if !file {
    let writer = JournalWriter(stream: .standardOutput, name: "standard output", header: header)
    console.record(to: writer)
    return ("standard output", writer.problem)
  }
  let path = path ?? defaultRecordPath(context: console.state.context)
  let writer = JournalWriter(path: path, header: header, mirror: stdout ? .standardOutput : nil)
  console.record(to: writer)
  return (path, writer.problem)
}
