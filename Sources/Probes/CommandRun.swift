import ClusterState
import Foundation

/// A command probe: the program run without a shell (found on PATH), its output thrown away (it may
/// hold what must not be shown), its exit code compared; killed at its timeout.
enum CommandRun {
  static func answer(_ name: String, _ c: CommandProbe, timeout: Seconds) -> ProbeSample {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["--"] + c.argv
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    let done = DispatchSemaphore(value: 0)
    p.terminationHandler = { _ in done.signal() }
    let started = DispatchTime.now().uptimeNanoseconds
    do { try p.run() } catch {
      return ProbeSample(name: name, ok: false, detail: "cannot run \(c.argv[0]): \(error.localizedDescription)")
    }
    if done.wait(timeout: .now() + timeout) == .timedOut {
      p.terminate()
      if done.wait(timeout: .now() + 2) == .timedOut {
        kill(p.processIdentifier, SIGKILL)
        done.wait()
      }
      return ProbeSample(
        name: name, ok: false, detail: "\(c.argv[0]) did not end within \(formatDuration(timeout)): killed")
    }
    let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
    let took = "in \(Int(ms.rounded())) ms"
    let code = p.terminationStatus
    // env says 127 when the program is not found.
    if code == 127 && c.exit != 127 {
      return ProbeSample(name: name, ok: false, detail: "\(c.argv[0]): not found (exit 127)", latencyMs: ms)
    }
    if p.terminationReason == .uncaughtSignal {
      return ProbeSample(name: name, ok: false, detail: "\(c.argv[0]) killed by signal \(code) \(took)", latencyMs: ms)
    }
    return ProbeSample(
      name: name, ok: code == c.exit,
      detail: code == c.exit ? "exit \(code) \(took)" : "exit \(code), expected \(c.exit) \(took)",
      latencyMs: ms)
  }
}
