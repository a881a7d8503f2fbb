import Foundation
import Testing
import TestSupport

/// Each real client library against the real agent, the real kernel programs, a real
/// PostgreSQL 15 and the OTLP receiver (spans as the official opentelemetry-proto decodes them).
/// A workload program per library runs the same plan (Tests/Workloads/README.md) and prints
/// what it sent, got and measured; every span of its process is held against that:
/// exact text, status and SQLSTATE, rows, a duration within the client's own, one span per
/// statement (plus the queries the driver runs on its own), pipelines in order.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct ClientLibraryTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.shared.get()
    }

    @Test(.enabled(if: ClientWorkload.psycopg2.isAvailable))
    func psycopg2InterpolatesOnTheClientAndBatchesIntoOneQuery() throws { try check(.psycopg2) }

    @Test(.enabled(if: ClientWorkload.psycopg3.isAvailable))
    func psycopg3BindsOnTheServerPreparesByNameAndPipelines() throws { try check(.psycopg3) }

    @Test(.enabled(if: ClientWorkload.asyncpg.isAvailable))
    func asyncpgPreparesEveryStatementAndPipelinesExecutemany() throws { try check(.asyncpg) }

    @Test(.enabled(if: ClientWorkload.pg8000.isAvailable))
    func pg8000ParsesDescribesAndExecutesInSeparateRoundTrips() throws { try check(.pg8000) }

    @Test(.enabled(if: ClientWorkload.jdbc.isAvailable))
    func jdbcUsesNamedStatementsAndBatchesWithWriteAndRead() throws { try check(.jdbc) }

    @Test(.enabled(if: ClientWorkload.pgx.isAvailable))
    func pgxCachesStatementsByNameAndSendsBatches() throws { try check(.pgx) }

    @Test(.enabled(if: ClientWorkload.nodePostgres.isAvailable))
    func nodePostgresUsesUnnamedAndNamedStatements() throws { try check(.nodePostgres) }

    @Test(.enabled(if: ClientWorkload.rubyPG.isAvailable))
    func rubyPGUsesSimpleExtendedPreparedAndPipelineMode() throws { try check(.rubyPG) }

    @Test(.enabled(if: ClientWorkload.postgresNIO.isAvailable))
    func postgresNIOUsesUnnamedAndPreparedStatements() throws { try check(.postgresNIO) }

    private func check(_ client: ClientWorkload) throws {
        let scratch = NSTemporaryDirectory() + "tusk-client-\(client.name)-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let command = try client.prepare(scratch)

        let receiver = try OTLPReceiver()
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: rawTextArguments + receiver.agentArguments)
        let table = "client_\(client.name.replacingOccurrences(of: "-", with: "_"))_\(getpid())"
        let environment = command.environment.merging([
            "PGHOST": "127.0.0.1", "PGPORT": String(postgres.port), "PGUSER": "tusk", "PGDATABASE": "tusk",
            "TUSK_TABLE": table,
        ]) { $1 }
        let workload = try ChildProcess.run(command.executable, command.arguments, environment: environment)
        try #require(workload.status == 0, "\(client) workload exited \(workload.status):\n\(workload.errorOutput)\n\(workload.output)")
        let statements = try workload.output.split(separator: "\n").map(WorkloadStatement.init(line:))

        // the workload did what the plan says...
        PlanChecks.verify(statements, batches: client.batches)
        // ...and the agent saw exactly that, attributed to the workload's process
        let pid = try #require(statements.first?.pid)
        let expected = ExpectedSpan.sequence(
            for: statements, driverQueries: client.driverQueries, processNanoseconds: workload.elapsedNanoseconds)
        // every span of the workload arrives before the marker's: none beyond these can follow
        try marker.send()
        let spans = try receiver.spans(through: marker).map(AgentProcess.Span.init(otlp:)).filter { $0.pid == pid }
        try SpanChecks(pid: pid, serverPort: postgres.port).verify(spans, against: expected)
        #expect(agent.stop() == 0)
    }
}
