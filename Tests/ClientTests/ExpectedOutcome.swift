/// What a statement must come to, by the plan every workload runs (Tests/Workloads/README.md).
enum ExpectedOutcome: Equatable, Sendable, CustomStringConvertible {
    /// DDL and the like: success, no row count.
    case done
    case returned(rows: Int)
    case affected(rows: Int)
    case failed(sqlstate: String)

    /// Statements per step over a whole run (a psycopg2 batch line carries four).
    static let planStatements: [String: Int] = [
        "create": 1, "insert_literal": 1, "insert_param": 1, "select_param": 12, "update": 1, "batch": 4,
        "delete": 1, "undefined_table": 1, "unique_violation": 1, "select_many": 1, "drop": 1,
    ]

    /// The outcome the plan gives `statement`'s step; nil for a step the plan does not have.
    init?(plannedFor statement: WorkloadStatement) {
        switch statement.step {
        case "create", "drop": self = .done
        case "insert_literal", "insert_param": self = .affected(rows: 1)
        case "select_param": self = .returned(rows: 1)
        case "update": self = .affected(rows: 2)
        case "batch": self = .affected(rows: statement.statementCount)  // one per INSERT
        case "delete": self = .affected(rows: 4)
        case "undefined_table": self = .failed(sqlstate: "42P01")
        case "unique_violation": self = .failed(sqlstate: "23505")
        case "select_many": self = .returned(rows: 50_000)
        default: return nil
        }
    }

    var sqlstate: String? {
        if case .failed(let sqlstate) = self { return sqlstate }
        return nil
    }

    var rows: Int? {
        switch self {
        case .returned(let rows), .affected(let rows): rows
        case .done, .failed: nil
        }
    }

    var description: String {
        switch self {
        case .done: "ok"
        case .returned(let rows): "ok, \(rows) rows returned"
        case .affected(let rows): "ok, \(rows) rows affected"
        case .failed(let sqlstate): "error \(sqlstate)"
        }
    }
}
