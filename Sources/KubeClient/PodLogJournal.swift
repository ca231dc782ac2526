import ClusterState
import Foundation
import Transport

/// The journal of a chaostui that runs in a pod (`chaostui run --journal-stdout` in a Job), read
/// through the pod log API (`GET .../pods/NAME/log?follow=true`) into a `JournalFeed` for
/// `chaostui follow --pod` and the console's attach. A stream that ends while the pod still runs is
/// opened again (the feed skips what it already gave); it ends for good when the pod has finished.
/// Answers in error are said in the API's words.
public final class PodLogJournal: @unchecked Sendable {
  public let namespace: String
  public let pod: String
  public let container: String?
  public let feed: JournalFeed
  let makeClient: @Sendable () throws -> HTTPClient
  private let stopFlag = StopFlag()

  public init(
    namespace: String, pod: String, container: String? = nil, makeClient: @escaping @Sendable () throws -> HTTPClient
  ) {
    self.namespace = namespace
    self.pod = pod
    self.container = container
    self.makeClient = makeClient
    feed = JournalFeed(name: "the log of pod \(namespace)/\(pod)")
  }

  var podPath: String { "/api/v1/namespaces/\(Self.segment(namespace))/pods/\(Self.segment(pod))" }

  var logPath: String {
    var q = ["follow=true"]
    if let container { q.append("container=" + Self.segment(container)) }
    return podPath + "/log?" + q.joined(separator: "&")
  }

  static func segment(_ s: String) -> String { seg(s) }

  public func start() { Thread.detachNewThread { [self] in run() } }
  public func stop() { stopFlag.stop() }

  func run() {
    var backoff = 0.5
    var opened = false
    while !stopFlag.isStopped {
      do {
        let http = try makeClient()
        if opened { feed.restart() }
        let outcome = try http.stream(
          logPath, timeout: 3600,
          onOpen: { [feed] status in if (200..<300).contains(status) { feed.problem = nil } },
          onBytes: { [feed, stopFlag] bytes in
            guard !stopFlag.isStopped else { return false }
            feed.feed(bytes)
            return true
          },
          cancelled: { [stopFlag] in stopFlag.isStopped })
        if (200..<300).contains(outcome.status) {
          opened = true
          feed.problem = nil
          backoff = 0.5
          let phaseNow = (try? phase(http)) ?? nil
          if let phase = phaseNow, phase == "Succeeded" || phase == "Failed" {
            feed.ended = "the pod's run has ended (\(phase))"
            return
          }
          // A pod that has no node yet answers an empty log.
          if phaseNow == "Pending" { feed.problem = "\(feed.name): not started yet (Pending)" }
        } else {
          let e = KubeCluster.failure(outcome.status, outcome.body, what: "the log of pod \(namespace)/\(pod)")
          feed.problem = e.description
          // A pod not started yet answers 400 (ContainerCreating), or 404 while its container is not
          // known yet: it is waited for. A refusal, or a pod that is not there, ends it.
          let phaseNow = outcome.status == 404 ? ((try? phase(http)) ?? nil) : nil
          let podStarting = phaseNow == "Pending" || phaseNow == "Running"
          guard outcome.status == 400 || outcome.status >= 500 || outcome.status == 429 || podStarting else {
            feed.ended = "refused"
            return
          }
        }
      } catch { feed.problem = "cannot read the log of pod \(namespace)/\(pod): \(error)" }
      var slept = 0.0
      while slept < backoff && !stopFlag.isStopped {
        Thread.sleep(forTimeInterval: 0.05)
        slept += 0.05
      }
      backoff = min(10, backoff * 2)
    }
  }

  /// The pod's labels as the server has them now; nil when it is not there (404). What cannot be
  /// asked (a refusal, the network) is thrown.
  public func labels() throws -> [String: String]? {
    let answer = try makeClient().get(podPath)
    if answer.status == 404 { return nil }
    guard (200..<300).contains(answer.status) else {
      throw KubeCluster.failure(answer.status, answer.body, what: "pod \(namespace)/\(pod)")
    }
    // A page that is not a pod (a proxy's HTML) says nothing of the labels: not a refusal.
    guard let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any] else {
      throw KubeCluster.failure(answer.status, answer.body, what: "pod \(namespace)/\(pod)")
    }
    let metadata = object["metadata"] as? [String: Any]
    return (metadata?["labels"] as? [String: String]) ?? [:]
  }

  /// The pod's phase (`Running`, `Succeeded`, ...).
  func phase(_ http: HTTPClient) throws -> String? {
    let answer = try http.get(podPath)
    guard (200..<300).contains(answer.status),
      let object = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
      let status = object["status"] as? [String: Any]
    else { return nil }
    return status["phase"] as? String
  }

  /// The newest pod of a Job, for `--job`: of the pods with the `job-name` label Kubernetes puts on
  /// them, those whose controller is that Job (its uid). A label is anyone's to set: a pod planted
  /// with it is not the Job's, and its log is not followed.
  public static func newestPod(ofJob job: String, namespace: String, http: HTTPClient) throws -> String {
    let what = "job \(namespace)/\(job)"
    let jobAnswer = try http.get("/apis/batch/v1/namespaces/\(segment(namespace))/jobs/\(segment(job))")
    guard (200..<300).contains(jobAnswer.status) else {
      throw KubeCluster.failure(jobAnswer.status, jobAnswer.body, what: what)
    }
    guard let jobObject = try? JSONSerialization.jsonObject(with: jobAnswer.body) as? [String: Any],
      let uid = (jobObject["metadata"] as? [String: Any])?["uid"] as? String
    else { throw APIError.unreadable(jobAnswer.body, what: what, error: RunFailure("not a Job")) }
    let selector = "job-name=" + job
    let path =
      "/api/v1/namespaces/\(segment(namespace))/pods?labelSelector="
      + (selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-.")))
        ?? "")
    let answer = try http.get(path)
    guard (200..<300).contains(answer.status) else {
      throw KubeCluster.failure(answer.status, answer.body, what: "the pods of \(what)")
    }
    guard let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
      let items = object["items"] as? [[String: Any]]
    else { throw APIError.unreadable(answer.body, what: "the pods of \(what)", error: RunFailure("not a pod list")) }
    var others = 0
    let owned = items.compactMap { item -> (String, String)? in
      guard let meta = item["metadata"] as? [String: Any], let name = meta["name"] as? String else { return nil }
      let owners = (meta["ownerReferences"] as? [[String: Any]]) ?? []
      guard owners.contains(where: { $0["uid"] as? String == uid && $0["controller"] as? Bool == true }) else {
        others += 1
        return nil
      }
      return (name, meta["creationTimestamp"] as? String ?? "")
    }
    guard let newest = owned.max(by: { $0.1 < $1.1 }) else {
      let labelled = others == 0 ? "" : " (\(others) pod(s) carry its label but are not its own)"
      throw RunFailure("\(what) has no pod (yet?)\(labelled)")
    }
    return newest.0
  }

  public struct RunFailure: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
  }
}
