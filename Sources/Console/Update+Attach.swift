import ClusterState

/// The label deploy/ gives chaostui's own pods (a Job's run, the monkey's CronJob).
public let chaostuiPodLabel = ("app.kubernetes.io/name", "chaostui")
public let attachOnlyChaostui =
  "A attaches to an in-cluster run: select a pod of chaostui's Job or CronJob (label app.kubernetes.io/name=chaostui; / filters)"

extension Updater {
  /// A: attach to the selected pod's in-cluster run. Only chaostui's own pods (deploy/'s label)
  /// write a journal to their log; anything else is said, not tried.
  mutating func attachKey() {
    if ctx.replaying || ctx.following { return say("A attaches from a live session, not a replay or a follower") }
    guard let id = selectedPodID, let pod = state.pods[id] else { return say("No pod selected") }
    // A pod shown from the server's table before the full list (labels, owners) has come is let
    // through: the attach asks the server for its labels before reading its log.
    let labelsLoading = state.podDetailsPending && pod.labels.isEmpty
    guard labelsLoading || pod.labels[chaostuiPodLabel.0] == chaostuiPodLabel.1 else {
      return say(attachOnlyChaostui)
    }
    commands.append(.attach(LogRequest(namespace: pod.namespace, pod: pod.name)))
  }
}
