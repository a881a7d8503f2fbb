// swift-tools-version: 6.1
// The PostgresNIO client workload: a package of its own so that Tusk's package does not depend on
// PostgresNIO. Built by Tests/ClientTests (and scripts/setup-clients) with
// `swift build --package-path Tests/Workloads/postgresnio` (the folder is not named postgres-nio:
// a root package named like its dependency makes SwiftPM look for PostgresNIO in itself).
import PackageDescription

let package = Package(
    name: "postgres-nio-workload",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2")
    ],
    targets: [
        .executableTarget(
            name: "postgres-nio-workload",
            dependencies: [.product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Sources"
        )
    ]
)
