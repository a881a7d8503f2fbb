import Foundation
import Testing
import TestSupport

/// Every OpenSSL a traced process uses is found when the process starts using it, and what
/// cannot be seen is said: each client here starts after the agent attached (inside a cgroup of
/// the test's own, which scopes the agent), against PostgreSQL 15 with `ssl = on`.
///
/// The probes go on asynchronously: the first connection of a process that loads a new copy of
/// OpenSSL may start before they are on. The tests that need every statement run the statements
/// on a second connection and check the first one's spans are right where there are any;
/// `theFirstConnectionAfterALoadIsMeasured` counts how often the first one is seen.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct TLSDiscoveryEndToEndTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.sharedTLS.get()
    }

    var dsn: String { "host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk sslmode=require" }

    static let sslCheck = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

    /// What `psycopg2Program` runs on each connection.
    static func psycopg2Statements(rows: Int, table: String) -> [String] {
        [sslCheck, "SELECT n FROM generate_series(1, \(rows)) AS n", "SELECT * FROM \(table)"]
    }

    /// A psycopg2 program on the DSN it is given: prints the path of the psycopg2-binary libssl
    /// it maps, then on each of `rounds` connections (from round `waitingFrom` on, each after a
    /// line on stdin) runs `psycopg2Statements`, printing "True", the row count and "42P01".
    static func psycopg2Program(rows: Int, table: String, rounds: Int, waitingFrom: Int) -> String {
        let statements = psycopg2Statements(rows: rows, table: table)
        return """
            import sys, psycopg2
            print([line.split()[-1] for line in open("/proc/self/maps") if "psycopg2_binary.libs/libssl" in line][0], flush=True)
            for round in range(1, \(rounds + 1)):
                if round >= \(waitingFrom):
                    sys.stdin.readline()
                conn = psycopg2.connect(sys.argv[1])
                conn.autocommit = True
                cur = conn.cursor()
                cur.execute("\(statements[0])")
                print(cur.fetchone()[0])
                cur.execute("\(statements[1])")
                print(len(cur.fetchall()))
                try:
                    cur.execute("\(statements[2])")
                except psycopg2.errors.UndefinedTable:
                    print("42P01", flush=True)
                conn.close()
            """
    }

    /// The spans of one connection of `psycopg2Program`: every statement, its rows, the error.
    static func expectPsycopg2Spans(_ spans: [AgentProcess.Span], rows: Int, table: String, _ context: @autoclosure () -> String) {
        #expect(spans.map(\.text) == psycopg2Statements(rows: rows, table: table), "\(context())")
        guard spans.count == 3 else { return }
        #expect(spans[0].status == "unset" && spans[0].int("db.response.returned_rows") == 1)
        #expect(spans[1].status == "unset" && spans[1].int("db.response.returned_rows") == rows)
        #expect(spans[2].status == "error" && spans[2].string("db.response.status_code") == "42P01")
        #expect(spans[2].statusMessage == "relation \"\(table)\" does not exist")
    }

    /// A scratch directory of the test's own.
    func scratch(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "tusk-tls-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Copies a program through a close-on-exec descriptor: a child another test spawns while the
    /// copy is open must not inherit it for writing, or executing the copy fails ("Text file busy").
    func copyProgram(_ source: String, to destination: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let fd = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        try #require(fd >= 0, "open \(destination): \(errno)")
        defer { close(fd) }
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                try #require(n > 0, "write \(destination): \(errno)")
                written += n
            }
        }
    }

    /// OpenSSL 1.1.1, the generation older images still ship: psycopg2-binary 2.9.5 bundles it
    /// (scripts/setup-python installs that wheel into .venv/openssl-1.1). Imported after the
    /// agent started; once the agent says its probes are on, a connection's statements are seen
    /// whole.
    @Test func openSSL111IsSeen() throws {
        let cgroup = try TestCgroup("tls-openssl11")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path])
        let script = Self.psycopg2Program(rows: 2000, table: "nosuch_openssl11_table", rounds: 1, waitingFrom: 1)
        let packages = TestEnvironment.packageRoot.appendingPathComponent(".venv/openssl-1.1").path
        let python = try InteractiveProcess(
            "/bin/sh", ["-c", cgroup.join + "exec \"$0\" \"$@\"", TestEnvironment.python, "-c", script, dsn],
            environment: ["PYTHONPATH": packages])
        let copy = try python.nextLine()
        #expect(copy.hasPrefix(packages + "/psycopg2_binary.libs/libssl-") && copy.hasSuffix(".so.1.1"), "python maps \(copy): \(python.errorOutput)")
        #expect(agent.waitForLogLine(containing: ["OpenSSL probes on", copy]), "\(agent.stderrText)")
        python.send("go")
        python.closeInput()
        #expect(try [python.nextLine(), python.nextLine(), python.nextLine()] == ["True", "2000", "42P01"], "\(python.errorOutput)")
        try #require(python.wait() == 0, "\(python.errorOutput)")

        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == python.pid }
        Self.expectPsycopg2Spans(spans, rows: 2000, table: "nosuch_openssl11_table", "agent log: \(agent.stderrText)")
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        #expect(agent.stop() == 0)
    }

    /// psycopg2-binary's own libssl, imported after the agent started: it is found and probed. The
    /// first connection starts right after the import, maybe before the probes are on: its spans
    /// are right where there are any. The second starts once the agent says the probes are on, and
    /// is seen whole.
    @Test func psycopg2BinarysBundledLibSSLIsProbedWhenImported() throws {
        let cgroup = try TestCgroup("tls-psycopg2")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path])
        let script = Self.psycopg2Program(rows: 120, table: "nosuch_bundled_table", rounds: 2, waitingFrom: 2)
        let python = try InteractiveProcess(
            "/bin/sh", ["-c", cgroup.join + "exec \"$0\" \"$@\"", TestEnvironment.python, "-c", script, dsn])
        let bundled = try python.nextLine()
        #expect(bundled.contains("psycopg2_binary.libs/libssl-"), "python maps \(bundled)")
        #expect(try [python.nextLine(), python.nextLine(), python.nextLine()] == ["True", "120", "42P01"], "\(python.errorOutput)")
        // found now, or (when another process held it as the agent started) at start
        #expect(agent.waitForLogLine(containing: ["OpenSSL probes on", bundled]), "\(agent.stderrText)")
        python.send("go")
        python.closeInput()
        #expect(try [python.nextLine(), python.nextLine(), python.nextLine()] == ["True", "120", "42P01"], "\(python.errorOutput)")
        try #require(python.wait() == 0, "\(python.errorOutput)")

        try marker.send()
        let statements = Self.psycopg2Statements(rows: 120, table: "nosuch_bundled_table")
        let spans = try agent.spans(through: marker).filter { $0.pid == python.pid }
        let log = agent.stderrText
        #expect(log.contains(bundled), "agent log: \(log)")
        try #require(spans.count >= 3, "\(spans.map { $0.text ?? "-" }); agent log: \(log)")
        Self.expectPsycopg2Spans(Array(spans.suffix(3)), rows: 120, table: "nosuch_bundled_table", "agent log: \(log)")
        // the first connection's spans: a tail of its statements, none made up
        let first = spans.dropLast(3)
        #expect(first.count <= 3 && first.map(\.text) == Array(statements.suffix(first.count)), "\(spans.map { $0.text ?? "-" })")
        print("psycopg2-binary's first connection after the import: \(first.count) of 3 statements seen")
        // psycopg2's two connections and the marker's: encrypted; the first one is counted unseen
        // if its statements went out before the probes were on
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 3) == 3)
        #expect(try agent.metric("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}") <= (first.count < 3 ? 1 : 0))
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    /// A copy of the system's libssl in a directory of its own, loaded by psql through
    /// LD_LIBRARY_PATH after the agent started: found as it is mapped (a file nobody mapped before,
    /// so found now) and probed; a second psql on the same copy, once the agent says the probes are
    /// on, is seen whole. The first psql ends with a short pg_sleep, so that it still runs when
    /// its report is read (`theFirstConnectionAfterALoadIsMeasured` is about processes that do not).
    @Test func aLibSSLCopyOnLDLibraryPathIsProbedWhenMapped() throws {
        let directory = try scratch("ld-library-path")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: "/lib/x86_64-linux-gnu/libssl.so.3", toPath: directory + "/libssl.so.3")
        let cgroup = try TestCgroup("tls-ldpath")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        // the file's probes as an unscoped agent puts them: a scoped agent's own, per process,
        // race the second psql's start (TLSScopedAttachEndToEndTests measures that window)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path, "--tls-probes-per-file"])
        let statements = [
            Self.sslCheck, "SELECT 'copied' AS library", "SELECT * FROM nosuch_copied_table",
        ]
        // the second psql prints the libssl it maps: the copy
        let arguments = ["-X", "-A", "-t", "-d", dsn] + statements.flatMap { ["-c", $0] }
        let environment = ["LD_LIBRARY_PATH": directory]
        let first = try ChildProcess.run(
            "/bin/sh", ["-c", cgroup.join + "exec \"$0\" \"$@\"", postgres.binaries + "/psql"] + arguments + ["-c", "SELECT pg_sleep(0.3)"],
            environment: environment)
        let probed = "OpenSSL probes on \(directory)/libssl.so.3"
        #expect(agent.waitForLogLine(containing: [probed]), "\(agent.stderrText)")
        let second = try ChildProcess.run(
            "/bin/sh",
            ["-c", cgroup.join + "exec \"$0\" \"$@\"", postgres.binaries + "/psql"] + arguments
                + ["-c", "SELECT 'maps'"],
            environment: environment)
        #expect(first.output.hasPrefix("t\ncopied\n") && second.output.hasPrefix("t\ncopied\n"), "\(first.output) \(first.errorOutput)")

        try marker.send()
        let all = try agent.spans(through: marker)
        let log = agent.stderrText
        #expect(log.contains(probed), "agent log: \(log)")
        let seen = all.filter { $0.pid == second.pid }
        try #require(seen.count == statements.count + 1, "\(all.map { "\($0.pid) \($0.text ?? "-")" }); agent log: \(log)")
        #expect(Array(seen.prefix(3).map(\.text)) == statements)
        #expect(seen[0].int("db.response.returned_rows") == 1 && seen[1].status == "unset")
        #expect(seen[2].status == "error" && seen[2].string("db.response.status_code") == "42P01")
        // the first psql's: a tail of its statements (picked up at a later request), none made up
        let early = all.filter { $0.pid == first.pid }
        let firstStatements = statements + ["SELECT pg_sleep(0.3)"]
        #expect(early.map(\.text) == Array(firstStatements.suffix(early.count)), "\(early.map { $0.text ?? "-" })")
        #expect(try agent.metric("tusk_tls_files_probed_total") >= 2)
        // only the first psql's connection may have gone out before the probes were on
        #expect(try agent.metric("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}") <= (early.count < 4 ? 1 : 0))
        #expect(agent.stop() == 0)
    }

    /// The probes go on a bounded number of files: with room for one (the system's libssl), a copy
    /// loaded later is left out, counted and logged; its connection makes no span, is counted
    /// unseen, and the log line for its process names the limit.
    @Test func filesBeyondTheLimitAreCountedAndNamed() throws {
        let directory = try scratch("limit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: "/lib/x86_64-linux-gnu/libssl.so.3", toPath: directory + "/libssl.so.3")
        let cgroup = try TestCgroup("tls-limit")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path, "--max-tls-files", "1"])
        let statements = ["SELECT 'over the limit'", "SELECT 2", "SELECT 3", "SELECT pg_sleep(0.3)"]
        let psql = try ChildProcess.run(
            "/bin/sh",
            ["-c", cgroup.join + "exec \"$0\" \"$@\"", postgres.binaries + "/psql", "-X", "-A", "-t", "-d", dsn]
                + statements.flatMap { ["-c", $0] },
            environment: ["LD_LIBRARY_PATH": directory])
        #expect(psql.status == 0 && psql.output.hasPrefix("over the limit\n"), "\(psql.errorOutput)")
        try marker.send()
        let spans = try agent.spans(through: marker)
        #expect(spans.filter { $0.pid == psql.pid }.isEmpty, "\(spans.map { $0.text ?? "-" })")
        let log = agent.stderrText
        #expect(
            agent.waitForLogLine(containing: ["TLS not probed", "\(directory)/libssl.so.3", "on 1 files already"]), "\(log)")
        #expect(
            agent.waitForLogLine(containing: ["cannot see the TLS plaintext of process \(psql.pid) ", "\(directory)/libssl.so.3 is not probed"]),
            "\(agent.stderrText)")
        #expect(try agent.metric("tusk_tls_files_not_probed_total{reason=\"file_limit\"}") >= 1)
        #expect(try agent.metric("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}") == 1)
        #expect(!agent.stderrText.contains("OpenSSL probes on \(directory)"))
        #expect(agent.stop() == 0)
    }

    /// A libssl copy at a path only the process's own mount namespace has (a tmpfs mounted over an
    /// empty directory inside `unshare -m`, as a container's file system is): the agent reaches it
    /// through /proc/PID/root and probes it; psql's connection after that is seen whole.
    @Test func aCopyOnlyTheProcesssMountNamespaceHasIsProbed() throws {
        let directory = try scratch("namespace")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cgroup = try TestCgroup("tls-namespace")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        // the file's probes as an unscoped agent puts them (see aLibSSLCopyOnLDLibraryPathIsProbedWhenMapped)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path, "--tls-probes-per-file"])
        let psql = "\(postgres.binaries)/psql -X -A -t -d '\(dsn)'"
        let script = """
            mount -t tmpfs tusk-test "$0" && cp /lib/x86_64-linux-gnu/libssl.so.3 "$0/" || exit 1
            export LD_LIBRARY_PATH="$0"
            \(psql) -c "SELECT pg_sleep(0.3)" >/dev/null && echo loaded
            read go
            exec \(psql) -c "\(Self.sslCheck)" -c "SELECT 'in its own namespace'"
            """
        let shell = try InteractiveProcess(
            "/bin/sh", ["-c", cgroup.join + "exec unshare --mount --propagation private /bin/sh -c \"$0\" \"$1\"", script, directory])
        #expect(try shell.nextLine() == "loaded", "\(shell.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/libssl.so.3"), "the copy is visible outside its namespace")
        #expect(agent.waitForLogLine(containing: ["OpenSSL probes on \(directory)/libssl.so.3"]), "\(agent.stderrText)")
        shell.send("go")
        shell.closeInput()
        #expect(try [shell.nextLine(), shell.nextLine()] == ["t", "in its own namespace"], "\(shell.errorOutput)")
        #expect(shell.wait() == 0)
        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == shell.pid }
        #expect(spans.map(\.text) == [Self.sslCheck, "SELECT 'in its own namespace'"], "\(agent.stderrText)")
        #expect(agent.stop() == 0)
    }

    /// The kernel reports a file once; when the process that mapped it is gone before the agent
    /// could read it (the agent paused), the agent has the kernel forget the file, and the next
    /// process that maps it (here one that only loads it, with no PostgreSQL connection that would
    /// have its maps read again) gets it probed.
    @Test func aCopyWhoseFirstProcessWasGoneIsProbedAtItsNextLoad() throws {
        let directory = try scratch("forgotten")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: "/lib/x86_64-linux-gnu/libssl.so.3", toPath: directory + "/libssl.so.3")
        let cgroup = try TestCgroup("tls-forgotten")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        let agent = try AgentProcess(arguments: ["--cgroup", cgroup.path])
        kill(agent.pid, SIGSTOP)
        let gone = try cgroup.run(
            environment: ["LD_LIBRARY_PATH": directory], postgres.binaries + "/psql", ["-X", "-A", "-t", "-d", dsn, "-c", "SELECT 1"])
        kill(agent.pid, SIGCONT)
        // the reader handles the copy's report (and gives up on it) before the marker's span
        try marker.send()
        _ = try agent.spans(through: marker)
        #expect(!agent.stderrText.contains("OpenSSL probes on \(directory)"), "probed through \(gone.pid): \(agent.stderrText)")
        let loader = try InteractiveProcess(
            "/bin/sh",
            ["-c", cgroup.join + "exec \"$0\" \"$@\"", TestEnvironment.python, "-c",
             "import ctypes, sys\nctypes.CDLL(sys.argv[1])\nprint('loaded', flush=True)\nsys.stdin.readline()", directory + "/libssl.so.3"])
        #expect(try loader.nextLine() == "loaded")
        #expect(
            agent.waitForLogLine(containing: ["pid=\(loader.pid) ", "OpenSSL probes on \(directory)/libssl.so.3"]), "\(agent.stderrText)")
        loader.closeInput()
        _ = loader.wait()
        #expect(agent.stop() == 0)
    }

    /// How often the first connection of a process that loads a copy of OpenSSL nobody mapped
    /// before is seen from its start, picked up at a later request, or missed: each round copies
    /// libssl afresh and runs one psql on it. Every span that is seen is right; the tally is
    /// printed (it measures the race between the load and the probes going on).
    @Test func theFirstConnectionAfterALoadIsMeasured() throws {
        let rounds = 8
        let cgroup = try TestCgroup("tls-race")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path])
        let statements = (1...4).map { "SELECT \($0) AS step" }
        var runs: [Int32] = []
        var directories: [String] = []
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        for round in 0..<rounds {
            let directory = try scratch("race-\(round)")
            directories.append(directory)
            try FileManager.default.copyItem(atPath: "/lib/x86_64-linux-gnu/libssl.so.3", toPath: directory + "/libssl.so.3")
            let psql = try ChildProcess.run(
                "/bin/sh",
                ["-c", cgroup.join + "exec \"$0\" \"$@\"", postgres.binaries + "/psql", "-X", "-A", "-t", "-d", dsn]
                    + statements.flatMap { ["-c", $0] },
                environment: ["LD_LIBRARY_PATH": directory])
            #expect(psql.status == 0, "\(psql.errorOutput)")
            runs.append(psql.pid)
        }
        try marker.send()
        let all = try agent.spans(through: marker)
        var whole = 0, pickedUp = 0, missed = 0
        for pid in runs {
            let texts = all.filter { $0.pid == pid }.map(\.text)
            #expect(texts == Array(statements.suffix(texts.count)), "\(pid): \(texts)")
            if texts.count == statements.count { whole += 1 } else if texts.isEmpty { missed += 1 } else { pickedUp += 1 }
        }
        let log = agent.stderrText
        let probed = directories.filter { log.contains("OpenSSL probes on \($0)/libssl.so.3") }.count
        print("TLS discovery race over \(rounds) psql runs, each on a fresh libssl copy: copy probed \(probed), first connection seen whole \(whole), picked up midstream \(pickedUp), missed \(missed)")
        #expect(whole + pickedUp <= probed, "a connection seen through a copy never probed: \(log)")
        #expect(agent.stop() == 0)
    }

    /// A connection whose plaintext starts after its startup (its copy of OpenSSL was probed while
    /// it ran) is picked up at its next whole request, with the right text and status, and is not
    /// desynchronised. The agent is paused (SIGSTOP) while psycopg2-binary's copy is loaded and the
    /// connection starts, so the probes surely go on later.
    @Test func plaintextThatStartsMidSessionIsPickedUp() throws {
        let cgroup = try TestCgroup("tls-midstream")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path])
        let script = """
            import sys, psycopg2
            conn = psycopg2.connect(sys.argv[1])
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("SELECT 'before the probes'")
            print(cur.fetchone()[0], flush=True)
            sys.stdin.readline()
            cur.execute("SELECT n FROM generate_series(1, 7) AS n")
            print(len(cur.fetchall()))
            try:
                cur.execute("SELECT * FROM nosuch_midstream_table")
            except psycopg2.errors.UndefinedTable:
                print("42P01", flush=True)
            conn.close()
            """
        kill(agent.pid, SIGSTOP)
        let python = try InteractiveProcess(
            "/bin/sh", ["-c", cgroup.join + "exec \"$0\" \"$@\"", TestEnvironment.python, "-c", script, dsn])
        let started = try python.nextLine()
        kill(agent.pid, SIGCONT)
        #expect(started == "before the probes", "\(python.errorOutput)")
        #expect(agent.waitForLogLine(containing: ["OpenSSL probes on", "psycopg2_binary.libs/libssl-"]), "\(agent.stderrText)")
        // the agent reads what a process maps when it gets to the report of its unseen connection:
        // the process must still run then
        #expect(agent.waitForLogLine(containing: ["cannot see the TLS plaintext of process \(python.pid) "]), "\(agent.stderrText)")
        python.send("go")
        python.closeInput()
        #expect(try [python.nextLine(), python.nextLine()] == ["7", "42P01"], "\(python.errorOutput)")
        try #require(python.wait() == 0, "\(python.errorOutput)")

        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == python.pid }
        try #require(spans.count == 2, "\(spans.map { $0.text ?? "-" }); agent log: \(agent.stderrText)")
        #expect(spans[0].text == "SELECT n FROM generate_series(1, 7) AS n" && spans[0].int("db.response.returned_rows") == 7)
        #expect(spans[1].text == "SELECT * FROM nosuch_midstream_table" && spans[1].status == "error")
        #expect(spans[1].string("db.response.status_code") == "42P01")
        // picked up like a connection opened before Tusk; counted unseen by its first request, which
        // went by, and named with the copy that was not probed yet
        #expect(try agent.metric("tusk_connections_midstream_total") == 1)
        #expect(try agent.metric("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}") == 1)
        let lines = agent.stderrText.split(separator: "\n").filter { $0.contains("cannot see the TLS plaintext of process \(python.pid) ") }
        #expect(lines.count == 1 && lines.first?.contains("psycopg2_binary.libs/libssl-") == true, "\(agent.stderrText)")
        #expect(try agent.metric("tusk_dropped_total{reason=\"desync\"}") == 0)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    /// node has OpenSSL built in (its dynamic symbol table exports SSL_read and SSL_write): a copy
    /// of the program nobody ran before, started after the agent, gets the probes as it execs.
    @Test func aProgramWithOpenSSLBuiltInIsProbedWhenItStarts() throws {
        let node = "/usr/bin/node"
        guard FileManager.default.fileExists(atPath: node) else { return }
        let directory = try scratch("node")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try copyProgram(node, to: directory + "/node")
        let cgroup = try TestCgroup("tls-node")
        defer { cgroup.remove() }
        let agent = try AgentProcess(arguments: ["--cgroup", cgroup.path])
        // a scoped agent probes the process, so it must still run then: reading node's symbols
        // takes a while on a loaded machine
        let run = try cgroup.run(directory + "/node", ["-e", "setTimeout(() => console.log('done'), 2000)"])
        #expect(run.output == "done\n")
        let line = "OpenSSL probes on \(directory)/node"
        agent.waitForLogLine(containing: [line])
        let log = agent.stderrText
        #expect(log.contains(line) && log.contains("OpenSSL built into the program"), "agent log: \(log)")
        // a program without OpenSSL is looked at and left alone
        try cgroup.run("/bin/true", [])
        #expect(try agent.metric("tusk_tls_files_probed_total") >= 2)  // the system's libssl and the copy of node
        #expect(!agent.stderrText.contains("OpenSSL probes on /usr/bin/true"))
        #expect(agent.stop() == 0)
    }

    /// JDBC encrypts with Java's own TLS (JSSE), which Tusk does not probe: its connection makes no
    /// span, is counted as unseen while it is open (a pooled connection is counted too), and the
    /// agent says once which process it cannot see and why.
    @Test func jdbcOverTLSIsCountedUnseenAndNamed() throws {
        let jar = "/usr/share/java/postgresql.jar"
        guard FileManager.default.fileExists(atPath: "/usr/bin/java"), FileManager.default.fileExists(atPath: jar) else {
            Issue.record("java or \(jar) missing (scripts/setup-clients installs them)")
            return
        }
        let directory = try scratch("jdbc")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = """
            import java.sql.*;
            public final class TLSClient {
                public static void main(String[] args) throws Exception {
                    try (Connection a = DriverManager.getConnection(args[0]); Connection b = DriverManager.getConnection(args[0])) {
                        for (Connection c : new Connection[] { a, b }) {
                            try (Statement s = c.createStatement()) {
                                ResultSet r = s.executeQuery("\(Self.sslCheck)");
                                r.next();
                                System.out.println(r.getBoolean(1));
                                for (int i = 0; i < 3; i++) s.executeQuery("SELECT " + i + " AS jdbc_over_tls").close();
                            }
                        }
                        System.out.println("open");
                        System.out.flush();
                        System.in.read();
                    }
                }
            }
            """
        try source.write(toFile: directory + "/TLSClient.java", atomically: true, encoding: .utf8)
        let cgroup = try TestCgroup("tls-jdbc")
        defer { cgroup.remove() }
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", cgroup.path])
        let url = "jdbc:postgresql://127.0.0.1:\(postgres.port)/tusk?user=tusk&sslmode=require"
        let java = try InteractiveProcess(
            "/bin/sh", ["-c", cgroup.join + "exec \"$0\" \"$@\"", "/usr/bin/java", "-cp", jar, directory + "/TLSClient.java", url])
        #expect(try [java.nextLine(), java.nextLine(), java.nextLine()] == ["true", "true", "open"], "\(java.errorOutput)")
        // both connections are still open (a pool's): counted already
        #expect(
            try agent.metric("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}", settlesAt: 2) == 2,
            "agent log: \(agent.stderrText)")
        java.closeInput()
        #expect(java.wait() == 0, "\(java.errorOutput)")
        try marker.send()
        let spans = try agent.spans(through: marker)
        #expect(spans.filter { $0.pid == java.pid }.isEmpty, "\(spans.map { $0.text ?? "-" })")
        let lines = agent.stderrText.split(separator: "\n").filter { $0.contains("cannot see the TLS plaintext") }
        #expect(lines.count == 1, "agent log: \(agent.stderrText)")
        #expect(lines.first?.contains("process \(java.pid) (/usr/lib/jvm/") == true && lines.first?.contains("/bin/java)") == true, "\(lines)")
        #expect(lines.first?.contains("Java's TLS (JSSE)") == true, "\(lines)")
        // the marker's connection is the only one seen
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 3) == 3)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total") == 1)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }

    /// `tusk check` says the TLS probes attach and lists the OpenSSL copies running processes use:
    /// a bundled libssl (psycopg2-binary's) and a program with OpenSSL built in (node).
    @Test func checkListsTheOpenSSLCopiesInUse() throws {
        let python = try InteractiveProcess(
            TestEnvironment.python,
            ["-c", "import sys, psycopg2\nprint([l.split()[-1] for l in open('/proc/self/maps') if 'psycopg2_binary.libs/libssl' in l][0], flush=True)\nsys.stdin.read()"])
        let bundled = try python.nextLine()
        var node: InteractiveProcess?
        if FileManager.default.fileExists(atPath: "/usr/bin/node") {
            node = try InteractiveProcess("/usr/bin/node", ["-e", "console.log('up'); process.stdin.resume()"])
            #expect(try node?.nextLine() == "up")
        }
        let check = try ChildProcess.run(AgentProcess.binary, ["check"])
        python.closeInput()
        node?.closeInput()
        _ = python.wait()
        _ = node?.wait()
        #expect(check.status == 0, "\(check.output)")
        let lines = check.output.split(separator: "\n").map(String.init)
        #expect(lines.contains("ok       TLS probes attach to /lib/x86_64-linux-gnu/libssl.so.3"), "\(check.output)")
        // where the probes go, and that none is single-stepped (OpenSSLProbePointsTests has the why)
        let inPlace = "; probes on the internal read and write functions; every probe on an instruction the kernel runs in place"
        let system = lines.first { $0.hasPrefix("ok       TLS: system libssl /lib/x86_64-linux-gnu/libssl.so.3 used by ") }
        #expect(system?.hasSuffix(inPlace) == true, "\(check.output)")
        let copy = lines.first { $0.hasPrefix("ok       TLS: libssl copy \(bundled) used by ") }
        #expect(copy?.hasSuffix(inPlace) == true, "\(check.output)")
        if node != nil {
            let program = lines.first { $0.hasPrefix("ok       TLS: program with OpenSSL built in /usr/bin/node used by ") }
            #expect(program?.hasSuffix("); every probe on an instruction the kernel runs in place") == true, "\(check.output)")
        }
    }
}
