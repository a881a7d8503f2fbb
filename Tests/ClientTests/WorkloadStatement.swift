import Foundation

/// One line a client workload printed: a statement as the application saw it (Tests/Workloads/README.md).
struct WorkloadStatement: Sendable, CustomStringConvertible {
    let pid: Int32
    /// Driver call that carried it; the statements of one batch or pipeline share it.
    let call: Int
    let step: String
    /// The text as the driver put it on the wire.
    let sql: String
    /// The call's duration, measured by the workload around the driver call.
    let nanoseconds: UInt64
    /// Rows returned or affected as the driver reported them; nil when it did not say.
    let rows: Int?
    let sqlstate: String?

    init(line: Substring) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let pid = object["pid"] as? NSNumber, let call = object["call"] as? NSNumber,
            let step = object["step"] as? String, let sql = object["sql"] as? String,
            let nanoseconds = object["ns"] as? NSNumber
        else { throw MalformedLine(line: String(line)) }
        self.pid = pid.int32Value
        self.call = call.intValue
        self.step = step
        self.sql = sql
        self.nanoseconds = nanoseconds.uint64Value
        rows = (object["rows"] as? NSNumber)?.intValue
        sqlstate = object["sqlstate"] as? String
    }

    /// Statements in `sql`: more than one when a driver joins a batch into one Query (psycopg2).
    var statementCount: Int { sql.split(separator: ";").count }

    var description: String { "call \(call) \(step): \(sql)" }

    struct MalformedLine: Error, CustomStringConvertible {
        let line: String
        var description: String { "not a workload line: \(line)" }
    }
}
