/// What chaostui tells the team's other tools (a chat webhook, Grafana annotations) as it happens:
/// injections, detections, recoveries, faults ended or aborted, the lever and stop signals, notes
/// and verdicts. The console hands them to an `EventSink`, which sends them in the background.
public struct OutEvent: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case injected, detected, recovered, ended, lever, signal, note, verdict
  }
  public var kind: Kind
  public var text: String
  public var incident: Int?
  public init(kind: Kind, text: String, incident: Int? = nil) {
    self.kind = kind
    self.text = text
    self.incident = incident
  }

  /// The event a timeline line is (nil: not one told outside).
  public static func of(_ e: TimelineEntry) -> OutEvent? {
    let kind: Kind
    switch e.kind {
    case .fault: kind = .injected
    case .detected: kind = .detected
    case .recovered where e.incident != nil: kind = .recovered
    case .ended: kind = .ended
    case .note: kind = .note
    case .warning, .info:
      if e.text.hasPrefix("SAFETY LEVER") || e.text.hasPrefix("safety lever") {
        kind = .lever
      } else if e.text.hasPrefix("STOP SIGNAL") || e.text.hasPrefix("stop signal") {
        kind = .signal
      } else {
        return nil
      }
    default: return nil
    }
    return OutEvent(kind: kind, text: e.text, incident: e.incident)
  }
}

/// Sends events without blocking the caller.
public protocol EventSink: AnyObject, Sendable {
  func send(_ event: OutEvent)
}

/// Which timeline lines were handed on already: those past the newest time seen, and at that time
/// those not seen (the timeline is ordered by time, and bounded).
public struct TimelineCursor: Sendable {
  var time: Seconds = -.infinity
  var atTime: Set<String> = []
  public init() {}

  /// Lines new since the last call.
  public mutating func new(_ timeline: [TimelineEntry]) -> [TimelineEntry] {
    var out: [TimelineEntry] = []
    for e in timeline.reversed() {
      if e.time < time { break }
      if e.time == time && atTime.contains(e.text) { continue }
      out.append(e)
    }
    out.reverse()
    for e in out {
      if e.time > time {
        time = e.time
        atTime = []
      }
      if e.time == time { atTime.insert(e.text) }
    }
    return out
  }

  /// Starts after what is there now (a session's first snapshot is not news).
  public mutating func skip(_ timeline: [TimelineEntry]) { _ = new(timeline) }
}
