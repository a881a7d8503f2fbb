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

    /// Runs `count` distinct statements through psql; returns psql's pid and the texts.
    func runQueries(_ count: Int, tag: String) throws -> (pid: Int32, texts: [String]) {
        let texts = (0..<count).map { "SELECT \($0) AS \(tag)_\($0)" }
        let psql = try ChildProcess.run(
            postgres.binaries + "/psql", ["-X", "-q", "-o", "/dev/null"] + postgres.connection(),
            input: texts.map { $0 + ";\n" }.joined())
        try #require(psql.status == 0, "\(psql.errorOutput)")
        return (psql.pid, texts.map { $0 + ";" })
    }

    func hex(_ value: Any?) -> String { value as? String ?? "" }

    @Test func spansArriveDecodableByTheOfficialPackage() throws {
        let receiver = try OTLPReceiver()
        let agent = try AgentProcess(arguments: ["--query-text", "raw", 
            "--otlp-endpoint", receiver.endpoint, "--otlp-compression", "gzip", "--schedule-delay", "100",
            "--otlp-header", "x-tenant=team%20a", "--resource-attribute", "deployment.environment=test",
        ])
        let script = "SELECT 1 AS one;\nSELECT * FROM nosuch_otlp;\n"
        let psql = try ChildProcess.run(postgres.binaries + "/psql", ["-X", "-q", "-o", "/dev/null"] + postgres.connection(), input: script)
        let spans = try receiver.spans(minimum: 2, pids: [Int(psql.pid)])
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
        let agent = try AgentProcess(
            arguments: ["--query-text", "raw", "--otlp-endpoint", https, "--schedule-delay", "100"],
            environment: ["OTEL_EXPORTER_OTLP_CERTIFICATE": certificate])
        let (pid, texts) = try runQueries(3, tag: "https")
        let spans = try receiver.spans(minimum: texts.count, pids: [Int(pid)])
        #expect(spans.compactMap { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String }.sorted() == texts.sorted())
        #expect(agent.stop() == 0)

        // without it the self-signed certificate is not trusted: nothing arrives
        try receiver.control(#"{"reset": true}"#)
        let untrusting = try AgentProcess(arguments: [
            "--query-text", "raw", "--otlp-endpoint", https, "--schedule-delay", "100", "--export-timeout", "500", "--otlp-timeout", "1000",
        ])
        let (otherPid, _) = try runQueries(3, tag: "untrusted")
        var retries = 0.0
        for _ in 0..<100 where retries < 1 {
            retries = try untrusting.metric("tusk_export_retries_total")
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(retries >= 1, "a handshake the agent cannot trust is a connection failure, retried")
        #expect(try receiver.spans(minimum: 0, pids: [Int(otherPid)]).isEmpty)
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
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let (pid, texts) = try runQueries(20, tag: "retry")
        let spans = try receiver.spans(minimum: texts.count, timeout: 30, pids: [Int(pid)])
        let received = spans.compactMap { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String }
        #expect(received.sorted() == texts.sorted())
        #expect(Set(spans.map { hex($0["span_id"]) }).count == spans.count)
        #expect(try receiver.requests().filter { $0["status"] as? Int == 503 }.count == 3)
        #expect(try agent.metric("tusk_export_retries_total") == 3)
        #expect(agent.stop() == 0)
    }

    @Test func aTenSecondOutageLosesNothing() throws {
        let receiver = try OTLPReceiver()
        receiver.stop()
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let (pid, texts) = try runQueries(30, tag: "outage")
        Thread.sleep(forTimeInterval: 10)
        try receiver.start()
        let spans = try receiver.spans(minimum: texts.count, timeout: 40, pids: [Int(pid)])
        #expect(spans.compactMap { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String }.sorted() == texts.sorted())
        #expect(try agent.metric("tusk_dropped_total{reason=\"undeliverable\"}") == 0)
        #expect(agent.stop() == 0)
    }

    @Test func a400IsNotRetriedAndCountsAsDropped() throws {
        let receiver = try OTLPReceiver()
        try receiver.control(#"{"reject_all_status": 400}"#)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let (_, texts) = try runQueries(5, tag: "rejected")
        var dropped = 0.0
        for _ in 0..<100 {
            dropped = try agent.metric("tusk_dropped_total{reason=\"rejected\"}")
            if dropped >= Double(texts.count) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(dropped >= Double(texts.count))
        Thread.sleep(forTimeInterval: 1.5)
        let requests = try receiver.requests()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0["status"] as? Int == 400 })
        #expect(try agent.metric("tusk_export_retries_total") == 0)
        #expect(try agent.metric("tusk_dropped_total{reason=\"rejected\"}") == Double(requests.compactMap { $0["span_count"] as? Int }.reduce(0, +)))
        #expect(agent.stop() == 0)
    }

    @Test func aPartialSuccessIsLoggedCountedAndNotRetried() throws {
        let receiver = try OTLPReceiver()
        try receiver.control(#"{"partial_success": {"rejected": 2, "message": "two spans too old"}}"#)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let (pid, texts) = try runQueries(5, tag: "partial")
        // the receiver keeps whole bodies; its answer to the first one said two spans were rejected
        #expect(try receiver.spans(minimum: texts.count, pids: [Int(pid)]).count == texts.count)
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
        // a long schedule delay: only shutdown makes these spans leave
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "60000"])
        let (pid, texts) = try runQueries(5, tag: "shutdown")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try receiver.spans(minimum: 0, pids: [Int(pid)]).isEmpty)
        #expect(agent.stop(signal: SIGTERM) == 0)
        let spans = try receiver.spans(minimum: texts.count, timeout: 5, pids: [Int(pid)])
        #expect(spans.count == texts.count)
    }
}
