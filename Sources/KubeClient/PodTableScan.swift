import Foundation

extension KubeDecode {
  /// A server table read with the scanner (the first view's 23 namespace tables of 100,020 pods:
  /// `JSONDecoder` was a sixth of chaostui's CPU at start). The same rows, namespaces and
  /// resourceVersion as `JSONDecoder` reads; nil when it meets anything it does not expect, or a
  /// kind that is not a Table (`JSONDecoder` then says what is wrong).
  static func scannedTable(_ data: Data) -> (rows: [[String: String]], namespaces: [String?], resourceVersion: String?)?
  {
    data.withUnsafeBytes { raw -> (rows: [[String: String]], namespaces: [String?], resourceVersion: String?)? in
      var s = JSONScanner(raw.bindMemory(to: UInt8.self))
      var kind: String?
      var names: [String]?
      var cells: [[Cell]] = []
      var namespaces: [String?] = []
      var rv: String?
      do {
        try s.object { s, key in
          switch key {
          case "kind": kind = try s.optionalString()
          case "metadata":
            try s.object { s, k in if k == "resourceVersion" { rv = try s.optionalString() } else { try s.skipValue() }
            }
          case "columnDefinitions":
            var columns: [String] = []
            try s.array { s in
              var name: String?
              try s.object { s, k in if k == "name" { name = try s.string() } else { try s.skipValue() } }
              guard let name else { throw JSONScanner.Failure() }
              columns.append(name)
            }
            names = columns
          case "rows":
            try s.array { s in
              var row: [Cell]?
              var namespace: String?
              try s.object { s, k in
                switch k {
                case "cells": row = try scanCells(&s)
                case "object": namespace = try scanRowNamespace(&s)
                default: try s.skipValue()
                }
              }
              guard let row else { throw JSONScanner.Failure() }
              cells.append(row)
              namespaces.append(namespace)
            }
          default: try s.skipValue()
          }
        }
      } catch {
        return nil
      }
      guard kind == nil || kind == "Table", let names else { return nil }
      let rows = cells.map { row in
        var r: [String: String] = [:]
        for (name, cell) in zip(names, row) { r[name] = cell.text }
        return r
      }
      return (rows, namespaces, rv)
    }
  }

  /// A row's cells: strings and numbers as `Cell` reads them, anything else `.other`.
  static func scanCells(_ s: inout JSONScanner) throws -> [Cell] {
    var cells: [Cell] = []
    try s.array { s in
      let c = try s.peek()
      if c == UInt8(ascii: "\"") {
        cells.append(.string(try s.string()))
      } else if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
        cells.append(.number(try s.number()))
      } else {
        try s.skipValue()
        cells.append(.other)
      }
    }
    return cells
  }

  /// The namespace in a row's object's metadata, if any.
  static func scanRowNamespace(_ s: inout JSONScanner) throws -> String? {
    var namespace: String?
    try s.object { s, k in
      guard k == "metadata" else { return try s.skipValue() }
      try s.object { s, k in if k == "namespace" { namespace = try s.optionalString() } else { try s.skipValue() } }
    }
    return namespace
  }
}
