import Testing

/// Holds a workload's own report against the plan (Tests/Workloads/README.md): every step ran as
/// often as planned and came out as planned, as the client saw it.
enum PlanChecks {
    /// `encrypted`: the run was over TLS, and its first step asked the server whether it is.
    static func verify(
        _ statements: [WorkloadStatement], batches: Bool, encrypted: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var counts: [String: Int] = [:]
        for statement in statements {
            counts[statement.step, default: 0] += statement.statementCount
        }
        #expect(counts == ExpectedOutcome.planStatements(batches: batches, encrypted: encrypted), sourceLocation: sourceLocation)
        for (statement, planned) in zip(statements, ExpectedOutcome.planned(for: statements)) {
            #expect(statement.sqlstate == ExpectedOutcome.raised(by: statement), "\(statement)", sourceLocation: sourceLocation)
            if let rows = statement.rows {
                #expect(rows == planned?.rows, "\(statement)", sourceLocation: sourceLocation)
            }
        }
        #expect(Set(statements.map(\.pid)).count == 1, "one process", sourceLocation: sourceLocation)
    }
}
