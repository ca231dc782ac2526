import ClusterState
import Panels

/// A terminal the console draws on: ncurses in the binary, a headless buffer in tests.
public protocol TerminalBackend: AnyObject {
  var width: Int { get }
  var height: Int { get }
  /// Waits up to `timeoutMs` for a key; nil when none came.
  func readKey(timeoutMs: Int) -> Key?
  /// Shows a frame, writing only what differs from the last one.
  func present(_ frame: CellBuffer)
  /// A signal that asks the program to stop (SIGINT, SIGTERM, SIGHUP), if one arrived.
  func takeSignal() -> Int32?
}

/// A backend without a terminal: keys from a script, frames kept in memory.
public final class HeadlessBackend: TerminalBackend {
  public var width: Int
  public var height: Int
  public var keys: [Key] = []
  public private(set) var lastFrame: CellBuffer?
  public private(set) var frames = 0
  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }
  public func readKey(timeoutMs: Int) -> Key? { keys.isEmpty ? nil : keys.removeFirst() }
  public func present(_ frame: CellBuffer) {
    lastFrame = frame
    frames += 1
  }
  public func takeSignal() -> Int32? { nil }
}

public struct LoopStats: Sendable {
  public var frames = 0
  public var keys = 0
  public var exitSignal: Int32?
}

/// The main loop: wait for a key or the next tick, let the clock move the cluster, draw a frame
/// when anything shown changed. Returns when the user quits or a signal arrives.
public func runLoop(
  console: Console, backend: TerminalBackend, clock: () -> Double, until stop: (() -> Bool)? = nil
) -> LoopStats {
  var stats = LoopStats()
  var dirty = true
  var lastSize = (backend.width, backend.height)
  while !console.quitRequested {
    if let sig = backend.takeSignal() {
      stats.exitSignal = sig
      break
    }
    if let stop, stop() { break }
    if console.advance(realTime: clock()) { dirty = true }
    if (backend.width, backend.height) != lastSize || stats.frames == 0 {
      lastSize = (backend.width, backend.height)
      console.resize(width: backend.width, height: backend.height)
      dirty = true
    }
    if dirty {
      backend.present(console.render(width: backend.width, height: backend.height))
      stats.frames += 1
      dirty = false
    }
    // Short waits keep a key's effect on the next frame; idle costs one wake-up per wait.
    if let key = backend.readKey(timeoutMs: 100) {
      // A burst (typed fast, pasted text, resize storms) handled before drawing once.
      var burst = [key]
      while burst.count <= 64, let more = backend.readKey(timeoutMs: 0) { burst.append(more) }
      stats.keys += burst.count
      console.handle(burst: burst, pageSize: max(1, backend.height / 3))
      dirty = true
    }
    if let target = console.takeAttach(), let attach = console.attacher {
      // The attached run takes the terminal until its q; this session keeps advancing meanwhile.
      if case .signal(let sig) = attach(target, backend, clock) {
        stats.exitSignal = sig
        break
      }
      lastSize = (0, 0)
      dirty = true
    }
  }
  return stats
}

/// How an attached run's view ended.
public enum AttachOutcome: Sendable, Equatable {
  /// q (or it could not attach, said in the console's footer).
  case back
  /// A signal (SIGINT, SIGTERM, SIGHUP): the whole program ends.
  case signal(Int32)
}

extension Console {
  func takeAttach() -> LogRequest? {
    defer { pendingAttach = nil }
    return pendingAttach
  }
}
