import ClusterState
import Foundation
import KubeClient
import PromClient
import Simulation
import TestSupport
import Transport
import XCTest

/// Kubeconfig merging and auth forms on fixture files, decoding of real API objects recorded from the lab.
final class KubeconfigTests: XCTestCase {
  var dir = ""

  override func setUpWithError() throws {
    dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("kubeconfig-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: dir + "/certs", withIntermediateDirectories: true)
    try "CA-PEM".write(toFile: dir + "/certs/ca.crt", atomically: true, encoding: .utf8)
    try "CERT-PEM".write(toFile: dir + "/certs/me.crt", atomically: true, encoding: .utf8)
    try "KEY-PEM".write(toFile: dir + "/certs/me.key", atomically: true, encoding: .utf8)
    try "file-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func write(_ name: String, _ text: String) -> String {
    let path = dir + "/" + name
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  let first = """
    apiVersion: v1
    kind: Config
    current-context: dev
    clusters:
    - name: lab
      cluster:
        server: https://127.0.0.1:16443
        certificate-authority: certs/ca.crt
    - name: shared
      cluster: {server: https://first.example:6443, insecure-skip-tls-verify: true, disable-compression: true}
    users:
    - name: alice
      user:
        client-certificate: certs/me.crt
        client-key: certs/me.key
    - name: bob
      user: {token: first-token}
    contexts:
    - name: dev
      context: {cluster: lab, user: alice, namespace: pipeline}
    - name: ops
      context: {cluster: shared, user: bob}
    """

  let second = """
    current-context: ops
    clusters:
    - name: shared
      cluster: {server: https://second.example:6443}
    - name: other
      cluster:
        server: https://other.example
        certificate-authority-data: Q0EtREFUQQ==
    users:
    - name: bob
      user: {token: second-token}
    - name: carol
      user: {tokenFile: token}
    - name: dave
      user:
        client-certificate-data: Q0VSVA==
        client-key-data: S0VZ
    - name: erin
      user:
        exec:
          apiVersion: client.authentication.k8s.io/v1beta1
          command: ./bin/get-token
          args: [--cluster, other]
          env: [{name: PROFILE, value: lab}]
    contexts:
    - name: ops
      context: {cluster: other, user: carol}
    - name: dave
      context: {cluster: other, user: dave}
    - name: erin
      context: {cluster: other, user: erin}
    """

  func testFirstFileToSetAKeyWinsAndRelativePathsResolve() throws {
    let a = write("a.yaml", first)
    let b = write("b.yaml", second)
    let c = try Kubeconfig.load(paths: [a, b], context: nil, explicit: false)
    XCTAssertEqual(c.contextName, "dev", "current-context from the first file")
    XCTAssertEqual(c.server, "https://127.0.0.1:16443")
    XCTAssertEqual(c.caData, Data("CA-PEM".utf8), "certificate-authority resolved against the file's folder")
    XCTAssertEqual(c.credentials, .clientCertificate(cert: Data("CERT-PEM".utf8), key: Data("KEY-PEM".utf8)))
    XCTAssertEqual(c.namespace, "pipeline")
    let ops = try Kubeconfig.load(paths: [a, b], context: "ops", explicit: false)
    XCTAssertEqual(ops.server, "https://first.example:6443", "cluster 'shared' from the first file")
    XCTAssertTrue(ops.insecureSkipTLSVerify)
    XCTAssertTrue(ops.disableCompression)
    XCTAssertFalse(c.disableCompression, "compressed answers unless the kubeconfig says otherwise, as kubectl")
    XCTAssertEqual(ops.credentials, .token("first-token"), "user 'bob' from the first file")
    let reversed = try Kubeconfig.load(paths: [b, a], context: nil, explicit: false)
    XCTAssertEqual(reversed.contextName, "ops")
    XCTAssertEqual(reversed.server, "https://other.example")
    XCTAssertEqual(reversed.caData, Data("CA-DATA".utf8))
    XCTAssertEqual(reversed.credentials, .tokenFile(dir + "/token"))
  }

  func testEveryAuthForm() throws {
    let b = write("b.yaml", second)
    XCTAssertEqual(
      try Kubeconfig.load(paths: [b], context: "dave", explicit: true).credentials,
      .clientCertificate(cert: Data("CERT".utf8), key: Data("KEY".utf8)))
    guard case .exec(let e) = try Kubeconfig.load(paths: [b], context: "erin", explicit: true).credentials else {
      return XCTFail("exec expected")
    }
    XCTAssertEqual(e.command, dir + "/./bin/get-token")
    XCTAssertEqual(e.args, ["--cluster", "other"])
    XCTAssertEqual(e.env, ["PROFILE": "lab"])
    let source = TokenSource(.tokenFile(dir + "/token"))
    XCTAssertEqual(try source.token(), "file-token")
    // A projected service account token rotates under the same name: the next request reads it.
    try "rotated-token\n".write(toFile: dir + "/token.new", atomically: true, encoding: .utf8)
    _ = rename(dir + "/token.new", dir + "/token")
    XCTAssertEqual(try source.token(), "rotated-token")
  }

  func testExecPluginCredentialsAreCachedUntilExpiry() throws {
    let counter = dir + "/calls"
    let script = write(
      "plugin.sh",
      """
      #!/bin/sh
      echo x >> \(counter)
      echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"exec-token","expirationTimestamp":"2999-01-01T00:00:00Z"}}'
      """)
    chmod(script, 0o755)
    let source = TokenSource(.exec(ExecConfig(command: script, args: [], env: [:], apiVersion: "v1beta1")))
    XCTAssertEqual(try source.token(), "exec-token")
    XCTAssertEqual(try source.token(), "exec-token")
    XCTAssertEqual(try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count, 1, "cached")
    source.invalidate()
    _ = try source.token()
    XCTAssertEqual(try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count, 2, "refreshed")
    let failing = write("fail.sh", "#!/bin/sh\nexit 3\n")
    chmod(failing, 0o755)
    XCTAssertThrowsError(
      try TokenSource(.exec(ExecConfig(command: failing, args: [], env: [:], apiVersion: "v1"))).token()
    ) {
      XCTAssertTrue("\($0)".contains("exit 3"), "\($0)")
    }
  }

  func testBadKubeconfigsSayWhatIsWrong() {
    let a = write("a.yaml", first)
    func message(_ paths: [String], _ context: String?, explicit: Bool = true) -> String {
      do {
        _ = try Kubeconfig.load(paths: paths, context: context, explicit: explicit)
        return "loaded"
      } catch { return "\(error)" }
    }
    XCTAssertTrue(message([dir + "/missing"], nil).contains("no such file"))
    XCTAssertTrue(message([a], "prod").contains("context \"prod\" not found"))
    XCTAssertTrue(message([a], "prod").contains("dev, ops"), "lists the contexts there are")
    let broken = write("broken.yaml", "clusters: [\n  - name: x\n    token: s3cr3t-in-broken-yaml: : :\n")
    let m = message([broken], nil)
    XCTAssertTrue(m.contains("not a valid kubeconfig"), m)
    XCTAssertFalse(m.contains("s3cr3t"), "never quotes the file's text")
    XCTAssertTrue(message([dir + "/none1", dir + "/none2"], nil, explicit: false).contains("no kubeconfig found"))
    let noUser = write(
      "nouser.yaml",
      "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: ghost}}]\nclusters: [{name: c, cluster: {server: https://h}}]\n"
    )
    XCTAssertTrue(message([noUser], nil).contains("names user \"ghost\""))
  }

  func testSecretsNeverInTheDescription() throws {
    let b = write("b.yaml", second)
    let c = try Kubeconfig.load(paths: [b], context: "dave", explicit: true)
    XCTAssertFalse(c.description.contains("KEY"))
    let t = try Kubeconfig.load(paths: [write("a.yaml", first)], context: "ops", explicit: true)
    XCTAssertFalse(t.description.contains("first-token"))
  }

  func testInClusterServiceAccount() throws {
    try FileManager.default.createDirectory(atPath: dir + "/sa", withIntermediateDirectories: true)
    try "sa-token".write(toFile: dir + "/sa/token", atomically: true, encoding: .utf8)
    try "team-a\n".write(toFile: dir + "/sa/namespace", atomically: true, encoding: .utf8)
    let c = Kubeconfig.inCluster(
      environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"], root: dir + "/sa")
    XCTAssertEqual(c?.server, "https://10.0.0.1:443")
    XCTAssertEqual(c?.namespace, "team-a")
    XCTAssertNil(Kubeconfig.inCluster(environment: [:], root: dir + "/sa"))
    XCTAssertEqual(c?.userName, "serviceaccount", "a token that is not a JWT names no one")
  }

  /// A projected token's `sub` names the runner in RBAC's refusals and the audit log; a claim with
  /// control characters (or none) does not.
  func testAServiceAccountTokenNamesItsAccount() {
    func jwt(_ claims: String) -> String {
      let b = Data(claims.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      return "eyJhbGciOiJSUzI1NiJ9." + b + ".c2lnbmF0dXJl"
    }
    XCTAssertEqual(
      Kubeconfig.serviceAccountName(jwt(#"{"sub":"system:serviceaccount:chaostui-system:chaostui-run","aud":["x"]}"#)),
      "system:serviceaccount:chaostui-system:chaostui-run")
    XCTAssertNil(Kubeconfig.serviceAccountName(jwt(#"{"sub":"system:serviceaccount:a:\u001b]52;c;eA==\u0007"}"#)))
    XCTAssertNil(Kubeconfig.serviceAccountName(jwt(#"{"sub":"admin"}"#)))
    XCTAssertNil(Kubeconfig.serviceAccountName("not-a-jwt"))
  }

  func testKubeconfigPathsFollowKubectl() {
    XCTAssertEqual(Kubeconfig.paths(flag: "/x", environment: ["KUBECONFIG": "/a:/b"]), ["/x"])
    XCTAssertEqual(Kubeconfig.paths(flag: nil, environment: ["KUBECONFIG": "/a::/b"]), ["/a", "/b"])
    XCTAssertEqual(Kubeconfig.paths(flag: nil, environment: ["HOME": "/home/u"]), ["/home/u/.kube/config"])
  }
}

final class KubeDecodeTests: XCTestCase {
  func fixture(_ name: String) throws -> Data {
    let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!
    return try Data(contentsOf: url)
  }

  func testPodListRecordedFromTheLab() throws {
    let (pods, rv, cont) = try KubeDecode.podList(try fixture("pods-list.json"))
    XCTAssertEqual(pods.count, 2)
    XCTAssertNotNil(rv)
    XCTAssertEqual(cont, "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NTE5fQ")
    let flask = pods[0]
    XCTAssertTrue(flask.name.hasPrefix("flask-"))
    XCTAssertEqual(flask.workload, "flask", "ReplicaSet name minus the pod-template-hash")
    XCTAssertEqual(flask.owner?.kind, "ReplicaSet")
    XCTAssertEqual(flask.status, "Running")
    XCTAssertTrue(flask.isReady)
    XCTAssertEqual(flask.cpuRequestMilli, 200)
    XCTAssertEqual(flask.memoryLimitBytes, 256 * 1024 * 1024)
    XCTAssertGreaterThan(flask.created, 1_700_000_000)
    let pg = pods[1]
    XCTAssertEqual(pg.name, "postgres-0")
    XCTAssertEqual(pg.workload, "postgres")
    XCTAssertEqual(pg.totalContainers, 2)
    XCTAssertNotNil(pg.role)
  }

  func testTheFastScannerAgreesWithJSONDecoder() throws {
    let data = try fixture("pods-list.json")
    let fast = try KubeDecode.podList(data)
    let slow = try KubeDecode.podListWithJSONDecoder(data)
    XCTAssertEqual(fast.items, slow.items)
    XCTAssertEqual(fast.resourceVersion, slow.resourceVersion)
    XCTAssertEqual(fast.continue, slow.continue)
    // Escapes, nulls, unicode and unknown shapes.
    let odd = Data(
      #"{"metadata":{"resourceVersion":"7","continue":null},"items":[{"metadata":{"name":"a\"b\u00e9","namespace":"n","labels":{"k":"v\n"},"ownerReferences":[{"kind":"ReplicaSet","name":"w-1","controller":true,"x":[1,{"y":"]}"}]}]},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"250m"}}}],"nodeName":null,"weird":[[],{},"}",-1.5e3,true,false,null]},"status":{"phase":"Running","containerStatuses":[{"ready":true,"restartCount":3,"state":{"running":{"startedAt":"x"}}}]}}]}"#
        .utf8)
    XCTAssertEqual(try KubeDecode.podList(odd).items, try KubeDecode.podListWithJSONDecoder(odd).items)
    let p = try KubeDecode.podList(odd).items[0]
    XCTAssertEqual(p.name, "a\"bé")
    XCTAssertEqual(p.labels["k"], "v\n")
    XCTAssertEqual(p.restarts, 3)
    XCTAssertEqual(p.cpuRequestMilli, 250)
    // Truncated input: an error, not a crash or a partial list.
    XCTAssertThrowsError(try KubeDecode.podList(data.prefix(data.count / 2)))
  }

  func pod(_ status: String, deletion: Bool = false) throws -> Pod {
    let json = """
      {"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"p","namespace":"n",
      "creationTimestamp":"2024-05-01T10:00:00Z"\(deletion ? ",\"deletionTimestamp\":\"2024-05-01T10:05:00Z\"" : "")},
      "spec":{"containers":[{"name":"a"},{"name":"b"}]},"status":\(status)}]}
      """
    return try KubeDecode.podList(Data(json.utf8)).items[0]
  }

  func testStatusColumnAsKubectlPrintsIt() throws {
    XCTAssertEqual(
      try pod(
        #"{"phase":"Running","containerStatuses":[{"ready":false,"restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}},{"ready":true,"restartCount":1,"state":{"running":{}}}]}"#
      ).status, "CrashLoopBackOff")
    let p = try pod(
      #"{"phase":"Running","containerStatuses":[{"ready":false,"restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}},{"ready":true,"restartCount":1,"state":{"running":{}}}]}"#
    )
    XCTAssertEqual(p.restarts, 5)
    XCTAssertEqual(p.readyContainers, 1)
    XCTAssertEqual(
      try pod(
        #"{"phase":"Running","containerStatuses":[{"restartCount":1,"state":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}"#
      ).status,
      "OOMKilled")
    XCTAssertEqual(
      try pod(#"{"phase":"Running","containerStatuses":[{"state":{"terminated":{"exitCode":2}}}]}"#).status,
      "ExitCode:2")
    XCTAssertEqual(try pod(#"{"phase":"Pending"}"#).status, "Pending")
    XCTAssertEqual(try pod(#"{"phase":"Failed","reason":"Evicted"}"#).status, "Evicted")
    XCTAssertEqual(
      try pod(#"{"phase":"Pending","initContainerStatuses":[{"state":{"waiting":{"reason":"PodInitializing"}}}]}"#)
        .status,
      "Init:0/1")
    XCTAssertEqual(try pod(#"{"phase":"Running"}"#, deletion: true).status, "Terminating")
    XCTAssertEqual(try pod(#"{"phase":"Running","reason":"NodeLost"}"#, deletion: true).status, "Unknown")
  }

  func testGarbageIsAnErrorNotACrash() {
    XCTAssertThrowsError(try KubeDecode.podList(Data("{\"items\": 3}".utf8)))
    XCTAssertThrowsError(try KubeDecode.podList(Data([0xff, 0x00, 0x7b])))
    XCTAssertNil(KubeDecode.status(Data("nope".utf8)))
    XCTAssertEqual(
      KubeDecode.status(
        Data(#"{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}"#.utf8))?.code, 410)
  }

  func testTimesAndQuantities() {
    XCTAssertEqual(Timestamps.parse("1970-01-01T00:00:00Z"), 0)
    XCTAssertEqual(Timestamps.parse("2024-05-01T10:00:00Z"), 1_714_557_600)
    XCTAssertEqual(Timestamps.parse("2024-05-01T12:00:00+02:00"), 1_714_557_600)
    XCTAssertEqual(Timestamps.parse("2024-05-01T10:00:00.250Z")!, 1_714_557_600.25, accuracy: 1e-6)
    XCTAssertNil(Timestamps.parse("yesterday"))
    XCTAssertEqual(Quantity.milli("200m"), 200)
    XCTAssertEqual(Quantity.milli("1.5"), 1500)
    XCTAssertEqual(Quantity.bytes("256Mi"), 268_435_456)
    XCTAssertEqual(Quantity.bytes("1G"), 1e9)
    XCTAssertNil(Quantity.bytes("lots"))
    // The byte-level reader against the plain one it replaced, on what clusters write and worse.
    func reference(_ s: String) -> Double? {
      let t = s.trimmingCharacters(in: .whitespaces)
      let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976), ("n", 1e-9), ("u", 1e-6), ("m", 1e-3),
        ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
      ]
      for (suffix, scale) in suffixes where t.hasSuffix(suffix) {
        guard let v = Double(t.dropLast(suffix.count)) else { return nil }
        return v * scale
      }
      return Double(t)
    }
    let units = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "i", "x", "Ki "]
    for number in ["0", "1", "1.5", "250", ".5", "1e3", "1E3", "-2", "12e-3", "", "abc", " 3", "1e", "0x10"] {
      for unit in units {
        let q = number + unit
        XCTAssertEqual(Quantity.value(q), reference(q), "'\(q)'")
      }
    }
    for q in ["", " ", "i", "Ki", "E", "1E", "  64Mi  ", "1\t", "\t2m"] {
      XCTAssertEqual(Quantity.value(q), reference(q), "'\(q)'")
    }
  }
}
