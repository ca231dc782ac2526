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
    // Model, reducer, simulator and clients. No UI.
    .target(name: "ClusterState", dependencies: ["CCurl", .product(name: "Yams", package: "Yams")]),
    // Cell buffer, widgets, panes, themes. Never imports ncurses.
    .target(name: "Panels", dependencies: ["ClusterState"]),
    // UI state, key table, screen composition and the run loop, against a TerminalBackend protocol.
    .target(name: "Console", dependencies: ["ClusterState", "Panels"]),
    .executableTarget(
      name: "ChaosTUI",
      dependencies: [
        "Console", "Panels", "ClusterState", "CNCursesW", "CTerminal",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "ChaosBench", dependencies: ["Console", "Panels", "ClusterState", "CTerminal"]),
    // Snapshot comparison shared by the test targets.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "ClusterStateTests", dependencies: ["ClusterState"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "PanelsTests", dependencies: ["Panels", "ClusterState", "TestSupport"],
      exclude: ["__Snapshots__"]),
    .testTarget(
      name: "ConsoleTests", dependencies: ["Console", "Panels", "ClusterState", "TestSupport"],
      exclude: ["__Snapshots__"]),
  ]
)
