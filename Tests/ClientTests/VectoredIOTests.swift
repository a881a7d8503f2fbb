import Foundation
import Testing
import TestSupport

/// A client whose connection moves every byte with sendmsg, writev, recvmsg and readv
/// (Tests/Workloads/vectored: Python's standard library speaking the protocol itself), its
/// messages cut across the buffers of each call, against the real agent and a real PostgreSQL 15.
/// Each statement must come out as exactly one span with its text and outcome. The StartupMessage
/// goes out through sendmsg too, so a lost send means no connection and no span; a lost or
/// misread buffer of a read puts the framing of the answers out of place, and the spans'
/// rows, status or count come out wrong. (Programs built to walk only a call's first buffer, or
/// to skip vectored sends or reads, loaded through TUSK_BPF_OBJECT, each fail this test.)
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct VectoredIOTests {
    /// The workload's statements in order, what the server must answer each and the operation
    /// the span must name.
    static let plan: [(step: String, outcome: ExpectedOutcome, operation: String)] = [
        ("select_one", .returned(rows: 1), "SELECT"),
        ("create", .done, "CREATE TABLE"),
        ("insert", .affected(rows: 3), "INSERT"),
        ("select_param", .returned(rows: 2), "SELECT"),
        ("undefined_table", .failed(sqlstate: "42P01"), "SELECT"),
        ("multi_statement", .affected(rows: 2), "BATCH"),
        ("select_many", .returned(rows: 20_000), "SELECT"),
        ("drop", .done, "DROP TABLE"),
    ]

    @Test func everyStatementSentAndReadThroughVectoredCallsBecomesItsSpan() throws {
        let postgres = try PostgresSandbox.shared.get()
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: rawTextArguments)
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Workloads/vectored/workload.py").path
        let workload = try ChildProcess.run(
            TestEnvironment.python, [script, "--host", "127.0.0.1", "--port", String(postgres.port), "--user", "tusk", "--dbname", "tusk"])
        try #require(workload.status == 0, "workload exited \(workload.status):\n\(workload.errorOutput)\n\(workload.output)")
        let statements = try workload.output.split(separator: "\n").map(VectoredStatement.init(line:))

        // the workload used all four calls and got what the plan says...
        #expect(statements.map(\.step) == Self.plan.map(\.step))
        #expect(Set(statements.map(\.send)) == ["sendmsg", "writev"])
        #expect(Set(statements.flatMap(\.recv)) == ["recvmsg", "readv"])
        #expect(statements.allSatisfy { $0.pid == workload.pid && $0.buffers.count >= 3 })
        for (statement, planned) in zip(statements, Self.plan) {
            #expect(statement.outcome == planned.outcome, "\(statement)")
        }

        // ...and the agent saw exactly that: text, outcome, rows, client kind, pid, duration
        let expected = statements.map(\.expectedSpan)
        // every span of the workload is printed before the marker's: none beyond these can follow
        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == workload.pid }
        try SpanChecks(pid: workload.pid, serverPort: postgres.port).verify(spans, against: expected)
        #expect(spans.map { $0.string("db.operation.name") ?? "none" } == Self.plan.map(\.operation))
        // the StartupMessage, cut across three buffers of one sendmsg, was read whole
        #expect(spans.allSatisfy { $0.string("tusk.db.user") == "tusk" && $0.string("tusk.db.application_name") == "tusk-vectored" })
        let batch = try #require(spans.first { $0.text == statements.first { $0.step == "multi_statement" }?.sql })
        #expect(batch.int("db.operation.batch.size") == 2 && batch.int("tusk.batch.statements_completed") == 2)
        #expect(agent.stop() == 0)
    }
}
