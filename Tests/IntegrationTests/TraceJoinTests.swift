import Foundation
import Testing
import TestSupport

/// A real application instrumented with the OpenTelemetry SDK and its driver's OpenTelemetry
/// instrumentation with sqlcommenter on (psycopg2's, and psycopg 3's, whose queries go out as
/// Parse/Bind/Execute with `$1`) exports its spans to the same receiver as Tusk: Tusk's span for
/// each query must sit inside the application's database span — same trace, that span as parent,
/// nested in time — and carry the application's service.name.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct TraceJoinTests {
    @Test(arguments: [("psycopg2", "SELECT ? AS joined_marker"), ("psycopg", "SELECT $1 AS joined_marker")])
    func tuskSpansJoinTheApplicationsTraces(driver: String, text expectedText: String) throws {
        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let queries = 12
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Workloads/otel-app/app.py").path
        let dsn = "host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk"
        let app = try ChildProcess.run(
            TestEnvironment.python, [script, dsn, receiver.endpoint + "/v1/traces", String(queries), driver],
            environment: ["OTEL_SERVICE_NAME": "checkout-app"])
        try #require(app.status == 0, "\(app.errorOutput)")

        // the app flushed its own spans before it exited, and Tusk's of it arrive before the
        // marker's: none beyond these can follow
        try marker.send()
        let all = try receiver.spans(through: marker).filter {
            $0["scope_name"] as? String != "tusk" || ($0["resource"] as? [String: Any])?["service.name"] as? String == "checkout-app"
        }
        let appSpans = all.filter { $0["scope_name"] as? String != "tusk" }
        let tuskSpans = all.filter {
            $0["scope_name"] as? String == "tusk" && ($0["resource"] as? [String: Any])?["service.name"] as? String == "checkout-app"
        }
        let appDatabaseSpans = appSpans.filter { ($0["name"] as? String) != "GET /orders" }
        try #require(appDatabaseSpans.count == queries, "app spans: \(appSpans.map { $0["name"] ?? "" })")
        try #require(tuskSpans.count == queries, "tusk spans: \(tuskSpans.map { ($0["attributes"] as? [String: Any])?["db.query.text"] ?? "" })")

        let tolerance: Int64 = 100_000  // 100 µs
        for tusk in tuskSpans {
            let parentID = try #require(tusk["parent_span_id"] as? String)
            let parent = try #require(appDatabaseSpans.first { $0["span_id"] as? String == parentID }, "no app span \(parentID)")
            #expect(tusk["trace_id"] as? String == parent["trace_id"] as? String)
            let (start, end) = (tusk["start_time_unix_nano"] as! Int64, tusk["end_time_unix_nano"] as! Int64)
            let (parentStart, parentEnd) = (parent["start_time_unix_nano"] as! Int64, parent["end_time_unix_nano"] as! Int64)
            #expect(start >= parentStart - tolerance, "starts \(parentStart - start) ns before its parent")
            #expect(end <= parentEnd + tolerance, "ends \(end - parentEnd) ns after its parent")
            #expect((tusk["flags"] as? Int ?? 0) & 0x300 == 0x300, "remote parent flags")
            let text = (tusk["attributes"] as? [String: Any])?["db.query.text"] as? String
            #expect(text == expectedText, "the sqlcommenter comment is removed")
        }
        // the comment with sampled=00 produced no span
        #expect(!all.contains { (($0["attributes"] as? [String: Any])?["db.query.text"] as? String)?.contains("unsampled_marker") == true })
        #expect(agent.stop() == 0)
    }

    /// asyncpg prepares each new text and executes it by name in a second round trip: the
    /// comment travels with the Parse, and Tusk's span of the execution that follows must still
    /// nest under the application's span. The same text executed again later (asyncpg reuses the
    /// statement) is a root: its comment is stale.
    @Test func asyncpgExecutionsAfterTheirPrepareJoinTheApplicationsTraces() throws {
        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let queries = 6
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Workloads/otel-app/asyncpg_app.py").path
        let app = try ChildProcess.run(
            TestEnvironment.python,
            [script, "postgresql://tusk@127.0.0.1:\(postgres.port)/tusk", receiver.endpoint + "/v1/traces", String(queries)],
            environment: ["OTEL_SERVICE_NAME": "asyncpg-app"])
        try #require(app.status == 0, "\(app.errorOutput)")
        try marker.send()
        let all = try receiver.spans(through: marker).filter {
            ($0["resource"] as? [String: Any])?["service.name"] as? String == "asyncpg-app"
        }
        let appSpans = all.filter { $0["scope_name"] as? String != "tusk" }
        let executions = all.filter {
            $0["scope_name"] as? String == "tusk"
                && ($0["attributes"] as? [String: Any])?["db.query.text"] as? String == "SELECT $1::int AS asyncpg_marker"
        }.sorted { ($0["start_time_unix_nano"] as! Int64) < ($1["start_time_unix_nano"] as! Int64) }
        try #require(appSpans.count == queries, "app spans: \(appSpans.count)")
        try #require(executions.count == queries + 1, "tusk spans: \(executions.count) of \(all.count)")
        for tusk in executions.prefix(queries) {
            let parentID = try #require((tusk["parent_span_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }, "an execution right after its prepare has no parent")
            let parent = try #require(appSpans.first { $0["span_id"] as? String == parentID }, "no app span \(parentID)")
            #expect(tusk["trace_id"] as? String == parent["trace_id"] as? String)
            #expect((tusk["start_time_unix_nano"] as! Int64) >= (parent["start_time_unix_nano"] as! Int64) - 100_000)
            #expect((tusk["end_time_unix_nano"] as! Int64) <= (parent["end_time_unix_nano"] as! Int64) + 100_000)
        }
        let reuse = try #require(executions.last)
        #expect((reuse["parent_span_id"] as? String ?? "").isEmpty, "the reused statement hangs under a stale parent")
        #expect(!appSpans.contains { $0["trace_id"] as? String == reuse["trace_id"] as? String })
        #expect(agent.stop() == 0)
    }

    /// A pgx v4 application with the OpenTelemetry Go SDK (statement cache: prepare, then execute
    /// by name in the next round trip): Tusk's span of each execution right after its prepare
    /// nests under the application's span whose traceparent the text carried; the cached
    /// statement executed again later is a root.
    @Test func pgxExecutionsAfterTheirPrepareJoinTheApplicationsTraces() throws {
        for package in ["github.com/jackc/pgx/v4", "go.opentelemetry.io/otel/sdk"] {
            try #require(FileManager.default.fileExists(atPath: "/usr/share/gocode/src/" + package), "\(package) missing: scripts/setup-clients")
        }
        let scratch = NSTemporaryDirectory() + "tusk-pgx-traceparent-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let source = TestEnvironment.packageRoot.appendingPathComponent("Tests/Workloads/pgx-traceparent/main.go").path
        let build = try ChildProcess.run(
            "/usr/bin/go", ["build", "-o", scratch + "/pgx-traceparent", source],
            environment: [
                "GO111MODULE": "off", "GOPATH": "\(scratch)/gopath:/usr/share/gocode", "GOFLAGS": "",
                "GOCACHE": NSTemporaryDirectory() + "tusk-client-tests-go-cache", "HOME": NSTemporaryDirectory(),
            ])
        try #require(build.status == 0, "go build: \(build.errorOutput)")

        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let app = try ChildProcess.run(scratch + "/pgx-traceparent", ["host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk"])
        try #require(app.status == 0, "\(app.errorOutput)")
        let printed = try JSONSerialization.jsonObject(with: Data(app.output.utf8)) as? [String: Any] ?? [:]
        let appSpans = printed["spans"] as? [[String: Any]] ?? []
        try #require(appSpans.count == 5, "the application's spans: \(app.output)")
        try marker.send()
        let executions = try receiver.spans(through: marker).filter {
            ($0["resource"] as? [String: Any])?["process.pid"] as? Int == Int(app.pid)
                && ($0["attributes"] as? [String: Any])?["db.query.text"] as? String == "SELECT $1::int AS pgx_marker"
        }.sorted { ($0["start_time_unix_nano"] as! Int64) < ($1["start_time_unix_nano"] as! Int64) }
        try #require(executions.count == 6, "spans of the pgx program: \(executions.count)")
        for (tusk, parent) in zip(executions.prefix(5), appSpans) {
            #expect(tusk["parent_span_id"] as? String == parent["span_id"] as? String)
            #expect(tusk["trace_id"] as? String == parent["trace_id"] as? String)
            #expect((tusk["start_time_unix_nano"] as! Int64) >= (parent["start"] as! Int64) - 100_000)
            #expect((tusk["end_time_unix_nano"] as! Int64) <= (parent["end"] as! Int64) + 100_000)
        }
        let reuse = try #require(executions.last)
        #expect((reuse["parent_span_id"] as? String ?? "").isEmpty, "the reused statement hangs under a stale parent")
        #expect(!appSpans.contains { $0["trace_id"] as? String == reuse["trace_id"] as? String })
        #expect(agent.stop() == 0)
    }
}
