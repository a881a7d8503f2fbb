import Foundation
import Testing
import TestSupport

/// The real agent, the real kernel programs and a real PostgreSQL 15, driven by psql and pgbench:
/// every span is checked against what the client itself saw and measured — as the console prints
/// it and as the OTLP receiver decodes it.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct CaptureEndToEndTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.shared.get()
    }

    /// `Time: 1.234 ms` lines psql prints with \timing on, in nanoseconds.
    func psqlTimings(_ output: String) -> [UInt64] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("Time: "), let ms = Double(line.dropFirst(6).split(separator: " ")[0]) else { return nil }
            return UInt64(ms * 1_000_000)
        }
    }

    /// The agent with spans on its console, or exporting them to a fresh OTLP receiver.
    func agent(otlp: Bool) throws -> (AgentProcess, OTLPReceiver?) {
        let receiver = otlp ? try OTLPReceiver() : nil
        return (try AgentProcess(arguments: ["--query-text", "raw"] + (receiver?.agentArguments ?? [])), receiver)
    }

    /// The spans of `pid` as the console printed them or the receiver decoded them, once
    /// `marker`, sent now, arrived after them: no span of `pid` can come later.
    func spans(of pid: Int32, _ agent: AgentProcess, _ receiver: OTLPReceiver?, through marker: EndMarker) throws -> [AgentProcess.Span] {
        try marker.send()
        let all = try receiver.map { try $0.spans(through: marker).map(AgentProcess.Span.init(otlp:)) } ?? agent.spans(through: marker)
        return all.filter { $0.pid == pid }
    }

    @Test(arguments: [false, true], [false, true])
    func psqlQueriesBecomeSpansWithTheirTextStatusRowsAndTiming(unixSocket: Bool, otlp: Bool) throws {
        let marker = try EndMarker(postgres)
        let (agent, receiver) = try agent(otlp: otlp)
        let statements = [
            "SELECT 1 AS one",
            "SELECT * FROM nosuch_table",
            "SELECT n FROM generate_series(1, 50000) AS n",
            "SELECT count(*) FROM pgbench_branches",
        ]
        let script = "\\timing on\n" + statements.map { $0 + ";\n" }.joined()
        let psql = try ChildProcess.run(
            postgres.binaries + "/psql", ["-X", "-o", "/dev/null"] + postgres.connection(unixSocket: unixSocket), input: script)
        let timings = psqlTimings(psql.output)
        try #require(timings.count == statements.count, "psql printed: \(psql.output) \(psql.errorOutput)")

        let spans = try self.spans(of: psql.pid, agent, receiver, through: marker)
        try #require(spans.count == statements.count, "agent log: \(agent.stderrText)")
        // psql sends each statement with its terminating semicolon
        #expect(spans.map { $0.text } == statements.map { $0 + ";" })
        #expect(spans.allSatisfy { $0.kind == "client" && $0.string("db.system.name") == "postgresql" })
        #expect(spans.allSatisfy { $0.string("db.namespace") == "tusk" })
        #expect(spans.allSatisfy { $0.string("network.transport") == (unixSocket ? "unix" : "tcp") })
        // the resource, on the console (JSON) as over OTLP
        #expect(spans.allSatisfy {
            $0.resource["process.pid"] as? Int == Int(psql.pid) && $0.resource["service.name"] as? String == "psql"
                && $0.resource["process.executable.name"] as? String == "psql" && $0.resource["host.name"] is String
        }, "\(spans.first?.resource ?? [:])")
        if !unixSocket {
            #expect(spans.allSatisfy { $0.int("server.port") == postgres.port && $0.string("server.address") == "127.0.0.1" })
        }

        #expect(spans[0].status == "unset")
        #expect(spans[0].int("db.response.returned_rows") == 1)
        #expect(spans[1].status == "error")
        #expect(spans[1].string("db.response.status_code") == "42P01")
        #expect(spans[1].statusMessage == "relation \"nosuch_table\" does not exist")
        #expect(spans[2].int("db.response.returned_rows") == 50000)
        #expect(spans[3].int("db.response.returned_rows") == 1)

        for (span, clientTime) in zip(spans, timings) {
            #expect(span.durationNanoseconds > 0)
            #expect(span.durationNanoseconds <= clientTime, "\(span.text ?? ""): span \(span.durationNanoseconds) ns > psql's \(clientTime) ns")
        }
        // a long result: the span lasts until the last row arrived, not just the first byte
        #expect(spans[2].durationNanoseconds * 2 >= timings[2], "50 000 rows: span \(spans[2].durationNanoseconds) ns, psql \(timings[2]) ns")
        #expect(agent.stop() == 0)
    }

    @Test(arguments: ["simple", "extended", "prepared"], [false, true])
    func pgbenchInEveryQueryModeGetsOneSpanPerStatement(mode: String, otlp: Bool) throws {
        let marker = try EndMarker(postgres)
        let (agent, receiver) = try agent(otlp: otlp)
        let logPrefix = NSTemporaryDirectory() + "tusk-pgbench-\(mode)-\(getpid())"
        let transactions = 20
        let pgbench = try ChildProcess.run(
            postgres.binaries + "/pgbench",
            ["-n", "-b", "select-only", "-t", String(transactions), "-c", "1", "-M", mode, "-l", "--log-prefix", logPrefix]
                + ["-h", "127.0.0.1", "-p", String(postgres.port), "-U", "tusk", "tusk"])
        try #require(pgbench.status == 0, "\(pgbench.output) \(pgbench.errorOutput)")
        let logFile = "\(logPrefix).\(pgbench.pid)"
        defer { try? FileManager.default.removeItem(atPath: logFile) }
        // per transaction: client transaction latency_us …
        let latencies = try String(contentsOfFile: logFile, encoding: .utf8).split(separator: "\n").map {
            UInt64($0.split(separator: " ")[2])! * 1000
        }
        try #require(latencies.count == transactions)

        let spans = try self.spans(of: pgbench.pid, agent, receiver, through: marker)
        let selects = spans.filter { $0.text?.hasPrefix("SELECT abalance") == true }
        try #require(selects.count == transactions, "agent log: \(agent.stderrText)")
        for (span, latency) in zip(selects, latencies) {
            if mode == "simple" {
                #expect(span.text?.wholeMatch(of: /SELECT abalance FROM pgbench_accounts WHERE aid = \d+;/) != nil, "\(span.text ?? "")")
            } else {
                #expect(span.text == "SELECT abalance FROM pgbench_accounts WHERE aid = $1;")
            }
            #expect(span.status == "unset")
            #expect(span.int("db.response.returned_rows") == 1)
            #expect(span.durationNanoseconds > 0)
            // the log rounds to microseconds
            #expect(span.durationNanoseconds <= latency + 1000, "span \(span.durationNanoseconds) ns > transaction \(latency) ns")
        }
        #expect(agent.stop() == 0)
    }

    /// A Parse the server refused (42P05: the name exists, as when two clients share a server
    /// connection behind a pooler) does not rename the statement: the executions that follow run,
    /// and are reported with, the text that was prepared first.
    @Test func aRefusedParseDoesNotRenameTheStatement() throws {
        let marker = try EndMarker(postgres)
        let (agent, receiver) = try agent(otlp: false)
        let script = """
            import sys, psycopg
            conn = psycopg.connect(sys.argv[1], autocommit=True)
            pq = conn.pgconn
            assert pq.prepare(b"s_dup", b"SELECT 1 AS x_stmt").error_message == b""
            refused = pq.prepare(b"s_dup", b"SELECT 2 AS y_stmt")
            assert b"already exists" in refused.error_message, refused.error_message
            for _ in range(2):
                result = pq.exec_prepared(b"s_dup", [])
                assert result.fname(0) == b"x_stmt", result.fname(0)
            """
        let python = try ChildProcess.run(
            TestEnvironment.python, ["-c", script, "host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk"])
        try #require(python.status == 0, "\(python.errorOutput)")
        let spans = try self.spans(of: python.pid, agent, receiver, through: marker)
        let refused = spans.filter { $0.string("db.response.status_code") == "42P05" }
        #expect(refused.map(\.text) == ["SELECT 2 AS y_stmt"], "the refused Parse's own span: \(spans.map(\.text))")
        let executions = spans.filter { $0.string("db.response.status_code") == nil && $0.int("db.response.returned_rows") == 1 }
        #expect(executions.map(\.text) == ["SELECT 1 AS x_stmt", "SELECT 1 AS x_stmt"], "\(spans.map { ($0.text, $0.string("db.response.status_code") ?? "-") })")
    }

    @Test func otherTrafficMakesNoSpansAndTheEndpointsAnswer() throws {
        let agent = try AgentProcess(arguments: ["--query-text", "raw"])
        let fetch = """
            import urllib.request, sys
            base = "http://127.0.0.1:\(agent.listenPort)"
            health = urllib.request.urlopen(base + "/healthz")
            print(health.status, health.read().decode().strip())
            print(urllib.request.urlopen(base + "/metrics").read().decode())
            """
        let python = try ChildProcess.run(TestEnvironment.python, ["-c", fetch])
        try #require(python.status == 0, "\(python.errorOutput)")
        #expect(python.output.hasPrefix("200 ok"))
        #expect(python.output.contains("tusk_records_read_total"))
        #expect(python.output.contains("tusk_kernel_records_lost_total"))
        #expect(python.output.contains("tusk_dropped_total{reason=\"queue_full\"}"))
        // a PostgreSQL query right after, so the agent has certainly caught up past the HTTP traffic
        let psql = try ChildProcess.run(postgres.binaries + "/psql", ["-X", "-c", "SELECT 42"] + postgres.connection())
        _ = agent.spans(pid: psql.pid) { !$0.isEmpty }
        #expect(agent.spans.filter { $0.pid == python.pid }.isEmpty)
        #expect(agent.stop() == 0)
    }
}
