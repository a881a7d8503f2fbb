import TraceContext
import Spans

/// Database spans built by hand for exporter tests.
public enum SpanFixtures {
    public static let psql = ObservedProcess(
        pid: 4242, command: "psql",
        resourceAttributes: [.string("service.name", "checkout"), .int("process.pid", 4242), .string("process.executable.name", "psql")])
    public static let worker = ObservedProcess(
        pid: 777, command: "worker",
        resourceAttributes: [.string("service.name", "worker"), .int("process.pid", 777)])

    public static func span(
        _ text: String = "SELECT * FROM orders WHERE id = $1", process: ObservedProcess = psql, error: String? = nil,
        seed: UInt64 = 1
    ) -> DatabaseSpan {
        var attributes: [SpanAttribute] = [
            .string("db.system.name", "postgresql"), .string("db.query.text", text), .string("db.namespace", "shop"),
            .int("server.port", 5432), .bool("tusk.query.truncated", false), SpanAttribute("ratio", .double(0.5)),
        ]
        if let error { attributes.append(.string("db.response.status_code", error)) }
        return DatabaseSpan(
            traceID: TraceID(high: 0x0102_0304_0506_0708 &* seed, low: 0x090A_0B0C_0D0E_0F10 &+ seed),
            spanID: SpanID(0x1112_1314_1516_1718 &+ seed),
            parentSpanID: SpanID(0x2122_2324_2526_2728),
            traceState: "vendor=abc",
            traceFlags: 0x01,
            parentIsRemote: true,
            name: "SELECT orders",
            kind: .client,
            startUnixNanoseconds: 1_795_000_000_000_000_000 + seed,
            endUnixNanoseconds: 1_795_000_000_001_500_000 + seed,
            status: error.map { .error(message: "failed: \($0)") } ?? .unset,
            attributes: attributes,
            process: process)
    }
}
