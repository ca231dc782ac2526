import ClusterState
import Foundation
import Transport

/// Responses of the Prometheus HTTP API (`/api/v1/query`, `query_range`, `alerts`, `targets`).
public enum PromAPI {
  public typealias Series = MetricSeries
  public typealias Point = MetricPoint

  public enum Result: Sendable, Equatable {
    case vector([Series])
    case matrix([Series])
    case scalar(Point)
    case string(String)

    /// The series of a vector or matrix (a scalar as one unlabelled series).
    public var series: [Series] {
      switch self {
      case .vector(let s), .matrix(let s): return s
      case .scalar(let p): return [Series(labels: [:], points: [p])]
      case .string: return []
      }
    }
  }

  /// What went wrong, in words for a pane.
  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
  }

  public typealias Alert = MonitoringAlert
  public typealias Target = ScrapeTarget

  // MARK: - Decoding

  struct Envelope<D: Decodable>: Decodable {
    var status: String
    var data: D?
    var errorType: String?
    var error: String?
    var warnings: [String]?
  }

  struct RawPoint: Decodable {
    var point: Point
    init(from decoder: Decoder) throws {
      var c = try decoder.unkeyedContainer()
      let t = try c.decode(Double.self)
      let s = try c.decode(String.self)
      guard let v = PromAPI.value(s) else {
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a sample value: \(s.prefix(40))")
      }
      point = Point(t, v)
    }
  }

  struct RawSeries: Decodable {
    var metric: [String: String]?
    var value: RawPoint?
    var values: [RawPoint]?
  }

  struct RawData: Decodable {
    var resultType: String
    var result: RawResult
  }

  enum RawResult: Decodable {
    case series([RawSeries])
    case point(RawPoint)
    case pair(Double, String)

    init(from decoder: Decoder) throws {
      if let s = try? [RawSeries](from: decoder) {
        self = .series(s)
        return
      }
      if let p = try? RawPoint(from: decoder) {
        self = .point(p)
        return
      }
      var c = try decoder.unkeyedContainer()
      self = .pair(try c.decode(Double.self), try c.decode(String.self))
    }
  }

  /// A sample value as Prometheus writes it: a decimal string, "NaN", "+Inf", "-Inf".
  public static func value(_ s: String) -> Double? {
    switch s {
    case "NaN": return .nan
    case "+Inf", "Inf": return .infinity
    case "-Inf": return -.infinity
    default:
      // Digits only (Swift's Double(String) would also take "nan", "infinity", hex).
      guard let first = s.utf8.first,
        (first >= 0x30 && first <= 0x39) || first == 0x2D || first == 0x2B || first == 0x2E,
        !s.contains(where: { $0 == "x" || $0 == "X" || $0 == "n" || $0 == "N" || $0 == "i" || $0 == "I" })
      else { return nil }
      return Double(s)
    }
  }

  /// Checks the HTTP status and content type, then decodes the envelope.
  static func envelope<D: Decodable>(_ type: D.Type, status: Int, contentType: String?, body: Data) throws -> D {
    if let ct = contentType, !ct.lowercased().contains("json") {
      let start = String(decoding: body.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
      throw Failure("HTTP \(status): expected JSON, got \(ct) (\(start))")
    }
    let e: Envelope<D>
    do {
      e = try JSONDecoder().decode(Envelope<D>.self, from: body)
    } catch {
      if !(200..<300).contains(status) { throw Failure("HTTP \(status)") }
      throw Failure("unreadable response (\(body.count) bytes): \(shortError(error))")
    }
    if e.status != "success" {
      throw Failure("\(e.errorType ?? "error"): \(e.error ?? "no message") (HTTP \(status))")
    }
    guard let d = e.data else { throw Failure("a success without data") }
    return d
  }

  static func shortError(_ e: Error) -> String {
    if case DecodingError.dataCorrupted(let c) = e { return c.debugDescription }
    if case DecodingError.typeMismatch(_, let c) = e { return "type mismatch at \(c.codingPath.map(\.stringValue))" }
    if case DecodingError.keyNotFound(let k, _) = e { return "missing \(k.stringValue)" }
    return "\(e)"
  }

  /// The result of `/api/v1/query` or `/api/v1/query_range`.
  public static func result(status: Int = 200, contentType: String? = "application/json", _ body: Data) throws
    -> Result
  {
    let d = try envelope(RawData.self, status: status, contentType: contentType, body: body)
    switch (d.resultType, d.result) {
    case ("vector", .series(let s)):
      return .vector(s.map { Series(labels: $0.metric ?? [:], points: $0.value.map { [$0.point] } ?? []) })
    case ("matrix", .series(let s)):
      return .matrix(s.map { Series(labels: $0.metric ?? [:], points: ($0.values ?? []).map(\.point)) })
    case ("scalar", .point(let p)): return .scalar(p.point)
    case ("string", .pair(_, let s)): return .string(s)
    default: throw Failure("unexpected result type \(d.resultType)")
    }
  }

  public static func alerts(status: Int = 200, contentType: String? = "application/json", _ body: Data) throws
    -> [Alert]
  {
    struct D: Decodable {
      struct A: Decodable {
        var labels: [String: String]?
        var annotations: [String: String]?
        var state: String?
        var activeAt: String?
      }
      var alerts: [A]
    }
    let d = try envelope(D.self, status: status, contentType: contentType, body: body)
    return d.alerts.map { a in
      let labels = a.labels ?? [:]
      return Alert(
        name: labels["alertname"] ?? "?", state: a.state ?? "?", labels: labels,
        summary: a.annotations?["summary"] ?? a.annotations?["description"] ?? "",
        activeAt: a.activeAt.flatMap(rfc3339))
    }
  }

  public static func targets(status: Int = 200, contentType: String? = "application/json", _ body: Data) throws
    -> [Target]
  {
    struct D: Decodable {
      struct T: Decodable {
        var labels: [String: String]?
        var health: String?
        var lastError: String?
        var lastScrape: String?
        var scrapePool: String?
      }
      var activeTargets: [T]
    }
    let d = try envelope(D.self, status: status, contentType: contentType, body: body)
    return d.activeTargets.map { t in
      Target(
        job: t.labels?["job"] ?? t.scrapePool ?? "?", instance: t.labels?["instance"] ?? "?",
        health: t.health ?? "unknown", lastError: t.lastError ?? "", lastScrape: t.lastScrape.flatMap(rfc3339))
    }
  }

  /// RFC 3339 with fractional seconds and any offset, as Prometheus writes times.
  static func rfc3339(_ s: String) -> Double? { Timestamps.parse(s) }
}
