import CTerminal
import ClusterState
import Console
import Foundation
import KubeClient

/// Pod `i` of a list as the lab's API server sends it (`lab/scale`'s pods: Deployments of 50
/// replicas over the 20 namespaces scale-00..scale-19, two containers, managedFields), with its
/// own name, namespace, owner and node.
func labPodJSON(_ i: Int) -> String {
  let d = i / 50
  let ns = "scale-" + (d % 20 < 10 ? "0" : "") + String(d % 20)
  let app = "etl-" + String(repeating: "0", count: max(0, 3 - String(d).count)) + String(d)
  let rs = app + "-84d9d55dcd"
  let suffix = String(String(i, radix: 36).reversed()).padding(toLength: 5, withPad: "x", startingAt: 0)
  let node = "lab-s" + String(i % 18)
  return """
    {"metadata":{"name":"\(rs)-\(suffix)","generateName":"\(rs)-","namespace":"\(ns)","uid":"0d6f8e0a-6a4e-4c2b-9a55-2b8c0e1f3a11","resourceVersion":"12345","creationTimestamp":"2026-11-24T18:38:04Z","labels":{"app":"\(app)","lab.chaostui.io/scale":"true","pod-template-hash":"84d9d55dcd","team":"data","tier":"batch","version":"v1.4.2"},"annotations":{"prometheus.io/port":"9100","prometheus.io/scrape":"true"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"\(rs)","uid":"7a1c","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-11-24T18:38:04Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:prometheus.io/port":{},"f:prometheus.io/scrape":{}},"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:lab.chaostui.io/scale":{},"f:pod-template-hash":{},"f:team":{},"f:tier":{},"f:version":{}},"f:ownerReferences":{".":{},"k:{\\"uid\\":\\"7a1c\\"}":{".":{},"f:apiVersion":{},"f:blockOwnerDeletion":{},"f:controller":{},"f:kind":{},"f:name":{},"f:uid":{}}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"etl\\"}":{".":{},"f:args":{},"f:env":{},"f:image":{},"f:imagePullPolicy":{},"f:livenessProbe":{},"f:name":{},"f:ports":{},"f:readinessProbe":{},"f:resources":{},"f:terminationMessagePath":{},"f:volumeMounts":{}},"k:{\\"name\\":\\"metrics\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{},"f:resources":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{},"f:volumes":{}}}},{"manager":"kubelet.py","operation":"Update","apiVersion":"v1","time":"2026-11-24T18:38:40Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{},"f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:podIPs":{},"f:startTime":{}}}}]},"spec":{"volumes":[{"name":"config","emptyDir":{}},{"name":"default-token-x","secret":{"secretName":"default-token-x","defaultMode":420}}],"containers":[{"name":"etl","image":"registry.lab.local/data/etl-worker:1.4.2","args":["--queue=ingest","--batch-size=500"],"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"env":[{"name":"ETL_MODE","value":"stream"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],"resources":{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"5m","memory":"16Mi"}},"volumeMounts":[{"name":"config","mountPath":"/etc/etl"}],"readinessProbe":{"httpGet":{"path":"/ready","port":"http","scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"},{"name":"metrics","image":"registry.lab.local/observability/node-sidecar:0.9","resources":{"limits":{"cpu":"50m","memory":"64Mi"},"requests":{"cpu":"1m","memory":"8Mi"}}}],"restartPolicy":"Always","terminationGracePeriodSeconds":5,"dnsPolicy":"ClusterFirst","nodeName":"\(node)","schedulerName":"default-scheduler"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-24T18:38:40Z"}],"hostIP":"127.0.0.1","podIP":"10.244.1.2","startTime":"2026-11-24T18:38:40Z","containerStatuses":[{"name":"etl","state":{"running":{"startedAt":"2026-11-24T18:38:40Z"}},"ready":true,"restartCount":0,"image":"x","imageID":"y","containerID":"z","started":true},{"name":"metrics","state":{"running":{"startedAt":"2026-11-24T18:38:40Z"}},"ready":true,"restartCount":0,"image":"x","imageID":"y","containerID":"z","started":true}]}}
    """
}

/// `chaostui-bench --pod-memory N`: the memory N pods take in the console, decoded as the app
/// decodes the full list (the scanner, pages of 500) and held in its store, with a frame drawn:
/// RSS and the allocator's bytes in use after each step.
func podMemorySection(pods n: Int) {
  print("chaostui-bench --pod-memory \(n)")
  func line(_ what: String) {
    print(String(format: "   %@: RSS %.0f MiB, in use %.0f MiB", what, rssMiB(), Double(ct_heap_in_use()) / 1_048_576))
  }
  line("start")
  let t0 = now()
  var pods: [Pod] = []
  pods.reserveCapacity(n)
  var page = 0
  while page * 500 < n {
    var text = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":["
    for i in (page * 500)..<min(n, page * 500 + 500) { text += (i == page * 500 ? "" : ",") + labPodJSON(i) }
    text += "]}"
    guard let items = try? KubeDecode.podList(Data(text.utf8)).items else {
      print("   the synthesized list did not decode")
      return
    }
    pods.append(contentsOf: items)
    page += 1
  }
  line(String(format: "%d pods decoded (%.1f s)", pods.count, now() - t0))
  let c = Console(source: QuietSource(), readOnly: true, now: 0)
  var t = now()
  c.store.dispatch([.connection(.connected), .podsReplaced(pods)])
  pods = []
  line(String(format: "in the store (a pod %d bytes inline; %.3f s)", MemoryLayout<Pod>.stride, now() - t))
  t = now()
  c.advance(realTime: 1)
  line(String(format: "a tick (%.3f s)", now() - t))
  t = now()
  _ = c.render(width: 200, height: 60)
  line(String(format: "in the store, a first frame drawn (%.3f s)", now() - t))
  t = now()
  _ = c.render(width: 200, height: 60)
  line(String(format: "the next frame (%.3f s)", now() - t))
}

/// `chaostui-bench --preview N`: the complete first view of N pods (the server tables' pods: name,
/// status, ready, restarts, age, node; no labels or owners) put on screen after a first page of 500,
/// as the app does it: the reducer, the console's advance (the pods list), a frame, the next
/// second. Each step timed, best and median of 5 runs (the main thread's share of the complete
/// view; the tables' transfer is `--kubeconfig`'s).
func previewSection(pods n: Int) {
  print("chaostui-bench --preview \(n)")
  let pods = (0..<n).map { i in
    Pod(
      namespace: "scale-\(i / 5000)", name: "etl-\(i / 50)-84d9d55dcd-\(String(i, radix: 36))", phase: .pending,
      status: "Pending", readyContainers: 0, totalContainers: 2, restarts: 0, created: 100, node: nil)
  }
  var steps: [String: [Double]] = [:]
  for _ in 0..<5 {
    let c = Console(source: QuietSource(), readOnly: true, now: 0)
    c.inbox.post([.connection(.connected), .podsFirstPage(Array(pods.prefix(500)))])
    _ = c.advance(realTime: 1)
    _ = c.render(width: 200, height: 60)
    var t = now()
    c.store.dispatch([.podsPreview(pods)])
    steps["1. the store (the reducer)", default: []].append(now() - t)
    t = now()
    _ = c.advance(realTime: 1.1)
    steps["2. the pods list and the console's steps (an advance)", default: []].append(now() - t)
    t = now()
    _ = c.render(width: 200, height: 60)
    steps["3. the first frame of it", default: []].append(now() - t)
    t = now()
    _ = c.advance(realTime: 2)
    steps["4. the next whole second (checks)", default: []].append(now() - t)
    guard c.state.pods.count == n, !c.state.podsPartial else { return print("   the view did not take the pods") }
  }
  for (what, ts) in steps.sorted(by: { $0.key < $1.key }) {
    let s = ts.sorted()
    print(String(format: "   %@: best %.3f s, median %.3f s", what, s[0], s[s.count / 2]))
  }
}
