import Foundation
import Testing
import TestSupport

/// Real eBPF, real PgBouncer (session and transaction pooling), both sides traced: each query's
/// four spans — the application's CLIENT span, PgBouncer's SERVER and CLIENT spans, PostgreSQL's
/// SERVER span — arrive as one trace nested in that order, with no instrumentation; with a
/// sqlcommenter traceparent the chain hangs under the comment's span, and a not-sampled one drops
/// the whole chain. Over Unix sockets, where there are no addresses, the BackendKeyData both ends
/// read joins them. A direct connection gives CLIENT → SERVER.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct HopJoinEndToEndTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parentID = "00f067aa0ba902b7"

    @Test(arguments: [(PgBouncer.PoolMode.session, false), (.transaction, false), (.transaction, true)])
    func queriesThroughPgBouncerAreOneTraceEach(poolMode: PgBouncer.PoolMode, unixSockets: Bool) throws {
        let postgres = try PostgresSandbox.shared.get()
        let bouncer = try PgBouncer(in: postgres, poolMode: poolMode, unixSockets: unixSockets)
        let receiver = try OTLPReceiver()
        let agent = try AgentProcess(arguments: ["--side", "both"] + receiver.agentArguments)
        let tag = "\(poolMode.rawValue)_\(unixSockets ? "unix" : "tcp")_\(getpid())"
        let psql = postgres.binaries + "/psql"
        func run(_ arguments: [String], _ sql: String) throws -> Int {
            let run = try ChildProcess.run(psql, ["-X", "-q", "-o", "/dev/null", "-c", sql] + arguments)
            try #require(run.status == 0, "psql: \(run.errorOutput)")
            return Int(run.pid)
        }
        let dropped = try run(bouncer.connection, "SELECT 3 AS hop_dropped_\(tag) /*traceparent='00-\(Self.traceID)-\(Self.parentID)-00'*/")
        let plain = try run(bouncer.connection, "SELECT 1 AS hop_plain_\(tag)")
        let traced = try run(bouncer.connection, "SELECT 2 AS hop_traced_\(tag) /*traceparent='00-\(Self.traceID)-\(Self.parentID)-01'*/")
        let script = """
            import sys, psycopg2
            connection = psycopg2.connect(sys.argv[1])
            cursor = connection.cursor()
            cursor.execute(sys.argv[2])
            cursor.fetchall()
            connection.commit()
            connection.close()
            """
        let python = try ChildProcess.run(TestEnvironment.python, ["-c", script, bouncer.dsn, "SELECT 4 AS hop_python_\(tag)"])
        try #require(python.status == 0, "psycopg2: \(python.errorOutput)")
        let direct = try run(postgres.connection(), "SELECT 5 AS hop_direct_\(tag)")

        func text(_ span: [String: Any]) -> String { (span["attributes"] as? [String: Any])?["db.query.text"] as? String ?? "" }
        let spans = try receiver.spans(minimum: 4 * 3 + 2) { text($0).contains("_\(tag)") }
        for (marker, app) in [("hop_plain", plain), ("hop_traced", traced), ("hop_python", Int(python.pid))] {
            let chain = try Self.chain(spans.filter { text($0).contains("\(marker)_\(tag)") }, app: app, bouncer: Int(bouncer.pid))
            Self.expectNested(chain, marker)
            if marker == "hop_traced" {
                #expect(chain[0]["trace_id"] as? String == Self.traceID)
                #expect(chain[0]["parent_span_id"] as? String == Self.parentID)
                #expect((chain[0]["flags"] as? Int ?? 0) & 0x300 == 0x300, "the comment's span is a remote parent")
            } else {
                #expect((chain[0]["parent_span_id"] as? String ?? "").isEmpty, "\(marker): the application's span is the root")
            }
        }
        let directSpans = spans.filter { text($0).contains("hop_direct_\(tag)") }
        let client = try #require(directSpans.first { Self.pid($0) == direct && $0["kind"] as? Int == 3 })
        let server = try #require(directSpans.first { Self.executable($0) == "postgres" && $0["kind"] as? Int == 2 })
        Self.expectNested([client, server], "direct")
        #expect(directSpans.count == 2)

        // the not-sampled chain was decided with its root: none of its spans ever leaves
        usleep(1_500_000)
        #expect(try receiver.spans().filter { text($0).contains("hop_dropped_\(tag)") }.isEmpty, "psql \(dropped)")
        #expect(try agent.metric("tusk_hop_spans_joined_total") >= 3 * 3 + 1)
        #expect(agent.stop() == 0)
    }

    /// `--side client` (the default): PgBouncer's outbound span and the application's are CLIENT
    /// spans of their own traces, as before; nothing waits.
    @Test func withClientSpansOnlyNothingIsJoined() throws {
        let postgres = try PostgresSandbox.shared.get()
        let bouncer = try PgBouncer(in: postgres, poolMode: .session)
        let receiver = try OTLPReceiver()
        let agent = try AgentProcess(arguments: receiver.agentArguments)
        let tag = "client_only_\(getpid())"
        let run = try ChildProcess.run(
            postgres.binaries + "/psql", ["-X", "-q", "-o", "/dev/null", "-c", "SELECT 6 AS hop_\(tag)"] + bouncer.connection)
        try #require(run.status == 0, "psql: \(run.errorOutput)")
        let spans = try receiver.spans(minimum: 2) {
            ($0["attributes"] as? [String: Any])?["db.query.text"] as? String == "SELECT ? AS hop_\(tag)"
        }
        try #require(spans.count == 2)
        #expect(spans.allSatisfy { $0["kind"] as? Int == 3 && ($0["parent_span_id"] as? String ?? "").isEmpty })
        #expect(Set(spans.map { Self.pid($0) }) == [Int(run.pid), Int(bouncer.pid)])
        #expect(spans[0]["trace_id"] as? String != spans[1]["trace_id"] as? String)
        #expect(try agent.metric("tusk_hop_spans_held") == 0)
        #expect(try agent.metric("tusk_hop_spans_joined_total") == 0)
        #expect(agent.stop() == 0)
    }

    static func pid(_ span: [String: Any]) -> Int { (span["resource"] as? [String: Any])?["process.pid"] as? Int ?? -1 }
    static func executable(_ span: [String: Any]) -> String {
        (span["resource"] as? [String: Any])?["process.executable.name"] as? String ?? ""
    }

    /// App CLIENT, PgBouncer SERVER, PgBouncer CLIENT, PostgreSQL SERVER: exactly one of each.
    static func chain(_ spans: [[String: Any]], app: Int, bouncer: Int) throws -> [[String: Any]] {
        let summary = spans.map { "\(executable($0))[\(pid($0))] kind \($0["kind"] ?? "")" }
        try #require(spans.count == 4, "\(summary)")
        return [
            try #require(spans.first { pid($0) == app && $0["kind"] as? Int == 3 }, "\(summary)"),
            try #require(spans.first { pid($0) == bouncer && $0["kind"] as? Int == 2 }, "\(summary)"),
            try #require(spans.first { pid($0) == bouncer && $0["kind"] as? Int == 3 }, "\(summary)"),
            try #require(spans.first { executable($0) == "postgres" && $0["kind"] as? Int == 2 }, "\(summary)"),
        ]
    }

    /// Each span after the first is the child of the one before, in the first one's trace, within
    /// its time (100 µs for the mapping of kernel time to Unix time).
    static func expectNested(_ chain: [[String: Any]], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (parent, child) in zip(chain, chain.dropFirst()) {
            #expect(child["trace_id"] as? String == chain[0]["trace_id"] as? String, "\(label)", sourceLocation: sourceLocation)
            #expect(child["parent_span_id"] as? String == parent["span_id"] as? String, "\(label)", sourceLocation: sourceLocation)
            #expect((child["flags"] as? Int ?? 0) & 0x300 == 0x100, "\(label): a local parent", sourceLocation: sourceLocation)
            #expect((child["flags"] as? Int ?? 0) & 0xff == (chain[0]["flags"] as? Int ?? 0) & 0xff, "\(label)", sourceLocation: sourceLocation)
            let tolerance: Int64 = 100_000
            #expect((child["start_time_unix_nano"] as! Int64) >= (parent["start_time_unix_nano"] as! Int64) - tolerance, sourceLocation: sourceLocation)
            #expect((child["end_time_unix_nano"] as! Int64) <= (parent["end_time_unix_nano"] as! Int64) + tolerance, sourceLocation: sourceLocation)
        }
    }
}
