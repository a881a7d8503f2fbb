// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "tusk",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tusk", targets: ["tusk"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-otel/swift-otel-semantic-conventions", from: "1.44.0", traits: []),
    ],
    targets: [
        // The kernel/user contract, bpf/tusk_record.h, as Swift imports it.
        .target(name: "CTuskRecord"),
        // The contract's records decoded: CapturedRequest, RecordDecoder, the kernel's counters. Pure.
        .target(name: "KernelRecords", dependencies: ["CTuskRecord"]),
        // The C glue to libbpf, with the BPF object embedded (scripts/gen-bpf).
        .target(
            name: "CTuskBPF",
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        // The kernel programs' protocol parsing (bpf/protocol.h), compiled for the host to be tested.
        .target(name: "CTuskProtocol"),
        // Load, attach, read the ring buffer: typed records.
        .target(name: "Capture", dependencies: ["CTuskBPF", "KernelRecords"]),
        // PostgreSQL message bodies: bytes in, values out. Pure.
        .target(name: "Wire"),
        // PostgreSQL's own parser (Debian libpg-query-dev, static) behind a small C API.
        .target(name: "CPGQuery", linkerSettings: [.linkedLibrary("pg_query")]),
        // Names, classes and hex values of ASCII bytes; optional whitespace around a value. Pure.
        .target(name: "ASCII"),
        // The one SQL lexer (PostgreSQL's scan.l rules), shared by QueryText and TraceContext. Pure.
        .target(name: "SQLLexing", dependencies: ["ASCII"]),
        // Query text: sanitizing, operation, collection and summary from the parse tree. Pure.
        .target(name: "QueryText", dependencies: ["CPGQuery", "SQLLexing", "ASCII"]),
        // OTLP trace messages, generated from proto/ by scripts/gen-proto (committed).
        .target(name: "OTLPProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Which cgroup (pod) to trace: discovery from /proc/self/cgroup. Pure.
        .target(name: "Scoping"),
        // sqlcommenter comments, W3C traceparent/tracestate, sampling decisions. Pure.
        .target(name: "TraceContext", dependencies: ["SQLLexing", "ASCII"]),
        // Records to database spans. Pure.
        .target(
            name: "Spans",
            dependencies: ["KernelRecords", "Wire", "QueryText", "TraceContext"]),
        // Where spans go: the console, OTLP. Owns the network.
        .target(
            name: "Export",
            dependencies: [
                "Spans", "TraceContext", "OTLPProto", "ASCII",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Request metrics (db.client.operation.duration, …) from every request: one aggregation,
        // exported over OTLP and rendered for Prometheus.
        .target(
            name: "OperationMetrics",
            dependencies: [
                "Spans", "QueryText", "Export", "OTLPProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The running agent: the capture reader (records → spans → a sink), process resources from
        // /proc, /healthz and /metrics, the preflight checks.
        .target(
            name: "Agent",
            dependencies: [
                "Capture", "KernelRecords", "Spans", "Export", "OperationMetrics", "Scoping",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The CLI: flags, configuration and wiring. Owns the process.
        .executableTarget(
            name: "tusk",
            dependencies: [
                "Agent", "CTuskBPF", "Capture", "Spans", "Export", "OperationMetrics", "Scoping", "QueryText", "TraceContext",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Throughput of the agent's user space: record → span → console line, OTLP encoding and
        // export to a local receiver that discards bodies (scripts/bench-export).
        .executableTarget(
            name: "bench-export",
            dependencies: [
                "KernelRecords", "Spans", "Export", "OperationMetrics",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]),
        // Throughput of query analysis, alone and through the span builder (scripts/bench-query-text).
        .executableTarget(name: "bench-query-text", dependencies: ["QueryText", "KernelRecords", "Spans"]),
        // Coverage-guided fuzzing of everything that decodes captured bytes (scripts/fuzz).
        .executableTarget(name: "fuzz-decoder", dependencies: ["KernelRecords", "TestSupport", "Wire", "Spans", "QueryText", "TraceContext"]),
        // Shared by the tests: a throwaway PostgreSQL, the agent as a child process, eBPF gating.
        .target(
            name: "TestSupport", dependencies: ["Agent", "Capture", "KernelRecords", "CTuskRecord", "Spans", "TraceContext", "Export"],
            path: "Tests/TestSupport"),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "KernelProtocolTests", dependencies: ["CTuskProtocol", "TestSupport"]),
        .testTarget(name: "QueryTextTests", dependencies: ["QueryText", "SQLLexing"]),
        .testTarget(name: "OTLPProtoTests", dependencies: ["OTLPProto"]),
        .testTarget(name: "ScopingTests", dependencies: ["Scoping"]),
        .testTarget(name: "TraceContextTests", dependencies: ["TraceContext"]),
        .testTarget(
            name: "SpansTests",
            dependencies: [
                "Spans", "KernelRecords",
                // the standard attribute keys are checked against the conventions package
                .product(name: "OTelSemanticConventions", package: "swift-otel-semantic-conventions"),
            ]),
        .testTarget(
            name: "ExportTests",
            dependencies: [
                "Export", "Spans", "TraceContext", "OTLPProto", "TestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "CTuskBPF", "TestSupport"]),
        .testTarget(name: "KernelRecordsTests", dependencies: ["KernelRecords", "TestSupport"]),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "Agent", "Capture", "TestSupport", "Export", "Spans", "KernelRecords",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "OperationMetricsTests",
            dependencies: ["OperationMetrics", "Spans", "QueryText", "Export", "OTLPProto", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport"]),
        .testTarget(name: "ClientTests", dependencies: ["TestSupport"], exclude: ["CLIENTS.md"]),
    ]
)
