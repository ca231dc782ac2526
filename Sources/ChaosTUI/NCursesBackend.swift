import CNCursesW
import CTerminal
import Console
import Foundation
import KubeClient
import Panels
import PromClient
import Simulation

/// The ncurses terminal: colours degraded to what the terminal reports (truecolor themes map to
/// 256, 16, 8 colours or monochrome), only changed cells written, one doupdate a frame.
final class NCursesBackend: TerminalBackend {
  enum StartError: Error, CustomStringConvertible {
    case unknownTerminal(String)
    case cannotAddressCursor(String)
    var description: String {
      switch self {
      case .unknownTerminal(let term):
        return
          "chaostui: the terminal type TERM=\(term) is unknown to ncurses (no terminfo entry). Try TERM=xterm-256color or TERM=vt100."
      case .cannotAddressCursor(let term):
        return
          "chaostui: TERM=\(term) cannot move the cursor, so it cannot host a full-screen console. Run it in a terminal such as xterm, tmux or screen."
      }
    }
  }

  let colors: Int
  private var pairs: [PairKey: Int32] = [:]
  private var nextPair: Int32 = 1
  private let maxPairs: Int32
  private var last: CellBuffer?

  struct PairKey: Hashable {
    var fg: Int32
    var bg: Int32
  }

  init(term: String) throws {
    let rc = ct_start_screen()
    if rc == -1 { throw StartError.unknownTerminal(term) }
    if rc == -2 { throw StartError.cannotAddressCursor(term) }
    colors = has_colors() ? Int(ct_colors()) : 0
    maxPairs = Int32(max(0, min(Int(ct_color_pairs()), 32767)))
  }

  func shutdown() { ct_end_screen() }

  var width: Int { Int(ct_cols()) }
  var height: Int { Int(ct_lines()) }

  func takeSignal() -> Int32? {
    let s = ct_take_signal()
    return s == 0 ? nil : s
  }

  /// Reads that failed at once although they had time to wait: the terminal is gone.
  private var instantFailures = 0

  /// Set: the wait for a key also ends when the cluster posts something (see `Waker`).
  var waker: Waker?
  /// When the waker last ended a wait (monotonic nanoseconds).
  var lastWake: UInt64 = 0

  func readKey(timeoutMs: Int) -> Key? {
    if let waker {
      // A key ncurses already holds (the rest of an escape sequence) comes first.
      if let key = getKey(timeoutMs: 0) { return key }
      switch waitForInputOrWake(waker, timeoutMs: timeoutMs) {
      case .woken, .timeout: return nil
      // A resize is read as a key; any other signal is the loop's to take.
      case .interrupted: return getKey(timeoutMs: 0)
      // Ready, so the read does not wait; a closed terminal fails at once and is counted as such.
      case .input: break
      }
    }
    return getKey(timeoutMs: timeoutMs)
  }

  private func getKey(timeoutMs: Int) -> Key? {
    var ch: UInt32 = 0
    let started = DispatchTime.now().uptimeNanoseconds
    let rc = ct_get_key(Int32(timeoutMs), &ch)
    if rc == ERR {
      let waitedMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
      if timeoutMs >= 20 && waitedMs < 1 {
        instantFailures += 1
        // A closed terminal (SSH dropped without SIGHUP) must not become a busy loop.
        if instantFailures > 50 { ct_raise_flag(SIGHUP) }
      } else {
        instantFailures = 0
      }
      return nil
    }
    instantFailures = 0
    if rc == KEY_CODE_YES { return NCursesBackend.translate(function: Int32(ch)) }
    return NCursesBackend.translate(char: ch)
  }

  static func translate(function code: Int32) -> Key {
    switch code {
    case KEY_UP: return .up
    case KEY_DOWN: return .down
    case KEY_LEFT: return .left
    case KEY_RIGHT: return .right
    case KEY_NPAGE: return .pageDown
    case KEY_PPAGE: return .pageUp
    case KEY_HOME: return .home
    case KEY_END: return .end
    case KEY_BTAB: return .backTab
    case KEY_BACKSPACE: return .backspace
    case KEY_DC: return .delete
    case KEY_ENTER: return .enter
    case ct_key_resize(): return .resize
    default:
      if code >= ct_key_f(1) && code <= ct_key_f(24) { return .function(Int(code - ct_key_f(0))) }
      return .unknown(Int(code))
    }
  }

  static func translate(char v: UInt32) -> Key {
    switch v {
    case 9: return .tab
    case 10, 13: return .enter
    case 27: return .escape
    case 8, 127: return .backspace
    case 1...26: return .ctrl(Character(Unicode.Scalar(v + 96)!))
    default:
      guard let s = Unicode.Scalar(v) else { return .unknown(Int(v)) }
      return .char(Character(s))
    }
  }

  func present(_ frame: CellBuffer) {
    let full = last == nil || last!.width != frame.width || last!.height != frame.height
    if full { erase() }
    for y in 0..<frame.height {
      for x in 0..<frame.width {
        let cell = frame[x, y]
        if !full, last![x, y] == cell { continue }
        // The second half of a wide character: drawn with its first.
        if cell.scalar == CellBuffer.continuation { continue }
        // The bottom-right cell scrolls some terminals; ncurses handles it, but skip if it fails.
        let (attrs, pair) = attributes(cell.style)
        ct_put_cell(Int32(y), Int32(x), cell.scalar.value, attrs, pair)
      }
    }
    last = frame
    ct_flush()
  }

  private func attributes(_ style: Style) -> (attr_t, Int32) {
    var a: attr_t = ct_a_normal()
    if style.attrs.contains(.bold) { a |= ct_a_bold() }
    if style.attrs.contains(.underline) { a |= ct_a_underline() }
    if style.attrs.contains(.dim) { a |= ct_a_dim() }
    if style.attrs.contains(.reverse) { a |= ct_a_reverse() }
    if colors < 8 {
      // Monochrome: backgrounds become reverse video so selection and header still stand out.
      if style.bg != .default { a |= ct_a_reverse() }
      return (a, 0)
    }
    let fg = ColorMap.index(style.fg, colors: colors)
    let bg = ColorMap.index(style.bg, colors: colors)
    if fg == -1 && bg == -1 { return (a, 0) }
    let key = PairKey(fg: fg, bg: bg)
    if let p = pairs[key] { return (a, p) }
    guard nextPair < maxPairs else { return (a, 0) }
    let p = nextPair
    nextPair += 1
    _ = ct_init_pair(p, fg, bg)
    pairs[key] = p
    return (a, p)
  }
}

/// Maps theme colours to terminal colour numbers.
enum ColorMap {
  static let ansi16: [(Int, Int, Int)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
    (255, 255, 255),
  ]

  static func index(_ c: Color, colors: Int) -> Int32 {
    switch c {
    case .default: return -1
    case .ansi(let n): return Int32(colors >= 16 ? Int(n) : Int(n) % 8)
    case .indexed(let n):
      if colors >= 256 { return Int32(n) }
      let (r, g, b) = rgb(ofIndex: Int(n))
      return nearest(r, g, b, colors: colors)
    case .rgb(let r, let g, let b):
      if colors >= 256 { return Int32(cube(Int(r), Int(g), Int(b))) }
      return nearest(Int(r), Int(g), Int(b), colors: colors)
    }
  }

  static func nearest(_ r: Int, _ g: Int, _ b: Int, colors: Int) -> Int32 {
    let n = colors >= 16 ? 16 : 8
    var best = 0
    var bestD = Int.max
    for i in 0..<n {
      let p = ansi16[i]
      let d = (p.0 - r) * (p.0 - r) + (p.1 - g) * (p.1 - g) + (p.2 - b) * (p.2 - b)
      if d < bestD {
        bestD = d
        best = i
      }
    }
    return Int32(best)
  }

  static func level(_ v: Int) -> Int { v < 48 ? 0 : (v < 115 ? 1 : (v - 35) / 40) }

  /// The xterm-256 index of an RGB colour: the 6x6x6 cube or the grey ramp, whichever is closer.
  static func cube(_ r: Int, _ g: Int, _ b: Int) -> Int {
    let steps = [0, 95, 135, 175, 215, 255]
    let (cr, cg, cb) = (level(r), level(g), level(b))
    let cubeIdx = 16 + 36 * cr + 6 * cg + cb
    let dc = sq(steps[cr] - r) + sq(steps[cg] - g) + sq(steps[cb] - b)
    let avg = (r + g + b) / 3
    let grey = avg > 238 ? 23 : max(0, (avg - 3) / 10)
    let gv = 8 + 10 * grey
    let dg = sq(gv - r) + sq(gv - g) + sq(gv - b)
    return dg < dc ? 232 + grey : cubeIdx
  }

  static func sq(_ v: Int) -> Int { v * v }

  static func rgb(ofIndex n: Int) -> (Int, Int, Int) {
    if n < 16 { return ansi16[n] }
    if n >= 232 {
      let v = 8 + 10 * (n - 232)
      return (v, v, v)
    }
    let i = n - 16
    let steps = [0, 95, 135, 175, 215, 255]
    return (steps[i / 36], steps[(i / 6) % 6], steps[i % 6])
  }
}
