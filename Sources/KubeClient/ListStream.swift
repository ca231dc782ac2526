import Foundation
import Transport

/// A Kubernetes list read as it arrives: each element of its `items` cut out of the bytes and handed
/// on whole, the list's `metadata` kept for its resourceVersion. Decoding overlaps the transfer, no
/// item is decoded twice, and nothing but one item at a time is held: a list of 100,000 pods (some
/// 700 MB of JSON) never sits in memory. An item over `itemLimit` is skipped and counted, never
/// held. Bytes that are not a list's JSON (an HTML page, a Status) end it with an error.
struct ListItemStream {
  static let itemLimit = 16 << 20

  private var depth = 0
  private var inString = false
  private var escaped = false
  /// The last string read at the top level (a key, then maybe its value).
  private var key: [UInt8] = []
  private var lastKey: [UInt8] = []
  private var inItems = false
  private enum Capture { case metadata, item }
  private var capture: Capture?
  private var buffer: [UInt8] = []
  /// The bytes being fed, where the current item began in them (nil: it is in `buffer`), and the
  /// place of the byte being stepped.
  private var chunk: UnsafeBufferPointer<UInt8>?
  private var itemStart: Int?
  private var at = 0
  private var skipping = false
  private(set) var started = false
  private(set) var metadata: [UInt8] = []
  private(set) var skipped = 0
  private(set) var items = 0

  struct NotAList: Error, CustomStringConvertible {
    var description: String
  }

  private static let itemsKey = Array("items".utf8)
  private static let metadataKey = Array("metadata".utf8)

  /// Feeds the next bytes; `onItem` gets each whole item (its own JSON object). Inside an item,
  /// a run of bytes that changes nothing (no quote, backslash, brace or bracket) is copied at once.
  mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, onItem: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
    // The table once, not a lazy global's check and a retain for every byte (perf: a fifth of the
    // stream's time).
    try Self.structural.withUnsafeBufferPointer { structural in
      try feed(bytes, structural: structural, onItem: onItem)
    }
  }

  private mutating func feed(
    _ bytes: UnsafeBufferPointer<UInt8>, structural: UnsafeBufferPointer<Bool>,
    onItem: (UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws {
    var i = 0
    let n = bytes.count
    // An item that begins in these bytes is handed on from them when it ends in them too (no
    // copy); one that goes on past them is copied into `buffer`, from its start, to be finished.
    chunk = bytes
    defer {
      if let start = itemStart {
        if n - start < Self.itemLimit {
          buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<n]))
        } else {
          skipping = true
        }
        itemStart = nil
      }
      chunk = nil
    }
    while i < n {
      if capture != nil && !skipping && !escaped {
        var j = i
        if inString {
          while j < n, bytes[j] != Self.quote, bytes[j] != Self.backslash { j += 1 }
        } else {
          while j < n, !structural[Int(bytes[j])] { j += 1 }
        }
        if j > i && (itemStart != nil || buffer.count + (j - i) < Self.itemLimit) {
          if itemStart == nil { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j])) }
          i = j
          continue
        }
      }
      at = i
      try step(bytes[i], onItem: onItem)
      i += 1
    }
  }

  private static let quote = UInt8(ascii: "\"")
  private static let backslash = UInt8(ascii: "\\")
  /// The bytes that can change the stream's state outside a string.
  private static let structural: [Bool] = (0..<256).map { c in
    [UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]")].contains(UInt8(c))
  }

  /// One byte through the state machine.
  @inline(__always) private mutating func step(_ b: UInt8, onItem: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
    if !started {
      if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { return }
      guard b == UInt8(ascii: "{") else { throw NotAList(description: "the answer is not a JSON list") }
      started = true
    }
    if capture != nil { take(b) }
    if inString {
      if escaped {
        escaped = false
      } else if b == UInt8(ascii: "\\") {
        escaped = true
      } else if b == UInt8(ascii: "\"") {
        inString = false
        if depth == 1 { lastKey = key }
        return
      }
      if depth == 1 && key.count < 64 { key.append(b) }
      return
    }
    switch b {
    case UInt8(ascii: "\""):
      inString = true
      key.removeAll(keepingCapacity: true)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      depth += 1
      guard capture == nil else { break }
      if depth == 2 && b == UInt8(ascii: "{") && lastKey == Self.metadataKey {
        begin(.metadata, b)
      } else if depth == 2 && b == UInt8(ascii: "[") && lastKey == Self.itemsKey {
        inItems = true
      } else if depth == 3 && inItems && b == UInt8(ascii: "{") {
        begin(.item, b)
      }
    case UInt8(ascii: "}"), UInt8(ascii: "]"):
      if let c = capture, depth == (c == .metadata ? 2 : 3) {
        capture = nil
        if let start = itemStart, let chunk {
          itemStart = nil
          if at + 1 - start > Self.itemLimit {
            skipped += 1
          } else {
            items += 1
            try onItem(UnsafeBufferPointer(rebasing: chunk[start...at]))
          }
        } else if c == .metadata {
          metadata = buffer
        } else if skipping {
          skipped += 1
        } else {
          items += 1
          try buffer.withUnsafeBufferPointer { try onItem($0) }
        }
        buffer.removeAll(keepingCapacity: true)
      }
      if depth == 2 && b == UInt8(ascii: "]") { inItems = false }
      depth -= 1
      if depth < 0 { throw NotAList(description: "the list's JSON is not well formed") }
    default:
      break
    }
  }

  private mutating func begin(_ c: Capture, _ b: UInt8) {
    capture = c
    skipping = false
    buffer.removeAll(keepingCapacity: true)
    if c == .item && chunk != nil {
      itemStart = at
    } else {
      buffer.append(b)
    }
  }

  private mutating func take(_ b: UInt8) {
    guard !skipping, itemStart == nil else { return }
    if buffer.count >= Self.itemLimit {
      skipping = true
      buffer.removeAll()
      return
    }
    buffer.append(b)
  }

  /// Whether the whole list arrived (its top-level object closed).
  var complete: Bool { started && depth == 0 && !inString }

  /// The list's resourceVersion, from its metadata.
  var resourceVersion: String? {
    guard
      let m = try? JSONSerialization.jsonObject(with: Data(metadata)) as? [String: Any]
    else { return nil }
    return m["resourceVersion"] as? String
  }
}

extension Reflector {
  /// The first list of a kind whose items decode one by one: one GET from the API server's watch
  /// cache (`resourceVersion=0`, as client-go's informers list first), read as it arrives
  /// (`ListItemStream`). A relist after a 410 reads the consistent, paged list instead.
  func streamedList(
    _ http: HTTPClient, item: @escaping (UnsafeBufferPointer<UInt8>) throws -> T?,
    protoItem: ((UnsafeBufferPointer<UInt8>) throws -> T?)? = nil
  ) throws -> ([T], String?, Int) {
    var status = 0
    let q = path + (path.contains("?") ? "&" : "?") + "resourceVersion=0"
    // The bytes decode on a thread of their own while the transfer reads on: at 20,000 pods the
    // list took 3.3-4.2 s when the transfer decoded each piece before reading the next, 1.0-1.6 s
    // of it decoding, where the server sent it to curl in 1.4 s.
    let started = clock()
    var bytesRead = 0
    let handoff = ByteHandoff()
    let decoder = ListDecoder<T>(item: item, protoItem: protoItem, clock: clock)
    // Where the kind's items also read from protobuf, the server is asked for it first (as
    // client-go asks): it encodes a list faster, at 70% of the bytes, that decode in half the time
    // (ProtoList.swift). A server or proxy that answers JSON is read as JSON.
    let accept = protoItem == nil ? "application/json" : "application/vnd.kubernetes.protobuf, application/json"
    let decoded = DispatchSemaphore(value: 0)
    Thread.detachNewThread { [decoder] in
      decoder.run(handoff)
      decoded.signal()
    }
    let outcome: WatchOutcome
    do {
      outcome = try http.stream(
        q, accept: accept, timeout: 600, onOpen: { status = $0 },
        onBytes: { bytes in
          bytesRead += bytes.count
          return handoff.push(bytes)
        }, cancelled: { [self] in isStopped() })
    } catch {
      handoff.stop()
      decoded.wait()
      throw error
    }
    handoff.finish()
    decoded.wait()
    let (items, failure) = (decoder.items, decoder.failure)
    let code = outcome.status != 0 ? outcome.status : status
    guard (200..<300).contains(code) else {
      // A refusal of the request for protobuf comes in protobuf too.
      throw APIError.from(
        status: code, body: ProtoListStream.statusAsJSON(outcome.body) ?? outcome.body, request: request)
    }
    if let failure { throw APIError.unreadable(outcome.body, what: "the \(name) list", error: failure) }
    if let dropped = outcome.dropped { throw HTTPTransport.TransportError(description: dropped, curlCode: -1) }
    guard decoder.complete else {
      throw APIError.unreadable(
        outcome.body, what: "the \(name) list", error: ListItemStream.NotAList(description: "it ended early"))
    }
    log?(
      String(
        format:
          "%@: the list from the watch cache (%@): %.1f MB in %.3f s, %.3f s of it decoding (at most %.1f MB waiting)",
        name, decoder.proto == nil ? "JSON" : "protobuf", Double(bytesRead) / 1e6, clock() - started,
        decoder.decoding, Double(handoff.mostQueued) / 1e6))
    if decoder.skipped > 0 {
      log?("\(name): \(decoder.skipped) item(s) over \(ListItemStream.itemLimit >> 20) MiB skipped")
    }
    return (items, decoder.resourceVersion, decoder.served)
  }
}

/// The decoding side of `streamedList`: the items cut out of the bytes handed over (JSON, or
/// protobuf where the answer starts with its envelope and the kind reads it), decoded in order; the
/// first failure stops the transfer.
final class ListDecoder<T>: @unchecked Sendable {
  var stream = ListItemStream()
  /// Set by the answer's first byte when it is protobuf's envelope.
  var proto: ProtoListStream?
  private var decided = false
  var items: [T] = []
  var failure: Error?
  var decoding = 0.0
  let item: (UnsafeBufferPointer<UInt8>) throws -> T?
  let protoItem: ((UnsafeBufferPointer<UInt8>) throws -> T?)?
  let clock: () -> Double

  init(
    item: @escaping (UnsafeBufferPointer<UInt8>) throws -> T?,
    protoItem: ((UnsafeBufferPointer<UInt8>) throws -> T?)? = nil, clock: @escaping () -> Double
  ) {
    self.item = item
    self.protoItem = protoItem
    self.clock = clock
  }

  var complete: Bool { proto?.complete ?? stream.complete }
  var resourceVersion: String? { proto == nil ? stream.resourceVersion : proto?.resourceVersion }
  var skipped: Int { proto?.skipped ?? stream.skipped }
  /// How many items the server sent, kept or not.
  var served: Int { (proto?.items ?? stream.items) + skipped }

  func run(_ handoff: ByteHandoff) {
    while let chunk = handoff.take() {
      let t = clock()
      do {
        try chunk.withUnsafeBufferPointer { bytes in
          if !decided, let first = bytes.first {
            decided = true
            if protoItem != nil && first == ProtoListStream.magic[0] { proto = ProtoListStream() }
          }
          if proto != nil, let protoItem {
            try proto!.feed(bytes) { raw in if let v = try protoItem(raw) { items.append(v) } }
          } else {
            try stream.feed(bytes) { raw in if let v = try item(raw) { items.append(v) } }
          }
        }
      } catch {
        failure = error
        handoff.stop()
      }
      decoding += clock() - t
    }
  }
}
