import Foundation

/// A Python process holding PostgreSQL connections open while the test drives them one command at
/// a time (Tests/Workloads/robustness/session.py): connections made before the agent starts, a
/// query cancelled from another thread, psycopg2 (simple protocol) next to psycopg 3 (parameters
/// bound on the server).
public final class DatabaseSession: @unchecked Sendable {
    public enum Driver: String, Sendable {
        case psycopg2
        case psycopg3 = "psycopg"
    }

    /// What one command answered.
    public struct Answer: @unchecked Sendable {
        public let json: [String: Any]
        public var ok: Bool { json["ok"] as? Bool ?? false }
        public var sqlState: String? { json["sqlstate"] as? String }
        public var rows: Int? { json["rows"] as? Int }
        public var seconds: Double? { json["seconds"] as? Double }
    }

    /// The query each `connect` runs to learn its backend and port (it makes a span of its own).
    public static let connectQuery = "SELECT pg_backend_pid(), inet_client_port()"

    private let process: InteractiveProcess
    public let pid: Int32
    private var exitStatus: Int32?

    /// Starts the session against the sandbox; no connection yet.
    public init(_ postgres: PostgresSandbox) throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Workloads/robustness/session.py").path
        process = try InteractiveProcess(
            TestEnvironment.python, [script], environment: ["PGHOST": "127.0.0.1", "PGPORT": String(postgres.port)])
        let hello = try process.nextJSON()
        guard let pid = hello["pid"] as? Int else { throw InteractiveProcess.ProcessError(message: "no pid: \(hello)") }
        self.pid = Int32(pid)
    }

    /// Opens connection `name`; the backend's pid and the client's port as the server sees it.
    public func connect(_ name: String, driver: Driver) throws -> (backendPID: Int32, clientPort: Int) {
        let answer = try command(["op": "connect", "conn": name, "driver": driver.rawValue])
        guard answer.ok, let backend = answer.json["backend_pid"] as? Int, let port = answer.json["local_port"] as? Int else {
            throw InteractiveProcess.ProcessError(message: "connect failed: \(answer.json) \(process.errorOutput)")
        }
        return (Int32(backend), port)
    }

    /// Runs `sql` on connection `name`; with `parameters`, psycopg2 interpolates them, psycopg 3 binds them.
    public func query(_ name: String, _ sql: String, parameters: [Any]? = nil) throws -> Answer {
        var fields: [String: Any] = ["op": "query", "conn": name, "sql": sql]
        if let parameters { fields["params"] = parameters }
        return try command(fields)
    }

    /// Runs `sql` and cancels it (CancelRequest on a new connection) from another thread after `after` seconds.
    public func cancelDuring(_ name: String, _ sql: String, after: Double) throws -> Answer {
        try command(["op": "cancel_during", "conn": name, "sql": sql, "after": after], timeout: 60)
    }

    /// Closes every connection and waits for the process to exit: its status.
    @discardableResult
    public func finish() -> Int32 {
        if let exitStatus { return exitStatus }
        process.send(#"{"op": "exit"}"#)
        process.closeInput()
        let status = process.wait()
        exitStatus = status
        return status
    }

    private func command(_ fields: [String: Any], timeout: TimeInterval = 30) throws -> Answer {
        let line = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        process.send(line)
        return Answer(json: try process.nextJSON(timeout: timeout))
    }
}
