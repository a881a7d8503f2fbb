import Foundation
import Testing
import TestSupport

/// The client suite over TLS: each library's workload (the plan, opened by asking the server
/// whether the connection is encrypted) against a PostgreSQL 15 with `ssl = on`, on
/// `sslmode=require` or the driver's own way to say it (Tests/Workloads/README.md). A client whose
/// TLS Tusk sees gets exactly the spans it gets in the clear (SpanChecks); any other is counted as
/// encrypted and not seen, and has no span. The agent traces only the workload and the end marker,
/// so the counters are theirs.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct ClientLibraryTLSTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.sharedTLS.get()
    }

    @Test(.enabled(if: ClientWorkload.psycopg2.isAvailable))
    func psycopg2OverTLS() throws { try check(.psycopg2) }

    @Test(.enabled(if: ClientWorkload.psycopg3.isAvailable))
    func psycopg3OverTLS() throws { try check(.psycopg3) }

    @Test(.enabled(if: ClientWorkload.asyncpg.isAvailable))
    func asyncpgOverTLSOnAsyncioMemoryBIOs() throws { try check(.asyncpg) }

    @Test(.enabled(if: ClientWorkload.pg8000.isAvailable))
    func pg8000OverTLSThroughPythonSSL() throws { try check(.pg8000) }

    @Test(.enabled(if: ClientWorkload.jdbc.isAvailable))
    func jdbcOverTLSThroughJSSEIsCountedNotSeen() throws { try check(.jdbc) }

    @Test(.enabled(if: ClientWorkload.pgx.isAvailable))
    func pgxOverTLS() throws { try check(.pgx) }

    @Test(.enabled(if: ClientWorkload.nodePostgres.isAvailable))
    func nodePostgresOverTLS() throws { try check(.nodePostgres) }

    @Test(.enabled(if: ClientWorkload.rubyPG.isAvailable))
    func rubyPGOverTLSThroughLibpq() throws { try check(.rubyPG) }

    @Test(.enabled(if: ClientWorkload.postgresNIO.isAvailable))
    func postgresNIOOverTLSThroughBoringSSLIsCountedNotSeen() throws { try check(.postgresNIO) }

    /// asyncio runs OpenSSL on memory BIOs: no SSL call makes a socket call, and each SSL object
    /// is tied to its socket by its handshake. Two pools in turn of four connections whose
    /// handshakes and queries interleave on one event loop (Tests/Workloads/asyncpg/pool.py): every
    /// span has its own connection's text and rows, on that connection (the application_name of
    /// its startup).
    @Test(.enabled(if: ClientWorkload.asyncpg.isAvailable))
    func asyncpgPoolOverTLSTiesEachConnectionToItsOwnSocket() throws {
        let marker = try EndMarker(postgres)
        let python = try InteractiveProcess.heldUntilGo(
            TestEnvironment.python, ["\(ClientWorkload.directory)/asyncpg/pool.py"],
            environment: [
                "PGHOST": "127.0.0.1", "PGPORT": String(postgres.port), "PGUSER": "tusk", "PGDATABASE": "tusk",
                "TUSK_TABLE": "unused", "PYTHONPATH": "\(ClientWorkload.directory)/python", "PYTHONDONTWRITEBYTECODE": "1",
            ])
        let agent = try AgentProcess(arguments: rawTextArguments + ["--pid", String(python.pid)] + marker.agentArguments)
        python.send("go")
        python.closeInput()
        let status = python.wait()
        var queries: [(connection: String, sql: String, rows: Int)] = []
        while let object = try? python.nextJSON(timeout: 1) {
            queries.append((object["connection"] as? String ?? "", object["sql"] as? String ?? "", (object["rows"] as? NSNumber)?.intValue ?? -1))
        }
        try #require(status == 0, "pool workload exited \(status): \(python.errorOutput)")
        let connections = Dictionary(grouping: queries) { $0.connection }
        try #require(connections.count == 8 && queries.count == 8 * 9, "\(queries)")

        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == python.pid }
        let untied = try agent.metric("tusk_dropped_total{reason=\"tls_untied\"}")
        #expect(spans.count == queries.count, "one span per query; tls_untied=\(untied); agent log: \(agent.stderrText)")
        for (name, sent) in connections.sorted(by: { $0.key < $1.key }) {
            let seen = spans.filter { $0.string("tusk.db.application_name") == name }
            #expect(seen.map { $0.text } == sent.map { Optional($0.sql) }, "\(name)")
            #expect(seen.map { $0.int("db.response.returned_rows") } == sent.map { Optional($0.rows) }, "\(name)")
            #expect(seen.allSatisfy { $0.status == "unset" && $0.kind == "client" }, "\(name)")
        }
        // eight pooled connections and the marker's: all encrypted, all seen, nothing left untied
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 9) == 9)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 9) == 9)
        #expect(untied == 0)
        #expect(try agent.metric("tusk_dropped_total{reason=\"desync\"}") == 0)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    /// An asyncio connection encrypted before the agent started: its handshake was not seen, so its
    /// SSL object is tied to no socket. Its plaintext makes no span and is counted
    /// (tls_untied); a connection the same process opens afterwards is seen as usual.
    @Test(.enabled(if: ClientWorkload.asyncpg.isAvailable))
    func anAsyncioConnectionWhoseHandshakeWasNotSeenIsCountedUntied() throws {
        let marker = try EndMarker(postgres)
        let script = """
            import asyncio, sys
            import asyncpg
            from tusk_workload import unverified_tls

            async def main():
                connect = lambda: asyncpg.connect(
                    host="127.0.0.1", port=int(sys.argv[1]), user="tusk", database="tusk", ssl=unverified_tls())
                before = await connect()
                print("connected", flush=True)
                sys.stdin.readline()  # the agent is attached
                after = await connect()
                print(await before.fetchval("SELECT 1 AS before_tusk"), await after.fetchval("SELECT 2 AS after_tusk"), flush=True)
                await before.close()
                await after.close()

            asyncio.run(main())
            """
        let python = try InteractiveProcess(
            TestEnvironment.python, ["-c", script, String(postgres.port)],
            environment: [
                "TUSK_TABLE": "unused", "PGHOST": "127.0.0.1", "PGPORT": String(postgres.port), "PGUSER": "tusk",
                "PGDATABASE": "tusk", "PYTHONPATH": "\(ClientWorkload.directory)/python", "PYTHONDONTWRITEBYTECODE": "1",
            ])
        #expect(try python.nextLine() == "connected")
        let agent = try AgentProcess(arguments: rawTextArguments + ["--pid", String(python.pid)] + marker.agentArguments)
        python.send("go")
        python.closeInput()
        #expect(try python.nextLine() == "1 2")
        try #require(python.wait() == 0, "\(python.errorOutput)")

        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == python.pid }
        #expect(spans.map(\.text) == ["SELECT 2 AS after_tusk"], "agent log: \(agent.stderrText)")
        #expect(try agent.metric("tusk_dropped_total{reason=\"tls_untied\"}") >= 2, "its query and its answer")
        // the connection opened after the agent and the marker's; the first one's SSLRequest was not seen
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    private func check(_ client: ClientWorkload) throws {
        let scratch = NSTemporaryDirectory() + "tusk-client-tls-\(client.name)-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let command = try client.prepare(scratch)

        let receiver = try OTLPReceiver()
        let marker = try EndMarker(postgres)
        let table = "client_tls_\(client.name.replacingOccurrences(of: "-", with: "_"))_\(getpid())"
        let environment = command.environment.merging([
            "PGHOST": "127.0.0.1", "PGPORT": String(postgres.port), "PGUSER": "tusk", "PGDATABASE": "tusk",
            "TUSK_TABLE": table, "PGSSLMODE": "require", "TUSK_SSLMODE": "require",
        ]) { $1 }
        // held until the agent runs: its pid scopes the agent. A workload that can hold itself runs
        // with its TLS library loaded when the agent starts; any other is held before its exec
        let workload = ClientWorkload.holdsBeforeConnecting.contains(client)
            ? try InteractiveProcess(command.executable, command.arguments, environment: environment.merging(["TUSK_HOLD": "1"]) { $1 })
            : try InteractiveProcess.heldUntilGo(command.executable, command.arguments, environment: environment)
        let agent = try AgentProcess(
            arguments: rawTextArguments + receiver.agentArguments + ["--pid", String(workload.pid)] + marker.agentArguments)
        let started = DispatchTime.now().uptimeNanoseconds
        workload.send("go")
        workload.closeInput()
        let status = workload.wait()
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        var lines: [String] = []
        while let line = try? workload.nextLine(timeout: 1) { lines.append(line) }
        try #require(status == 0, "\(client) workload exited \(status):\n\(workload.errorOutput)\n\(lines.joined(separator: "\n"))")
        let statements = try lines.map { try WorkloadStatement(line: Substring($0)) }

        // the workload ran the plan over a connection the server says is encrypted...
        PlanChecks.verify(statements, batches: client.batches, encrypted: true)
        #expect(statements.first?.step == "encrypted")
        let pid = workload.pid
        #expect(statements.allSatisfy { $0.pid == pid }, "the workload is the held process")

        try marker.send()
        let spans = try receiver.spans(through: marker).map(AgentProcess.Span.init(otlp:)).filter { $0.pid == pid }
        let counters = "agent log: \(agent.stderrText)"
        if client.tlsSeen {
            // ...and the agent saw exactly what it sees in the clear
            let expected = ExpectedSpan.sequence(
                for: statements, driverQueries: client.driverQueries, processNanoseconds: elapsed)
            try SpanChecks(pid: pid, serverPort: postgres.port).verify(spans, against: expected)
            // the workload's connection and the marker's: both encrypted, both seen
            #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2, "\(counters)")
        } else {
            // ...whose plaintext the agent cannot see: no span, and counted as not seen
            #expect(spans.isEmpty, "\(spans.map { $0.text ?? "-" })")
            #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 1) == 1, "only the marker's; \(counters)")
        }
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 2) == 2, "\(counters)")
        #expect(try agent.metric("tusk_dropped_total{reason=\"tls_untied\"}") == 0)
        #expect(try agent.metric("tusk_dropped_total{reason=\"desync\"}") == 0)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }
}
