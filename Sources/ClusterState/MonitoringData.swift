import Foundation

/// An alert of the monitoring stack (Prometheus' `/api/v1/alerts`), as the panes and the timeline use it.
public struct Alert: Sendable, Equatable, Codable {
  public var name: String
  public var state: String
  public var labels: [String: String]
  public var summary: String
  public var activeAt: Double?
  public init(name: String, state: String, labels: [String: String], summary: String, activeAt: Double?) {
    self.name = name
    self.state = state
    self.labels = labels
    self.summary = summary
    self.activeAt = activeAt
  }
}

/// `Alert` by a name no other module has (PromAPI.Alert is this type).
public typealias MonitoringAlert = Alert

/// A scrape target of the monitoring stack and its health (Prometheus' `/api/v1/targets`).
public struct ScrapeTarget: Sendable, Equatable, Codable {
  public var job: String
  public var instance: String
  public var health: String
  public var lastError: String
  public var lastScrape: Double?
  public init(job: String, instance: String, health: String, lastError: String, lastScrape: Double?) {
    self.job = job
    self.instance = instance
    self.health = health
    self.lastError = lastError
    self.lastScrape = lastScrape
  }
}

/// A labelled time series from the monitoring stack: its labels and its points (seconds, value;
/// NaN and ±Inf kept).
public struct MetricSeries: Sendable, Equatable, Codable {
  public var labels: [String: String]
  public var points: [MetricPoint]
  public init(labels: [String: String], points: [MetricPoint]) {
    self.labels = labels
    self.points = points
  }
  public var last: Double? { points.last?.value }
}

public struct MetricPoint: Sendable, Equatable, Codable {
  public var time: Double
  public var value: Double
  public init(_ time: Double, _ value: Double) {
    self.time = time
    self.value = value
  }
  public static func == (a: MetricPoint, b: MetricPoint) -> Bool {
    a.time == b.time && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
  }
}
