import Foundation

/// Prometheus-style label matchers over an alert's labels (and `alertname`): `severity="critical"`,
/// `alertname=~"Postgres.*"`, `team!="batch"`, comma-separated, all of them must match. Regexes are
/// anchored, as Prometheus' are.
public struct AlertSelector: Sendable, Equatable, Codable {
  public enum Op: String, Sendable, Codable { case eq = "=", ne = "!=", re = "=~", nre = "!~" }
  public struct Matcher: Sendable, Equatable, Codable {
    public var label: String
    public var op: Op
    public var value: String
  }
  public var matchers: [Matcher]
  /// As written (shown in reasons).
  public var text: String

  public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
  }

  public static func parse(_ text: String) throws(ParseError) -> AlertSelector {
    var matchers: [Matcher] = []
    var rest = Substring(text.trimmingCharacters(in: .whitespaces))
    if rest.hasPrefix("{") && rest.hasSuffix("}") { rest = rest.dropFirst().dropLast() }
    while !rest.trimmingCharacters(in: .whitespaces).isEmpty {
      rest = rest.drop { $0 == " " }
      let label = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
      guard !label.isEmpty else { throw ParseError(description: "alert selector \(text): a label name expected") }
      rest = rest.dropFirst(label.count).drop { $0 == " " }
      let op: Op
      if rest.hasPrefix("=~") {
        op = .re
      } else if rest.hasPrefix("!~") {
        op = .nre
      } else if rest.hasPrefix("!=") {
        op = .ne
      } else if rest.hasPrefix("=") {
        op = .eq
      } else {
        throw ParseError(description: "alert selector \(text): = != =~ or !~ expected after \(label)")
      }
      rest = rest.dropFirst(op.rawValue.count).drop { $0 == " " }
      guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else {
        throw ParseError(description: "alert selector \(text): a quoted value expected after \(label)\(op.rawValue)")
      }
      let value = String(rest[rest.index(after: rest.startIndex)..<close])
      if op == .re || op == .nre, (try? NSRegularExpression(pattern: "^(?:" + value + ")$")) == nil {
        throw ParseError(description: "alert selector \(text): \(value) is not a regular expression")
      }
      matchers.append(Matcher(label: String(label), op: op, value: value))
      rest = rest[rest.index(after: close)...].drop { $0 == " " }
      if rest.first == "," {
        rest = rest.dropFirst()
      } else if !rest.isEmpty {
        throw ParseError(description: "alert selector \(text): a comma expected before \(rest.prefix(20))")
      }
    }
    guard !matchers.isEmpty else { throw ParseError(description: "alert selector is empty") }
    return AlertSelector(matchers: matchers, text: text)
  }

  public func matches(_ alert: Alert) -> Bool { compiled()(alert) }

  /// The selector as a test, its regular expressions compiled once (for a whole list of alerts).
  public func compiled() -> @Sendable (Alert) -> Bool {
    let tests = matchers.map { m -> (String, Op, String, NSRegularExpression?) in
      (
        m.label, m.op, m.value,
        m.op == .re || m.op == .nre ? try? NSRegularExpression(pattern: "^(?:" + m.value + ")$") : nil
      )
    }
    return { alert in
      tests.allSatisfy { label, op, value, re in
        let v = label == "alertname" ? alert.name : alert.labels[label] ?? ""
        switch op {
        case .eq: return v == value
        case .ne: return v != value
        case .re, .nre:
          let hit = re?.firstMatch(in: v, range: NSRange(v.startIndex..., in: v)) != nil
          return op == .re ? hit : !hit
        }
      }
    }
  }

  /// The alerts matching it that fire, in words (nil: none): at most three names, then how many more.
  public func firing(_ alerts: [Alert]) -> String? {
    let test = compiled()
    let names = Set(alerts.filter { $0.state == "firing" && test($0) }.map(\.name)).sorted()
    guard !names.isEmpty else { return nil }
    return "alert \(names.prefix(3).joined(separator: ", "))"
      + (names.count > 3 ? " and \(names.count - 3) more" : "") + " firing"
  }
}

extension ClusterSnapshot {
  /// Why nothing is injected now: the lever engaged or unknown, or a stop signal that says stop.
  public var injectionRefusal: String? { chaos.lever?.refusal ?? stopSignalReason }

  /// A definite stop (the lever engaged, a stop signal), not a lever still unknown.
  public var haltReason: String? { chaos.lever?.isEngaged == true ? chaos.lever?.refusal : stopSignalReason }

  /// The first stop signal that says stop, in words.
  public var stopSignalReason: String? {
    let stopping = (chaos.stopSignals ?? [:]).compactMap { k, v in v.map { (k, $0) } }.sorted { $0.0 < $1.0 }
    guard let (name, why) = stopping.first else { return nil }
    return "stop signal \(name): \(why)"
  }
}

/// The stop signals (the config file's `stop-signals`): an alert selector evaluated on Prometheus'
/// alerts here, a go/no-go URL answered by its poller. While one says stop, every fault is set back
/// and none starts; experiments and the monkey are held, as by the lever.
func reduceStopSignals(_ s: inout ClusterSnapshot, _ action: Action) -> [Effect] {
  switch action {
  case .stopSignalRules(let alerts):
    s.chaos.alertStop = alerts
    if s.chaos.stopSignals == nil { s.chaos.stopSignals = [:] }
    return evaluateAlertStop(&s)
  case .stopSignal(let name, let why): return setStopSignal(&s, name, why)
  default: return []
  }
}

/// The alert signal, from the alerts firing now.
func evaluateAlertStop(_ s: inout ClusterSnapshot) -> [Effect] {
  guard let selector = s.chaos.alertStop else { return [] }
  return setStopSignal(&s, "alerts {\(selector.text)}", selector.firing(s.monitoring.alerts))
}

func setStopSignal(_ s: inout ClusterSnapshot, _ name: String, _ why: String?) -> [Effect] {
  var signals = s.chaos.stopSignals ?? [:]
  // nil: never answered; .some(nil): go.
  let known = signals[name]
  if let known, known == why { return [] }
  signals[name] = .some(why)
  s.chaos.stopSignals = signals
  // A first answer of "go" is no news.
  if known == nil && why == nil { return [] }
  let text = why.map { "STOP SIGNAL \(name): \($0)" } ?? "stop signal \(name): go again"
  s.chaos.timeline.insertByTime(
    TimelineEntry(time: s.now, kind: why == nil ? .info : .warning, text: text), limit: ClusterSnapshot.timelineLimit)
  guard why != nil, (known ?? nil) == nil else { return [.notify(text)] }
  let ids = s.chaos.faults.filter(\.isActive).map(\.id) + s.chaos.pendingRequests.keys.sorted()
  return (ids.isEmpty ? [] : [.abort(ids: ids)]) + [.notify(text)]
}
