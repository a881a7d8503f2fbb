import Foundation
import Testing
import TestSupport

/// Go programs on crypto/tls (pgx v4, and lib/pq through database/sql) against a PostgreSQL 15
/// with `ssl = on`, `sslmode=require`: the real agent finds the running Go executable when it
/// starts, its probes on crypto/tls.(*Conn).Write and .Read hand over the plaintext, and the spans
/// carry the text, status, SQLSTATE and rows the same traffic gives in the clear. The server says
/// the connection is encrypted (pg_stat_ssl).
@Suite(.enabled(if: TestEnvironment.canRunIntegration && GoProgram.canBuild), .serialized)
struct GoTLSCaptureEndToEndTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.sharedTLS.get()
    }

    static let workload = TestEnvironment.packageRoot.path + "/Tests/Workloads/go-tls/main.go"

    /// Waits until the process runs `name` (a shell may still be on its way to exec it).
    static func waitUntilRunning(_ program: InteractiveProcess, _ name: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(program.pid)/exe")
            if target?.hasSuffix("/" + name) == true { return }
            usleep(10_000)
        }
        throw GoTLSWorkloadNotRunning(pid: program.pid)
    }

    struct GoTLSWorkloadNotRunning: Error {
        let pid: Int32
    }

    let sslCheck = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    let simple = "SELECT 1 AS go_tls_simple"
    let missing = "SELECT * FROM nosuch_go_table"
    let many = "SELECT n FROM generate_series(1, 50000) AS n"
    let prepared = "SELECT $1::int + 1 AS go_tls_prepared"

    /// How the Go program is built and where its executable lies.
    enum Variant: String, CaseIterable, Sendable {
        case plain
        /// `-ldflags=-s -w`: no symbol table, the functions are found in Go's own function table
        case stripped
        /// in a mount namespace of its own, on a tmpfs only it sees, as in a container: the agent
        /// reaches the file through /proc/PID/root
        case privateMount
    }

    /// The Go program runs (blocked on its standard input) before the agent starts: the agent finds
    /// its executable in /proc and probes it.
    @Test(arguments: [("pgx", Variant.plain), ("pq", .plain), ("pgx", .stripped), ("pq", .privateMount)])
    func goOverTLSGetsItsTextStatusAndRows(driver: String, variant: Variant) throws {
        let executable = try GoProgram.build(Self.workload, flags: variant == .stripped ? ["-ldflags=-s -w"] : [])
        try seeWorkload(executable, driver: driver, variant: variant, goVersion: try GoProgram.version())
    }

    /// The same program built by each Go release of scripts/go-toolchains (installed by
    /// scripts/setup-go), with its symbol table (pgx) and stripped (lib/pq): each compiler's code
    /// for Write and Read, its function table and its build info. A missing toolchain fails the
    /// test when skipping is forbidden (CI).
    @Test(arguments: GoToolchain.releases, [Variant.plain, .stripped])
    func eachGoReleaseIsSeen(toolchain: GoToolchain, variant: Variant) throws {
        if let reason = toolchain.unavailable, !TestEnvironment.noSkip {
            print("SKIPPED Go \(toolchain) test: \(reason) — set TUSK_NO_SKIP=1 to make this a failure")
            return
        }
        let executable = try GoProgram.build(Self.workload, flags: variant == .stripped ? ["-ldflags=-s -w"] : [], toolchain: toolchain)
        try seeWorkload(executable, driver: variant == .stripped ? "pq" : "pgx", variant: variant, goVersion: try toolchain.version())
    }

    /// Runs the built workload with `driver`, the agent attached to it, and checks the spans.
    func seeWorkload(_ executable: String, driver: String, variant: Variant, goVersion: String) throws {
        let marker = try EndMarker(postgres)
        let dsn = "host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk sslmode=require"
        let program: InteractiveProcess
        var hidden: String?
        if variant == .privateMount {
            // unshare execs the shell, which execs the program: one pid throughout
            let directory = NSTemporaryDirectory() + "tusk-go-private-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            hidden = directory + "/go-tls-workload"
            program = try InteractiveProcess(
                "/usr/bin/unshare",
                ["-m", "--propagation", "private", "/bin/sh", "-c",
                 "mount -t tmpfs tusk-go \"$0\" && cp \"$1\" \"$0/go-tls-workload\" && exec \"$0/go-tls-workload\" \"$2\" \"$3\"",
                 directory, executable, driver, dsn])
        } else {
            program = try InteractiveProcess(executable, [driver, dsn])
        }
        try Self.waitUntilRunning(program, hidden == nil ? URL(fileURLWithPath: executable).lastPathComponent : "go-tls-workload")
        if let hidden {
            #expect(!FileManager.default.fileExists(atPath: hidden), "the executable is not the program's alone")
        }
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--pid", String(program.pid)] + marker.agentArguments)
        program.send("go")
        let lines = try (0..<5).map { _ in try program.nextLine() }
        #expect(lines == ["ssl=true", "simple=ok", "error=42P01", "rows=50000", "prepared=42"], "\(program.errorOutput)")
        try #require(program.wait() == 0, "\(program.errorOutput)")

        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == program.pid }
        let counters = ["opened", "encrypted", "encrypted_seen", "closed"].map {
            "\($0)=\((try? agent.metric("tusk_connections_\($0)_total")) ?? -1)"
        } + ["tls_walk_unavailable", "desync", "overflow"].map {
            "\($0)=\((try? agent.metric("tusk_dropped_total{reason=\"\($0)\"}")) ?? -1)"
        }
        let context = "\(spans.map { "\($0.text ?? "-") \($0.status) \($0.int("db.response.returned_rows") ?? -1)" }) \(counters); agent log: \(agent.stderrText)"
        #expect(agent.stderrText.contains("Go TLS probes on"), "\(agent.stderrText)")
        #expect(agent.stderrText.contains(goVersion), "the agent names the Go version \(goVersion): \(agent.stderrText)")
        if let hidden {
            #expect(agent.stderrText.contains("/proc/\(program.pid)/root" + hidden), "\(agent.stderrText)")
        }
        // the statement's execution is its last span (pgx prepares each text once first)
        func executed(_ text: String) throws -> AgentProcess.Span {
            try #require(spans.last { $0.text == text }, "no span for \(text): \(context)")
        }
        let ssl = try executed(sslCheck)
        #expect(ssl.status == "unset" && ssl.int("db.response.returned_rows") == 1, "\(context)")
        let simpleSpan = try executed(simple)
        #expect(simpleSpan.status == "unset" && simpleSpan.int("db.response.returned_rows") == 1, "\(context)")
        let failed = try executed(missing)
        #expect(failed.status == "error" && failed.string("db.response.status_code") == "42P01", "\(context)")
        #expect(failed.statusMessage == "relation \"nosuch_go_table\" does not exist")
        let rows = try executed(many)
        #expect(rows.status == "unset" && rows.int("db.response.returned_rows") == 50000, "\(context)")
        let statement = try executed(prepared)
        #expect(statement.status == "unset" && statement.int("db.response.returned_rows") == 1, "\(context)")
        #expect(spans.allSatisfy { $0.kind == "client" && $0.string("db.namespace") == "tusk" && $0.int("server.port") == postgres.port })
        #expect(spans.allSatisfy { $0.status == "unset" || $0.text == missing }, "\(context)")
        // the Go program's connection and the marker's: both encrypted, both seen
        #expect(try agent.metric("tusk_connections_encrypted_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_connections_encrypted_seen_total", settlesAt: 2) == 2)
        #expect(try agent.metric("tusk_dropped_total{reason=\"desync\"}") == 0)
        #expect(try agent.metric("tusk_kernel_connections", settlesAt: 0) == 0)
        #expect(agent.stop() == 0)
    }
}
