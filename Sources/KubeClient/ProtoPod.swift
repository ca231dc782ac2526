import ClusterState

// A pod in Kubernetes' protobuf encoding (k8s.io/api/core/v1 generated.proto), read into the same
// `KPod` as the JSON scanner reads, field for field, so that both give the same `Pod`. Only the
// fields chaostui shows are read; the rest (managedFields, env, probes) is skipped by its length.
// A string that JSON would leave out when empty (`omitempty`) is nil here when empty, and a time
// (seconds and nanoseconds) is kept as seconds.

extension KubeDecode {
  /// One pod of a protobuf list (an item of `ProtoListStream`).
  static func protoPod(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Pod {
    var r = ProtoReader(bytes)
    return pod(try protoKPod(&r))
  }

  static func protoKPod(_ r: inout ProtoReader) throws -> KPod {
    var meta = Meta(name: "")
    var spec = KPod.Spec(nodeName: nil, containers: nil)
    var status = KPod.Status(phase: nil, reason: nil, containerStatuses: nil, initContainerStatuses: nil)
    try r.fields { r, n, wire in
      guard wire == 2 else { return }
      var m = try r.message()
      switch n {
      case 1: meta = try protoMeta(&m)
      case 2: spec = try protoSpec(&m)
      case 3: status = try protoStatus(&m)
      default: break
      }
    }
    return KPod(metadata: meta, spec: spec, status: status)
  }

  /// ObjectMeta: name 1, namespace 3, uid 5, resourceVersion 6, creationTimestamp 8,
  /// deletionTimestamp 9, labels 11, ownerReferences 13.
  static func protoMeta(_ r: inout ProtoReader) throws -> Meta {
    var m = Meta(name: "")
    var labels: [String: String] = [:]
    var owners: [Owner] = []
    try r.fields { r, n, wire in
      switch (n, wire) {
      case (1, 2): m.name = try r.string()
      case (3, 2): m.namespace = try r.optionalString()
      case (5, 2): m.uid = try r.optionalString()
      case (6, 2): m.resourceVersion = try r.optionalString()
      case (8, 2): m.createdAt = try protoTime(&r)
      case (9, 2): m.deletedAt = try protoTime(&r)
      case (11, 2): try r.mapEntry(into: &labels)
      case (13, 2):
        var o = try r.message()
        var owner = Owner(kind: "", name: "", controller: nil)
        // OwnerReference: kind 1, name 3, controller 6.
        try o.fields { r, n, wire in
          switch (n, wire) {
          case (1, 2): owner.kind = try r.string()
          case (3, 2): owner.name = try r.string()
          case (6, 0): owner.controller = try r.bool()
          default: break
          }
        }
        owners.append(owner)
      default: break
      }
    }
    if !labels.isEmpty { m.labels = labels }
    if !owners.isEmpty { m.ownerReferences = owners }
    return m
  }

  /// A Time (seconds 1, nanos 2) as seconds; nil for the zero time (JSON's null).
  static func protoTime(_ r: inout ProtoReader) throws -> Double? {
    var t = try r.message()
    var seconds: Int64 = 0
    var nanos = 0
    try t.fields { r, n, wire in
      guard wire == 0 else { return }
      if n == 1 { seconds = try r.int64() } else if n == 2 { nanos = try r.int32() }
    }
    return seconds > 0 ? Double(seconds) + Double(nanos) / 1e9 : nil
  }

  /// PodSpec: containers 2 (name 1, resources 8: limits 1, requests 2), nodeName 10, priority 25.
  static func protoSpec(_ r: inout ProtoReader) throws -> KPod.Spec {
    var spec = KPod.Spec(nodeName: nil, containers: nil)
    var containers: [KPod.Container] = []
    try r.fields { r, n, wire in
      switch (n, wire) {
      case (2, 2):
        var c = try r.message()
        var container = KPod.Container(name: "", resources: nil)
        try c.fields { r, n, wire in
          switch (n, wire) {
          case (1, 2): container.name = try r.string()
          case (8, 2):
            var res = try r.message()
            container.resources = try protoResources(&res)
          default: break
          }
        }
        containers.append(container)
      case (10, 2): spec.nodeName = try r.optionalString()
      case (25, 0): spec.priority = try r.int32()
      default: break
      }
    }
    if !containers.isEmpty { spec.containers = containers }
    return spec
  }

  /// ResourceRequirements: limits 1 and requests 2, each a map of a name to a Quantity (string 1).
  static func protoResources(_ r: inout ProtoReader) throws -> KPod.Resources {
    var limits: [String: String] = [:]
    var requests: [String: String] = [:]
    // A Quantity: its string, field 1.
    let quantity = { (r: inout ProtoReader) throws -> String in
      var q = try r.message()
      var value = ""
      try q.fields { r, n, wire in if n == 1 && wire == 2 { value = try r.string() } }
      return value
    }
    try r.fields { r, n, wire in
      guard wire == 2 else { return }
      if n == 1 {
        try r.mapEntry(into: &limits, value: quantity)
      } else if n == 2 {
        try r.mapEntry(into: &requests, value: quantity)
      }
    }
    return KPod.Resources(requests: requests.isEmpty ? nil : requests, limits: limits.isEmpty ? nil : limits)
  }

  /// PodStatus: phase 1, message 3, reason 4, containerStatuses 8, initContainerStatuses 10.
  static func protoStatus(_ r: inout ProtoReader) throws -> KPod.Status {
    var status = KPod.Status(phase: nil, reason: nil, containerStatuses: nil, initContainerStatuses: nil)
    var statuses: [KPod.ContainerStatus] = []
    var inits: [KPod.ContainerStatus] = []
    try r.fields { r, n, wire in
      switch (n, wire) {
      case (1, 2): status.phase = try r.optionalString()
      case (3, 2): status.message = try r.optionalString()
      case (4, 2): status.reason = try r.optionalString()
      case (8, 2):
        var m = try r.message()
        statuses.append(try protoContainerStatus(&m))
      case (10, 2):
        var m = try r.message()
        inits.append(try protoContainerStatus(&m))
      default: break
      }
    }
    if !statuses.isEmpty { status.containerStatuses = statuses }
    if !inits.isEmpty { status.initContainerStatuses = inits }
    return status
  }

  /// ContainerStatus: state 2 (waiting 1: reason 1; running 2; terminated 3: exitCode 1, signal 2,
  /// reason 3), ready 4, restartCount 5.
  static func protoContainerStatus(_ r: inout ProtoReader) throws -> KPod.ContainerStatus {
    var cs = KPod.ContainerStatus(ready: nil, restartCount: nil, state: nil)
    try r.fields { r, n, wire in
      switch (n, wire) {
      case (4, 0): cs.ready = try r.bool()
      case (5, 0): cs.restartCount = try r.int32()
      case (2, 2):
        var s = try r.message()
        var state = KPod.State(waiting: nil, terminated: nil, running: nil)
        try s.fields { r, n, wire in
          guard wire == 2 else { return }
          var m = try r.message()
          switch n {
          case 1:
            var w = KPod.Waiting(reason: nil)
            try m.fields { r, n, wire in if n == 1 && wire == 2 { w.reason = try r.optionalString() } }
            state.waiting = w
          case 2: state.running = KPod.Running(startedAt: nil)
          case 3:
            var t = KPod.Terminated(reason: nil, exitCode: 0, signal: nil)
            try m.fields { r, n, wire in
              switch (n, wire) {
              case (1, 0): t.exitCode = try r.int32()
              case (2, 0):
                let signal = try r.int32()
                t.signal = signal == 0 ? nil : signal
              case (3, 2): t.reason = try r.optionalString()
              default: break
              }
            }
            state.terminated = t
          default: break
          }
        }
        cs.state = state
      default: break
      }
    }
    return cs
  }
}
