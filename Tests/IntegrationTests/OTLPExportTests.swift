import Foundation
import Testing
import TestSupport

/// The real agent exporting real queries to a test OTLP/HTTP receiver that decodes with the
/// official opentelemetry-proto package — and the backend misbehaving.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct OTLPExportTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.shared.get()
    }

    /// Statements for one psql, and an end marker, both held until the test says go: the agent
    /// traces these two processes only (`scope`), so other suites running alongside cannot add to
    /// what it counts or exports.
    struct Workload {
        let psql: InteractiveProcess
        let texts: [String]
        let marker: EndMarker
        var pid: Int32 { psql.pid }
        var scope: [String] { ["--pid", String(psql.pid)] + marker.agentArguments }

        /// Runs the statements; psql has exited when this returns.
        func run() throws {
            psql.send("go")
            psql.send(texts.joined(separator: "\n"))
            psql.closeInput()
            let status = psql.wait()
            try #require(status == 0, "\(psql.errorOutput)")
        }

        /// The spans of psql the receiver got, once the marker, sent now, arrived after them.
        func exported(to receiver: OTLPReceiver, timeout: Int = 20) throws -> [[String: Any]] {
            try marker.send()
            return try receiver.spans(through: marker, timeout: timeout).filter {
                ($0["resource"] as? [String: Any])?["process.pid"] as? Int == Int(pid)
            }
        }
    }

    /// psql with `texts`, each a statement ending in a semicolon.
    func workload(_ texts: [String]) throws -> Workload {
        let psql = try InteractiveProcess.heldUntilGo(postgres.binaries + "/psql", ["-X", "-q", "-o", "/dev/null"] + postgres.connection())
        return Workload(psql: psql, texts: texts, marker: try EndMarker(postgres))
    }

    /// psql with `count` distinct statements.
    func workload(_ count: Int, tag: String) throws -> Workload {
        try workload((0..<count).map { "SELECT \($0) AS \(tag)_\($0);" })
    }

    func texts(_ spans: [[String: Any]]) -> [String] {
        spans.compactMap { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String }
    }

    func hex(_ value: Any?) -> String { value as? String ?? "" }

    @Test func spansArriveDecodableByTheOfficialPackage() throws {
        let receiver = try OTLPReceiver()
        let queries = try workload(["SELECT 1 AS one;", "SELECT * FROM nosuch_otlp;"])
        let agent = try AgentProcess(arguments: ["--query-text", "raw", 
            "--otlp-endpoint", receiver.endpoint, "--otlp-compression", "gzip", "--schedule-delay", "100",
            "--otlp-header", "x-tenant=team%20a", "--resource-attribute", "deployment.environment=test",
        ] + queries.scope)
        try queries.run()
        let spans = try queries.exported(to: receiver)
        try #require(spans.count == 2, "receiver got \((try? receiver.spans()) ?? [])")

        for span in spans {
            #expect(hex(span["trace_id"]).count == 32 && hex(span["trace_id"]) != String(repeating: "0", count: 32))
            #expect(hex(span["span_id"]).count == 16)
            #expect(hex(span["parent_span_id"]).isEmpty)
            #expect(span["kind"] as? Int == 3)  // SPAN_KIND_CLIENT
            let start = span["start_time_unix_nano"] as? UInt64 ?? 0
            let end = span["end_time_unix_nano"] as? UInt64 ?? 0
            #expect(start > 1_700_000_000_000_000_000 && end > start)
            #expect(span["scope_name"] as? String == "tusk")
            #expect((span["scope_version"] as? String)?.isEmpty == false)
            let resource = span["resource"] as? [String: Any] ?? [:]
            #expect(resource["service.name"] as? String == "psql")
            #expect(resource["host.name"] as? String != nil)
            #expect(resource["deployment.environment"] as? String == "test")
            let attributes = span["attributes"] as? [String: Any] ?? [:]
            #expect(attributes["db.system.name"] as? String == "postgresql")
            #expect(attributes["server.port"] as? Int == postgres.port)
        }
        let ok = try #require(spans.first { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String == "SELECT 1 AS one;" })
        #expect(ok["status_code"] as? Int == 0)
        let failed = try #require(spans.first { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String == "SELECT * FROM nosuch_otlp;" })
        #expect(failed["status_code"] as? Int == 2)
        #expect(failed["status_message"] as? String == "relation \"nosuch_otlp\" does not exist")
        #expect((failed["attributes"] as? [String: Any])?["db.response.status_code"] as? String == "42P01")

        let request = try #require(try receiver.requests().first)
        let headers = request["headers"] as? [String: Any] ?? [:]
        #expect(headers["content-type"] as? String == "application/x-protobuf")
        #expect(headers["content-encoding"] as? String == "gzip")
        #expect((headers["user-agent"] as? String)?.hasPrefix("tusk/") == true)
        #expect(headers["x-tenant"] as? String == "team a")
        #expect(agent.stop() == 0)
    }

    @Test func httpsWithThePrivateCertificateAuthorityOfTheCollector() throws {
        let directory = NSTemporaryDirectory() + "tusk-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let receiver = try OTLPReceiver(tlsIn: directory)
        let https = try #require(receiver.secureEndpoint)
        let certificate = try #require(receiver.tls?.certificate)
        // the environment variable, as a collector's CA would be handed to a pod
        let trusted = try workload(3, tag: "https")
        let agent = try AgentProcess(
            arguments: ["--query-text", "raw", "--otlp-endpoint", https, "--schedule-delay", "100"] + trusted.scope,
            environment: ["OTEL_EXPORTER_OTLP_CERTIFICATE": certificate])
        try trusted.run()
        #expect(texts(try trusted.exported(to: receiver)).sorted() == trusted.texts.sorted())
        #expect(agent.stop() == 0)

        // without it the self-signed certificate is not trusted: nothing arrives
        try receiver.control(#"{"reset": true}"#)
        let untrusted = try workload(3, tag: "untrusted")
        let untrusting = try AgentProcess(arguments: [
            "--query-text", "raw", "--otlp-endpoint", https, "--schedule-delay", "100", "--export-timeout", "500", "--otlp-timeout", "1000",
        ] + untrusted.scope)
        try untrusted.run()
        var retries = 0.0
        for _ in 0..<100 {
            retries = try untrusting.metric("tusk_export_retries_total")
            if retries >= 1 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(retries >= 1, "a handshake the agent cannot trust is a connection failure, retried")
        // the receiver was reset and this agent is its only client: no request got through
        #expect(try receiver.requests().isEmpty)
        // SIGTERM while the batch is still retrying: the shutdown timeout (0.5 s) binds it too
        let stopping = Date()
        #expect(untrusting.stop() == 0)
        #expect(Date().timeIntervalSince(stopping) < 5, "shutdown took \(Date().timeIntervalSince(stopping)) s")

        // an unreadable certificate file: one clear line, non-zero exit
        let broken = try ChildProcess.run(AgentProcess.binary, ["run", "--listen", "off", "--otlp-endpoint", https, "--otlp-certificate", directory + "/missing.pem"])
        #expect(broken.status == 1)
        #expect(broken.errorOutput.contains("tusk: certificate \(directory)/missing.pem"), "\(broken.errorOutput)")
    }

    @Test func after503sEverySpanStillArrivesExactlyOnce() throws {
        let receiver = try OTLPReceiver()
        try receiver.control(#"{"fail_next": 3, "status": 503}"#)
        let queries = try workload(20, tag: "retry")
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"] + queries.scope)
        try queries.run()
        let spans = try queries.exported(to: receiver, timeout: 30)
        #expect(texts(spans).sorted() == queries.texts.sorted())
        #expect(Set(spans.map { hex($0["span_id"]) }).count == spans.count)
        #expect(try receiver.requests().filter { $0["status"] as? Int == 503 }.count == 3)
        #expect(try agent.metric("tusk_export_retries_total") == 3)
        #expect(agent.stop() == 0)
    }

    @Test func aTenSecondOutageLosesNothing() throws {
        let receiver = try OTLPReceiver()
        receiver.stop()
        let queries = try workload(30, tag: "outage")
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"] + queries.scope)
        try queries.run()
        Thread.sleep(forTimeInterval: 10)
        try receiver.start()
        let spans = try queries.exported(to: receiver, timeout: 40)
        #expect(texts(spans).sorted() == queries.texts.sorted())
        #expect(try agent.metric("tusk_dropped_total{reason=\"undeliverable\"}") == 0)
        #expect(agent.stop() == 0)
    }

    @Test func a400IsNotRetriedAndCountsAsDropped() throws {
        let receiver = try OTLPReceiver()
        try receiver.control(#"{"reject_all_status": 400}"#)
        let queries = try workload(5, tag: "rejected")
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"] + queries.scope)
        try queries.run()
        // the marker's span is rejected too, and last: the exporter sends one request at a time,
        // so a retry of an earlier one would have been sent before the marker's
        try queries.marker.send()
        let rejected = Double(queries.texts.count + 1)
        let dropped = try agent.metric("tusk_dropped_total{reason=\"rejected\"}", settlesAt: rejected)
        #expect(dropped == rejected)
        let requests = try receiver.requests()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0["status"] as? Int == 400 })
        #expect(try agent.metric("tusk_export_retries_total") == 0)
        #expect(dropped == Double(requests.compactMap { $0["span_count"] as? Int }.reduce(0, +)))
        #expect(agent.stop() == 0)
    }

    @Test func aPartialSuccessIsLoggedCountedAndNotRetried() throws {
        let receiver = try OTLPReceiver()
        try receiver.control(#"{"partial_success": {"rejected": 2, "message": "two spans too old"}}"#)
        let queries = try workload(5, tag: "partial")
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"] + queries.scope)
        try queries.run()
        // the receiver keeps whole bodies; its answer to the first one said two spans were rejected
        #expect(texts(try queries.exported(to: receiver)).sorted() == queries.texts.sorted())
        #expect(try agent.metric("tusk_dropped_total{reason=\"partial_success\"}", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_export_retries_total") == 0)
        let requests = try receiver.requests()
        #expect(requests.allSatisfy { $0["status"] as? Int == 200 })
        #expect(agent.stderrText.contains("backend accepted the batch partially"))
        #expect(agent.stderrText.contains("two spans too old"))
        #expect(agent.stop() == 0)
    }

    @Test func shutdownExportsWhatIsQueued() throws {
        let receiver = try OTLPReceiver()
        let queries = try workload(5, tag: "shutdown")
        // a long schedule delay: only shutdown makes these spans leave
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "60000"] + queries.scope)
        try queries.run()
        // every span is built and queued (the agent traces psql only), and still queued: none was
        // taken for export before shutdown
        let count = Double(queries.texts.count)
        #expect(try agent.metric("tusk_spans_emitted_total", settlesAt: count) == count)
        #expect(try agent.metric("tusk_queue_spans") == count)
        #expect(try receiver.requests().isEmpty)
        #expect(agent.stop(signal: SIGTERM) == 0)
        let spans = try receiver.spans(minimum: queries.texts.count, timeout: 5, pids: [Int(queries.pid)])
        #expect(texts(spans).sorted() == queries.texts.sorted())
    }
}
