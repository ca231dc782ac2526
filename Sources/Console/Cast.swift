import ClusterState
import Foundation
import Panels
import Recording

/// The session as an asciicast v2 file (`--cast FILE`), for asciinema's player: a header line
/// (`version`, `width`, `height`, `timestamp`, `title`), then `[time, "o", text]` for what changed
/// on the screen (the cells that differ from the last frame, as ANSI escapes), `[time, "r", "WxH"]`
/// on a resize, and `[time, "m", label]` markers at each injection, detection, recovery and abort,
/// so the player shows chapters. Wraps the real backend: the terminal gets the same frames.
public final class CastRecorder: TerminalBackend {
  let inner: TerminalBackend
  let handle: FileHandle
  let started: Double
  let clock: () -> Double
  private var last: CellBuffer?
  private var seenTimeline: Int?
  /// The timeline the markers come from (the console's state).
  public var timeline: () -> [TimelineEntry] = { [] }
  public private(set) var problem: String?

  /// Creates the file (an existing one is refused: a cast is never overwritten).
  public init(
    path: String, inner: TerminalBackend, title: String, clock: @escaping () -> Double,
    wallClock: Double = Date().timeIntervalSince1970
  ) throws {
    guard !FileManager.default.fileExists(atPath: path) else {
      throw CastError("\(path) exists (a cast is never overwritten)")
    }
    // 0600: a cast holds the logs pane, where secrets often show.
    let h: FileHandle
    do { h = try PrivateFile.create(path) } catch { throw CastError("\(error)") }
    self.inner = inner
    handle = h
    self.clock = clock
    started = clock()
    let header: [String: Any] = [
      "version": 2, "width": inner.width, "height": inner.height, "timestamp": Int(wallClock), "title": title,
      "env": ["TERM": "xterm-256color"],
    ]
    write(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
  }

  public struct CastError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
  }

  public var width: Int { inner.width }
  public var height: Int { inner.height }
  public func readKey(timeoutMs: Int) -> Key? { inner.readKey(timeoutMs: timeoutMs) }
  public func takeSignal() -> Int32? { inner.takeSignal() }

  public func present(_ frame: CellBuffer) {
    inner.present(frame)
    let t = clock() - started
    if let l = last, l.width != frame.width || l.height != frame.height {
      event(t, "r", "\(frame.width)x\(frame.height)")
      last = nil
    }
    let text = Self.ansi(frame, since: last)
    if !text.isEmpty { event(t, "o", text) }
    last = frame
    // Markers: chaostui's own entries the timeline gained since the last frame (an injection,
    // detection, recovery, end or abort), never a cluster's event, whatever its words.
    let entries = timeline()
    if let seen = seenTimeline {
      for e in entries.dropFirst(seen) where Self.isChapter(e) { event(t, "m", Sanitize.line(e.text)) }
    }
    seenTimeline = entries.count
  }

  public func close() { try? handle.close() }

  /// The timeline entries chaostui writes itself about faults and incidents (the kinds a cluster's
  /// events never get).
  static func isChapter(_ e: TimelineEntry) -> Bool {
    switch e.kind {
    case .fault, .detected, .recovered, .ended, .note: return true
    case .event, .warning, .scale, .promotion, .info: return false
    }
  }

  func event(_ t: Double, _ code: String, _ data: String) {
    guard
      let d = try? JSONSerialization.data(
        withJSONObject: [(t * 1000).rounded() / 1000, code, data] as [Any], options: [.fragmentsAllowed])
    else { return }
    write(d)
  }

  func write(_ data: Data) {
    guard problem == nil else { return }
    do {
      try handle.write(contentsOf: data + Data([0x0A]))
    } catch {
      problem = "the cast stopped: \(error.localizedDescription)"
    }
  }

  /// The cells of `frame` that differ from `previous` (all of them without one), as ANSI: a cursor
  /// move for each run of changed cells, the style when it changes, then the text.
  static func ansi(_ frame: CellBuffer, since previous: CellBuffer?) -> String {
    var out = previous == nil ? "\u{1B}[0m\u{1B}[2J" : ""
    var style: Style?
    for y in 0..<frame.height {
      var x = 0
      while x < frame.width {
        let c = frame[x, y]
        if let p = previous, p[x, y] == c {
          x += 1
          continue
        }
        out += "\u{1B}[\(y + 1);\(x + 1)H"
        while x < frame.width, previous.map({ $0[x, y] != frame[x, y] }) ?? true {
          let cell = frame[x, y]
          if cell.scalar == CellBuffer.continuation {
            // The second half of a wide character: its first cell drew it.
            x += 1
            continue
          }
          if cell.style != style {
            out += sgr(cell.style)
            style = cell.style
          }
          out.unicodeScalars.append(cell.scalar)
          x += 1
        }
      }
    }
    return out.isEmpty ? "" : out + "\u{1B}[0m"
  }

  static func sgr(_ s: Style) -> String {
    var codes = ["0"]
    if s.attrs.contains(.bold) { codes.append("1") }
    if s.attrs.contains(.dim) { codes.append("2") }
    if s.attrs.contains(.underline) { codes.append("4") }
    if s.attrs.contains(.reverse) { codes.append("7") }
    codes.append(color(s.fg, background: false))
    codes.append(color(s.bg, background: true))
    return "\u{1B}[" + codes.filter { !$0.isEmpty }.joined(separator: ";") + "m"
  }

  static func color(_ c: Color, background: Bool) -> String {
    switch c {
    case .default: return background ? "49" : "39"
    case .ansi(let n): return String((background ? (n < 8 ? 40 : 92) : (n < 8 ? 30 : 82)) + Int(n))
    case .indexed(let n): return (background ? "48;5;" : "38;5;") + String(n)
    case .rgb(let r, let g, let b): return (background ? "48;2;" : "38;2;") + "\(r);\(g);\(b)"
    }
  }
}
