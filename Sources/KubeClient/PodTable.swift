import ClusterState
import Foundation
import Transport

/// The server-side table of pods (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, the
/// rows `kubectl get pods` prints) without the objects: about 250 bytes a pod instead of 5-27 KB,
/// so a first complete view of 10,000 pods arrives in a fraction of the full list's time. Labels,
/// owners and containers come with the full list that follows.
extension KubeDecode {
  public static let tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"

  enum Cell: Decodable, Equatable {
    case string(String)
    case number(Double)
    case other

    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let s = try? c.decode(String.self) {
        self = .string(s)
      } else if let d = try? c.decode(Double.self) {
        self = .number(d)
      } else {
        self = .other
      }
    }

    var text: String? {
      switch self {
      case .string(let s): return s
      case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
      case .other: return nil
      }
    }
  }

  struct Table: Decodable {
    struct Column: Decodable { var name: String }
    struct Row: Decodable {
      var cells: [Cell]
      /// With `includeObject=Metadata` (the default): the row's object's namespace.
      var object: RowObject?
    }
    struct RowObject: Decodable {
      struct Meta: Decodable { var namespace: String? }
      var metadata: Meta?
    }
    var kind: String?
    var columnDefinitions: [Column]
    var rows: [Row]?
    var metadata: ListMeta?
  }

  /// Rows of a Table response as (column name → cell text) — for any resource.
  static func tableRows(_ data: Data) throws -> (rows: [[String: String]], resourceVersion: String?) {
    let (rows, _, rv) = try tableRowsAndNamespaces(data)
    return (rows, rv)
  }

  /// The rows, each row's object's namespace where the table carries the objects' metadata, and
  /// the resourceVersion.
  static func tableRowsAndNamespaces(_ data: Data) throws -> (
    rows: [[String: String]], namespaces: [String?], resourceVersion: String?
  ) {
    if let scanned = scannedTable(data) { return scanned }
    return try tableWithJSONDecoder(data)
  }

  static func tableWithJSONDecoder(_ data: Data) throws -> (
    rows: [[String: String]], namespaces: [String?], resourceVersion: String?
  ) {
    let t = try JSONDecoder().decode(Table.self, from: data)
    guard t.kind == nil || t.kind == "Table" else {
      throw DecodeError("expected a Table, the server sent \(t.kind ?? "?")")
    }
    let names = t.columnDefinitions.map(\.name)
    let rows = (t.rows ?? []).map { row in
      var r: [String: String] = [:]
      for (name, cell) in zip(names, row.cells) { r[name] = cell.text }
      return r
    }
    return (rows, (t.rows ?? []).map { $0.object?.metadata?.namespace }, t.metadata?.resourceVersion)
  }

  /// Pods from the pods Table of one namespace, as complete as the table allows: name, ready,
  /// status, restarts, age (to the table's precision), node. `namespace` nil: a table of several
  /// namespaces, each row's read from its object's metadata (a row without one is dropped).
  public static func podTable(_ data: Data, namespace: String?, now: Seconds) throws -> [Pod] {
    let t = try tableRowsAndNamespaces(data)
    return zip(t.rows, t.namespaces).compactMap { r, rowNamespace in
      guard let name = r["Name"], !name.isEmpty, let namespace = namespace ?? Interned.name(rowNamespace)
      else { return nil }
      let status = r["Status"] ?? "Unknown"
      let readyParts = (r["Ready"] ?? "0/0").split(separator: "/").map { Int($0) ?? 0 }
      // 1.20 prints restarts as a number; newer servers as "3 (5m ago)".
      let restarts = Int(r["Restarts"]?.prefix { $0.isNumber } ?? "") ?? 0
      let age = r["Age"].flatMap({ Durations.seconds($0) }) ?? 0
      let node = r["Node"].flatMap { $0 == "<none>" || $0.isEmpty ? nil : $0 }
      var pod = Pod(
        namespace: namespace, name: name, phase: phase(forStatus: status), status: Interned.string(status),
        readyContainers: readyParts.first ?? 0, totalContainers: readyParts.count > 1 ? readyParts[1] : 0,
        restarts: restarts, created: now - age, node: Interned.name(node))
      if status == "Terminating" {
        pod.phase = .running
        pod.deletionTimestamp = now
      }
      return pod
    }
  }

  /// The phase behind a STATUS column value (the table has no phase column).
  static func phase(forStatus s: String) -> PodPhase {
    switch s {
    case "Running", "Terminating": return .running
    case "Completed", "Succeeded": return .succeeded
    case "Failed", "Error", "Evicted", "OOMKilled": return .failed
    case "Unknown", "NodeLost": return .unknown
    default: return .pending  // Pending, ContainerCreating, Init:..., ErrImagePull, CrashLoopBackOff ...
    }
  }

}
