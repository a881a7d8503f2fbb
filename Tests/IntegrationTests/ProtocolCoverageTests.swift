import Foundation
import Testing
import TestSupport

/// The protocol beyond the plain query, end to end (real agent, kernel programs, PostgreSQL 15):
/// the backend's side of connections, cancelled and killed queries, COPY, notices, empty queries,
/// startup parameters, IPv6 and Unix sockets, and connections opened before Tusk started.
/// Where the test can name its clients before they connect, the agent traces only them
/// (`--pid`), so other traffic on the machine cannot move the counters and gauges asserted on.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct ProtocolCoverageTests {
    let postgres: PostgresSandbox
    var psql: String { postgres.binaries + "/psql" }

    init() throws {
        postgres = try PostgresSandbox.shared.get()
    }

    // MARK: - the backend's side

    @Test func serverSideSpansComeFromTheBackendWithTheClientAsPeer() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--side", "server"])
        let statements = [
            "SELECT pg_backend_pid(), inet_client_port();",
            "SELECT 1 AS served;",
            "SELECT * FROM nosuch_server_table;",
        ]
        let client = try runPsql(["-A", "-t"], script: statements)
        let (backend, clientPort) = try backendAndPort(client.output)

        let spans = try settledSpans(agent, pid: backend, count: statements.count, marker: marker)
        try #require(spans.count == statements.count, "backend \(backend): \(spans.map { $0.text ?? "-" }); agent log: \(agent.stderrText)")
        #expect(backend != client.pid)
        #expect(spans.map(\.text) == statements)
        for span in spans {
            #expect(span.kind == "server")
            #expect(span.json["command"] as? String == "postgres")
            #expect(span.string("server.address") == "127.0.0.1")
            #expect(span.int("server.port") == postgres.port)
            #expect(span.string("network.peer.address") == "127.0.0.1")
            // the client's ephemeral port, as the backend itself reported it
            #expect(span.int("network.peer.port") == clientPort)
            #expect(span.string("network.transport") == "tcp")
            #expect(span.string("db.namespace") == "tusk")
            #expect(span.string("tusk.db.user") == "tusk")
        }
        #expect(clientPort > 0 && clientPort != postgres.port)
        #expect(spans[0].status == "unset" && spans[0].int("db.response.returned_rows") == 1)
        #expect(spans[1].status == "unset" && spans[1].int("db.response.returned_rows") == 1)
        #expect(spans[2].status == "error")
        #expect(spans[2].string("db.response.status_code") == "42P01")
        #expect(spans[2].statusMessage == "relation \"nosuch_server_table\" does not exist")
        // this side sees backends only: the application makes none
        #expect(agent.spans.filter { $0.pid == client.pid }.isEmpty)
        #expect(agent.spans.allSatisfy { $0.kind == "server" })
        #expect(agent.stop() == 0)
    }

    @Test func clientSideMakesNoSpanFromTheBackend() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--side", "client"])
        let client = try runPsql(["-A", "-t"], script: ["SELECT pg_backend_pid(), inet_client_port();"])
        let (backend, _) = try backendAndPort(client.output)
        let spans = try settledSpans(agent, pid: client.pid, count: 1, marker: marker)
        #expect(spans.map(\.text) == ["SELECT pg_backend_pid(), inet_client_port();"])
        #expect(spans.first?.kind == "client")
        #expect(spans.first?.json["command"] as? String == "psql")
        #expect(agent.spans.filter { $0.pid == backend }.isEmpty)
        #expect(agent.spans.allSatisfy { $0.kind == "client" })
        #expect(agent.stop() == 0)
    }

    @Test func bothSidesGiveTwoSpansPerQueryAndTheServerSpanLiesWithinTheClientSpan() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--side", "both"])
        let statements = [
            "SELECT pg_backend_pid(), inet_client_port();",
            "SELECT n FROM generate_series(1, 20000) AS n;",
            "SELECT pg_sleep(0.05);",
            "SELECT * FROM nosuch_both_table;",
        ]
        let client = try runPsql(["-A", "-t"], script: statements)
        let (backend, clientPort) = try backendAndPort(client.output)

        let clientSpans = try settledSpans(agent, pid: client.pid, count: statements.count, marker: marker)
        let serverSpans = try settledSpans(agent, pid: backend, count: statements.count, marker: marker)
        try #require(clientSpans.count == statements.count && serverSpans.count == statements.count, "agent log: \(agent.stderrText)")
        #expect(clientSpans.map(\.text) == statements)
        #expect(serverSpans.map(\.text) == statements)
        #expect(clientSpans.allSatisfy { $0.kind == "client" && $0.int("network.peer.port") == postgres.port })
        #expect(serverSpans.allSatisfy { $0.kind == "server" && $0.int("network.peer.port") == clientPort })
        for (outer, inner) in zip(clientSpans, serverSpans) {
            let text = outer.text ?? ""
            // the backend reads the request after the client sent it and answers before the client has read the answer
            #expect(inner.start >= outer.start, "\(text): server span starts \(Int64(outer.start) - Int64(inner.start)) ns before the client span")
            #expect(inner.end <= outer.end, "\(text): server span ends \(Int64(inner.end) - Int64(outer.end)) ns after the client span")
            #expect(inner.status == outer.status)
            #expect(inner.string("db.response.status_code") == outer.string("db.response.status_code"))
            #expect(inner.int("db.response.returned_rows") == outer.int("db.response.returned_rows"))
        }
        #expect(serverSpans[1].int("db.response.returned_rows") == 20000)
        #expect(serverSpans[2].durationNanoseconds >= 50_000_000)
        #expect(serverSpans[3].string("db.response.status_code") == "42P01")
        #expect(agent.stop() == 0)
    }

    // MARK: - cancelled and killed queries

    @Test func aCancelledQueryEndsWith57014AndTheCancelConnectionMakesNoSpan() throws {
        let session = try DatabaseSession(postgres)
        defer { session.finish() }
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(session.pid)] + marker.agentArguments)
        let idle = try kernelGauges(agent)
        _ = try session.connect("a", driver: .psycopg2)
        // connection.cancel() from a timer thread: a CancelRequest on a new connection of the same process
        let cancelled = try session.cancelDuring("a", "SELECT pg_sleep(30)", after: 0.5)
        try #require(cancelled.sqlState == "57014", "\(cancelled.json)")
        let next = try session.query("a", "SELECT 2 AS after_cancel")
        #expect(next.rows == 1)
        #expect(session.finish() == 0)

        let spans = try settledSpans(agent, pid: session.pid, count: 3, marker: marker)
        #expect(spans.map(\.text) == [DatabaseSession.connectQuery, "SELECT pg_sleep(30)", "SELECT 2 AS after_cancel"])
        try #require(spans.count == 3)
        let sleep = spans[1]
        #expect(sleep.status == "error")
        #expect(sleep.string("db.response.status_code") == "57014")
        #expect(sleep.string("error.type") == "57014")
        #expect(sleep.statusMessage == "canceling statement due to user request")
        let clientSeconds = try #require(cancelled.seconds)
        #expect(sleep.durationNanoseconds >= 400_000_000, "cancelled after 0.5 s, span \(sleep.durationNanoseconds) ns")
        #expect(sleep.durationNanoseconds <= UInt64(clientSeconds * 1e9), "span \(sleep.durationNanoseconds) ns > client's \(clientSeconds) s")
        #expect(spans[2].status == "unset" && spans[2].int("db.response.returned_rows") == 1)
        #expect(try settledGauges(agent, at: idle) == idle)
        #expect(agent.stop() == 0)
    }

    @Test func aBackendTerminatedMidQueryEndsTheSpanWith57P01AndLeaksNothing() throws {
        let application = "tusk_terminated_\(getpid())"
        let (victim, agent, idle, marker) = try sleepingPsql(application)

        let terminatedAt = unixNanoseconds()
        let terminate = try runPsql(["-A", "-t", "-c", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(application)'"])
        #expect(terminate.output == "t\n")
        #expect(victim.wait() == 2, "psql: \(victim.errorOutput)")
        #expect(victim.errorOutput.contains("FATAL:  terminating connection due to administrator command"))

        // the backend's ErrorResponse arrived before the connection closed: it says why the query failed
        let spans = try settledSpans(agent, pid: victim.pid, count: 1, marker: marker)
        #expect(spans.map(\.text) == ["SELECT pg_sleep(30)"])
        let span = try #require(spans.first)
        #expect(span.status == "error")
        #expect(span.string("db.response.status_code") == "57P01")
        #expect(span.string("error.type") == "57P01")
        #expect(span.statusMessage == "terminating connection due to administrator command")
        #expect(span.start < terminatedAt && span.end + clockSlack >= terminatedAt, "span \(span.start)…\(span.end), terminated at \(terminatedAt)")
        #expect(try settledGauges(agent, at: idle) == idle)
        #expect(agent.stop() == 0)
    }

    @Test func aClientKilledMidQueryEndsTheSpanAsConnectionClosedAndLeaksNothing() throws {
        let application = "tusk_killed_\(getpid())"
        // the backend sleeps on after its client died: end it too
        defer { _ = try? runPsql(["-c", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(application)'"]) }
        let (victim, agent, idle, marker) = try sleepingPsql(application)

        let killedAt = unixNanoseconds()
        victim.signal(SIGKILL)
        #expect(victim.wait() == 128 + SIGKILL)
        let spans = try settledSpans(agent, pid: victim.pid, count: 1, marker: marker)
        #expect(spans.map(\.text) == ["SELECT pg_sleep(30)"])
        let span = try #require(spans.first)
        #expect(span.status == "error")
        #expect(span.string("error.type") == "connection_closed")
        #expect(span.string("db.response.status_code") == nil)
        #expect(span.statusMessage == "the connection ended before the response was complete")
        // the span ends when the process died, not when the query began
        #expect(span.start < killedAt && span.end + clockSlack >= killedAt, "span \(span.start)…\(span.end), killed at \(killedAt)")
        #expect(try settledGauges(agent, at: idle) == idle)
        #expect(agent.stop() == 0)
    }

    // MARK: - COPY, notices, empty queries, ParameterStatus

    @Test func copyInAndOutAreOneSpanEachWithTheirRowCount() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw"])
        let script = """
            CREATE TEMP TABLE copy_words (n integer, word text);
            COPY copy_words FROM STDIN;
            1\tone
            2\ttwo
            3\tthree
            \\.
            COPY copy_words TO STDOUT;
            COPY (SELECT n FROM generate_series(1, 1000) AS n) TO STDOUT;

            """
        let client = try ChildProcess.run(psql, ["-X", "-q"] + postgres.connection(), input: script)
        try #require(client.status == 0, "\(client.errorOutput)")
        let lines = client.output.split(separator: "\n")
        #expect(lines.count == 1003)
        #expect(lines.prefix(3) == ["1\tone", "2\ttwo", "3\tthree"])

        let spans = try settledSpans(agent, pid: client.pid, count: 4, marker: marker)
        #expect(spans.map(\.text) == [
            "CREATE TEMP TABLE copy_words (n integer, word text);",
            "COPY copy_words FROM STDIN;",
            "COPY copy_words TO STDOUT;",
            "COPY (SELECT n FROM generate_series(1, 1000) AS n) TO STDOUT;",
        ])
        try #require(spans.count == 4)
        #expect(spans.allSatisfy { $0.status == "unset" })
        #expect(spans.map { $0.int("tusk.rows_affected") } == [nil, 3, 3, 1000])
        // COPY data travels as CopyData, not DataRow: nothing is "returned"
        #expect(spans.map { $0.int("db.response.returned_rows") } == [nil, nil, nil, nil])
        #expect(agent.stop() == 0)
    }

    @Test func noticesEmptyQueriesAndParameterStatusKeepThePairing() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw"])
        // one session: a WARNING NoticeResponse, a ParameterStatus, an EmptyQueryResponse, then a plain query
        let client = try runPsql(["-c", "COMMIT", "-c", "SET application_name = 'tusk_renamed'", "-c", "", "-c", "SELECT 2 AS after_all"])
        #expect(client.errorOutput.contains("WARNING:  there is no transaction in progress"))

        let spans = try settledSpans(agent, pid: client.pid, count: 4, marker: marker)
        #expect(spans.map(\.text) == ["COMMIT", "SET application_name = 'tusk_renamed'", "", "SELECT 2 AS after_all"])
        try #require(spans.count == 4)
        // a warning is no failure: the status stays unset, the SQLSTATE is reported
        #expect(spans[0].status == "unset", "COMMIT with WARNING 25P01: \(spans[0].json)")
        #expect(spans[0].string("db.response.status_code") == "25P01")
        #expect(spans[0].string("error.type") == nil)
        #expect(spans[1].status == "unset" && spans[1].string("db.response.status_code") == nil)
        #expect(spans[2].status == "unset" && spans[2].string("db.response.status_code") == nil)
        #expect(spans[2].int("db.response.returned_rows") == nil && spans[2].int("tusk.rows_affected") == nil)
        #expect(spans[3].status == "unset" && spans[3].int("db.response.returned_rows") == 1)
        // the server's ParameterStatus renames the connection for the requests after the SET
        #expect(spans.map { $0.string("tusk.db.application_name") } == ["psql", "psql", "tusk_renamed", "tusk_renamed"])
        #expect(agent.stop() == 0)
    }

    /// libpq's large-object calls travel as FunctionCall messages answered by
    /// FunctionCallResponse: each is a span named by its function, on both sides, and the
    /// connection stays in step (the query after them is still paired, nothing desynchronises).
    @Test func largeObjectCallsAreSpansNamedByTheirFunctionOnBothSides() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--side", "both"])
        let script = """
            import sys, psycopg2
            conn = psycopg2.connect(sys.argv[1])
            cur = conn.cursor()
            cur.execute("SELECT pg_backend_pid()")
            print(cur.fetchone()[0], flush=True)
            lo = conn.lobject(0, "wb")
            lo.write(b"tusk large object " * 200)
            oid = lo.oid
            lo.close()
            lo = conn.lobject(oid, "rb")
            assert lo.read(4) == b"tusk"
            lo.close()
            conn.lobject(oid).unlink()
            conn.commit()
            try:
                conn.lobject(999999999, "rb")
                raise SystemExit("opened a large object that does not exist")
            except psycopg2.OperationalError:
                conn.rollback()
            cur.execute("SELECT 7 AS after_large_objects")
            assert cur.fetchone() == (7,)
            """
        let python = try ChildProcess.run(TestEnvironment.python, ["-c", script, "host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk"])
        try #require(python.status == 0, "\(python.errorOutput)")
        let backend = try #require(Int32(python.output.split(separator: "\n").first ?? ""), "printed: \(python.output)")

        let calls = ["lo_creat", "lo_open", "lowrite", "lo_close", "lo_open", "loread", "lo_close", "lo_open", "lo_close", "lo_unlink"]
        for (pid, kind) in [(python.pid, "client"), (backend, "server")] {
            let spans = try settledSpans(agent, pid: pid, count: 1, marker: marker)
            let functions = spans.filter { $0.string("db.stored_procedure.name") != nil }
            // psycopg2 opens the object, closes it and unlinks it; lo_open of a missing OID fails
            #expect(functions.map(\.name) == calls + ["lo_open"], "\(kind): \(spans.map(\.name))")
            #expect(functions.allSatisfy { $0.name == $0.string("db.stored_procedure.name") && $0.kind == kind && $0.text == nil })
            #expect(functions.dropLast().allSatisfy { $0.status == "unset" })
            #expect(functions.last?.status == "error" && functions.last?.string("db.response.status_code") == "42704", "\(functions.last?.json ?? [:])")
            #expect(spans.last?.text == "SELECT 7 AS after_large_objects" && spans.last?.int("db.response.returned_rows") == 1, "\(spans.map(\.name))")
        }
        #expect(try agent.metric("tusk_dropped_total{reason=\"desync\"}") == 0)
        #expect(agent.stop() == 0)
    }

    // MARK: - connection identity

    @Test func startupParametersNameTheDatabaseUserAndApplication() throws {
        let role = try runPsql(["-c", "DO $$ BEGIN CREATE ROLE tusk_startup_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"])
        try #require(role.status == 0, "\(role.errorOutput)")
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw"])
        let client = try ChildProcess.run(
            psql, ["-X", "-A", "-t", "-c", "SELECT current_user, current_database()", "-h", "127.0.0.1", "-p", String(postgres.port), "-U", "tusk_startup_user", "-d", "postgres"],
            environment: ["PGAPPNAME": "tusk_startup_app"])
        #expect(client.output == "tusk_startup_user|postgres\n", "\(client.errorOutput)")
        let spans = try settledSpans(agent, pid: client.pid, count: 1, marker: marker)
        #expect(spans.map(\.text) == ["SELECT current_user, current_database()"])
        let span = try #require(spans.first)
        #expect(span.string("db.namespace") == "postgres")
        #expect(span.string("tusk.db.user") == "tusk_startup_user")
        #expect(span.string("tusk.db.application_name") == "tusk_startup_app")
        #expect(agent.stop() == 0)
    }

    @Test func ipv6ConnectionsCarryTheirAddresses() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw"])
        let client = try ChildProcess.run(psql, ["-X", "-A", "-t", "-c", "SELECT inet_server_addr()", "-h", "::1", "-p", String(postgres.port), "-U", "tusk", "-d", "tusk"])
        #expect(client.output == "::1\n", "\(client.errorOutput)")
        let spans = try settledSpans(agent, pid: client.pid, count: 1, marker: marker)
        #expect(spans.map(\.text) == ["SELECT inet_server_addr()"])
        let span = try #require(spans.first)
        #expect(span.string("server.address") == "::1")
        #expect(span.int("server.port") == postgres.port)
        #expect(span.string("network.peer.address") == "::1")
        #expect(span.int("network.peer.port") == postgres.port)
        #expect(span.string("network.transport") == "tcp")
        #expect(span.string("db.namespace") == "tusk")
        #expect(agent.stop() == 0)
    }

    @Test func unixSocketConnectionsHaveTransportUnix() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw"])
        let client = try ChildProcess.run(psql, ["-X", "-A", "-t", "-c", "SELECT inet_server_addr() IS NULL"] + postgres.connection(unixSocket: true))
        #expect(client.output == "t\n", "\(client.errorOutput)")
        let spans = try settledSpans(agent, pid: client.pid, count: 1, marker: marker)
        #expect(spans.map(\.text) == ["SELECT inet_server_addr() IS NULL"])
        let span = try #require(spans.first)
        #expect(span.string("network.transport") == "unix")
        #expect(span.int("network.peer.port") == nil)
        #expect(span.string("db.namespace") == "tusk")
        #expect(span.int("db.response.returned_rows") == 1)
        #expect(agent.stop() == 0)
    }

    // MARK: - connections older than the agent

    @Test func connectionsOpenedBeforeTuskStillMakeSpans() throws {
        let session = try DatabaseSession(postgres)
        defer { session.finish() }
        _ = try session.connect("simple", driver: .psycopg2)
        _ = try session.connect("bound", driver: .psycopg3)
        #expect(try session.query("simple", "SELECT 1 AS before_tusk").rows == 1)
        #expect(try session.query("bound", "SELECT %s::int AS before_tusk", parameters: [1]).rows == 1)

        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(session.pid)] + marker.agentArguments)
        #expect(try session.query("simple", "SELECT 7 AS midstream_simple").rows == 1)
        #expect(try session.query("bound", "SELECT %s::int AS midstream_bound", parameters: [8]).rows == 1)
        #expect(try session.query("simple", "SELECT * FROM nosuch_midstream").sqlState == "42P01")
        #expect(try session.query("bound", "SELECT n FROM generate_series(1, %s) AS n", parameters: [500]).rows == 500)
        #expect(try session.query("bound", "SELECT * FROM nosuch_midstream WHERE 1 = %s", parameters: [1]).sqlState == "42P01")
        #expect(session.finish() == 0)

        let spans = try settledSpans(agent, pid: session.pid, count: 5, marker: marker)
        // psycopg2 sends one Query; psycopg 3 sends Parse/Bind/Describe/Execute/Sync with $n
        #expect(spans.map(\.text) == [
            "SELECT 7 AS midstream_simple",
            "SELECT $1::int AS midstream_bound",
            "SELECT * FROM nosuch_midstream",
            "SELECT n FROM generate_series(1, $1) AS n",
            "SELECT * FROM nosuch_midstream WHERE 1 = $1",
        ])
        try #require(spans.count == 5)
        #expect(spans.map(\.status) == ["unset", "unset", "error", "unset", "error"])
        #expect(spans.map { $0.string("db.response.status_code") } == [nil, nil, "42P01", nil, "42P01"])
        #expect(spans.map { $0.int("db.response.returned_rows") } == [1, 1, nil, 500, nil])
        #expect(spans.allSatisfy { $0.kind == "client" && $0.int("server.port") == postgres.port && $0.string("network.transport") == "tcp" })
        #expect(try agent.metric("tusk_connections_midstream_total", settlesAt: 2) == 2)
        #expect(agent.stop() == 0)
    }

    // MARK: - helpers

    /// Spans carry wall-clock times converted from the kernel's monotonic clock; allow for the conversion.
    let clockSlack: UInt64 = 5_000_000

    func unixNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// psql against the sandbox over TCP with `options`, the statements one per line on standard input.
    func runPsql(_ options: [String], script: [String] = []) throws -> ChildProcess {
        try ChildProcess.run(psql, ["-X"] + options + postgres.connection(), input: script.map { $0 + "\n" }.joined())
    }

    /// `pid|port` printed by `SELECT pg_backend_pid(), inet_client_port()` in unaligned tuples-only mode.
    func backendAndPort(_ output: String) throws -> (Int32, Int) {
        let fields = output.split(separator: "\n").first?.split(separator: "|") ?? []
        let backend = try #require(fields.first.flatMap { Int32($0) }, "psql printed: \(output)")
        let port = try #require(fields.last.flatMap { Int($0) }, "psql printed: \(output)")
        return (backend, port)
    }

    /// The spans of `pid` once `count` arrived and then `marker`, sent after them (by the first
    /// call), did too: enough to tell "exactly these" from "these and more".
    func settledSpans(_ agent: AgentProcess, pid: Int32, count: Int, marker: EndMarker) throws -> [AgentProcess.Span] {
        _ = agent.spans(pid: pid) { $0.count >= count }
        try marker.send()
        return try agent.spans(through: marker).filter { $0.pid == pid }
    }

    struct KernelGauges: Equatable, CustomStringConvertible {
        var connections: Double
        var requests: Double
        var description: String { "connections \(connections), requests in flight \(requests)" }
    }

    func kernelGauges(_ agent: AgentProcess) throws -> KernelGauges {
        KernelGauges(connections: try agent.metric("tusk_kernel_connections"), requests: try agent.metric("tusk_kernel_requests_in_flight"))
    }

    /// The gauges once they equal `expected` (or after 10 s).
    func settledGauges(_ agent: AgentProcess, at expected: KernelGauges) throws -> KernelGauges {
        let deadline = Date().addingTimeInterval(10)
        while true {
            let now = try kernelGauges(agent)
            if now == expected || Date() >= deadline { return now }
            usleep(100_000)
        }
    }

    /// A psql inside `SELECT pg_sleep(30)` as `application`, an agent watching only it and an end
    /// marker, and the kernel gauges from before it connected (checked to count its connection
    /// and request).
    func sleepingPsql(_ application: String) throws -> (victim: InteractiveProcess, agent: AgentProcess, idle: KernelGauges, marker: EndMarker) {
        let victim = try InteractiveProcess.heldUntilGo(
            psql, ["-X", "-c", "SELECT pg_sleep(30)"] + postgres.connection(), environment: ["PGAPPNAME": application])
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(victim.pid)] + marker.agentArguments)
        let idle = try kernelGauges(agent)
        victim.send("go")
        try #require(try reachesSleep(application), "psql never reached pg_sleep: \(victim.errorOutput)")
        let busy = try kernelGauges(agent)
        #expect(busy.connections == idle.connections + 1 && busy.requests == idle.requests + 1, "while sleeping: \(busy), idle: \(idle)")
        return (victim, agent, idle, marker)
    }

    /// Waits (up to 15 s) until the backend of `application` is inside `SELECT pg_sleep(30)`.
    func reachesSleep(_ application: String) throws -> Bool {
        let check = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(application)' AND state = 'active' AND query = 'SELECT pg_sleep(30)'"
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if try runPsql(["-A", "-t", "-c", check]).output == "1\n" { return true }
            usleep(100_000)
        }
        return false
    }
}
