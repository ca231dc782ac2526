import ClusterState
import Foundation
import Transport

/// A JSON scanner that reads only the fields chaostui shows and skips the rest (managedFields,
/// volumes, env, ...) without building them: a pod list decodes many times faster than with
/// JSONDecoder. Any surprise throws, and the caller falls back to JSONDecoder.
struct JSONScanner {
  struct Failure: Error {}
  let b: UnsafeBufferPointer<UInt8>
  var i = 0

  init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

  @inline(__always) mutating func ws() {
    while i < b.count {
      let c = b[i]
      if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
    }
  }

  @inline(__always) mutating func peek() throws -> UInt8 {
    ws()
    guard i < b.count else { throw Failure() }
    return b[i]
  }

  @inline(__always) mutating func expect(_ c: UInt8) throws {
    guard try peek() == c else { throw Failure() }
    i += 1
  }

  mutating func isNull() throws -> Bool {
    if try peek() == UInt8(ascii: "n") {
      guard i + 4 <= b.count else { throw Failure() }
      i += 4
      return true
    }
    return false
  }

  mutating func skipString() throws {
    try expect(UInt8(ascii: "\""))
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "\\") {
        i += 2
      } else if c == UInt8(ascii: "\"") {
        i += 1
        return
      } else {
        i += 1
      }
    }
    throw Failure()
  }

  mutating func string() throws -> String {
    try expect(UInt8(ascii: "\""))
    let start = i
    var escaped = false
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "\\") {
        escaped = true
        i += 2
      } else if c == UInt8(ascii: "\"") {
        let raw = UnsafeBufferPointer(rebasing: b[start..<i])
        i += 1
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        // Rare: let Foundation unescape it.
        var quoted = Data([UInt8(ascii: "\"")])
        quoted.append(contentsOf: raw)
        quoted.append(UInt8(ascii: "\""))
        guard let s = try? JSONDecoder().decode(String.self, from: quoted) else { throw Failure() }
        return s
      } else {
        i += 1
      }
    }
    throw Failure()
  }

  mutating func number() throws -> Double {
    ws()
    let start = i
    while i < b.count {
      let c = b[i]
      if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
        || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
      {
        i += 1
      } else {
        break
      }
    }
    guard i > start, let v = Double(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
    else { throw Failure() }
    return v
  }

  mutating func bool() throws -> Bool {
    let c = try peek()
    if c == UInt8(ascii: "t") {
      i += 4
      return true
    }
    if c == UInt8(ascii: "f") {
      i += 5
      return false
    }
    throw Failure()
  }

  /// Skips any value, counting brackets; strings are skipped whole so brackets inside them don't count.
  mutating func skipValue() throws {
    let c = try peek()
    if c == UInt8(ascii: "\"") { return try skipString() }
    if c != UInt8(ascii: "{") && c != UInt8(ascii: "[") {
      while i < b.count {
        let d = b[i]
        if d == UInt8(ascii: ",") || d == UInt8(ascii: "}") || d == UInt8(ascii: "]") || d == 0x20 || d == 0x0A
          || d == 0x0D || d == 0x09
        {
          return
        }
        i += 1
      }
      return
    }
    var depth = 0
    while i < b.count {
      let d = b[i]
      if d == UInt8(ascii: "\"") {
        try skipString()
        continue
      }
      if d == UInt8(ascii: "{") || d == UInt8(ascii: "[") {
        depth += 1
      } else if d == UInt8(ascii: "}") || d == UInt8(ascii: "]") {
        depth -= 1
        if depth == 0 {
          i += 1
          return
        }
      }
      i += 1
    }
    throw Failure()
  }

  /// Calls `body` for each key; `body` must consume the value (or call skipValue).
  mutating func object(_ body: (inout JSONScanner, String) throws -> Void) throws {
    if try isNull() { return }
    try expect(UInt8(ascii: "{"))
    if try peek() == UInt8(ascii: "}") {
      i += 1
      return
    }
    while true {
      let key = try string()
      try expect(UInt8(ascii: ":"))
      try body(&self, key)
      let c = try peek()
      i += 1
      if c == UInt8(ascii: "}") { return }
      guard c == UInt8(ascii: ",") else { throw Failure() }
    }
  }

  mutating func array(_ body: (inout JSONScanner) throws -> Void) throws {
    if try isNull() { return }
    try expect(UInt8(ascii: "["))
    if try peek() == UInt8(ascii: "]") {
      i += 1
      return
    }
    while true {
      try body(&self)
      let c = try peek()
      i += 1
      if c == UInt8(ascii: "]") { return }
      guard c == UInt8(ascii: ",") else { throw Failure() }
    }
  }

  mutating func optionalString() throws -> String? { try isNull() ? nil : try string() }

  mutating func stringMap() throws -> [String: String] {
    var m: [String: String] = [:]
    try object { s, k in
      if try s.peek() == UInt8(ascii: "\"") { m[k] = try s.string() } else { try s.skipValue() }
    }
    return m
  }
}

extension KubeDecode {
  /// A pod list with the scanner; nil when it meets anything it does not expect.
  static func fastPodList(_ data: Data) -> (items: [Pod], resourceVersion: String?, continue: String?)? {
    data.withUnsafeBytes { raw -> (items: [Pod], resourceVersion: String?, continue: String?)? in
      var s = JSONScanner(raw.bindMemory(to: UInt8.self))
      var items: [Pod] = []
      var rv: String?
      var cont: String?
      do {
        try s.object { s, key in
          switch key {
          case "metadata":
            try s.object { s, k in
              switch k {
              case "resourceVersion": rv = try s.optionalString()
              case "continue": cont = try s.optionalString()
              default: try s.skipValue()
              }
            }
          case "items":
            items.reserveCapacity(512)
            try s.array { s in items.append(KubeDecode.pod(try scanPod(&s))) }
          default: try s.skipValue()
          }
        }
        return (items, rv, cont)
      } catch {
        return nil
      }
    }
  }

  static func scanMeta(_ s: inout JSONScanner) throws -> Meta {
    var m = Meta(name: "")
    try s.object { s, k in
      switch k {
      case "name": m.name = try s.string()
      case "namespace": m.namespace = try s.optionalString()
      case "uid": m.uid = try s.optionalString()
      case "resourceVersion": m.resourceVersion = try s.optionalString()
      case "creationTimestamp": m.creationTimestamp = try s.optionalString()
      case "deletionTimestamp": m.deletionTimestamp = try s.optionalString()
      case "labels": m.labels = try s.stringMap()
      case "ownerReferences":
        var owners: [Owner] = []
        try s.array { s in
          var o = Owner(kind: "", name: "", controller: nil)
          try s.object { s, k in
            switch k {
            case "kind": o.kind = try s.string()
            case "name": o.name = try s.string()
            case "controller": o.controller = try s.isNull() ? nil : try s.bool()
            default: try s.skipValue()
            }
          }
          owners.append(o)
        }
        m.ownerReferences = owners
      default: try s.skipValue()
      }
    }
    return m
  }

  static func scanContainerStatuses(_ s: inout JSONScanner) throws -> [KPod.ContainerStatus] {
    var out: [KPod.ContainerStatus] = []
    try s.array { s in
      var cs = KPod.ContainerStatus(ready: nil, restartCount: nil, state: nil)
      try s.object { s, k in
        switch k {
        case "ready": cs.ready = try s.isNull() ? nil : try s.bool()
        case "restartCount": cs.restartCount = safeInt(try s.number())
        case "state":
          var st = KPod.State(waiting: nil, terminated: nil, running: nil)
          try s.object { s, k in
            switch k {
            case "waiting":
              var w = KPod.Waiting(reason: nil)
              try s.object { s, k in if k == "reason" { w.reason = try s.optionalString() } else { try s.skipValue() } }
              st.waiting = w
            case "running":
              try s.skipValue()
              st.running = KPod.Running(startedAt: nil)
            case "terminated":
              var t = KPod.Terminated(reason: nil, exitCode: nil, signal: nil)
              try s.object { s, k in
                switch k {
                case "reason": t.reason = try s.optionalString()
                case "exitCode": t.exitCode = safeInt(try s.number())
                case "signal": t.signal = safeInt(try s.number())
                default: try s.skipValue()
                }
              }
              st.terminated = t
            default: try s.skipValue()
            }
          }
          cs.state = st
        default: try s.skipValue()
        }
      }
      out.append(cs)
    }
    return out
  }

  static func scanPod(_ s: inout JSONScanner) throws -> KPod {
    var meta = Meta(name: "")
    var spec = KPod.Spec(nodeName: nil, containers: nil)
    var status = KPod.Status(phase: nil, reason: nil, containerStatuses: nil, initContainerStatuses: nil)
    try s.object { s, key in
      switch key {
      case "metadata": meta = try scanMeta(&s)
      case "spec":
        try s.object { s, k in
          switch k {
          case "nodeName": spec.nodeName = try s.optionalString()
          case "priority": spec.priority = try s.isNull() ? nil : Int(try s.number())
          case "containers":
            var cs: [KPod.Container] = []
            try s.array { s in
              var c = KPod.Container(name: "", resources: nil)
              try s.object { s, k in
                switch k {
                case "name": c.name = try s.string()
                case "resources":
                  var r = KPod.Resources(requests: nil, limits: nil)
                  try s.object { s, k in
                    switch k {
                    case "requests": r.requests = try s.stringMap()
                    case "limits": r.limits = try s.stringMap()
                    default: try s.skipValue()
                    }
                  }
                  c.resources = r
                default: try s.skipValue()
                }
              }
              cs.append(c)
            }
            spec.containers = cs
          default: try s.skipValue()
          }
        }
      case "status":
        try s.object { s, k in
          switch k {
          case "phase": status.phase = try s.optionalString()
          case "reason": status.reason = try s.optionalString()
          case "message": status.message = try s.optionalString()
          case "containerStatuses": status.containerStatuses = try scanContainerStatuses(&s)
          case "initContainerStatuses": status.initContainerStatuses = try scanContainerStatuses(&s)
          default: try s.skipValue()
          }
        }
      default: try s.skipValue()
      }
    }
    return KPod(metadata: meta, spec: spec, status: status)
  }
}

extension KubeDecode.Meta {
  init(name: String) {
    self.init(
      name: name, namespace: nil, uid: nil, resourceVersion: nil, creationTimestamp: nil, deletionTimestamp: nil,
      labels: nil, ownerReferences: nil)
  }
}

extension KubeDecode {
  /// One pod object (an item of a streamed list) with the scanner, else Foundation's decoder.
  static func onePod(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Pod {
    var s = JSONScanner(bytes)
    if let fast = try? scanPod(&s) { return pod(fast) }
    return pod(try JSONDecoder().decode(KPod.self, from: Data(buffer: bytes)))
  }
}
