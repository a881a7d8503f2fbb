/// One span the agent must print for a workload: the statement's text and outcome, and the
/// client's own measurement that bounds its duration.
struct ExpectedSpan: Sendable, CustomStringConvertible {
    let text: String
    let outcome: ExpectedOutcome
    /// The duration of the driver call that carried the statement, as the client measured it.
    let maxNanoseconds: UInt64
    /// That call's number; nil for what a driver runs outside any call the workload measured.
    let call: Int?
    /// Where the expectation comes from, for failure messages.
    let origin: String

    var description: String { "\(origin) → \(outcome): \(text)" }

    /// The spans a workload's statements must produce, in order: one per statement, plus the
    /// driver's own queries where the driver runs them. `processNanoseconds` (the whole
    /// workload's run) bounds what the driver runs while connecting.
    static func sequence(
        for statements: [WorkloadStatement], driverQueries: [DriverQuery], processNanoseconds: UInt64
    ) -> [ExpectedSpan] {
        var spans: [ExpectedSpan] = []
        for query in driverQueries {
            guard case .afterConnecting = query.position else { continue }
            spans.append(ExpectedSpan(
                text: query.text, outcome: .done, maxNanoseconds: processNanoseconds, call: nil,
                origin: "driver after connecting (\(query.reason))"))
        }
        let outcomes = ExpectedOutcome.planned(for: statements)
        for (index, statement) in statements.enumerated() {
            spans.append(ExpectedSpan(
                text: statement.sql, outcome: outcomes[index] ?? .done,
                maxNanoseconds: statement.nanoseconds, call: statement.call, origin: "call \(statement.call) \(statement.step)"))
            let lastOfCall = index + 1 == statements.count || statements[index + 1].call != statement.call
            guard lastOfCall else { continue }
            for query in driverQueries {
                guard case .inside(let step) = query.position, step == statement.step else { continue }
                spans.append(ExpectedSpan(
                    text: query.text, outcome: .done, maxNanoseconds: statement.nanoseconds, call: statement.call,
                    origin: "driver in call \(statement.call) \(statement.step) (\(query.reason))"))
            }
        }
        return spans
    }
}
