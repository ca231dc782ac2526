// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "chaostui",
  products: [
    .executable(name: "chaostui", targets: ["ChaosTUI"]),
    .executable(name: "chaostui-bench", targets: ["ChaosBench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CNCursesW",
      providers: [.apt(["libncurses-dev"])]),
    .systemLibrary(
      name: "CCurl", pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]),
    // Process-wide terminal state: screen start/stop, signal flags, restore on every exit path.
    // A real C target (not header-only) so the state exists once, whatever Swift file calls it.
    .target(name: "CTerminal", linkerSettings: [.linkedLibrary("ncursesw")]),
    // The core: model, actions, reducer, incidents, fault planning, the source protocols. No UI, no I/O.
    .target(name: "ClusterState"),
    // HTTP on libcurl (TLS, tokens, exec credentials, watches) and the API error in words.
    .target(name: "Transport", dependencies: ["CCurl", "ClusterState"]),
    // The Kubernetes client: kubeconfig, decoders, reflectors, permissions, Chaos Mesh, the fault executor.
    .target(
      name: "KubeClient",
      dependencies: ["ClusterState", "Transport", .product(name: "Yams", package: "Yams")]),
    // The Prometheus client: PromQL queries, raw scrapes (exposition parser), the config file.
    .target(
      name: "PromClient",
      dependencies: ["ClusterState", "Transport", .product(name: "Yams", package: "Yams")]),
    // Chaos experiments: the file format and the run (steady state, method, hypotheses, stop conditions, verdict).
    .target(
      name: "Experiments", dependencies: ["ClusterState", "Statistics", .product(name: "Yams", package: "Yams")]),
    // The statistics of verdicts: rank, spread and count tests, multiple comparisons. Pure, no dependencies.
    .target(name: "Statistics"),
    // kube-monkey's schedule: its labels and config read as it reads them, the day's plan, the kills.
    .target(name: "Monkey", dependencies: ["ClusterState"]),
    // An experiment's HTTP and command probes, run on their schedule (libcurl, processes).
    .target(name: "Probes", dependencies: ["ClusterState", "Transport"]),
    // Events out: a webhook and Grafana annotations, sent from a queue of their own.
    .target(name: "Events", dependencies: ["ClusterState", "Transport"]),
    // Sessions on the record: the journal (writer, reader) and its replay as a source.
    .target(name: "Recording", dependencies: ["ClusterState"]),
    // The demo: the reference pipeline simulated on a virtual clock.
    .target(name: "Simulation", dependencies: ["ClusterState"]),
    // Cell buffer, widgets, panes, themes. Never imports ncurses.
    .target(name: "Panels", dependencies: ["ClusterState", "Experiments", "Monkey"]),
    // UI state, key table, screen composition and the run loop, against a TerminalBackend protocol.
    .target(name: "Console", dependencies: ["ClusterState", "Panels", "Experiments", "Recording", "Monkey"]),
    .executableTarget(
      name: "ChaosTUI",
      dependencies: [
        "Console", "Panels", "ClusterState", "KubeClient", "PromClient", "Simulation", "Transport", "Experiments",
        "Recording", "Monkey", "Probes", "Events", "CNCursesW",
        "CTerminal",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "ChaosBench",
      dependencies: [
        "Console", "Panels", "ClusterState", "KubeClient", "PromClient", "Simulation", "Experiments", "Recording",
        "CTerminal", "Statistics",
      ]),
    // What the test targets share: snapshot comparison, fake and loopback API servers, the demo harness.
    .target(
      name: "TestSupport", dependencies: ["Panels", "ClusterState", "Simulation", "Transport", "KubeClient"],
      path: "Tests/TestSupport"),
    // One test target a module.
    .testTarget(name: "ClusterStateTests", dependencies: ["ClusterState"]),
    .testTarget(name: "TransportTests", dependencies: ["Transport", "ClusterState", "TestSupport"]),
    .testTarget(
      name: "KubeClientTests",
      dependencies: [
        "KubeClient", "ClusterState", "Transport", "PromClient", "Simulation", "Panels", "TestSupport",
        .product(name: "Yams", package: "Yams"),
      ],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "PromClientTests",
      dependencies: ["PromClient", "ClusterState", "Transport", "KubeClient", "Simulation", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "SimulationTests",
      dependencies: [
        "Simulation", "ClusterState", "Experiments", "KubeClient", "PromClient", "Transport", "TestSupport",
      ]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "ClusterState", "Simulation", "TestSupport"]),
    .testTarget(name: "StatisticsTests", dependencies: ["Statistics", "ClusterState"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "ProbesTests", dependencies: ["Probes", "ClusterState", "Experiments", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "EventsTests", dependencies: ["Events", "ClusterState", "Transport", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "MonkeyTests", dependencies: ["Monkey", "ClusterState", "Simulation", "TestSupport"]),
    .testTarget(name: "RecordingTests", dependencies: ["Recording", "ClusterState"]),
    .testTarget(
      name: "PanelsTests", dependencies: ["Panels", "ClusterState", "Simulation", "Experiments", "TestSupport"],
      exclude: ["__Snapshots__"]),
    .testTarget(
      name: "ConsoleTests",
      dependencies: [
        "Console", "Panels", "ClusterState", "Simulation", "Experiments", "Recording", "Monkey", "TestSupport",
      ],
      exclude: ["__Snapshots__", "Fixtures"]),
  ]
)
