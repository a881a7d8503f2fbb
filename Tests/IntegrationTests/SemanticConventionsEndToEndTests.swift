import Foundation
import Testing
import TestSupport

/// Through the real agent to the OTLP receiver: spans follow the database conventions, and in
/// the default mode no literal of the workload leaves the node.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct SemanticConventionsEndToEndTests {
    let postgres: PostgresSandbox
    let secrets = ["secret-alice-7781", "secret-bob-9137", "424242", "3.14159", "secret-syntax-5521", "deadbeefcafe"]

    init() throws {
        postgres = try PostgresSandbox.shared.get()
    }

    var workload: String {
        """
        INSERT INTO customers_sc (name, score, tag) VALUES ('secret-alice-7781', 424242, '\\xdeadbeefcafe');
        SELECT id, name FROM customers_sc WHERE name = 'secret-bob-9137' AND score > 3.14159;
        UPDATE customers_sc SET name = E'secret-\\x62ob-9137' WHERE id IN (424242, 7781);
        SELEC name FROM customers_sc WHERE name = 'secret-syntax-5521';
        DROP TABLE customers_sc;

        """
    }

    /// One Query message holding three statements (psql -c sends it whole; from a script it splits).
    let batch = "BEGIN; DELETE FROM customers_sc WHERE name = $$secret-alice-7781$$; COMMIT"

    func run(mode: [String]) throws -> [[String: Any]] {
        let receiver = try OTLPReceiver()
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: mode + ["--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let setup = try ChildProcess.run(
            postgres.binaries + "/psql", ["-X", "-q", "-c", "CREATE TABLE IF NOT EXISTS customers_sc (id serial PRIMARY KEY, name text, score numeric, tag bytea)"] + postgres.connection())
        let batchRun = try ChildProcess.run(postgres.binaries + "/psql", ["-X", "-q", "-c", batch] + postgres.connection())
        let psql = try ChildProcess.run(postgres.binaries + "/psql", ["-X", "-q", "-o", "/dev/null"] + postgres.connection(), input: workload)
        let pids = Set([setup.pid, batchRun.pid, psql.pid].map(Int.init))
        // every span of the workload arrives before the marker's: none beyond these can follow
        try marker.send()
        let spans = try receiver.spans(through: marker).filter { pids.contains(($0["resource"] as? [String: Any])?["process.pid"] as? Int ?? -1) }
        #expect(agent.stop() == 0)
        return spans
    }

    /// Every string the export carries: names, attribute values, status messages, resources.
    func strings(_ spans: [[String: Any]]) -> [String] {
        spans.flatMap { span -> [String] in
            var all = [span["name"] as? String ?? "", span["status_message"] as? String ?? ""]
            for key in ["attributes", "resource"] {
                for (_, value) in span[key] as? [String: Any] ?? [:] { all.append("\(value)") }
            }
            return all
        }
    }

    func attribute(_ span: [String: Any], _ key: String) -> Any? { (span["attributes"] as? [String: Any])?[key] }

    /// A psql whose arguments carry a literal and a password, alive while its resource is read:
    /// its spans and the resource the receiver got, and how many exported bodies hold each secret.
    func commandLineRun(_ arguments: [String]) throws -> (spans: [[String: Any]], leaks: [String: Int], bodies: Int) {
        let receiver = try OTLPReceiver()
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: arguments + ["--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"])
        let uri = "postgresql://tusk:pw-secret-8812@127.0.0.1:\(postgres.port)/tusk"
        let psql = try ChildProcess.run(
            postgres.binaries + "/psql", ["-X", "-q", "-c", "SELECT 'card-4111111111111111' AS cmdline", "-c", "SELECT pg_sleep(1)", uri])
        try #require(psql.status == 0, "psql: \(psql.errorOutput)")
        try marker.send()
        let spans = try receiver.spans(through: marker).filter { ($0["resource"] as? [String: Any])?["process.pid"] as? Int == Int(psql.pid) }
        #expect(agent.stop() == 0)
        var leaks: [String: Int] = [:]
        var bodies = 0
        for secret in ["card-4111111111111111", "pw-secret-8812"] {
            (bodies, leaks[secret]) = try receiver.bodies(containing: secret)
        }
        return (spans, leaks, bodies)
    }

    /// By default the command line stays on the node, literals and passwords in it included; the
    /// executable is exported. `--process-command-line` opts in.
    @Test func theCommandLineStaysOnTheNodeUnlessAskedFor() throws {
        let byDefault = try commandLineRun([])
        try #require(byDefault.spans.count == 2, "spans of the psql: \(byDefault.spans.count)")
        let resource = byDefault.spans[0]["resource"] as? [String: Any] ?? [:]
        #expect(resource["process.executable.name"] as? String == "psql")
        #expect(resource["process.executable.path"] as? String == postgres.binaries + "/psql")
        #expect(resource["process.command_line"] == nil && resource["process.command_args"] == nil, "\(resource)")
        #expect(byDefault.bodies > 0)
        #expect(byDefault.leaks == ["card-4111111111111111": 0, "pw-secret-8812": 0], "exported bodies holding each secret: \(byDefault.leaks)")

        let optedIn = try commandLineRun(["--process-command-line"])
        try #require(optedIn.spans.count == 2)
        let optedInResource = optedIn.spans[0]["resource"] as? [String: Any] ?? [:]
        let commandLine = optedInResource["process.command_line"] as? String ?? ""
        #expect(commandLine.hasPrefix(postgres.binaries + "/psql -X -q -c SELECT 'card-4111111111111111' AS cmdline"), "\(commandLine)")
        #expect((optedInResource["process.command_args"] as? [String])?.last?.hasPrefix("postgresql://") == true)
        #expect(optedIn.leaks["pw-secret-8812"] ?? 0 > 0, "opted in, the arguments are exported")
    }

    @Test func theDefaultModeExportsNoLiteral() throws {
        let spans = try run(mode: [])
        try #require(spans.count == 7, "spans: \(spans.map { attribute($0, "db.query.text") ?? "-" })")
        let exported = strings(spans)
        for secret in secrets {
            #expect(!exported.contains { $0.contains(secret) }, "\(secret) leaked")
        }
        let texts = spans.compactMap { attribute($0, "db.query.text") as? String }
        #expect(texts.contains("INSERT INTO customers_sc (name, score, tag) VALUES (?, ?, ?);"))
        #expect(texts.contains("SELECT id, name FROM customers_sc WHERE name = ? AND score > ?;"))
        let select = try #require(spans.first { (attribute($0, "db.query.text") as? String)?.hasPrefix("SELECT id") == true })
        #expect(select["name"] as? String == "SELECT customers_sc")
        #expect(attribute(select, "db.query.summary") as? String == "SELECT customers_sc")
        #expect(attribute(select, "db.operation.name") as? String == "SELECT")
        #expect(attribute(select, "db.collection.name") as? String == "customers_sc")
        #expect(attribute(select, "db.namespace") as? String == "tusk")
        let batch = try #require(spans.first { attribute($0, "db.operation.batch.size") != nil })
        #expect(attribute(batch, "db.operation.batch.size") as? Int == 3)
        #expect(attribute(batch, "tusk.batch.statements_completed") as? Int == 3)
        let syntax = try #require(spans.first { attribute($0, "db.response.status_code") as? String == "42601" })
        #expect(syntax["status_code"] as? Int == 2)
        #expect((attribute(syntax, "db.query.text") as? String)?.contains("?") == true)
    }

    @Test func rawModeKeepsTheLiterals() throws {
        let spans = try run(mode: ["--query-text", "raw"])
        let exported = strings(spans)
        #expect(exported.contains { $0.contains("secret-alice-7781") })
        #expect(exported.contains { $0.contains("secret-bob-9137") })
    }

    @Test func offModeExportsNoText() throws {
        let spans = try run(mode: ["--query-text", "off"])
        try #require(spans.count == 7)
        #expect(spans.allSatisfy { attribute($0, "db.query.text") == nil })
        #expect(spans.contains { $0["name"] as? String == "SELECT customers_sc" })
    }
}
