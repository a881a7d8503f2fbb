/// What a statement must come to, by the plan every workload runs (Tests/Workloads/README.md).
enum ExpectedOutcome: Equatable, Sendable, CustomStringConvertible {
    /// DDL and the like: success, no row count.
    case done
    case returned(rows: Int)
    case affected(rows: Int)
    case failed(sqlstate: String)
    /// Not executed: an earlier statement of the same pipeline failed and the server skipped
    /// everything up to the pipeline's Sync.
    case skipped

    /// Statements per step over a whole run (a psycopg2 batch line carries several);
    /// `batch_error` only for drivers that batch, `encrypted` only over TLS.
    static func planStatements(batches: Bool, encrypted: Bool = false) -> [String: Int] {
        [
            "encrypted": encrypted ? 1 : 0,
            "create": 1, "insert_literal": 1, "insert_param": 1, "select_param": 12, "update": 1, "batch": 4,
            "batch_error": batches ? 3 : 0, "delete": 1, "undefined_table": 1, "unique_violation": 1,
            "select_many": 1, "drop": 1,
        ].filter { $0.value > 0 }
    }

    /// The outcome the plan gives each statement, by its step and its place in its call.
    static func planned(for statements: [WorkloadStatement]) -> [ExpectedOutcome?] {
        var positions: [Int] = []
        for (index, statement) in statements.enumerated() {
            positions.append(index > 0 && statements[index - 1].call == statement.call ? positions[index - 1] + 1 : 0)
        }
        return zip(statements, positions).map { ExpectedOutcome(plannedFor: $0, position: $1) }
    }

    /// The outcome the plan gives `statement`, the `position`-th of its driver call; nil for a
    /// step the plan does not have.
    init?(plannedFor statement: WorkloadStatement, position: Int) {
        switch statement.step {
        case "encrypted": self = .returned(rows: 1)  // pg_stat_ssl's row for the connection
        case "create", "drop": self = .done
        case "insert_literal", "insert_param": self = .affected(rows: 1)
        case "select_param": self = .returned(rows: 1)
        case "update": self = .affected(rows: 2)
        case "batch": self = .affected(rows: statement.statementCount)  // one per INSERT
        case "batch_error" where statement.statementCount > 1:
            // one Query holding the three INSERTs (psycopg2): it fails as a whole, and its implicit
            // transaction takes the first INSERT's row back with it
            self = .failed(sqlstate: "23505")
        case "batch_error":
            // three requests and one Sync: the first INSERT completes (its row goes when the
            // implicit transaction aborts), the second fails, the third is skipped
            self = [.affected(rows: 1), .failed(sqlstate: "23505"), .skipped][min(position, 2)]
        case "delete": self = .affected(rows: 4)
        case "undefined_table": self = .failed(sqlstate: "42P01")
        case "unique_violation": self = .failed(sqlstate: "23505")
        case "select_many": self = .returned(rows: 50_000)
        default: return nil
        }
    }

    /// The SQLSTATE the driver call raises: a pipeline's statements all share its error.
    static func raised(by statement: WorkloadStatement) -> String? {
        statement.step == "batch_error" ? "23505" : ExpectedOutcome(plannedFor: statement, position: 0)?.sqlstate
    }

    var sqlstate: String? {
        if case .failed(let sqlstate) = self { return sqlstate }
        return nil
    }

    var rows: Int? {
        switch self {
        case .returned(let rows), .affected(let rows): rows
        case .done, .failed, .skipped: nil
        }
    }

    var description: String {
        switch self {
        case .done: "ok"
        case .returned(let rows): "ok, \(rows) rows returned"
        case .affected(let rows): "ok, \(rows) rows affected"
        case .failed(let sqlstate): "error \(sqlstate)"
        case .skipped: "skipped"
        }
    }
}
