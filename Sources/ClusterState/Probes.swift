/// An experiment's probe that needs no Prometheus: an HTTP request, a Kubernetes object's state, or
/// a command. Experiment files declare them (`probes:`); the steady state, hypotheses and stop
/// conditions name them. HTTP and command probes run outside the reducer (`ProbeRunning`) and their
/// answers come in as `.probeSample`; a Kubernetes probe is read off the snapshot itself.
public struct ProbeSpec: Sendable, Equatable, Codable {
  public enum Kind: Sendable, Equatable, Codable {
    case http(HTTPProbe)
    case k8s(KubeProbe)
    case cmd(CommandProbe)

    public var label: String {
      switch self {
      case .http: return "http"
      case .k8s: return "k8s"
      case .cmd: return "cmd"
      }
    }
  }

  /// When the probe runs: before the method, all along, while the experiment's faults are active,
  /// or in the steady-state check after.
  public enum Mode: String, Sendable, Equatable, Codable, CaseIterable {
    case before, continuous
    case onChaos = "on-chaos"
    case after
  }

  public var name: String
  public var kind: Kind
  public var mode: Mode = .continuous
  /// Seconds of cluster time between two answers.
  public var every: Seconds = 5
  /// How long one answer may take.
  public var timeout: Seconds = 5
  /// Consecutive failures that make it failing, and successes that make it passing again.
  public var failureThreshold = 1
  public var successThreshold = 1

  public init(name: String, kind: Kind) {
    self.name = name
    self.kind = kind
  }
}

/// A request and what its answer must be.
public struct HTTPProbe: Sendable, Equatable, Codable {
  public var url: String
  public var method = "GET"
  /// Name and value; a value `${NAME}` is the environment variable NAME when it runs (a token
  /// stays out of the file, and so out of the journal that keeps the file).
  public var headers: [[String]] = []
  public var body: String?
  public var status = 200
  /// The answer within this many milliseconds.
  public var latencyMs: Double?
  /// A JSON path (`$.a.b[0].c`) whose value, as text, must equal `equals`.
  public var jsonPath: String?
  public var equals: String?
  public init(url: String) { self.url = url }
}

/// A Kubernetes object's state, as the console sees it: `kind` deployment, statefulset, daemonset or
/// workload (by name), pods (by selector), nodes, or hpa (by name).
public struct KubeProbe: Sendable, Equatable, Codable {
  public var kind: String
  public var namespace: String?
  public var name: String?
  public var selector: [String: String] = [:]
  /// At least this many Ready (replicas of a workload, pods, nodes).
  public var readyAtLeast: Int?
  /// Every object matched has this condition True (Ready for pods, nodes and workloads; an HPA's
  /// condition types).
  public var condition: String?
  public init(kind: String) { self.kind = kind }
}

/// A command run without a shell, with its expected exit code; refused in read-only mode.
public struct CommandProbe: Sendable, Equatable, Codable {
  public var argv: [String]
  public var exit: Int32 = 0
  public init(argv: [String]) { self.argv = argv }
}

/// One answer of a probe. `detail` is made of what chaostui composed and of the answer's pieces
/// escaped and cut short (a server's words are hostile).
public struct ProbeSample: Sendable, Equatable, Codable {
  public var name: String
  public var ok: Bool
  public var detail: String
  public var latencyMs: Double?
  /// The cluster time it came in, and its number among the probe's answers (set by the reducer:
  /// two answers may come in at one time).
  public var at: Seconds = 0
  public var seq: Int?
  public init(name: String, ok: Bool, detail: String, latencyMs: Double? = nil) {
    self.name = name
    self.ok = ok
    self.detail = String(Sanitize.line(detail).prefix(ProbeSample.detailLimit))
    self.latencyMs = latencyMs
  }
  public static let detailLimit = 160
  /// The longest probe name kept (an experiment file's names are short).
  public static let nameLimit = 200
  /// Answers kept a probe.
  public static let kept = 120
  /// Probes whose answers are kept.
  public static let probesKept = 64
}

/// What runs the HTTP and command probes of a running experiment: `want` the ones whose time it is
/// (an empty list stops them all); each answer is posted as `.probeSample`.
public protocol ProbeRunning: AnyObject {
  func want(_ probes: [ProbeSpec], readOnly: Bool)
}
