import Foundation

/// Wakes the terminal loop's wait for a key when the cluster posts something, so that an event is
/// on screen within a frame rather than at the next 100 ms tick: a non-blocking pipe whose read end
/// the backend polls beside standard input.
final class Waker: @unchecked Sendable {
  let readFD: Int32
  private let writeFD: Int32
  private let lock = NSLock()
  /// A wake-up is in the pipe and not yet drained: the next posts need not write another.
  private var pending = false

  init?() {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return nil }
    for fd in fds {
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
    readFD = fds[0]
    writeFD = fds[1]
  }

  deinit {
    close(readFD)
    close(writeFD)
  }

  /// From any thread: one write until the loop drains it, however many events come meanwhile.
  func wake() {
    let first = lock.withLock {
      defer { pending = true }
      return !pending
    }
    guard first else { return }
    var byte: UInt8 = 1
    _ = write(writeFD, &byte, 1)
  }

  /// Empties the pipe: every wake-up before now is answered by one pass of the loop. The pipe is
  /// read before `pending` is cleared: a post in between is already in the inbox the loop drains
  /// next, and any post after it writes again.
  func drain() {
    var buf = [UInt8](repeating: 0, count: 256)
    while read(readFD, &buf, buf.count) > 0 {}
    lock.withLock { pending = false }
  }
}

/// What ended a wait for a key.
enum WaitEnd: Equatable {
  /// The cluster posted something.
  case woken
  /// Standard input is readable (a key, or the terminal closed).
  case input
  /// A signal (a resize, a quit).
  case interrupted
  case timeout
}

extension NCursesBackend {
  /// Waits up to `timeoutMs` for standard input or the waker. The waker ends a wait at most once
  /// every `minWakeGapMs`, so that a storm of events draws at most that many frames a second; a key
  /// ends it at once.
  func waitForInputOrWake(_ waker: Waker, timeoutMs: Int, minWakeGapMs: Int = 25) -> WaitEnd {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeoutMs)) * 1_000_000
    while true {
      let now = DispatchTime.now().uptimeNanoseconds
      let left = deadline > now ? Int32((deadline - now) / 1_000_000) : 0
      // Soon after a wake-up only a key may end the wait; the cluster's news waits for the gap.
      let gapLeft = Int32(max(0, minWakeGapMs - Int((now &- lastWake) / 1_000_000)))
      let watchWaker = gapLeft == 0
      var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
      if watchWaker { fds.append(pollfd(fd: waker.readFD, events: Int16(POLLIN), revents: 0)) }
      let wait = watchWaker ? left : min(left, gapLeft)
      let rc = poll(&fds, nfds_t(fds.count), wait)
      if rc < 0 { return .interrupted }
      if fds[0].revents != 0 { return .input }
      if watchWaker && fds[1].revents != 0 {
        waker.drain()
        lastWake = DispatchTime.now().uptimeNanoseconds
        return .woken
      }
      if rc == 0 && left <= wait { return .timeout }
    }
  }
}
