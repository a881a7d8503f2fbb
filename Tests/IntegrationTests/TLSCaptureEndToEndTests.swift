import Foundation
import Testing
import TestSupport

/// Encrypted connections (a PostgreSQL 15 with `ssl = on`): the real agent's TLS probes on the
/// system's OpenSSL hand over the plaintext, and the spans are the ones the same traffic makes in
/// the clear. Every client here starts after the agent attached; the connection is checked to be
/// encrypted by the server itself (pg_stat_ssl).
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct TLSCaptureEndToEndTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.sharedTLS.get()
    }

    /// libpq's connection string for the sandbox over TCP, encrypted or nothing.
    var dsn: String { "host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk sslmode=require" }

    let sslCheck = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

    func spans(of pid: Int32, _ agent: AgentProcess, through marker: EndMarker) throws -> [AgentProcess.Span] {
        try marker.send()
        return try agent.spans(through: marker).filter { $0.pid == pid }
    }

    /// psql is held until the agent runs (its pid scopes the agent, so the counters are its own):
    /// it starts after the probes attached, like any process that maps the library later.
    @Test func psqlOverTLSGetsItsTextStatusAndRows() throws {
        let marker = try EndMarker(postgres)
        let statements = [
            sslCheck,
            "SELECT n FROM generate_series(1, 50000) AS n",
            "SELECT * FROM nosuch_table",
        ]
        let psql = try InteractiveProcess.heldUntilGo(
            postgres.binaries + "/psql", ["-X", "-A", "-t", "-d", dsn] + statements.flatMap { ["-c", $0] })
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(psql.pid)] + marker.agentArguments)
        psql.send("go")
        psql.closeInput()
        #expect(try psql.nextLine() == "t", "the server says the connection is not encrypted")
        _ = psql.wait()

        let spans = try self.spans(of: psql.pid, agent, through: marker)
        let counters = ["opened", "encrypted", "encrypted_seen", "closed"].map {
            "\($0)=\((try? agent.metric("tusk_connections_\($0)_total")) ?? -1)"
        } + ["stash_unavailable", "tls_walk_unavailable", "desync", "overflow", "kernel_ring_full"].map {
            "\($0)=\((try? agent.metric("tusk_dropped_total{reason=\"\($0)\"}")) ?? -1)"
        } + ["unmatched_responses_total", "records_read_total", "kernel_records_total", "spans_emitted_total"].map {
            "\($0)=\((try? agent.metric("tusk_" + $0)) ?? -1)"
        }
        try #require(
            spans.count == statements.count,
            "\(agent.spans.map { "\($0.pid) \($0.text ?? "-")" }) psql \(psql.pid) \(counters); agent log: \(agent.stderrText)")
        #expect(spans.map(\.text) == statements)
        #expect(spans.allSatisfy { $0.kind == "client" && $0.string("db.namespace") == "tusk" && $0.string("tusk.db.user") == "tusk" })
        #expect(spans.allSatisfy { $0.int("server.port") == postgres.port && $0.string("network.transport") == "tcp" })
        #expect(spans[0].status == "unset" && spans[0].int("db.response.returned_rows") == 1)
        #expect(spans[1].int("db.response.returned_rows") == 50000)
        #expect(spans[2].status == "error")
        #expect(spans[2].string("db.response.status_code") == "42P01")
        #expect(spans[2].statusMessage == "relation \"nosuch_table\" does not exist")
        // psql's connection and the marker's: both encrypted, both seen
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        // the handshake's own sends outside SSL_write do not make a seen connection unseen
        #expect(try agent.metric("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}") == 0)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    @Test(arguments: ["extended", "prepared"])
    func pgbenchOverTLSGetsOneSpanPerStatement(mode: String) throws {
        let marker = try EndMarker(postgres)
        let transactions = 20
        let pgbench = try InteractiveProcess.heldUntilGo(
            postgres.binaries + "/pgbench",
            ["-n", "-b", "select-only", "-t", String(transactions), "-c", "1", "-M", mode]
                + ["-h", "127.0.0.1", "-p", String(postgres.port), "-U", "tusk", "tusk"],
            environment: ["PGSSLMODE": "require"])
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(pgbench.pid)] + marker.agentArguments)
        pgbench.send("go")
        pgbench.closeInput()
        try #require(pgbench.wait() == 0, "\(pgbench.errorOutput)")

        let spans = try self.spans(of: pgbench.pid, agent, through: marker)
        let selects = spans.filter { $0.text?.hasPrefix("SELECT abalance") == true }
        let kernel = ["connections_opened_total", "connections_encrypted_total", "connections_encrypted_seen_total", "dropped_total{reason=\"stash_unavailable\"}", "dropped_total{reason=\"desync\"}"].map {
            "\($0)=\((try? agent.metric("tusk_" + $0)) ?? -1)"
        }
        try #require(selects.count == transactions, "\(kernel) \(spans.map { $0.text ?? "-" }); agent log: \(agent.stderrText)")
        #expect(selects.allSatisfy {
            $0.text == "SELECT abalance FROM pgbench_accounts WHERE aid = $1;" && $0.status == "unset"
                && $0.int("db.response.returned_rows") == 1 && $0.durationNanoseconds > 0
        })
        #expect(try agent.metric("tusk_connections_encrypted_seen_total") >= 2)
        #expect(try agent.metric("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}") == 0)
        #expect(agent.stop() == 0)
    }

    /// psycopg 3 on the system's libpq (its pure-Python implementation; the psycopg-binary wheel
    /// brings a libssl of its own) and pg8000 on Python's ssl module, which links the system's
    /// OpenSSL and calls SSL_read_ex/SSL_write_ex.
    @Test(arguments: ["psycopg", "pg8000"])
    func pythonClientsOverTLS(client: String) throws {
        let marker = try EndMarker(postgres)
        let script: String
        switch client {
        case "psycopg":
            script = """
                import sys, psycopg
                conn = psycopg.connect(sys.argv[1], autocommit=True)
                print(conn.execute("\(sslCheck)").fetchone()[0])
                print(conn.execute("SELECT n FROM generate_series(1, %s) AS n", (300,)).rowcount)
                try:
                    conn.execute("SELECT * FROM nosuch_python_table")
                except psycopg.errors.UndefinedTable:
                    print("42P01")
                """
        default:
            script = """
                import sys, ssl, pg8000.native
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                conn = pg8000.native.Connection("tusk", host="127.0.0.1", port=int(sys.argv[2]), database="tusk", ssl_context=context)
                print(conn.run("\(sslCheck)")[0][0])
                print(len(conn.run("SELECT n FROM generate_series(1, :n) AS n", n=300)))
                try:
                    conn.run("SELECT * FROM nosuch_python_table")
                except pg8000.native.DatabaseError as error:
                    print(error.args[0]["C"])
                conn.close()
                """
        }
        let python = try InteractiveProcess.heldUntilGo(
            TestEnvironment.python, ["-c", script, dsn, String(postgres.port)], environment: ["PSYCOPG_IMPL": "python"])
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(python.pid)] + marker.agentArguments)
        python.send("go")
        python.closeInput()
        #expect(try [python.nextLine(), python.nextLine(), python.nextLine()] == ["True", "300", "42P01"])
        try #require(python.wait() == 0, "\(python.errorOutput)")

        let spans = try self.spans(of: python.pid, agent, through: marker)
        let texts = spans.compactMap(\.text)
        #expect(texts.contains(sslCheck), "\(texts); agent log: \(agent.stderrText)")
        let rows = spans.first { $0.text?.hasPrefix("SELECT n FROM generate_series") == true }
        #expect(rows?.int("db.response.returned_rows") == 300, "\(texts)")
        let failed = spans.first { $0.text == "SELECT * FROM nosuch_python_table" }
        #expect(failed?.status == "error" && failed?.string("db.response.status_code") == "42P01", "\(texts)")
        #expect(try agent.metric("tusk_connections_encrypted_seen_total") >= 2)
        #expect(agent.stop() == 0)
    }

    /// TLS to another service in the same process, on a socket of its own (here an echo server on
    /// a thread of the process, both ends through Python's ssl module and the system's OpenSSL,
    /// between and during PostgreSQL statements): its SSL calls make socket calls on an fd that
    /// is no PostgreSQL connection, so they neither tie nor untie an SSL object. The PostgreSQL
    /// spans stay right and nothing is counted as untied plaintext.
    @Test func tlsToAnotherServiceInTheSameProcessIsLeftAlone() throws {
        let marker = try EndMarker(postgres)
        let script = """
            import socket, ssl, sys, threading, pg8000.native
            server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            server.load_cert_chain(sys.argv[3], sys.argv[4])
            listener = socket.create_server(("127.0.0.1", 0))
            def echo():
                while True:
                    raw, _ = listener.accept()
                    with server.wrap_socket(raw, server_side=True) as tls:
                        while data := tls.recv(4096):
                            tls.sendall(data)
            threading.Thread(target=echo, daemon=True).start()
            client = ssl.create_default_context()
            client.check_hostname = False
            client.verify_mode = ssl.CERT_NONE
            def other_service(n):
                with client.wrap_socket(socket.create_connection(listener.getsockname())) as tls:
                    for i in range(n):
                        tls.sendall(b"not PostgreSQL %d" % i)
                        tls.recv(4096)
            other_service(2)
            conn = pg8000.native.Connection("tusk", host="127.0.0.1", port=int(sys.argv[2]), database="tusk", ssl_context=client)
            print(conn.run("\(sslCheck)")[0][0])
            other_service(5)
            print(len(conn.run("SELECT n FROM generate_series(1, :n) AS n", n=40)))
            other_service(5)
            try:
                conn.run("SELECT * FROM nosuch_other_service_table")
            except pg8000.native.DatabaseError as error:
                print(error.args[0]["C"])
            conn.close()
            """
        let python = try InteractiveProcess.heldUntilGo(
            TestEnvironment.python,
            ["-c", script, dsn, String(postgres.port), postgres.directory + "/server.crt", postgres.directory + "/server.key"])
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(python.pid)] + marker.agentArguments)
        python.send("go")
        python.closeInput()
        #expect(try [python.nextLine(), python.nextLine(), python.nextLine()] == ["True", "40", "42P01"], "\(python.errorOutput)")
        try #require(python.wait() == 0, "\(python.errorOutput)")

        let spans = try self.spans(of: python.pid, agent, through: marker)
        let texts = spans.compactMap(\.text)
        #expect(texts == [sslCheck, "SELECT n FROM generate_series(1, $1) AS n", "SELECT * FROM nosuch_other_service_table"],
                "agent log: \(agent.stderrText)")
        #expect(spans.count == 3 && spans[1].int("db.response.returned_rows") == 40, "\(texts)")
        #expect(spans.last?.string("db.response.status_code") == "42P01", "\(texts)")
        #expect(try agent.metric("tusk_dropped_total{reason=\"tls_untied\"}") == 0)
        #expect(try agent.metric("tusk_dropped_total{reason=\"desync\"}") == 0)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        #expect(agent.stop() == 0)
    }

    /// PostgreSQL 17's direct TLS: libpq 18 (psycopg-binary's) with `sslnegotiation=direct` sends a
    /// ClientHello offering ALPN "postgresql" as the connection's first bytes, no SSLRequest. The
    /// server here (PostgreSQL 15) has no direct TLS, so a small TLS terminator that requires that
    /// ALPN stands in front of it and passes the plaintext on; the client's side is what is
    /// checked. psycopg is imported before "go", so its bundled libssl is mapped when the agent
    /// starts. Two connections in turn: the second one's ClientHello is sent inside an SSL call
    /// (SSL_connect runs SSL_do_handshake) by a process that already has a connection, on an fd
    /// that is no connection yet.
    @Test func directTLSWithoutSSLRequestIsRecognisedAndSeen() throws {
        let marker = try EndMarker(postgres)
        let terminator = try InteractiveProcess(TestEnvironment.python, ["-c", Self.directTLSTerminator,
            postgres.directory + "/server.crt", postgres.directory + "/server.key", String(postgres.port)])
        let port = try terminator.nextLine()
        let script = """
            import sys, psycopg
            sys.stdin.readline()
            first = psycopg.connect(sys.argv[1], autocommit=True)
            for conn in (first, psycopg.connect(sys.argv[1], autocommit=True)):
                print(conn.pgconn.ssl_in_use, conn.execute("SELECT 'direct' AS negotiation").fetchone()[0])
                try:
                    conn.execute("SELECT * FROM nosuch_direct_table")
                except psycopg.errors.UndefinedTable:
                    print("42P01")
            """
        let dsn = "host=127.0.0.1 port=\(port) user=tusk dbname=tusk sslmode=require sslnegotiation=direct"
        let python = try InteractiveProcess(TestEnvironment.python, ["-c", script, dsn], environment: ["PSYCOPG_IMPL": "binary"])
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(python.pid)] + marker.agentArguments)
        python.send("go")
        python.closeInput()
        let said = try (0..<4).map { _ in try python.nextLine() }
        #expect(said == ["True direct", "42P01", "True direct", "42P01"], "\(python.errorOutput)")
        try #require(python.wait() == 0, "\(python.errorOutput)")
        terminator.closeInput()

        let spans = try self.spans(of: python.pid, agent, through: marker)
        try #require(spans.count == 4, "\(spans.map { $0.text ?? "-" }); agent log: \(agent.stderrText)")
        #expect(spans.map(\.text) == Array(repeating: ["SELECT 'direct' AS negotiation", "SELECT * FROM nosuch_direct_table"], count: 2).flatMap { $0 })
        for pair in [spans[0...1], spans[2...3]] {
            #expect(pair.first?.status == "unset" && pair.first?.int("db.response.returned_rows") == 1)
            #expect(pair.last?.status == "error" && pair.last?.string("db.response.status_code") == "42P01")
        }
        #expect(spans.allSatisfy { $0.int("server.port") == Int(port) && $0.string("tusk.db.user") == "tusk" })
        // the client's two direct TLS connections and the marker's SSLRequest one: all encrypted, all seen
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 3) == 3)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 3) == 3)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    /// The server's side of direct TLS, on a stand-in backend: the TLS terminator reads the
    /// ClientHello (ALPN "postgresql") as a PostgreSQL 17 backend would, inside its TLS handshake,
    /// and speaks PostgreSQL inside TLS through the system's OpenSSL. With the server's side traced
    /// (`--side both`, for the marker's client span) and the agent scoped to it, each accepted
    /// connection is recognised as encrypted from that first read and gives SERVER spans. Two
    /// connections in turn, in one process.
    @Test func directTLSOnTheServersSideGivesServerSpans() throws {
        let terminator = try InteractiveProcess(TestEnvironment.python, ["-c", Self.directTLSTerminator,
            postgres.directory + "/server.crt", postgres.directory + "/server.key", String(postgres.port)])
        let port = try terminator.nextLine()
        let agent = try AgentProcess(
            arguments: ["--query-text", "raw", "--side", "server", "--pid", String(terminator.pid)])
        let script = """
            import sys, psycopg
            for n in (1, 2):
                conn = psycopg.connect(sys.argv[1], autocommit=True)
                print(conn.execute("SELECT %s::int AS direct_connection", (n,)).fetchone()[0])
                try:
                    conn.execute("SELECT * FROM nosuch_direct_server_table")
                except psycopg.errors.UndefinedTable:
                    print("42P01")
                conn.close()
            """
        let dsn = "host=127.0.0.1 port=\(port) user=tusk dbname=tusk sslmode=require sslnegotiation=direct"
        let client = try ChildProcess.run(TestEnvironment.python, ["-c", script, dsn], environment: ["PSYCOPG_IMPL": "binary"])
        #expect(client.output.split(separator: "\n") == ["1", "42P01", "2", "42P01"], "\(client.errorOutput)")
        terminator.closeInput()

        let spans = agent.spans(pid: terminator.pid) { $0.count >= 4 }
        let statements = spans.filter { $0.kind == "server" }
        try #require(statements.count == 4, "\(spans.map { "\($0.kind) \($0.text ?? "-")" }); agent log: \(agent.stderrText)")
        for pair in [statements[0...1], statements[2...3]] {
            #expect(pair.first?.text == "SELECT $1::int AS direct_connection" && pair.first?.int("db.response.returned_rows") == 1)
            #expect(pair.last?.status == "error" && pair.last?.string("db.response.status_code") == "42P01")
        }
        #expect(spans.count == 4, "\(spans.map { $0.text ?? "-" })")
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        #expect(agent.stop() == 0)
    }

    /// Accepts TLS that negotiates ALPN "postgresql" (argv: certificate, key, PostgreSQL's port),
    /// prints its port, and relays each connection's plaintext to PostgreSQL until stdin closes.
    /// Like a PostgreSQL 17 backend, its first read of a connection takes the whole ClientHello
    /// (PostgreSQL reads into its 8 kB buffer, then hands the bytes to OpenSSL); here a peek, as
    /// OpenSSL alone would read the record's 5-byte header first.
    static let directTLSTerminator = """
        import socket, ssl, sys, threading
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        context.set_alpn_protocols(["postgresql"])
        listener = socket.create_server(("127.0.0.1", 0))
        print(listener.getsockname()[1], flush=True)
        def pump(source, sink):
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        def serve(raw):
            while len(hello := raw.recv(65536, socket.MSG_PEEK)) < 5 + int.from_bytes(hello[3:5], "big"):
                if not hello:
                    return
            client = context.wrap_socket(raw, server_side=True)
            if client.selected_alpn_protocol() != "postgresql":
                client.close()
                return
            server = socket.create_connection(("127.0.0.1", int(sys.argv[3])))
            threading.Thread(target=pump, args=(server, client), daemon=True).start()
            pump(client, server)
        def accept():
            while True:
                raw, _ = listener.accept()
                threading.Thread(target=serve, args=(raw,), daemon=True).start()
        threading.Thread(target=accept, daemon=True).start()
        sys.stdin.read()
        """

    @Test func theBackendsSideOverTLSGivesServerSpans() throws {
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--side", "server"])
        let statements = ["SELECT pg_backend_pid();", "SELECT 1 AS served_over_tls;", "SELECT * FROM nosuch_server_table;"]
        let psql = try ChildProcess.run(postgres.binaries + "/psql", ["-X", "-A", "-t", "-d", dsn], input: statements.joined(separator: "\n"))
        let backend = try #require(Int32(psql.output.split(separator: "\n").first ?? ""), "psql: \(psql.output) \(psql.errorOutput)")

        let spans = try self.spans(of: backend, agent, through: marker)
        try #require(spans.count == statements.count, "\(spans.map { $0.text ?? "-" }); agent log: \(agent.stderrText)")
        #expect(spans.map(\.text) == statements)
        #expect(spans.allSatisfy { $0.kind == "server" && $0.json["command"] as? String == "postgres" })
        #expect(spans[1].int("db.response.returned_rows") == 1)
        #expect(spans[2].status == "error" && spans[2].string("db.response.status_code") == "42P01")
        #expect(agent.spans.filter { $0.pid == psql.pid }.isEmpty)
        // the backend's handshake sends (session tickets) do not make its connection unseen
        #expect(!agent.stderrText.contains("cannot see the TLS plaintext of process \(backend) "), "\(agent.stderrText)")
        #expect(agent.stop() == 0)
    }

    /// psycopg2-binary's own copy of libssl, first mapped after the agent started (scoped to the
    /// process by --pid), gets the probes as it is mapped: a connection made once the agent says
    /// so is seen whole (TLSDiscoveryEndToEndTests covers the one racing the probes).
    @Test func aBundledLibSSLMappedAfterStartIsProbed() throws {
        let marker = try EndMarker(postgres)
        let script = """
            import sys, psycopg2
            print("imported", flush=True)
            sys.stdin.readline()
            conn = psycopg2.connect(sys.argv[1])
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("\(sslCheck)")
            print(cur.fetchone()[0])
            cur.execute("SELECT 1 AS bundled_copy")
            conn.close()
            """
        let python = try InteractiveProcess.heldUntilGo(TestEnvironment.python, ["-c", script, dsn])
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(python.pid)] + marker.agentArguments)
        python.send("go")
        #expect(try python.nextLine() == "imported")
        #expect(agent.waitForLogLine(containing: ["OpenSSL probes on", "psycopg2_binary.libs/libssl-"]), "\(agent.stderrText)")
        python.send("connect")
        python.closeInput()
        #expect(try python.nextLine() == "True")
        try #require(python.wait() == 0, "\(python.errorOutput)")

        let spans = try self.spans(of: python.pid, agent, through: marker)
        #expect(spans.map(\.text) == [sslCheck, "SELECT 1 AS bundled_copy"], "agent log: \(agent.stderrText)")
        #expect(spans.allSatisfy { $0.status == "unset" && $0.int("db.response.returned_rows") == 1 })
        // psycopg2's connection and the marker's: encrypted and seen
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    /// With --no-tls, an encrypted connection is counted and dropped.
    @Test func withoutTLSEncryptedConnectionsAreLeftAlone() throws {
        let marker = try EndMarker(postgres)
        let psql = try InteractiveProcess.heldUntilGo(postgres.binaries + "/psql", ["-X", "-A", "-t", "-d", dsn, "-c", sslCheck])
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--no-tls", "--pid", String(psql.pid)] + marker.agentArguments)
        psql.send("go")
        psql.closeInput()
        #expect(try psql.nextLine() == "t")
        _ = psql.wait()
        try marker.send()
        // the marker is encrypted too: wait for both connections instead of its span
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_connections_closed_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total") == 0)
        #expect(agent.spans.isEmpty)
        #expect(agent.stop() == 0)
    }
}
